"""Ticket PDF and QR PNG tests. Pure: no Flask app, no database."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from confapp.pdf.qr import QUIET_ZONE, qr_code
from confapp.pdf.ticket import TicketData, render_ticket
from confapp.qrcodes import qr_png

PAYLOAD = "ci1.eyJlIjo0MiwiciI6MTAwMDA3LCJrIjoiY2hlY2tpbiJ9.Qm9ndXNzaWduYXR1cmVCb2d1c3Np"


def ticket(**overrides: str) -> TicketData:
    fields = {
        "name": "Søren Ægidius Østergård-Hansen",
        "organisation": "Frederiksberg Kommune",
        "event_title": "Årsmøde 2027: Fremtidens beskæftigelsesindsats",
        "event_when": "Tirsdag 12. maj 2027, kl. 09:00–15:30",
        "venue": "Københavns Rådhus, Rådhuspladsen 1, 1550 København V",
        "qr_payload": PAYLOAD,
        "status_label": "Bekræftet",
        "heading": "Din billet",
        "note": "Vis QR-koden ved indgangen. Billetten er personlig.",
    }
    fields.update(overrides)
    return TicketData(**fields)


def test_ticket_is_one_a4_page_with_all_text() -> None:
    reader = PdfReader(io.BytesIO(render_ticket(ticket(), lang="da")))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    text = " ".join(reader.pages[0].extract_text().split())
    for expected in [
        "Din billet",
        "Årsmøde 2027: Fremtidens beskæftigelsesindsats",
        "Tirsdag 12. maj 2027, kl. 09:00–15:30",
        "Københavns Rådhus",
        "Søren Ægidius Østergård-Hansen",
        "Frederiksberg Kommune",
        "Bekræftet",
        "Billetten er personlig.",
    ]:
        assert expected in text


def test_ticket_qr_decodes_and_is_at_least_60mm() -> None:
    scale = 3
    image = pdfium.PdfDocument(render_ticket(ticket(), lang="da"))[0].render(scale=scale).to_pil()
    (result,) = zxingcpp.read_barcodes(image)
    assert result.text == PAYLOAD
    width_mm = (result.position.top_right.x - result.position.top_left.x) / (scale * 72 / 25.4)
    assert width_mm >= 60


def test_ticket_survives_very_long_texts() -> None:
    long = "Østergård-Hansen " * 20
    pdf = render_ticket(
        ticket(name=long, organisation=long, event_title=long, note=long * 5), lang="da"
    )
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    image = pdfium.PdfDocument(pdf)[0].render(scale=2).to_pil()
    assert {r.text for r in zxingcpp.read_barcodes(image)} == {PAYLOAD}


def test_qr_png_decodes_and_has_quiet_zone() -> None:
    png = qr_png(PAYLOAD, box_size=6)
    assert png.startswith(b"\x89PNG")
    image = Image.open(io.BytesIO(png))
    side = (qr_code(PAYLOAD).size + 2 * QUIET_ZONE) * 6
    assert image.size == (side, side)
    # The quiet zone is white all round.
    rgb = image.convert("L")
    border = QUIET_ZONE * 6
    assert all(rgb.getpixel((x, y)) == 255 for x in range(side) for y in range(border))
    assert [r.text for r in zxingcpp.read_barcodes(image.convert("RGB"))] == [PAYLOAD]


@pytest.mark.parametrize("payload", ["x", "Østergård æøå ÆØÅ", "a" * 300])
def test_qr_png_round_trips_various_payloads(payload: str) -> None:
    image = Image.open(io.BytesIO(qr_png(payload, box_size=4))).convert("RGB")
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [payload]


def test_qr_png_rejects_bad_box_size() -> None:
    with pytest.raises(ValueError):
        qr_png(PAYLOAD, box_size=0)
