"""QR codes as PNG images, for e-mails and the ticket download."""

from __future__ import annotations

import io

from confapp.pdf.qr import QUIET_ZONE, qr_matrix


def qr_png(payload: str, box_size: int = 8) -> bytes:
    """Return a black-on-white PNG of ``payload`` with a 4-module quiet zone.

    ``box_size`` is the number of pixels per module. Uses the same matrix as the PDFs
    (byte mode, error correction M), so a ticket PNG and its badge encode identically.
    """
    from PIL import Image  # here, not at import: only ticket downloads and the worker need it

    if box_size < 1:
        raise ValueError("box_size must be at least 1")
    matrix = qr_matrix(payload)
    n = len(matrix)
    side = n + 2 * QUIET_ZONE
    # Mode "L" bytes: 0 = black, 255 = white; built per module, then scaled without smoothing.
    pad = b"\xff" * QUIET_ZONE
    blank = b"\xff" * side
    rows = [blank] * QUIET_ZONE
    rows += [pad + bytes(0 if dark else 255 for dark in line) + pad for line in matrix]
    rows += [blank] * QUIET_ZONE
    image = Image.frombytes("L", (side, side), b"".join(rows))
    image = image.resize((side * box_size, side * box_size), Image.Resampling.NEAREST)
    out = io.BytesIO()
    # 1-bit PNG: a few hundred bytes, renders sharply in every mail client.
    image.convert("1", dither=Image.Dither.NONE).save(out, format="PNG", optimize=True)
    return out.getvalue()
