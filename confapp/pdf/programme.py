"""Event programme: cover page, then agenda items by day and time, parallel sessions grouped.

Pure renderer (platypus; documents are a few pages). All visible text arrives translated in
the input dataclasses. Breaks, meals and Q&A are marked by a shaded band *and* a text tag.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from confapp.pdf.data import ProgrammeData, ProgrammeItem, ProgrammeLabels
from confapp.pdf.flowables import TextBlock, TextStyle
from confapp.pdf.fonts import FontSet, fit_text, fonts, numbered_canvas, page_label

_MARGIN = 20 * mm
_TIME_COL = 30 * mm
_ROOM_COL = 32 * mm
# Shading per kind; the kind label is always printed too, so colour is not the only signal.
_SHADE = {
    "break": colors.Color(0.92, 0.92, 0.92),
    "meal": colors.Color(0.92, 0.92, 0.92),
    "qa": colors.Color(1.0, 0.95, 0.80),
}
_ACCENT = colors.Color(0.0, 0.447, 0.698)
_TIME_RE = re.compile(r"^\s*(\d{1,2})[:.](\d{2})")


@dataclass(frozen=True)
class _Styles:
    title: TextStyle
    subtitle: TextStyle
    body: TextStyle
    h1: TextStyle
    h2: TextStyle
    parallel: TextStyle
    time: TextStyle
    item: TextStyle
    item_title: TextStyle
    tag: TextStyle
    small: TextStyle
    lang: str  # the document's language: hyphenation dictionary for overlong words

    def block(self, text: str, style: TextStyle) -> TextBlock:
        """Plain text in ``style``, wrapped in the document's language; line breaks kept."""
        return TextBlock(text, style, self.lang)


@cache
def _styles(fs: FontSet, lang: str) -> _Styles:
    """Text styles, built once per process and language."""
    return _Styles(
        title=TextStyle(fs.bold, 28, 34),
        subtitle=TextStyle(fs.regular, 15, 20, space_before=4),
        body=TextStyle(fs.regular, 11, 15, space_before=10),
        h1=TextStyle(fs.bold, 20, 24, space_after=8),
        h2=TextStyle(fs.bold, 14, 18, space_before=10, space_after=4),
        parallel=TextStyle(fs.bold, 10.5, 13, colour=_ACCENT, space_before=4),
        time=TextStyle(fs.bold, 10, 13),
        item=TextStyle(fs.regular, 10, 13),
        item_title=TextStyle(fs.bold, 10, 13),
        tag=TextStyle(fs.regular, 8, 13),
        small=TextStyle(fs.regular, 8.5, 11, colour=colors.dimgrey),
        lang=lang,
    )


def _minutes(value: str) -> int | None:
    """Minutes since midnight of a formatted "09:30" / "9.30" time, else None."""
    m = _TIME_RE.match(value)
    return int(m.group(1)) * 60 + int(m.group(2)) if m else None


def _overlaps(a: ProgrammeItem, b: ProgrammeItem) -> bool:
    """True if ``b`` starts before ``a`` ends (identical slots if times are unparsable)."""
    a_end, b_start = _minutes(a.ends), _minutes(b.starts)
    if a_end is None or b_start is None:
        return (a.starts, a.ends) == (b.starts, b.ends)
    return b_start < a_end


def _start_key(item: ProgrammeItem) -> tuple[bool, int]:
    """Sort key: parsable start times in order, unparsable ones last (stable among equals)."""
    minutes = _minutes(item.starts)
    return (minutes is None, minutes or 0)


def group_items(items: Sequence[ProgrammeItem]) -> list[tuple[str, list[list[ProgrammeItem]]]]:
    """Group items by day (first-seen order), then into clusters of overlapping times.

    Items are sorted by start time within a day (stable, so the caller's order breaks ties).
    A cluster with more than one item is a block of parallel sessions.
    """
    days: dict[str, list[ProgrammeItem]] = {}
    for item in items:
        days.setdefault(item.day, []).append(item)
    out: list[tuple[str, list[list[ProgrammeItem]]]] = []
    for day, day_items in days.items():
        ordered = sorted(day_items, key=_start_key)
        clusters: list[list[ProgrammeItem]] = []
        for item in ordered:
            if clusters and any(_overlaps(prev, item) for prev in clusters[-1]):
                clusters[-1].append(item)
            else:
                clusters.append([item])
        out.append((day, clusters))
    return out


def _time_text(item: ProgrammeItem) -> str:
    return f"{item.starts}–{item.ends}" if item.ends else item.starts


def _content(item: ProgrammeItem, labels: ProgrammeLabels, st: _Styles, with_room: bool) -> list:
    """Title, tag, room, speakers and description of one item as flowables."""
    heading = [st.item_title.span(item.title)]
    if item.kind_label:
        heading.append(st.tag.span(f"[{item.kind_label.upper()}]"))
    parts = [TextBlock(heading, st.item_title, st.lang)]
    details = []
    if with_room and item.room:
        details.append(f"{labels.room}: {item.room}")
    if item.speakers:
        details.append(f"{labels.speakers}: {item.speakers}")
    if details:
        parts.append(st.block(" · ".join(details), st.small))
    if item.description:
        parts.append(st.block(item.description, st.small))
    return parts


