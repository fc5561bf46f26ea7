"""Participant list and sign-in sheet: grouped tables with the header row on every page.

Pure renderers (platypus). Row order and grouping are the caller's decision; a group heading
row is inserted whenever ``ParticipantRow.group`` changes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from confapp.pdf.data import ListLabels, ParticipantRow
from confapp.pdf.flowables import TextBlock, TextStyle
from confapp.pdf.fonts import FontSet, fit_text, fonts, numbered_canvas, page_label

_MARGIN = 18 * mm
_HEADER_H = 22 * mm  # page header band: document title, event name and date
_FOOTER_H = 14 * mm
_SIGN_ROW_H = 10 * mm  # comfortable for a handwritten signature
_HEAD_BG = colors.Color(0.2, 0.2, 0.2)
_GROUP_BG = colors.Color(0.88, 0.88, 0.88)
_ZEBRA = colors.Color(0.965, 0.965, 0.965)


@dataclass(frozen=True)
class _Styles:
    cell: TextStyle
    head: TextStyle
    group: TextStyle
    note: TextStyle


@cache
def _styles(fs: FontSet) -> _Styles:
    """Text styles, built once per process."""
    return _Styles(
        cell=TextStyle(fs.regular, 9, 11),
        head=TextStyle(fs.bold, 9, 11, colour=colors.white),
        group=TextStyle(fs.bold, 10, 12),
        note=TextStyle(fs.regular, 10, 13, space_after=4),
    )


def _render(
    event_title: str,
    event_date: str,
    rows: Sequence[ParticipantRow],
    labels: ListLabels,
    *,
    sign_in: bool,
    lang: str,
) -> bytes:
    fs = fonts()
    st = _styles(fs)

    def _p(text: str, style: TextStyle) -> TextBlock:
        return TextBlock(text, style, lang)

    page_w, page_h = A4
    width = page_w - 2 * _MARGIN

    if sign_in:
        # The signature column gets the most room; text columns wrap instead.
        widths = [0.27 * width, 0.25 * width, 0.15 * width, 0.33 * width]
        header = [labels.name, labels.organisation, labels.category, labels.signature]
    else:
        widths = [0.36 * width, 0.40 * width, 0.24 * width]
        header = [labels.name, labels.organisation, labels.category]
    ncols = len(widths)

    data: list[list] = [[_p(h, st.head) for h in header]]
    style: list[tuple] = [
        ("BACKGROUND", (0, 0), (-1, 0), _HEAD_BG),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, colors.Color(0.75, 0.75, 0.75)),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if sign_in:
        style.append(("BOX", (-1, 1), (-1, -1), 0.3, colors.Color(0.75, 0.75, 0.75)))
    min_heights = [0.0]
    current_group = None
    for row in rows:
        if row.group and row.group != current_group:
            i = len(data)
            data.append([_p(row.group, st.group)] + [""] * (ncols - 1))
            style += [("SPAN", (0, i), (-1, i)), ("BACKGROUND", (0, i), (-1, i), _GROUP_BG)]
            min_heights.append(0.0)
        current_group = row.group
        cells = [_p(row.name, st.cell), _p(row.organisation, st.cell)]
        cells.append(_p(row.category_label, st.cell))
        if sign_in:
            cells.append("")
        elif len(data) % 2 == 0:
            style.append(("BACKGROUND", (0, len(data)), (-1, len(data)), _ZEBRA))
        data.append(cells)
        min_heights.append(_SIGN_ROW_H if sign_in else 0.0)

    story: list = []
    if labels.count:
        story.append(_p(labels.count, st.note))
    if rows:
        story.append(
            Table(
                data,
                colWidths=widths,
                repeatRows=1,  # header row on every page
                style=TableStyle(style),
                minRowHeights=min_heights,
            )
        )
    else:
        story += [Spacer(1, 10 * mm), _p(labels.empty, st.note)]

    def decorate(c: Canvas, page: int, pages: int) -> None:
        # Title, event and date on every page, so loose sheets can be matched up.
        c.saveState()
        top = page_h - _MARGIN
        title = fit_text(labels.title, fs.bold, width, 15, 9, 1, lang=lang)
        c.setFont(fs.bold, title.size)
        c.drawString(_MARGIN, top - title.size, title.lines[0] if title.lines else "")
        event = fit_text(event_title, fs.regular, width * 0.7, 10, 7, 1, lang=lang)
        c.setFont(fs.regular, event.size)
        c.drawString(_MARGIN, top - 13 * mm, event.lines[0] if event.lines else "")
        date = fit_text(event_date, fs.regular, width * 0.28, 10, 7, 1, lang=lang)
        c.setFont(fs.regular, date.size)
        c.drawRightString(page_w - _MARGIN, top - 13 * mm, date.lines[0] if date.lines else "")
        c.setFillGray(0.3)
        c.setFont(fs.regular, 8.5)
        c.drawRightString(page_w - _MARGIN, 9 * mm, page_label(labels.page, page, pages))
        c.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=_MARGIN,
        rightMargin=_MARGIN,
        topMargin=_MARGIN + _HEADER_H,
        bottomMargin=_FOOTER_H + 4 * mm,
        title=f"{labels.title} – {event_title}",
        creator="confapp",
    )
    doc.build(story, canvasmaker=numbered_canvas(decorate))
    return buf.getvalue()


def render_participant_list(
    event_title: str,
    event_date: str,
    rows: Sequence[ParticipantRow],
    labels: ListLabels,
    *,
    lang: str,
) -> bytes:
    """A4 participant list: name, organisation, category; grouped; "Page X of Y".

    ``lang`` ("da", "en") is the language of ``labels``; words too wide for a column are
    hyphenated with its dictionary.
    """
    return _render(event_title, event_date, rows, labels, sign_in=False, lang=lang)


def render_sign_in_sheet(
    event_title: str,
    event_date: str,
    rows: Sequence[ParticipantRow],
    labels: ListLabels,
    *,
    lang: str,
) -> bytes:
    """A4 sign-in sheet: like the list plus a wide empty signature column, 10 mm rows."""
    return _render(event_title, event_date, rows, labels, sign_in=True, lang=lang)
