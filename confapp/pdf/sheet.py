"""One A4 page of centred lines (the ticket, the Q&A poster): the canvas, the text width
between the margins, and drawing fitted text centred from the top down."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from confapp.pdf.fonts import FittedText, FontSet, fit_text, fonts


@dataclass
class Sheet:
    title: str
    margin: float
    lang: str  # for hyphenating words wider than a line
    fs: FontSet = field(default_factory=fonts)
    buffer: io.BytesIO = field(default_factory=io.BytesIO)

    def __post_init__(self) -> None:
        self.page_w, self.page_h = A4
        self.width = self.page_w - 2 * self.margin
        self.canvas = Canvas(self.buffer, pagesize=A4, pageCompression=1)
        self.canvas.setCreator("confapp")
        self.canvas.setTitle(self.title)
        self.top = self.page_h - self.margin

    def fit(self, text: str, font: str, max_size: float, min_size: float,
            lines: int) -> FittedText:
        return fit_text(text, font, self.width, max_size, min_size, lines, lang=self.lang)

    def centred(self, fitted: FittedText, font: str, grey: float = 0) -> None:
        """Draw ``fitted`` centred, its first line box at ``top``; ``top`` moves below it."""
        c = self.canvas
        c.setFont(font, fitted.size)
        c.setFillGray(grey)
        for line in fitted.lines:
            c.drawCentredString(self.page_w / 2, self.top - fitted.size * 0.93, line)
            self.top -= fitted.leading

    def line(self, text: str, font: str, max_size: float, min_size: float, lines: int,
             grey: float = 0) -> None:
        """Fit ``text`` (at most ``lines`` lines, as large as fits) and draw it centred."""
        self.centred(self.fit(text, font, max_size, min_size, lines), font, grey)

    def finish(self) -> bytes:
        self.canvas.showPage()
        self.canvas.save()
        return self.buffer.getvalue()
