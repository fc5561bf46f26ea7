"""QR codes for badges, tickets and the ticket image, made by zxing-cpp.

``qr_code`` is the one place a code is made (error correction M, the library's choice of
encoding, version and mask); ``draw_qr`` draws it as vectors into a PDF and
``confapp.qrcodes.qr_png`` turns it into a PNG, so a badge, a ticket PDF and the mailed image
carry the same symbol. zxing-cpp (C++) made a ~90-character check-in token in 0.40-0.47 ms
with its full mask search; our own pure-Python encoder with a fixed mask, which this replaced,
took 0.20 ms. The badge benchmark (bench/badges.py) stays well inside its target with it.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import zxingcpp

QUIET_ZONE = 4  # modules of white space the spec requires around the symbol
ERROR_CORRECTION = "M"  # 15% of the code may be damaged or covered and it still reads
# zxing-cpp's module images are 8-bit greyscale: 0 dark, 255 light.
_DARK_RUN = re.compile(b"\x00+")
_SPAN = re.Match.span


class QrCode(NamedTuple):
    """A QR symbol without its quiet zone: ``size`` x ``size`` modules, row by row."""

    size: int
    modules: bytes  # one byte per module, row-major from the top: 0 dark, 255 light

    def rows(self) -> list[bytes]:
        n = self.size
        return [self.modules[i : i + n] for i in range(0, n * n, n)]


def qr_code(payload: str) -> QrCode:
    """The QR code for ``payload`` at error correction M.

    Raises ``ValueError`` for an empty payload or one too long for a QR code (over ~2,300
    bytes at level M; check-in tokens are ~90).
    """
    barcode = zxingcpp.create_barcode(
        payload, zxingcpp.BarcodeFormat.QRCode, ec_level=ERROR_CORRECTION
    )
    image = barcode.to_image(scale=1, add_quiet_zones=False)  # one pixel per module
    size, width = image.shape
    if size != width:
        raise ValueError(f"QR symbol is not square: {image.shape}")
    return QrCode(size, bytes(memoryview(image)))


def qr_path_ops(code: QrCode) -> str:
    """PDF path operators filling the dark modules, in module units with y pointing up.

    Each horizontal run of dark modules is one rectangle; all of them go into one path with a
    single fill: small output, no seams. (Also merging runs vertically saved ~15% of the
    operators but was measurably slower and, once compressed, gave slightly larger files.)
    """
    n = code.size
    parts: list[str] = []
    for r, line in enumerate(code.rows()):
        y = n - 1 - r
        # The regex engine finds the runs of 0 bytes at C speed.
        parts += [f"{a} {y} {b - a} 1 re" for a, b in map(_SPAN, _DARK_RUN.finditer(line))]
    parts.append("f")
    return "\n".join(parts)


def draw_qr(canvas: Any, code: QrCode, x: float, y: float, size: float) -> None:
    """Draw ``code`` as a black vector QR code into the square (x, y, size, size).

    The 4-module quiet zone is *inside* ``size`` (left white), so callers must keep other
    content out of the whole square. Coordinates are reportlab points, (x, y) is bottom-left.
    """
    module = size / (code.size + 2 * QUIET_ZONE)
    ox, oy = x + QUIET_ZONE * module, y + QUIET_ZONE * module
    # q/Q isolate the black fill and the module-unit transform, so reportlab's own graphics
    # state tracking stays valid; one literal avoids several float-formatting calls per code.
    canvas.addLiteral(
        f"q 0 g {module:.5f} 0 0 {module:.5f} {ox:.4f} {oy:.4f} cm\n{qr_path_ops(code)}\nQ"
    )
