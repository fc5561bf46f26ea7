"""A session's (or an event's) questions on A4 landscape, for the speaker or the record.

Pure renderer (platypus): rows in, PDF bytes out. One heading row per session; text wraps with
``TextBlock`` (plain text, never markup: a question with "<b>" prints those characters).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from confapp.pdf.flowables import TextBlock, TextStyle
from confapp.pdf.fonts import FontSet, fit_text, fonts, numbered_canvas, page_label

_MARGIN = 14 * mm
_HEADER_H = 18 * mm
_FOOTER_H = 12 * mm
_HEAD_BG = colors.Color(0.2, 0.2, 0.2)
_GROUP_BG = colors.Color(0.88, 0.88, 0.88)
_RULE = colors.Color(0.75, 0.75, 0.75)
# Question, asker, category, status, votes, created, answer: shares of the text width.
_WIDTHS = (0.27, 0.14, 0.11, 0.08, 0.08, 0.10, 0.22)


@dataclass(frozen=True)
class QuestionLine:
    """One question as printed; every value already text in the document's language."""

    session: str
    question: str
    asker: str
    category: str
    status: str
    votes: str
    created: str
    answer: str


@dataclass(frozen=True)
class QuestionListLabels:
    title: str
    question: str
    asker: str
    category: str
    status: str
    votes: str
    created: str
    answer: str
    page: str  # "Page {page} of {pages}"
    empty: str


@dataclass(frozen=True)
class _Styles:
    cell: TextStyle
    head: TextStyle
    group: TextStyle
    note: TextStyle


@cache
def _styles(fs: FontSet) -> _Styles:
    return _Styles(
        cell=TextStyle(fs.regular, 9, 11),
        head=TextStyle(fs.bold, 9, 11, colour=colors.white),
        group=TextStyle(fs.bold, 10.5, 13),
        note=TextStyle(fs.regular, 10, 13, space_after=4),
    )


def render_questions(event_title: str, subtitle: str, lines: Sequence[QuestionLine],
                     labels: QuestionListLabels, *, lang: str) -> bytes:
    """A4 landscape table of questions grouped by session (in the order given), the header row
    on every page, "Page X of Y" in the footer. ``lang`` hyphenates words too wide for a column."""
    fs = fonts()
    st = _styles(fs)
    page_w, page_h = landscape(A4)
    width = page_w - 2 * _MARGIN
    widths = [share * width for share in _WIDTHS]

    def block(text: str, style: TextStyle) -> TextBlock:
        return TextBlock(text, style, lang)

    header = [labels.question, labels.asker, labels.category, labels.status, labels.votes,
              labels.created, labels.answer]
    data: list[list] = [[block(h, st.head) for h in header]]
    style: list[tuple] = [
        ("BACKGROUND", (0, 0), (-1, 0), _HEAD_BG),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, _RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    current = None
    for line in lines:
        if line.session != current:
            i = len(data)
            data.append([block(line.session, st.group)] + [""] * (len(header) - 1))
            style += [("SPAN", (0, i), (-1, i)), ("BACKGROUND", (0, i), (-1, i), _GROUP_BG)]
            current = line.session
        data.append([block(text, st.cell) for text in (
            line.question, line.asker, line.category, line.status, line.votes, line.created,
            line.answer)])

    story: list = []
    if lines:
        story.append(Table(data, colWidths=widths, repeatRows=1, style=TableStyle(style)))
    else:
        story += [Spacer(1, 8 * mm), block(labels.empty, st.note)]

    def decorate(c: Canvas, page: int, pages: int) -> None:
        c.saveState()
        top = page_h - _MARGIN
        title = fit_text(labels.title, fs.bold, width, 15, 9, 1, lang=lang)
        c.setFont(fs.bold, title.size)
        c.drawString(_MARGIN, top - title.size, title.lines[0] if title.lines else "")
        event = fit_text(f"{event_title} · {subtitle}" if subtitle else event_title,
                         fs.regular, width, 10, 7, 1, lang=lang)
        c.setFont(fs.regular, event.size)
        c.drawString(_MARGIN, top - 11 * mm, event.lines[0] if event.lines else "")
        c.setFillGray(0.3)
        c.setFont(fs.regular, 8.5)
        c.drawRightString(page_w - _MARGIN, 7 * mm, page_label(labels.page, page, pages))
        c.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=landscape(A4), leftMargin=_MARGIN, rightMargin=_MARGIN,
        topMargin=_MARGIN + _HEADER_H, bottomMargin=_FOOTER_H + 4 * mm,
        title=f"{labels.title} – {event_title}", creator="confapp")
    doc.build(story, canvasmaker=numbered_canvas(decorate))
    return buf.getvalue()
