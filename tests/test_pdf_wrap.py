"""Line breaking in the PDFs: at spaces, and inside a word only at a hyphenation point.

The PDF tests read the text back per column with pdfium and check every line break against
the text that went in: a break is either between two words, after a hyphen the text already
had, or at a point Pyphen's dictionary for the document's language allows, with a hyphen
added. The category labels are the app's own, in Danish and English.
"""

from __future__ import annotations

import re
from itertools import pairwise

import pypdfium2 as pdfium
import pyphen
import pytest
from flask_babel import force_locale
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from confapp import create_app
from confapp.pdf.badges import BADGE_WIDTH, BadgeData, Layout, render_badges
from confapp.pdf.data import (
    ListLabels,
    ParticipantRow,
    ProgrammeData,
    ProgrammeItem,
    ProgrammeLabels,
)
from confapp.pdf.fonts import fit_text, fonts
from confapp.pdf.participants import render_participant_list, render_sign_in_sheet
from confapp.pdf.programme import render_programme
from confapp.pdf.wrap import DICTIONARIES, Span, Words, dictionary, wrap_text
from confapp.templating import CATEGORY_LABELS

LANGS = ["da", "en"]
# Where a line may break inside a word as written: after an inner hyphen ("A-|kasse").
_INNER_HYPHEN = re.compile(r"(?<=[^\s-]-)(?=[^\s-])")


