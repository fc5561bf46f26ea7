"""Shared typography for the PDF renderers: fonts, text fitting, "Page X of Y" numbering.

DejaVu Sans is embedded (subset) so Danish letters and accented names print everywhere. If the
TTF files are missing we fall back to the built-in Helvetica, whose WinAnsi encoding still
covers æ ø å and Western European accents, but not e.g. Polish or Turkish letters.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from reportlab import rl_config
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from confapp.pdf.wrap import Span, Words

ELLIPSIS = "\u2026"
REGULAR_NAME = "ConfSans"
BOLD_NAME = "ConfSans-Bold"
# Debian/Ubuntu, Fedora/Arch, Alpine, then a deployment override via CONFAPP_FONT_DIR.
_FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/share/fonts/dejavu-sans-fonts",
)


@dataclass(frozen=True)
class FontSet:
    """Registered font names to pass to reportlab; ``embedded`` is False on the fallback."""

    regular: str
    bold: str
    embedded: bool


def _find(filename: str) -> Path | None:
    dirs = [os.environ.get("CONFAPP_FONT_DIR", ""), *_FONT_DIRS]
    for directory in dirs:
        if directory and (path := Path(directory) / filename).is_file():
            return path
    return None


@cache
def fonts() -> FontSet:
    """Register the document fonts once per process and return their names.

    Registration parses the TTF files (tens of ms), so it must not happen per document. Every
    renderer calls this first, so it is also where process-wide reportlab settings live.
    """
    # Binary (not ASCII85) compressed streams: reportlab's pure-Python ASCII85 encoder was a
    # quarter of badge rendering time and makes files 25% larger. Process-wide, harmless.
    rl_config.useA85 = 0
    regular, bold = _find("DejaVuSans.ttf"), _find("DejaVuSans-Bold.ttf")
    if regular is None or bold is None:
        return FontSet("Helvetica", "Helvetica-Bold", embedded=False)
    pdfmetrics.registerFont(TTFont(REGULAR_NAME, str(regular)))
    pdfmetrics.registerFont(TTFont(BOLD_NAME, str(bold)))
    # Lets platypus map <b> and bold paragraph styles onto the bold face.
    for italic in (0, 1):
        addMapping(REGULAR_NAME, 0, italic, REGULAR_NAME)
        addMapping(REGULAR_NAME, 1, italic, BOLD_NAME)
    return FontSet(REGULAR_NAME, BOLD_NAME, embedded=True)


@dataclass(frozen=True)
class FittedText:
    """Result of ``fit_text``: lines to draw at ``size`` points; ``truncated`` if cut."""

    lines: tuple[str, ...]
    size: float
    truncated: bool

    @property
    def leading(self) -> float:
        """Baseline-to-baseline distance used by the renderers."""
        return self.size * 1.15


def _clip(text: str, font: str, size: float, max_width: float, suffix: str = "") -> str:
    """Longest prefix of ``text`` that fits with ``suffix`` appended (binary search)."""
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if pdfmetrics.stringWidth(text[:mid].rstrip() + suffix, font, size) <= max_width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + suffix


@lru_cache(maxsize=4096)
def fit_text(
    text: str,
    font: str,
    max_width: float,
    max_size: float,
    min_size: float,
    max_lines: int = 1,
    step: float = 0.5,
    *,
    lang: str,
) -> FittedText:
    """Fit ``text`` into ``max_lines`` lines of ``max_width`` points.

    Order of preference: one line at the largest size in [min_size, max_size]; then wrapping
    at spaces into up to ``max_lines`` lines at the largest size (in ``step`` decrements) that
    fits; then the same, hyphenating words wider than the line in the language ``lang``
    (``confapp.pdf.wrap``); finally, at ``min_size``, ending the last line with "…". Every
    returned line is at most ``max_width`` wide. Pure apart from reading font metrics, hence
    memoised: event titles, dates, labels and organisations repeat on every badge.
    """
    text = " ".join(text.split())
    min_size = min(min_size, max_size)
    if not text:
        return FittedText((), max_size, False)
    unit = pdfmetrics.stringWidth(text, font, 1)
    # Width scales linearly with size, so the single-line size is one division, no search.
    if unit * max_size <= max_width:
        return FittedText((text,), max_size, False)
    size = max_width / unit
    size = _floor_to(size, step, min_size, max_size)
    if unit * size <= max_width and size >= min_size:
        return FittedText((text,), size, False)

    # Measured once at size 1; a size then is a line width of max_width / size.
    words = Words([Span(text, font, 1)], lang)
    if max_lines > 1:
        # Shrinking beats hyphenating: a word is hyphenated only if it fits at no size.
        for hyphenate in (False, True):
            size = max_size
            while size >= min_size - 1e-9:
                lines = words.lines(max_width / size, hyphenate=hyphenate, force=False)
                if lines is not None and len(lines) <= max_lines:
                    return FittedText(tuple(line.text for line in lines), size, False)
                size = round(size - step, 4)
    return _truncate(words, font, max_width, min_size, max_lines)


def _floor_to(size: float, step: float, lo: float, hi: float) -> float:
    """Round ``size`` down to a multiple of ``step`` (for tidy output), clamped to [lo, hi]."""
    floored = int(size / step + 1e-9) * step
    return max(lo, min(hi, floored))


def _truncate(words: Words, font: str, max_width: float, size: float, max_lines: int) -> FittedText:
    """Last resort at the minimum size: break as needed, keep ``max_lines``, add an ellipsis.

    The last line kept is refilled with as much of the remaining text as fits before the "…".
    """
    lines = words.lines(max_width / size) or []
    texts = [line.text for line in lines[:max_lines]]
    if len(lines) <= max_lines:
        return FittedText(tuple(texts), size, False)
    rest = words.spans[0].text[lines[max_lines - 1].start :]
    texts[-1] = _clip(rest, font, size, max_width, ELLIPSIS)
    return FittedText(tuple(texts), size, True)


def page_label(template: str, page: int, pages: int) -> str:
    """Fill a translated "Page {page} of {pages}" template (plain replace: braces are safe)."""
    return template.replace("{pages}", str(pages)).replace("{page}", str(page))


def numbered_canvas(decorate: Callable[[Canvas, int, int], None]) -> type[Canvas]:
    """A canvas class for platypus ``build(canvasmaker=...)`` that knows the page total.

    The classic reportlab "NumberedCanvas" recipe: pages are buffered and only written in
    ``save()``, when the total is known; ``decorate(canvas, page, pages)`` then draws the
    headers/footers on each. Memory grows with page count; fine for a few hundred pages.
    """

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pending: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pending.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pending)
            for number, state in enumerate(self._pending, start=1):
                self.__dict__.update(state)
                decorate(self, number, total)
                super().showPage()
            super().save()

    return NumberedCanvas
