"""An attendee registers in the browser, gets the mail, changes workshop, cancels; the next in line
is promoted and mailed."""

import re

import pytest
from playwright.sync_api import expect

from confapp.models import AgendaItemKind, RegistrationStatus
from confapp.services import delivery

pytestmark = pytest.mark.browser


def _deliver(session, sink, expected_total):
    session.rollback()
    delivery.deliver_once(session)
    assert len(sink.handler.messages) == expected_total
    return sink.handler.messages[-1]


def _text(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def test_register_mail_change_cancel_promote(live_server, page, session, sink, make_event,
                                             make_item, make_registration, site,
                                             assert_accessible):
    event = make_event(title="Beskæftigelseskonferencen 2027", capacity=1, hours=6)
    workshop_a = make_item(event, "Workshop A: Virksomhedsrettet indsats", AgendaItemKind.WORKSHOP,
                           60, 60, capacity=60, room="Lokale 1")
    make_item(event, "Workshop B: Unge uden uddannelse", AgendaItemKind.WORKSHOP, 60, 60,
              capacity=60, room="Lokale 2")

    page.goto(f"{live_server}/events/{event.id}")
    assert_accessible(page)
    page.get_by_role("link", name="Tilmeld").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tilmeld dig")
    assert_accessible(page)

    page.get_by_role("button", name="Tilmeld").click()  # empty form: errors, nothing stored
    expect(page.locator("#email-error")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Fornavn").fill("Søren")
    page.get_by_label("Efternavn").fill("Østergård")
    page.get_by_label("E-mail", exact=True).fill("soren@example.org")
    page.get_by_label("Organisation", exact=True).fill("Jobcenter Herning")
    page.get_by_label("Hvilken målgruppe tilhører du?").select_option("jobcentre")
    page.get_by_label("Stillingsbetegnelse").fill("Jobkonsulent")
    page.get_by_label("Workshop A: Virksomhedsrettet indsats").check()
    page.get_by_role("button", name="Tilmeld").click()
    expect(page.get_by_text("Du er tilmeldt.")).to_be_visible()
    assert_accessible(page)

    message = _deliver(session, sink, 1)
    assert message["To"] == "soren@example.org"
    assert "Tilmelding bekræftet" in message["Subject"]
    link = re.search(r"http://\S+/r/\S+", _text(message)).group(0)
    assert {p.get_filename() for p in message.iter_attachments()} == {"ticket.png", "event.ics"}

    # Someone else registers and lands on the waiting list.
    waiting = make_registration(event, email="mette@example.org", first_name="Mette")
    assert waiting.status == RegistrationStatus.WAITLISTED

    page.goto(link.replace("http://127.0.0.1:5000", live_server))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Din tilmelding")
    expect(page.get_by_text("Workshop A: Virksomhedsrettet indsats")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("QR-kode"))).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Ret min tilmelding").click()
    assert_accessible(page)
    page.get_by_label("Workshop B: Unge uden uddannelse").check()
    page.get_by_role("button", name="Gem ændringer").click()
    expect(page.get_by_text("Dine ændringer er gemt.")).to_be_visible()
    expect(page.get_by_text("Workshop B: Unge uden uddannelse")).to_be_visible()
    session.rollback()
    assert workshop_a.seats_taken == 0
    _deliver(session, sink, 3)  # Mette's waiting-list notice and Søren's change mail
    assert "Tilmelding ændret" in sink.handler.messages[-1]["Subject"]

    page.get_by_role("link", name="Afmeld min tilmelding").click()
    assert_accessible(page)
    page.get_by_role("button", name="Ja, afmeld min tilmelding").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tilmelding afmeldt")
    assert_accessible(page)

    session.rollback()
    delivery.deliver_once(session)
    subjects = {m["To"]: m["Subject"] for m in sink.handler.messages[3:]}
    assert "Tilmelding afmeldt" in subjects["soren@example.org"]
    assert "Du har fået en plads" in subjects["mette@example.org"]
    session.rollback()
    session.refresh(waiting)
    assert waiting.status == RegistrationStatus.CONFIRMED

    page.goto(link.replace("http://127.0.0.1:5000", live_server))  # the old link now says cancelled
    expect(page.get_by_role("heading", level=1)).to_have_text("Tilmelding afmeldt")
