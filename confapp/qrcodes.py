"""QR codes as PNG images, for e-mails and the ticket download, made with the `qrcode` library.

One code per mail or download, so its full mask search (a few ms) costs nothing noticeable.
The PDFs draw hundreds of codes per document and use zxing-cpp instead (``confapp.pdf.qr``):
`qrcode` measured 3.8 ms a code against 0.4–0.6 ms, which would put 300 badges over 1 s.
Both encode byte mode at error correction M; a scanner reads either.
"""

from __future__ import annotations

import io

from confapp.pdf.qr import QUIET_ZONE


def qr_png(payload: str, box_size: int = 8) -> bytes:
    """Return a black-on-white 1-bit PNG of ``payload`` with a 4-module quiet zone.

    ``box_size`` is the number of pixels per module.
    """
    import qrcode  # here, not at import: only ticket downloads and the mail worker need it
    from qrcode.constants import ERROR_CORRECT_M

    if box_size < 1:
        raise ValueError("box_size must be at least 1")
    if not payload:
        raise ValueError("a QR code needs a payload")
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=QUIET_ZONE)
    code.add_data(payload.encode("utf-8"))
    code.make(fit=True)
    out = io.BytesIO()
    # 1-bit PNG: a few hundred bytes, renders sharply in every mail client.
    code.make_image().get_image().save(out, format="PNG", optimize=True)
    return out.getvalue()
