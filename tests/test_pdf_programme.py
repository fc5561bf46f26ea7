"""Programme PDF tests. Pure: no Flask app, no database."""

from __future__ import annotations

import io

from pypdf import PdfReader

from confapp.pdf.programme import (
    ProgrammeData,
    ProgrammeItem,
    ProgrammeLabels,
    group_items,
    render_programme,
)

EN = ProgrammeLabels(
    title="Programme",
    page="Page {page} of {pages}",
    room="Room",
    speakers="Speakers",
    empty="No agenda items yet",
    parallel="Parallel sessions",
)
DA = ProgrammeLabels(
    title="Program",
    page="Side {page} af {pages}",
    room="Lokale",
    speakers="Oplægsholdere",
    empty="Ingen programpunkter endnu",
    parallel="Parallelle sessioner",
)


def items(day: str = "") -> list[ProgrammeItem]:
    item = ProgrammeItem
    return [
        item("09:00", "09:30", "Arrival and breakfast", "meal", "Meal", room="Foyer", day=day),
        item(
            "09:30",
            "10:15",
            "Welcome: the labour market in the capital region",
            "talk",
            "Talk",
            room="Main hall",
            speakers="Søren Ægidius Østergård-Hansen",
            description="Status & outlook <with> markup-like characters.",
            day=day,
        ),
        item("10:15", "10:35", "Questions from the floor", "qa", "Q&A", room="Main hall", day=day),
        item("10:35", "10:50", "Coffee break", "break", "Break", day=day),
        item(
            "10:50", "12:00", "Workshop A: Seniors", "workshop", "Workshop", room="Room 1", day=day
        ),
        item("10:50", "12:00", "Workshop B: Youth", "workshop", "Workshop", room="Room 2", day=day),
        item(
            "11:00", "12:00", "Workshop C: Digital", "workshop", "Workshop", room="Room 3", day=day
        ),
        item("12:00", "13:00", "Lunch", "meal", "Meal", day=day),
    ]


def data(agenda: list[ProgrammeItem], labels: ProgrammeLabels = EN) -> ProgrammeData:
    return ProgrammeData(
        event_title="Årsmøde 2027: Fremtidens beskæftigelsesindsats",
        event_date="12 May 2027",
        venue="Københavns Rådhus",
        description="The annual meeting.\nRegistration is binding.",
        items=agenda,
        labels=labels,
    )


def page_texts(pdf: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages]


def test_cover_and_items() -> None:
    texts = page_texts(render_programme(data(items()), lang="en"))
    everything = " ".join(texts)
    assert "Årsmøde 2027: Fremtidens beskæftigelsesindsats" in texts[0]
    assert "12 May 2027" in texts[0] and "Københavns Rådhus" in texts[0]
    assert "Registration is binding." in texts[0]
    for title in [
        "Welcome: the labour market in the capital region",
        "Questions from the floor",
        "Coffee break",
        "Workshop A: Seniors",
        "Workshop C: Digital",
        "Lunch",
    ]:
        assert title in everything
    assert "Status & outlook <with> markup-like characters." in everything
    assert "Room: Main hall" in everything and "Søren Ægidius Østergård-Hansen" in everything


def test_breaks_meals_and_qa_carry_a_text_tag() -> None:
    everything = " ".join(page_texts(render_programme(data(items()), lang="en")))
    assert "Questions from the floor [Q&A]" in everything
    assert "Coffee break [BREAK]" in everything
    assert "Lunch [MEAL]" in everything


def test_parallel_sessions_grouped_under_heading() -> None:
    everything = " ".join(page_texts(render_programme(data(items()), lang="en")))
    assert "Parallel sessions · 10:50–12:00" in everything
    assert everything.count("Parallel sessions") == 1


def test_group_items_clusters_overlaps() -> None:
    ((day, clusters),) = group_items(items())
    assert day == ""
    sizes = [len(c) for c in clusters]
    assert sizes == [1, 1, 1, 1, 3, 1]
    assert {it.room for it in clusters[4]} == {"Room 1", "Room 2", "Room 3"}


def test_group_items_by_day_and_sorted_by_time() -> None:
    agenda = list(reversed(items("Day 2"))) + items("Day 1")
    groups = group_items(agenda)
    assert [day for day, _ in groups] == ["Day 2", "Day 1"]
    starts = [c[0].starts for c in groups[0][1]]
    assert starts == sorted(starts)


def test_page_numbers_on_every_page() -> None:
    agenda = items("Tuesday 12 May") + [
        ProgrammeItem(
            f"{13 + i // 4:02d}:{(i % 4) * 15:02d}",
            f"{13 + i // 4:02d}:{(i % 4) * 15 + 14:02d}",
            f"Session {i}",
            "talk",
            "Talk",
            description="Long description. " * 40,
            day="Wednesday 13 May",
        )
        for i in range(20)
    ]
    texts = page_texts(render_programme(data(agenda), lang="en"))
    total = len(texts)
    assert total >= 3
    for number, text in enumerate(texts, start=1):
        assert f"Page {number} of {total}" in text
    assert "Tuesday 12 May" in " ".join(texts) and "Wednesday 13 May" in " ".join(texts)


def test_danish_labels() -> None:
    texts = page_texts(render_programme(data(items(), DA), lang="da"))
    assert f"Side 1 af {len(texts)}" in texts[0]
    assert "Parallelle sessioner" in " ".join(texts)


def test_empty_programme() -> None:
    texts = page_texts(render_programme(data([]), lang="en"))
    assert len(texts) == 1
    assert "No agenda items yet" in texts[0] and "Page 1 of 1" in texts[0]


def test_an_item_longer_than_a_page_flows_onto_the_next() -> None:
    # The longest texts the agenda form accepts: 5,000 characters of description (with line
    # breaks) and 500 of speakers. A table row cannot span pages unless it may split.
    long_item = ProgrammeItem(
        "11:00",
        "12:00",
        "Workshop D " * 18,
        "workshop",
        "Workshop",
        room="Lokale " * 17,
        speakers="Søren Østergård, " * 29,
        description="Kort linje.\n" * 416,
    )
    agenda = [
        long_item,
        ProgrammeItem(
            "11:00", "12:00", "Parallel", "workshop", "Workshop", description="Kort linje.\n" * 416
        ),
    ]
    for chosen in (agenda[:1], agenda):
        texts = page_texts(render_programme(data(chosen), lang="en"))
        assert len(texts) >= 3 and "Workshop D" in " ".join(texts)
