"""One-page A4 ticket with a large check-in QR code. Pure renderer: data in, PDF bytes out."""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from confapp.pdf.fonts import FittedText, fit_text, fonts
from confapp.pdf.qr import draw_qr, qr_code

QR_SIZE = 80 * mm  # including the 4-module quiet zone: the code itself is ~65-70 mm
_MARGIN = 20 * mm


@dataclass(frozen=True)
class TicketData:
    """Everything printed on the ticket; all strings already translated/formatted."""

    name: str
    organisation: str
    event_title: str
    event_when: str
    venue: str
    qr_payload: str
    status_label: str
    heading: str
    note: str = ""


def _centred(c: Canvas, fitted: FittedText, font: str, top: float, grey: float = 0) -> float:
    """Draw ``fitted`` centred on the page, first line box at ``top``; returns the new top."""
    page_w = A4[0]
    c.setFont(font, fitted.size)
    c.setFillGray(grey)
    for line in fitted.lines:
        c.drawCentredString(page_w / 2, top - fitted.size * 0.93, line)
        top -= fitted.leading
    return top


def render_ticket(data: TicketData, *, lang: str) -> bytes:
    """Render a one-page A4 ticket: event, attendee, status and an 80 mm QR code.

    ``lang`` ("da", "en") is the ticket's language, for hyphenating words wider than a line.
    """
    fs = fonts()
    page_w, page_h = A4
    width = page_w - 2 * _MARGIN

    def fit(text: str, font: str, max_size: float, min_size: float, lines: int) -> FittedText:
        return fit_text(text, font, width, max_size, min_size, lines, lang=lang)

    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, pageCompression=1)
    c.setCreator("confapp")
    c.setTitle(f"{data.heading} – {data.event_title}")

    top = page_h - _MARGIN
    top = _centred(c, fit(data.heading, fs.bold, 14, 9, 2), fs.bold, top, 0.35)
    top -= 4 * mm
    top = _centred(c, fit(data.event_title, fs.bold, 24, 14, 3), fs.bold, top)
    top -= 2 * mm
    for text in (data.event_when, data.venue):
        top = _centred(c, fit(text, fs.regular, 13, 9, 2), fs.regular, top, 0.15)

    top -= 6 * mm
    qr_y = top - QR_SIZE
    draw_qr(c, qr_code(data.qr_payload), (page_w - QR_SIZE) / 2, qr_y, QR_SIZE)
    top = qr_y - 2 * mm

    top = _centred(c, fit(data.name, fs.bold, 22, 12, 2), fs.bold, top)
    top = _centred(c, fit(data.organisation, fs.regular, 13, 9, 2), fs.regular, top)

    # Status as boxed text, so it reads as a status and not as part of the organisation.
    status = fit_text(data.status_label, fs.bold, width - 8 * mm, 13, 9, 1, lang=lang)
    if status.lines:
        top -= 4 * mm
        box_w = c.stringWidth(status.lines[0], fs.bold, status.size) + 8 * mm
        box_h = status.size + 4 * mm
        c.setStrokeGray(0.2)
        c.setLineWidth(1)
        c.roundRect((page_w - box_w) / 2, top - box_h, box_w, box_h, 2 * mm, stroke=1, fill=0)
        c.setFont(fs.bold, status.size)
        c.setFillGray(0)
        c.drawCentredString(page_w / 2, top - box_h / 2 - status.size * 0.36, status.lines[0])
        top -= box_h

    if data.note:
        # The note gets whatever room is left above the bottom margin.
        room = top - 6 * mm - _MARGIN
        lines = max(1, int(room // (10 * 1.15)))
        note = fit(data.note, fs.regular, 10, 8, lines)
        _centred(c, note, fs.regular, top - 6 * mm, 0.25)

    c.showPage()
    c.save()
    return buf.getvalue()
