"""One-page A4 ticket with a large check-in QR code. Pure renderer: data in, PDF bytes out."""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.units import mm

from confapp.pdf.fonts import fit_text
from confapp.pdf.qr import draw_qr, qr_code
from confapp.pdf.sheet import Sheet

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


def render_ticket(data: TicketData, *, lang: str) -> bytes:
    """Render a one-page A4 ticket: event, attendee, status and an 80 mm QR code.

    ``lang`` ("da", "en") is the ticket's language, for hyphenating words wider than a line.
    """
    sheet = Sheet(f"{data.heading} – {data.event_title}", _MARGIN, lang)
    fs, c, page_w = sheet.fs, sheet.canvas, sheet.page_w
    sheet.line(data.heading, fs.bold, 14, 9, 2, grey=0.35)
    sheet.top -= 4 * mm
    sheet.line(data.event_title, fs.bold, 24, 14, 3)
    sheet.top -= 2 * mm
    for text in (data.event_when, data.venue):
        sheet.line(text, fs.regular, 13, 9, 2, grey=0.15)

    sheet.top -= 6 * mm + QR_SIZE
    draw_qr(c, qr_code(data.qr_payload), (page_w - QR_SIZE) / 2, sheet.top, QR_SIZE)
    sheet.top -= 2 * mm

    sheet.line(data.name, fs.bold, 22, 12, 2)
    sheet.line(data.organisation, fs.regular, 13, 9, 2)

    # Status as boxed text, so it reads as a status and not as part of the organisation.
    status = fit_text(data.status_label, fs.bold, sheet.width - 8 * mm, 13, 9, 1, lang=lang)
    if status.lines:
        sheet.top -= 4 * mm
        box_w = c.stringWidth(status.lines[0], fs.bold, status.size) + 8 * mm
        box_h = status.size + 4 * mm
        c.setStrokeGray(0.2)
        c.setLineWidth(1)
        c.roundRect((page_w - box_w) / 2, sheet.top - box_h, box_w, box_h, 2 * mm, stroke=1,
                    fill=0)
        c.setFont(fs.bold, status.size)
        c.setFillGray(0)
        c.drawCentredString(page_w / 2, sheet.top - box_h / 2 - status.size * 0.36,
                            status.lines[0])
        sheet.top -= box_h

    if data.note:
        # The note gets whatever room is left above the bottom margin.
        sheet.top -= 6 * mm
        room = sheet.top - _MARGIN
        lines = max(1, int(room // (10 * 1.15)))
        sheet.line(data.note, fs.regular, 10, 8, lines, grey=0.25)

    return sheet.finish()
