"""Line breaking for every PDF renderer: the one place that decides where a line may end.

Lines end at spaces, after a hyphen inside a compound ("Østergård-|Hansen"), at explicit line
breaks, and, only for a word wider than the whole line, at a hyphenation point of the
document's language (Pyphen's LibreOffice dictionaries: "Interesse-|organisation", never
"interess|eorganisation"), with a hyphen added at the break. A word with no hyphenation point
that fits (an e-mail address, "xxxxxxxx") is broken between characters as a last resort.

``fit_text`` (canvas renderers: badges, ticket, page headers) and ``TextBlock`` (platypus
renderers: participant lists, programme) both break lines here. Widths come from reportlab's
font metrics; nothing here draws.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import NamedTuple

import pyphen
from reportlab.pdfbase.pdfmetrics import stringWidth

HYPHEN = "-"
# The app's languages and the hyphenation dictionary each one uses (British English).
DICTIONARIES = {"da": "da_DK", "en": "en_GB"}
# Break opportunity after a hyphen inside a word ("Østergård-|Hansen"), not in "--" or "-".
_HYPHEN_BREAK = re.compile(r"(?<=[^\s-]-)(?=[^\s-])")


class Span(NamedTuple):
    """A run of text in one font and size; consecutive spans are separated by a space."""

    text: str
    font: str
    size: float


class Fragment(NamedTuple):
    """Part of a broken line in one span's font: draw ``text`` with ``spans[span]``."""

    span: int
    text: str


class Line(NamedTuple):
    """One output line; ``hyphenated`` if it ends in a hyphen added by the line breaker.

    ``start`` is where the line's text begins in its first span's text (for truncation).
    """

    fragments: tuple[Fragment, ...]
    hyphenated: bool = False
    start: int = 0

    @property
    def text(self) -> str:
        return "".join(f.text for f in self.fragments)


class _Token(NamedTuple):
    span: int
    text: str
    glued: bool  # no space follows: the next token continues the same compound word
    width: float
    offset: int  # where ``text`` starts in the span's text


_BREAK = _Token(-1, "\n", False, 0.0, 0)  # an explicit line break
_WORD = re.compile(r"[^\S\n]*(\S+)|\n")


def dictionary(lang: str) -> str:
    """Pyphen dictionary name for an app language ("da", "en", "da_DK", "en-GB")."""
    base = lang.replace("-", "_").split("_")[0].lower()
    if base in DICTIONARIES:
        return DICTIONARIES[base]
    found = pyphen.language_fallback(lang.replace("-", "_"))
    if found is None:
        raise ValueError(f"no hyphenation dictionary for language {lang!r}")
    return found


@cache
def _hyphenator(lang: str) -> pyphen.Pyphen:
    # Loading a dictionary parses a few hundred kB of patterns: once per process and language.
    return pyphen.Pyphen(lang=dictionary(lang))


@lru_cache(maxsize=8192)
def hyphenation_points(word: str, lang: str) -> tuple[int, ...]:
    """Indices ``i`` at which ``word`` may be set as ``word[:i] + "-"`` / ``word[i:]``."""
    return tuple(_hyphenator(lang).positions(word))