def _row_style(rows: Sequence[ProgrammeItem]) -> TableStyle:
    cmds: list[tuple] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.Color(0.8, 0.8, 0.8)),
    ]
    for i, item in enumerate(rows):
        if item.kind in _SHADE:
            cmds.append(("BACKGROUND", (0, i), (-1, i), _SHADE[item.kind]))
    return TableStyle(cmds)


def _single(item: ProgrammeItem, labels: ProgrammeLabels, st: _Styles, width: float) -> Table:
    cells = [[st.block(_time_text(item), st.time), _content(item, labels, st, with_room=True)]]
    # splitInRow: an item longer than a page (the form allows 5,000 characters) flows on.
    return Table(
        cells, colWidths=[_TIME_COL, width - _TIME_COL], style=_row_style([item]), splitInRow=1
    )


def _parallel(
    cluster: list[ProgrammeItem], labels: ProgrammeLabels, st: _Styles, width: float
) -> list[Flowable]:
    """Heading plus one row per session with the room in its own column."""
    start = min(cluster, key=lambda it: _minutes(it.starts) or 0).starts
    end = max(cluster, key=lambda it: _minutes(it.ends) or 0).ends
    heading = st.block(f"{labels.parallel} · {start}–{end}", st.parallel)
    cells = [
        [
            st.block(_time_text(it), st.time),
            st.block(it.room, st.time),
            _content(it, labels, st, with_room=False),
        ]
        for it in cluster
    ]
    table = Table(
        cells,
        colWidths=[_TIME_COL, _ROOM_COL, width - _TIME_COL - _ROOM_COL],
        style=_row_style(cluster),
        splitInRow=1,
    )
    # A bar down the left edge ties the parallel rows together visually.
    table.setStyle([("LINEBEFORE", (0, 0), (0, -1), 2.5, _ACCENT)])
    # Keep a normal block on one page; a huge one may split (the table then splits by row).
    return [KeepTogether([heading, table])] if len(cluster) <= 6 else [heading, table]


def _story(data: ProgrammeData, st: _Styles, width: float) -> list:
    labels = data.labels
    story: list = [Spacer(1, 40 * mm), st.block(data.event_title, st.title)]
    for text in (data.event_date, data.venue):
        if text:
            story.append(st.block(text, st.subtitle))
    if data.description:
        story.append(st.block(data.description, st.body))

    groups = group_items(data.items)
    if not groups:
        story += [
            Spacer(1, 20 * mm),
            st.block(labels.title, st.h1),
            st.block(labels.empty, st.item),
        ]
        return story

    story += [PageBreak(), st.block(labels.title, st.h1)]
    for day, clusters in groups:
        if day:
            story += [CondPageBreak(40 * mm), st.block(day, st.h2)]
        for cluster in clusters:
            if len(cluster) == 1:
                story.append(_single(cluster[0], labels, st, width))
            else:
                story += [*_parallel(cluster, labels, st, width), Spacer(1, 3 * mm)]
    return story


def render_programme(data: ProgrammeData, *, lang: str) -> bytes:
    """Render the programme as an A4 PDF with "Page X of Y" and the event name on each page.

    ``lang`` ("da", "en") is the language the labels are in; words too wide for their column
    are hyphenated with its dictionary.
    """
    fs = fonts()
    st = _styles(fs, lang)
    page_w = A4[0]
    width = page_w - 2 * _MARGIN

    def decorate(c: Canvas, page: int, pages: int) -> None:
        c.saveState()
        c.setStrokeGray(0.75)
        c.setLineWidth(0.5)
        c.line(_MARGIN, 14 * mm, page_w - _MARGIN, 14 * mm)
        c.setFillGray(0.3)
        c.setFont(fs.regular, 8.5)
        c.drawRightString(page_w - _MARGIN, 9.5 * mm, page_label(data.labels.page, page, pages))
        # Event name on the left, clipped by the page label so the two never collide.
        c.drawString(
            _MARGIN, 9.5 * mm, _clip(data.event_title, fs.regular, 8.5, width * 0.65, lang)
        )
        c.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN,
        bottomMargin=22 * mm,
        title=f"{data.labels.title} – {data.event_title}",
        creator="confapp",
    )
    doc.build(_story(data, st, width), canvasmaker=numbered_canvas(decorate))
    return buf.getvalue()


def _clip(text: str, font: str, size: float, width: float, lang: str) -> str:
    """One line of ``text`` at ``size``, ellipsised to ``width`` if needed."""
    fitted = fit_text(text, font, width, size, size, 1, lang=lang)
    return fitted.lines[0] if fitted.lines else ""
