"""Participant list and sign-in sheet tests. Pure: no Flask app, no database."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from confapp.pdf.participants import (
    ListLabels,
    ParticipantRow,
    render_participant_list,
    render_sign_in_sheet,
)

EVENT = "Årsmøde 2027: Fremtidens beskæftigelsesindsats"
DATE = "12. maj 2027"
LIST = ListLabels(
    title="Participant list",
    name="Name",
    organisation="Organisation",
    category="Category",
    signature="Signature",
    page="Page {page} of {pages}",
    empty="No participants",
    count="301 participants",
)
SHEET = ListLabels(
    title="Indtjekningsliste",
    name="Navn",
    organisation="Organisation",
    category="Kategori",
    signature="Underskrift",
    page="Side {page} af {pages}",
    empty="Ingen deltagere",
)
FIRST = ["Søren", "Åse", "José", "Bjørn", "Lærke", "Mette"]
LAST = ["Østergård-Hansen", "Núñez", "Kjærgaard", "Ægidius", "Nielsen"]
GROUPS = ["Jobcenter", "Politiker", "A-kasse", "Virksomhed"]


def rows(count: int) -> list[ParticipantRow]:
    return [
        ParticipantRow(
            name=f"{FIRST[i % len(FIRST)]} {LAST[i % len(LAST)]} {i}",
            organisation="Frederiksberg Kommune" if i % 3 else "3F København",
            category_label=GROUPS[i * len(GROUPS) // count],
            group=GROUPS[i * len(GROUPS) // count],
        )
        for i in range(count)
    ]


def page_texts(pdf: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


RENDERERS = [(render_participant_list, LIST), (render_sign_in_sheet, SHEET)]
LANG = {LIST: "en", SHEET: "da"}  # the language each set of labels is in


@pytest.mark.parametrize(("render", "labels"), RENDERERS)
def test_names_and_groups_present(render, labels) -> None:
    people = rows(12)
    everything = " ".join(page_texts(render(EVENT, DATE, people, labels, lang=LANG[labels])))
    for person in people:
        assert person.name in everything
    for group in GROUPS:
        assert group in everything


@pytest.mark.parametrize(("render", "labels"), RENDERERS)
def test_every_page_has_header_title_event_and_page_number(render, labels) -> None:
    people = rows(301)
    texts = page_texts(render(EVENT, DATE, people, labels, lang=LANG[labels]))
    small = page_texts(render(EVENT, DATE, rows(10), labels, lang=LANG[labels]))
    assert len(small) == 1 and len(texts) > 5
    page_word = labels.page.split(" ")[0]
    for number, text in enumerate(texts, start=1):
        assert EVENT in text and DATE in text and labels.title in text
        assert labels.name in text and labels.organisation in text  # repeated table header
        assert f"{page_word} {number} " in text and str(len(texts)) in text
    everything = " ".join(texts)
    assert all(person.name in everything for person in people)


def test_sign_in_sheet_has_signature_column_and_taller_rows() -> None:
    people = rows(301)
    sheet = page_texts(render_sign_in_sheet(EVENT, DATE, people, SHEET, lang="da"))
    listing = page_texts(render_participant_list(EVENT, DATE, people, LIST, lang="en"))
    assert all("Underskrift" in text for text in sheet)
    assert "Signature" not in " ".join(listing)
    # 10 mm rows: at most ~25 per page, so clearly more pages than the plain list.
    assert len(sheet) >= 301 / 25 and len(sheet) > len(listing)


def test_count_line_and_long_names_wrap() -> None:
    long = ParticipantRow(
        "Søren Ægidius Østergård-Hansen Christiansen-Kristensen Bøgh Andersen Vestergaard",
        "Styrelsen for Arbejdsmarked og Rekruttering, Region Hovedstaden og Sjælland",
        "Styrelse",
    )
    (text,) = page_texts(render_participant_list(EVENT, DATE, [long], LIST, lang="en"))
    assert "301 participants" in text
    assert long.name in text and long.organisation in text  # wrapped, not cut


@pytest.mark.parametrize(("render", "labels"), RENDERERS)
def test_empty(render, labels) -> None:
    (text,) = page_texts(render(EVENT, DATE, [], labels, lang=LANG[labels]))
    assert labels.empty in text and EVENT in text
