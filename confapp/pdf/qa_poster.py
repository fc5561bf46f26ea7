"""The A4 Q&A poster for the hall: "Ask your questions", the join code, its URL and a QR code.

Pure renderer: data in, PDF bytes out. Every string arrives translated.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.units import mm

from confapp.pdf.qr import draw_qr, qr_code
from confapp.pdf.sheet import Sheet

QR_SIZE = 95 * mm  # including the quiet zone; scannable from a few metres
_MARGIN = 18 * mm


@dataclass(frozen=True)
class PosterData:
    event_title: str
    heading: str  # "Ask your questions"
    instruction: str  # "Scan the code or go to"
    join_url: str
    code_label: str  # "and enter the code"
    code: str


def render_poster(data: PosterData, *, lang: str) -> bytes:
    """One A4 page: the event, the heading, a large QR code to ``join_url``, the URL as text and
    the join code in very large type (for those who type it rather than scan)."""
    sheet = Sheet(f"{data.heading} – {data.event_title}", _MARGIN, lang)
    bold, regular = sheet.fs.bold, sheet.fs.regular
    sheet.line(data.event_title, bold, 22, 12, 3, grey=0.2)
    sheet.top -= 5 * mm
    sheet.line(data.heading, bold, 44, 20, 2)
    sheet.top -= 4 * mm
    sheet.line(data.instruction, regular, 16, 10, 2, grey=0.15)
    sheet.top -= QR_SIZE
    draw_qr(sheet.canvas, qr_code(data.join_url), (sheet.page_w - QR_SIZE) / 2, sheet.top,
            QR_SIZE)
    sheet.line(data.join_url, bold, 20, 9, 2)
    sheet.top -= 4 * mm
    sheet.line(data.code_label, regular, 16, 10, 2, grey=0.15)
    sheet.top -= 2 * mm
    # The code is what people read from the back of the room: as large as the width allows.
    sheet.line(data.code, bold, 120, 40, 1)
    return sheet.finish()