def category_labels(lang: str) -> list[str]:
    """The demo's participant categories as the app prints them in ``lang``."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context(), force_locale(lang):
        return [str(label) for label in CATEGORY_LABELS.values()]


def positions(word: str, lang: str) -> list[int]:
    return pyphen.Pyphen(lang=DICTIONARIES[lang]).positions(word)


def column_lines(
    pdf: bytes, left: float, right: float, top: float, bottom: float = 20 * mm, page: int = 0
) -> list[str]:
    """Lines of text inside the box (PDF points, y up), top to bottom.

    pdfium reports a hyphen that ends a line as "\\x02" and joins the lines there.
    """
    textpage = pdfium.PdfDocument(pdf)[page].get_textpage()
    text = textpage.get_text_bounded(left, bottom, right, top)
    return text.replace("\x02", "-\n").replace("\r\n", "\n").split("\n")


def box_of(pdf: bytes, needle: str, page: int = 0) -> tuple[float, float, float, float]:
    """(left, bottom, right, top) of the first character of ``needle`` on ``page``."""
    textpage = pdfium.PdfDocument(pdf)[page].get_textpage()
    index, _ = textpage.search(needle, match_case=True).get_next()
    return textpage.get_charbox(index)


def x_of(pdf: bytes, needle: str, page: int = 0) -> float:
    return box_of(pdf, needle, page)[0]


def _word_piece(text: str, pos: int) -> tuple[str, int]:
    """The part of the word around ``text[pos]`` between spaces and inner hyphens, and where
    ``pos`` falls in it (words are hyphenated piece by piece, as the renderer does)."""
    start = max(text.rfind(" ", 0, pos), text.rfind("\n", 0, pos)) + 1
    end = min(i for i in (text.find(" ", pos), text.find("\n", pos), len(text)) if i >= 0)
    offset = start
    for piece in _INNER_HYPHEN.split(text[start:end]):
        if offset < pos < offset + len(piece):
            return piece, pos - offset
        offset += len(piece)
    raise AssertionError(f"no word around {pos} in {text!r}")


def assert_breaks_ok(lines: list[str], sources: list[str], lang: str) -> int:
    """Match the column's lines against ``sources`` (its cells, in order) and check each break.

    A line may end between words, after a hyphen the text has ("Østergård-|Hansen"), or
    inside a word at one of its dictionary hyphenation points with a hyphen added. Returns
    how many such hyphens were added; fails on any other break or on missing text.
    """
    text = "\n".join(" ".join(s.split()) for s in sources)
    pos, hyphenated = 0, 0
    for line in filter(None, (line.strip() for line in lines)):
        if text.startswith(line, pos):
            pos += len(line)
            inside_word = pos < len(text) and not text[pos].isspace()
            assert not inside_word or line.endswith("-"), f"broken without a hyphen: {line!r}"
        elif line.endswith("-") and text.startswith(line[:-1], pos):
            pos += len(line) - 1
            word, cut = _word_piece(text, pos)
            assert cut in positions(word, lang), f"{word}: {word[:cut]}-|{word[cut:]}"
            hyphenated += 1
        else:
            raise AssertionError(f"{line!r} is not the text at {text[pos : pos + 40]!r}")
        if pos < len(text) and text[pos].isspace():
            pos += 1
    assert pos == len(text), f"text missing: {text[pos:]!r}"
    return hyphenated


def test_the_check_catches_the_reported_breaks() -> None:
    source = ["Arbejdsgiver- eller interesseorganisation", "Lokalt beskæftigelsesråd"]
    good = ["Arbejdsgiver-", "eller interesse-", "organisation", "Lokalt be-", "skæftigelsesråd"]
    assert assert_breaks_ok(good, source, "da") == 2
    for bad in (
        ["Arbejdsgiver- eller interess", "eorganisation", "Lokalt beskæftigelsesråd"],
        ["Arbejdsgiver- eller interess-", "eorganisation", "Lokalt beskæftigelsesråd"],
        ["Arbejdsgiver- eller", "interesseorganisation", "Lokalt bes", "kæftigelsesrå", "d"],
        ["Arbejdsgiver- eller", "interesseorganisation", "Lokalt"],  # text lost
    ):
        with pytest.raises(AssertionError):
            assert_breaks_ok(bad, source, "da")


def test_dictionaries_for_the_app_languages() -> None:
    assert dictionary("da") == "da_DK" and dictionary("en") == "en_GB"
    assert dictionary("da-DK") == "da_DK" and dictionary("en_US") == "en_GB"
    with pytest.raises(ValueError):
        dictionary("xx")


@pytest.mark.parametrize("lang", LANGS)
def test_long_word_breaks_only_at_hyphenation_points(lang: str) -> None:
    font = fonts().regular
    for word in ["Interesseorganisation", "Beskæftigelsesråd", "Uddannelsesinstitution"]:
        for width in (40, 55, 70):
            lines = wrap_text(word, font, 9, width, lang)
            assert len(lines) > 1
            assert "".join(line.removesuffix("-") for line in lines) == word
            cut = 0
            for line in lines[:-1]:
                assert line.endswith("-")
                cut += len(line) - 1
                assert cut in positions(word, lang), (word, lines)
            assert all(stringWidth(line, font, 9) <= width for line in lines)


def test_reported_breaks_are_gone() -> None:
    font = fonts().regular
    # The sign-in sheet's category column used to print "interess|eorganisation" and
    # "bes|kæftigelsesrå|d". Across a range of column widths, neither comes back.
    for width in range(40, 120, 4):
        joined = "|".join(
            wrap_text("Arbejdsgiver- eller interesseorganisation", font, 9, width, "da")
        )
        assert "interess|" not in joined and "interess-|" not in joined
        joined = "|".join(wrap_text("Lokalt beskæftigelsesråd", font, 9, width, "da"))
        assert not re.search(r"bes-?\|", joined) and not joined.endswith("|d")


def test_words_that_fit_are_not_hyphenated() -> None:
    font = fonts().regular
    text = "Styrelse eller ministerium for beskæftigelse"
    widest = max(stringWidth(w, font, 9) for w in text.split())
    lines = wrap_text(text, font, 9, widest + 1, "da")
    assert " ".join(lines) == text and len(lines) > 1


def test_language_picks_the_dictionary() -> None:
    font = fonts().regular
    # Danish: Ar-bejds-mar-keds-råd; British English knows no "mar-keds", only "marked-".
    assert wrap_text("Arbejdsmarkedsråd", font, 9, 65, "da") == ["Arbejdsmar-", "kedsråd"]
    assert wrap_text("Arbejdsmarkedsråd", font, 9, 65, "en") == ["Arbejds-", "markedsråd"]


def test_line_breaks_kept_and_unbreakable_strings_still_fit() -> None:
    font = fonts().regular
    assert wrap_text("Kort linje.\nNæste linje.", font, 9, 400, "da") == [
        "Kort linje.",
        "Næste linje.",
    ]
    lines = wrap_text("mette.østergaard-hansen@example.dk " + "x" * 60, font, 9, 50, "da")
    assert all(stringWidth(line, font, 9) <= 50 for line in lines)
    assert "".join(lines).replace("-", "") == "mette.østergaardhansen@example.dk" + "x" * 60


def test_spans_keep_their_fonts_on_one_line() -> None:
    fs = fonts()
    words = Words([Span("Frokost", fs.bold, 10), Span("[MÅLTID]", fs.regular, 8)], "da")
    (line,) = words.lines(200) or []
    assert [(f.span, f.text) for f in line.fragments] == [(0, "Frokost "), (1, "[MÅLTID]")]


def test_fit_text_shrinks_before_it_hyphenates() -> None:
    font = fonts().bold
    word = "Interesseorganisation"
    unit = stringWidth(word, font, 1)
    small = fit_text(word, font, unit * 9, 12, 8, 2, lang="da")
    assert small.lines == (word,) and small.size == 9
    hyphenated = fit_text(word, font, unit * 6, 12, 8, 2, lang="da")
    assert len(hyphenated.lines) == 2 and not hyphenated.truncated
    assert hyphenated.lines[0].endswith("-")
    assert len(hyphenated.lines[0]) - 1 in positions(word, "da")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("render", [render_sign_in_sheet, render_participant_list])
def test_lists_break_demo_categories_only_at_hyphenation_points(render, lang: str) -> None:
    categories = category_labels(lang)
    organisations = [
        "Frederiksberg Kommune, Beskæftigelsesudvalget",
        "Arbejdsmarkedsuddannelsescentret Hovedstaden",
        "Københavns Professionshøjskole",
    ]
    rows = [
        ParticipantRow(f"Søren Østergård-Hansen {i}", organisations[i % len(organisations)], label)
        for i, label in enumerate(categories)
    ]
    headers = {
        "da": ListLabels(
            "Indtjekningsliste",
            "Navn",
            "Organisation",
            "Gruppe",
            "Underskrift",
            "Side {page} af {pages}",
            "",
        ),
        "en": ListLabels(
            "Sign-in sheet",
            "Name",
            "Organisation",
            "Group",
            "Signature",
            "Page {page} of {pages}",
            "",
        ),
    }[lang]
    pdf = render("Beskæftigelseskonferencen 2027", "12. maj 2027", rows, headers, lang=lang)
    page_w = pdfium.PdfDocument(pdf)[0].get_size()[0]
    edges = [x_of(pdf, headers.name), x_of(pdf, headers.organisation), x_of(pdf, headers.category)]
    edges.append(x_of(pdf, headers.signature) if render is render_sign_in_sheet else page_w)
    columns = [
        [headers.name] + [r.name for r in rows],
        [headers.organisation] + [r.organisation for r in rows],
        [headers.category] + categories,
    ]
    top = box_of(pdf, headers.name)[3] + 2
    hyphenated = 0
    for (left, right), sources in zip(pairwise(edges), columns):
        lines = column_lines(pdf, left - 1, right - 1, top)
        hyphenated += assert_breaks_ok(lines, sources, lang)
    if render is render_sign_in_sheet:  # the narrow category column needs hyphenation
        assert hyphenated > 0


@pytest.mark.parametrize("lang", LANGS)
def test_programme_room_column_hyphenates(lang: str) -> None:
    room = "Beskæftigelsesministeriets mødelokale"
    items = [
        ProgrammeItem("10:00", "11:00", "Workshop A", "workshop", "Workshop", room=room),
        ProgrammeItem("10:00", "11:00", "Workshop B", "workshop", "Workshop", room="Sal 2"),
    ]
    labels = ProgrammeLabels("Program", "{page}/{pages}", "Lokale", "Talere", "-", "Parallelt")
    data = ProgrammeData("Årsmøde", "12. maj 2027", "", "", items, labels)
    pdf = render_programme(data, lang=lang)
    left, right = x_of(pdf, "Sal 2", page=1), x_of(pdf, "Workshop B", page=1)
    top = box_of(pdf, "Parallelt", page=1)[1] - 1  # below the heading of the sessions
    lines = column_lines(pdf, left - 1, right - 1, top, page=1)
    assert assert_breaks_ok(lines, [room, "Sal 2"], lang) > 0


def test_badge_organisation_hyphenates_an_overlong_word() -> None:
    organisation = "Arbejdsmarkedsuddannelsesadministrationsafdelingen"
    badge = BadgeData(
        "Mette", "Jensen", organisation, "agency", "Styrelse", "Årsmøde", "12. maj 2027", "ci1.x"
    )
    pdf = render_badges([badge], Layout.A4_8UP, lang="da")
    left = x_of(pdf, "Mette")
    qr_left = left - 4 * mm + BADGE_WIDTH - 31 * mm - 1.5 * mm
    lines = column_lines(pdf, left - 1, qr_left, top=box_of(pdf, "Styrelse")[3] + 2, bottom=0)
    texts = ["Styrelse", "Årsmøde", "12. maj 2027", "Mette", "Jensen", organisation]  # as drawn
    assert assert_breaks_ok(lines, texts, "da") == 1