class Words:
    """Text split into breakable words with their widths, ready to break at any width.

    Measuring is the expensive part and does not depend on the width, so callers that try
    several widths or sizes (``fit_text``) measure once and call ``lines`` repeatedly.
    """

    def __init__(self, spans: Sequence[Span], lang: str) -> None:
        self.spans = tuple(spans)
        self.lang = lang
        self._spaces = [stringWidth(" ", s.font, s.size) for s in self.spans]
        self._tokens = self._tokenise()

    def _tokenise(self) -> list[_Token]:
        tokens: list[_Token] = []
        for index, span in enumerate(self.spans):
            for match in _WORD.finditer(span.text):
                if match.group(1) is None:
                    tokens.append(_BREAK)
                    continue
                offset = match.start(1)
                pieces = _HYPHEN_BREAK.split(match.group(1))
                for i, piece in enumerate(pieces):
                    glued = i < len(pieces) - 1
                    tokens.append(_Token(index, piece, glued, self._width(index, piece), offset))
                    offset += len(piece)
        return tokens

    def _width(self, span: int, text: str) -> float:
        s = self.spans[span]
        return stringWidth(text, s.font, s.size)

    def lines(
        self, width: float, *, hyphenate: bool = True, force: bool = True
    ) -> list[Line] | None:
        """Break into lines of at most ``width`` (greedy, ragged right).

        A word wider than ``width`` is hyphenated if ``hyphenate``, else the answer is None;
        if no hyphenation point fits either, it is broken between characters if ``force``,
        else None. With ``force`` every line fits, except where not even one character does.
        """
        out: list[Line] = []
        line: list[_Token] = []
        used = 0.0
        for token in self._tokens:
            if token is _BREAK:
                out.append(self._line(line))
                line, used = [], 0.0
                continue
            gap = self._gap(line)
            if used + gap + token.width <= width:
                line.append(token)
                used += gap + token.width
                continue
            if token.width <= width:
                out.append(self._line(line))
                line, used = [token], token.width
                continue
            # A word wider than the whole line: set its head(s) in the room left, then whole
            # lines, and carry the tail on as an ordinary token.
            broken = self._break_word(
                token, width, width - used - gap if line else width, hyphenate, force
            )
            if broken is None:
                return None
            heads, tail = broken
            for head, hyphenated in heads:
                if head is not None:
                    line.append(head)
                if line:
                    out.append(self._line(line, hyphenated))
                line, used = [], 0.0
            line, used = [tail], tail.width
        if line:
            out.append(self._line(line))
        return out

    def _gap(self, line: list[_Token]) -> float:
        if not line or line[-1].glued:
            return 0.0
        return self._spaces[line[-1].span]

    def _break_word(
        self, token: _Token, width: float, room: float, hyphenate: bool, force: bool
    ) -> tuple[list[tuple[_Token | None, bool]], _Token] | None:
        """Split an overlong token into line heads and a tail that fits on a line.

        Returns ([(head or None, hyphenated)], tail); each head ends a line (None: the line
        so far ends without a piece of this word). None if ``force`` is off and it cannot.
        """
        word, span = token.text, token.span
        points = hyphenation_points(word, self.lang) if hyphenate else ()
        heads: list[tuple[_Token | None, bool]] = []
        start = 0
        while self._width(span, word[start:]) > width:
            best = 0
            for point in points:
                if point <= start:
                    continue
                if self._width(span, word[start:point] + HYPHEN) > room:
                    break
                best = point
            if best:
                heads.append((self._piece(token, start, best, HYPHEN), True))
                start, room = best, width
            elif room < width:  # nothing fits in what is left of this line: start a new one
                heads.append((None, False))
                room = width
            elif force:
                cut = self._longest_prefix(span, word, start, width)
                heads.append((self._piece(token, start, cut), False))
                start = cut
            else:
                return None
        return heads, self._piece(token, start, len(word), glued=token.glued)

    def _piece(
        self, token: _Token, start: int, end: int, suffix: str = "", glued: bool = True
    ) -> _Token:
        """``token.text[start:end] + suffix`` as a token of its own."""
        text = token.text[start:end] + suffix
        width = self._width(token.span, text)
        return _Token(token.span, text, glued, width, token.offset + start)

    def _longest_prefix(self, span: int, word: str, start: int, width: float) -> int:
        """End index of the longest ``word[start:end]`` within ``width`` (at least 1 char)."""
        lo, hi = start + 1, len(word)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._width(span, word[start:mid]) <= width:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def _line(self, tokens: Sequence[_Token], hyphenated: bool = False) -> Line:
        """Join tokens into fragments, one per run of the same span, spaces as written."""
        fragments: list[Fragment] = []
        for i, token in enumerate(tokens):
            text = token.text
            if i < len(tokens) - 1 and not token.glued:
                text += " "
            if fragments and fragments[-1].span == token.span:
                fragments[-1] = Fragment(token.span, fragments[-1].text + text)
            else:
                fragments.append(Fragment(token.span, text))
        return Line(tuple(fragments), hyphenated, tokens[0].offset if tokens else 0)


def wrap_text(text: str, font: str, size: float, width: float, lang: str) -> list[str]:
    """``text`` in one font broken into lines of at most ``width`` points (see module doc)."""
    return [line.text for line in Words([Span(text, font, size)], lang).lines(width) or []]
