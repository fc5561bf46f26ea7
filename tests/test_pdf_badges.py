"""Badge renderer, text fitting and QR matrix tests. Pure: no Flask app, no database."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image, ImageOps
from pypdf import PdfReader
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from confapp.pdf.badges import (
    BADGE_HEIGHT,
    BADGE_WIDTH,
    CATEGORY_COLOURS,
    BadgeData,
    Layout,
    badge_pages,
    render_badges,
)
from confapp.pdf.fonts import ELLIPSIS, fit_text, fonts
from confapp.pdf.qr import qr_code, qr_path_ops

LONG_NAME = ("Søren Ægidius Østergård-Hansen " * 5)[:120]
CATEGORIES = sorted(CATEGORY_COLOURS) + ["not-a-category"]


def badge(i: int, **overrides: str) -> BadgeData:
    """A realistic badge with a unique ~90-character signed-token-like payload."""
    fields = {
        "first_name": "Søren",
        "last_name": "Ægidius Østergård-Hansen",
        "organisation": "Københavns Professionshøjskole",
        "category_key": CATEGORIES[i % len(CATEGORIES)],
        "category_label": "Uddannelse",
        "event_title": "Årsmøde 2027: Fremtidens beskæftigelsesindsats",
        "event_date": "12. maj 2027",
        "qr_payload": f"ci1.eyJlIjo0MiwiciI6{i:08d}fQ.{'x' * 40}{i:06d}sig",
    }
    fields.update(overrides)
    return BadgeData(**fields)


def pages(pdf: bytes) -> list:
    return PdfReader(io.BytesIO(pdf)).pages


def decoded(pdf: bytes, page: int = 0) -> set[str]:
    """Payloads of all QR codes found on a page rendered at 288 dpi."""
    image = pdfium.PdfDocument(pdf)[page].render(scale=4).to_pil()
    return {r.text for r in zxingcpp.read_barcodes(image)}


@pytest.mark.parametrize(("count", "expected"), [(0, 1), (1, 1), (8, 1), (9, 2), (301, 38)])
def test_page_count_8up(count: int, expected: int) -> None:
    pdf = render_badges([badge(i) for i in range(count)], Layout.A4_8UP, lang="da")
    assert pdf.startswith(b"%PDF")
    assert len(pages(pdf)) == expected == badge_pages(count, Layout.A4_8UP)


@pytest.mark.parametrize(("count", "expected"), [(0, 1), (1, 1), (3, 3)])
def test_page_count_a6(count: int, expected: int) -> None:
    pdf = render_badges([badge(i) for i in range(count)], Layout.A6, lang="da")
    assert len(pages(pdf)) == expected == badge_pages(count, Layout.A6)


def test_layout_accepts_string_value() -> None:
    assert len(pages(render_badges([badge(0)], "a6", lang="da"))) == 1  # type: ignore[arg-type]


def test_empty_shows_message() -> None:
    pdf = render_badges([], Layout.A4_8UP, lang="da", empty_message="Ingen navneskilte")
    assert "Ingen navneskilte" in pages(pdf)[0].extract_text()


def test_danish_and_accented_text_survives() -> None:
    people = [
        badge(0),
        badge(1, first_name="José", last_name="Núñez", organisation="Ærø Kommune"),
        badge(2, first_name="Åse", last_name="Bjørnø", organisation="ØSTERGÅRD & CO"),
    ]
    # Line breaks are the renderer's choice; compare with whitespace normalised.
    text = " ".join(
        pages(render_badges(people, Layout.A4_8UP, lang="da"))[0].extract_text().split()
    )
    for expected in [
        "Søren",
        "Ægidius Østergård-Hansen",
        "José",
        "Núñez",
        "Ærø Kommune",
        "Åse",
        "Bjørnø",
        "ØSTERGÅRD & CO",
        "Københavns Professionshøjskole",
        "Årsmøde 2027",
        "12. maj 2027",
        "Uddannelse",
    ]:
        assert expected in text


def test_fonts_are_embedded_dejavu() -> None:
    fs = fonts()
    if not fs.embedded:
        pytest.skip("DejaVu fonts not installed; Helvetica fallback in use")
    pdf = render_badges([badge(0)], Layout.A4_8UP, lang="da")
    embedded = {
        str(font["/BaseFont"])
        for ref in pages(pdf)[0]["/Resources"]["/Font"].get_object().values()
        if "/FontDescriptor" in (font := ref.get_object())
        and "/FontFile2" in font["/FontDescriptor"].get_object()
    }
    assert any(name.endswith("+DejaVuSans") for name in embedded)
    assert any(name.endswith("+DejaVuSans-Bold") for name in embedded)


def test_qr_codes_on_8up_page_decode_exactly() -> None:
    people = [badge(i) for i in range(9)]
    pdf = render_badges(people, Layout.A4_8UP, lang="da")
    assert decoded(pdf, 0) == {b.qr_payload for b in people[:8]}
    assert decoded(pdf, 1) == {people[8].qr_payload}


def test_qr_on_a6_and_with_long_fields_decodes() -> None:
    person = badge(3, first_name=LONG_NAME, last_name=LONG_NAME, organisation=LONG_NAME)
    assert decoded(render_badges([person], Layout.A6, lang="da")) == {person.qr_payload}
    assert decoded(render_badges([person], Layout.A4_8UP, lang="da")) == {person.qr_payload}


def test_qr_is_at_least_20mm_on_the_badge() -> None:
    image = pdfium.PdfDocument(render_badges([badge(0)], Layout.A4_8UP, lang="da"))[0].render(
        scale=4
    )
    (result,) = zxingcpp.read_barcodes(image.to_pil())
    px_per_mm = 4 * 72 / 25.4
    width_mm = (result.position.top_right.x - result.position.top_left.x) / px_per_mm
    assert width_mm >= 20


def _char_boxes(pdf: bytes) -> list[tuple[str, tuple[float, float, float, float]]]:
    page = pdfium.PdfDocument(pdf)[0]
    text = page.get_textpage()
    boxes = []
    for i in range(text.count_chars()):
        ch = text.get_text_range(i, 1)
        if ch.strip():
            boxes.append((ch, text.get_charbox(i)))
    return boxes


@pytest.mark.parametrize("layout", [Layout.A4_8UP, Layout.A6])
def test_long_text_stays_inside_badge_and_clear_of_qr(layout: Layout) -> None:
    """Every glyph of a badge full of 120-character fields lies inside the badge box."""
    person = badge(
        0,
        first_name=LONG_NAME,
        last_name="Østergård-Hansen-" * 7,
        organisation=LONG_NAME,
        event_title=LONG_NAME,
        category_label=LONG_NAME,
    )
    pdf = render_badges([person], layout, lang="da")
    page = pdfium.PdfDocument(pdf)[0]
    page_w, page_h = page.get_size()
    if layout is Layout.A4_8UP:
        # First badge of the sheet: top-left cell of the centred 2 x 4 grid (8 mm gutters).
        left = (page_w - 2 * BADGE_WIDTH - 8 * mm) / 2
        top = page_h - (page_h - 4 * BADGE_HEIGHT - 3 * 8 * mm) / 2
        width, height = BADGE_WIDTH, BADGE_HEIGHT
    else:
        left, top, width, height = 0, page_h, page_w, page_h
    scale = min(width / BADGE_WIDTH, height / BADGE_HEIGHT)
    band_bottom = top - 9 * mm * scale
    qr_left = left + width - 31 * mm * scale - 1.5 * mm * scale
    boxes = _char_boxes(pdf)
    assert boxes
    tolerance = 0.5
    for ch, (x0, y0, x1, y1) in boxes:
        assert left - tolerance <= x0 and x1 <= left + width + tolerance, ch
        assert top - height - tolerance <= y0 and y1 <= top + tolerance, ch
        if y1 < band_bottom - tolerance:  # below the category band: the text column
            assert x1 <= qr_left + tolerance, ch
    text = page.get_textpage().get_text_range()
    assert ELLIPSIS in text  # truncation is visible, never silent


def _overlap(a: tuple[float, ...], b: tuple[float, ...], slack: float = 0.3) -> bool:
    return (
        a[0] + slack < b[2] and b[0] + slack < a[2] and a[1] + slack < b[3] and b[1] + slack < a[3]
    )


NAME_VARIANTS = {
    "wraps-at-large-sizes": {
        "first_name": "Marie-Louise Vibeke Kristine Charlotte",
        "last_name": "Christiansen-Kristensen Bøgh Andersen Vestergaard",
        "organisation": "Styrelsen for Arbejdsmarked og Rekruttering, Region Hovedstaden",
    },
    "medium": {
        "first_name": "Marie-Louise Kristine",
        "last_name": "Christiansen-Kristensen Bøgh",
        "organisation": "Københavns Professionshøjskole, Institut for Socialt Arbejde",
    },
    "worst-case": {"first_name": LONG_NAME, "last_name": LONG_NAME, "organisation": LONG_NAME},
}


def _font_sizes(pdf: bytes, word: str) -> set[float]:
    """Font sizes of the characters of the first occurrence of ``word`` on page 1."""
    text = pdfium.PdfDocument(pdf)[0].get_textpage()
    start = text.get_text_range().index(word)
    return {
        round(pdfium.raw.FPDFText_GetFontSize(text.raw, i), 1)
        for i in range(start, start + len(word))
    }


@pytest.mark.parametrize("layout", [Layout.A4_8UP, Layout.A6])
@pytest.mark.parametrize("variant", sorted(NAME_VARIANTS))
def test_names_never_collide(layout: Layout, variant: str) -> None:
    """However names wrap or shrink, no two glyphs on the badge overlap."""
    event = "Årsmøde 2027: Fremtidens beskæftigelsesindsats i Hovedstaden og på Bornholm"
    person = badge(0, event_title=event, **NAME_VARIANTS[variant])
    boxes = [box for _, box in _char_boxes(render_badges([person], layout, lang="da"))]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not _overlap(a, b)


def test_first_name_is_larger_than_surname() -> None:
    person = badge(0, first_name="Kristine", last_name="Østergård")
    pdf = render_badges([person], Layout.A4_8UP, lang="da")
    assert min(_font_sizes(pdf, "Kristine")) > max(_font_sizes(pdf, "Østergård"))
    # Even when the first name has to shrink and the surname could be set large.
    person = badge(0, first_name="Marie-Louise Kristine", last_name="Christiansen-Kristensen Bøgh")
    pdf = render_badges([person], Layout.A4_8UP, lang="da")
    assert min(_font_sizes(pdf, "Kristine")) > max(_font_sizes(pdf, "Bøgh"))


def test_fit_text_120_characters() -> None:
    font = fonts().bold
    max_width = 150.0
    fitted = fit_text(LONG_NAME, font, max_width, 20, 10, 2, lang="da")
    assert 1 <= len(fitted.lines) <= 2
    assert fitted.size >= 10
    for line in fitted.lines:
        assert stringWidth(line, font, fitted.size) <= max_width
    assert fitted.truncated and fitted.lines[-1].endswith(ELLIPSIS)


def test_fit_text_prefers_shrinking_then_wraps_without_losing_words() -> None:
    font = fonts().bold
    short = fit_text("Mette", font, 150, 20, 10, 2, lang="da")
    assert short == fit_text("Mette", font, 150, 20, 10, 2, lang="da")
    assert short.lines == ("Mette",) and short.size == 20 and not short.truncated

    shrunk = fit_text("Christiansen-Kristensen", font, 150, 20, 10, 2, lang="da")
    assert shrunk.lines == ("Christiansen-Kristensen",) and 10 <= shrunk.size < 20

    name = "Søren Ægidius Østergård-Hansen Bøgh Andersen"
    wrapped = fit_text(name, font, 150, 20, 10, 2, lang="da")
    assert len(wrapped.lines) == 2 and not wrapped.truncated
    assert " ".join(wrapped.lines).replace("- ", "-") == name
    for line in wrapped.lines:
        assert stringWidth(line, font, wrapped.size) <= 150


def test_fit_text_keeps_every_character_when_not_truncated() -> None:
    font = fonts().regular
    for text in [
        "Region Hovedstaden - Jobcenter København Vest",
        "Beskæftigelses- og Integrationsudvalget",
        "A/S Østergård--Hansen & Co. (Ærø)",
    ]:
        fitted = fit_text(text, font, 120, 14, 9, 2, lang="da")
        assert not fitted.truncated
        assert "".join(fitted.lines).replace(" ", "") == text.replace(" ", "")


def test_fit_text_breaks_an_unbreakable_word() -> None:
    font = fonts().regular
    fitted = fit_text("x" * 300, font, 100, 12, 8, 3, lang="da")
    assert len(fitted.lines) == 3 and fitted.truncated
    assert all(stringWidth(line, font, 8) <= 100 for line in fitted.lines)


def test_fit_text_empty() -> None:
    assert fit_text("   ", fonts().regular, 100, 12, 8, 2, lang="da").lines == ()


def test_qr_code_is_level_m_and_decodes() -> None:
    for payload in [
        "ci1.example",
        "Østergård æøå ÆØÅ",
        "Ayşe Yılmaz",
        badge(7).qr_payload,
        "x" * 1200,
    ]:
        code = qr_code(payload)
        assert len(code.modules) == code.size**2 and (code.size - 17) % 4 == 0
        image = Image.frombytes("L", (code.size, code.size), code.modules)
        image = ImageOps.expand(image, border=4, fill=255)
        image = image.resize((image.width * 8,) * 2, Image.Resampling.NEAREST)
        (result,) = zxingcpp.read_barcodes(image)
        assert result.text == payload and result.ec_level == "M"


def test_qr_code_refuses_what_no_qr_code_holds() -> None:
    for payload in ["", "x" * 3000]:
        with pytest.raises(ValueError):
            qr_code(payload)


def test_qr_path_merges_runs() -> None:
    code = qr_code("ci1.example")
    dark = code.modules.count(0)
    ops = qr_path_ops(code)
    assert ops.endswith("f") and ops.count(" re") < dark / 2
