"""``TextBlock``: the platypus flowable the table and list renderers set text with.

It stands in for reportlab's ``Paragraph`` so that lines break where ``confapp.pdf.wrap``
says (spaces, compound hyphens, dictionary hyphenation in the document's language) and not
mid-syllable, as ``Paragraph``'s long-word splitting did ("interess|eorganisation"). Plain
text only, no markup: a line may mix fonts and sizes through several ``Span``s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.platypus import Flowable

from confapp.pdf.wrap import Line, Span, Words


@dataclass(frozen=True)
class TextStyle:
    """Font, size and spacing of a text block (the subset of ParagraphStyle we use)."""

    font: str
    size: float
    leading: float
    colour: colors.Color = colors.black
    space_before: float = 0
    space_after: float = 0

    def span(self, text: str) -> Span:
        """``text`` as a span in this style's font and size."""
        return Span(text, self.font, self.size)


class TextBlock(Flowable):
    """Left-aligned text wrapped to the available width; splits between lines across pages.

    ``text`` may contain line breaks ("\\n"), which are kept; other whitespace collapses.
    """

    def __init__(
        self,
        text: str | Sequence[Span],
        style: TextStyle,
        lang: str,
        *,
        _lines: list[Line] | None = None,
    ) -> None:
        super().__init__()
        spans = [style.span(text)] if isinstance(text, str) else list(text)
        self.style = style
        self.lang = lang
        self.spaceBefore = style.space_before
        self.spaceAfter = style.space_after
        self._words = Words(spans, lang)
        self._fixed = _lines  # a part of a split block keeps the lines it was split with
        self._lines: list[Line] = []
        self._for_width: float | None = None

    def _break(self, width: float) -> list[Line]:
        if self._fixed is not None:
            return self._fixed
        if width != self._for_width:
            self._lines, self._for_width = self._words.lines(width) or [], width
        return self._lines

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        self.height = len(self._break(availWidth)) * self.style.leading
        return availWidth, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        lines = self._break(availWidth)
        fits = int(availHeight / self.style.leading + 1e-6)
        if fits >= len(lines):
            return [self]
        if fits <= 0:
            return []
        head = TextBlock(self._words.spans, self.style, self.lang, _lines=lines[:fits])
        tail = TextBlock(self._words.spans, self.style, self.lang, _lines=lines[fits:])
        head.spaceAfter, tail.spaceBefore = 0, 0
        return [head, tail]

    def draw(self) -> None:
        spans = self._words.spans
        text = self.canv.beginText()
        text.setFillColor(self.style.colour)
        # First baseline one font size below the top, then one leading per line (as Paragraph).
        y = self.height - self.style.size
        for line in self._break(self.width):
            text.setTextOrigin(0, y)
            for fragment in line.fragments:
                span = spans[fragment.span]
                text.setFont(span.font, span.size)
                text.textOut(fragment.text)
            y -= self.style.leading
        self.canv.drawText(text)
