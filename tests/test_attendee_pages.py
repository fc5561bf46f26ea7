"""The attendee's pages: the form, the personal link, changing, cancelling, ticket downloads."""

import re
from datetime import timedelta

import pytest

from confapp.models import AgendaItemKind, OutboxMail, Registration, RegistrationStatus
from confapp.models.base import utcnow
from confapp.services import registration as registrations


def form_data(**overrides):
    data = {"first_name": "Søren", "last_name": "Ægidius Østergård", "email": "soren@example.org",
            "organisation": "LBR Syddjurs", "category": "lbr_rar", "job_title": "Formand",
            "dietary_needs": "", "accessibility_needs": ""}
    data.update(overrides)
    return data


def _token_from(response):
    return response.headers["Location"].split("/r/")[1].split("?")[0]


def test_register_and_see_the_personal_page(client, session, make_event):
    event = make_event(capacity=10)
    response = client.post(f"/events/{event.id}/register", data=form_data())
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert "Søren Ægidius Østergård" in page and "LBR Syddjurs" in page
    session.rollback()
    reg = session.query(Registration).one()
    assert reg.status == RegistrationStatus.CONFIRMED and reg.locale == "da"
    assert session.query(OutboxMail).filter_by(kind="confirmed").count() == 1


def test_form_errors_next_to_fields_keep_input(client, session, make_event):
    event = make_event()
    response = client.post(f"/events/{event.id}/register", data=form_data(
        email="not-an-email", first_name="", category="", organisation="x" * 201))
    assert response.status_code == 200
    html = response.text
    assert 'id="email-error"' in html and 'id="first_name-error"' in html
    assert 'id="category-error"' in html and 'id="organisation-error"' in html
    assert 'value="not-an-email"' in html and 'value="Ægidius Østergård"' in html
    session.rollback()
    assert session.query(Registration).count() == 0


def test_email_checked_without_dns(client, make_event):
    event = make_event()
    response = client.post(f"/events/{event.id}/register",
                           data=form_data(email="someone@nonexistent-domain-zz.example"))
    assert response.status_code == 302


def test_duplicate_registration_reveals_nothing_and_mails_a_fresh_link(client, session,
                                                                       make_event):
    event = make_event()
    first = client.post(f"/events/{event.id}/register", data=form_data())
    old_token = _token_from(first)
    response = client.post(f"/events/{event.id}/register",
                           data=form_data(first_name="Someone", last_name="Else"))
    assert response.status_code == 200
    assert "Ægidius" not in response.text and "LBR Syddjurs" not in response.text
    session.rollback()
    assert session.query(Registration).count() == 1
    assert session.query(OutboxMail).filter_by(kind="link").count() == 1
    assert client.get(f"/r/{old_token}").status_code == 404  # the old link died


@pytest.mark.parametrize("state", ["not_open_yet", "closed", "unpublished", "unknown"])
def test_closed_states_store_nothing(client, session, make_event, state):
    if state == "not_open_yet":
        event = make_event(registration_opens_at=utcnow() + timedelta(days=2))
    elif state == "closed":
        event = make_event(registration_closes_at=utcnow() - timedelta(hours=1))
    elif state == "unpublished":
        event = make_event(published=False)
    event_id = 999999 if state == "unknown" else event.id
    response = client.post(f"/events/{event_id}/register", data=form_data())
    assert response.status_code in (404, 409)
    assert "Traceback" not in response.text
    session.rollback()
    assert session.query(Registration).count() == 0


def test_full_event_puts_on_waiting_list_and_says_position(client, session, make_event):
    event = make_event(capacity=1)
    client.post(f"/events/{event.id}/register", data=form_data(email="a@example.org"))
    response = client.post(f"/events/{event.id}/register", data=form_data(email="b@example.org"))
    html = client.get(response.headers["Location"]).text
    assert "nummer 1" in html or "number 1" in html


def test_bad_tokens_never_show_data(client, make_event):
    event = make_event()
    token = _token_from(client.post(f"/events/{event.id}/register", data=form_data()))
    reg_id = token.split(".")[0]
    for bad in ["nonsense", f"{reg_id}.AAAA", f"{int(reg_id) + 1}.{token.split('.')[1]}",
                token[:-1] + ("A" if token[-1] != "A" else "B")]:
        for suffix in ("", "/edit", "/cancel", "/ticket.png", "/ticket.pdf", "/event.ics"):
            response = client.get(f"/r/{bad}{suffix}")
            assert response.status_code == 404, (bad, suffix)
            assert "Ægidius" not in response.text


def test_edit_details_and_withdraw_consent(client, session, make_event, make_item):
    event = make_event(capacity=10, hours=6)
    a = make_item(event, "Workshop A", AgendaItemKind.WORKSHOP, 60, 60, capacity=10)
    b = make_item(event, "Workshop B", AgendaItemKind.WORKSHOP, 60, 60, capacity=10)
    token = _token_from(client.post(f"/events/{event.id}/register", data=form_data(
        consent_participant_list="y", workshop_0=str(a.id))))
    edit_page = client.get(f"/r/{token}/edit").text
    assert f'value="{a.id}" checked' in edit_page or 'checked id="workshop_0-1"' in edit_page \
        or "checked" in edit_page
    response = client.post(f"/r/{token}/edit", data=form_data(job_title="Næstformand",
                                                              workshop_0=str(b.id)))
    assert response.status_code == 302
    session.rollback()
    reg = session.query(Registration).one()
    assert reg.job_title == "Næstformand" and not reg.consent_participant_list
    assert [w.title for w in reg.workshops] == ["Workshop B"]


def test_a_full_workshop_is_shown_as_full_and_cannot_be_picked(client, session, make_event,
                                                               make_item):
    event = make_event(capacity=10, hours=6)
    full = make_item(event, "Workshop A", AgendaItemKind.WORKSHOP, 60, 60, capacity=1)
    make_item(event, "Workshop B", AgendaItemKind.WORKSHOP, 60, 60, capacity=10)
    holder = _token_from(client.post(f"/events/{event.id}/register", data=form_data(
        email="holder@example.org", workshop_0=str(full.id))))
    page = client.get(f"/events/{event.id}/register").text
    full_input = re.search(rf'<input[^>]*value="{full.id}"[^>]*>', page).group(0)
    free_input = re.search(rf'<input[^>]*value="{full.id + 1}"[^>]*>', page).group(0)
    assert "disabled" in full_input and "disabled" not in free_input
    assert 'aria-describedby="workshop_0-1-full"' in full_input
    assert "fuldt – ingen ledige pladser" in page
    # The person who holds the last seat still sees it as theirs, not as full.
    edit_page = client.get(f"/r/{holder}/edit").text
    assert "fuldt – ingen ledige pladser" not in edit_page
    # Posting the full workshop anyway is refused next to the field, with the input kept.
    response = client.post(f"/events/{event.id}/register", data=form_data(
        email="late@example.org", workshop_0=str(full.id)))
    assert response.status_code == 200 and "late@example.org" in response.text
    session.rollback()
    assert session.query(Registration).count() == 1


def test_cancel_needs_confirmation_then_promotes(client, session, make_event):
    event = make_event(capacity=1)
    token = _token_from(client.post(f"/events/{event.id}/register",
                                    data=form_data(email="first@example.org")))
    client.post(f"/events/{event.id}/register", data=form_data(email="second@example.org"))
    assert "Ja, afmeld" in client.get(f"/r/{token}/cancel").text or \
        "Yes, cancel" in client.get(f"/r/{token}/cancel").text
    response = client.post(f"/r/{token}/cancel")
    assert response.status_code == 200
    session.rollback()
    second = session.query(Registration).filter_by(email="second@example.org").one()
    assert second.status == RegistrationStatus.CONFIRMED
    assert client.get(f"/r/{token}").status_code == 410
    assert client.get(f"/r/{token}/ticket.png").status_code == 410


def test_ticket_downloads(client, app, make_event):
    import io

    import zxingcpp
    from PIL import Image
    from pypdf import PdfReader

    event = make_event(title="Rådsmøde")
    token = _token_from(client.post(f"/events/{event.id}/register", data=form_data()))
    png = client.get(f"/r/{token}/ticket.png")
    assert png.mimetype == "image/png"
    payload = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))[0].text
    assert payload.startswith(f"CA1-{event.id}-")
    pdf = client.get(f"/r/{token}/ticket.pdf")
    assert pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.data))
    assert len(reader.pages) == 1 and "Søren" in reader.pages[0].extract_text()
    ics = client.get(f"/r/{token}/event.ics")
    assert ics.mimetype == "text/calendar" and b"SUMMARY:R" in ics.data


def test_waitlisted_person_has_no_ticket_yet(client, make_event):
    event = make_event(capacity=0)
    registrations_state = registrations.registration_state(event)
    assert registrations_state == "no_registration"
    event2 = make_event(capacity=1)
    client.post(f"/events/{event2.id}/register", data=form_data(email="x@example.org"))
    token = _token_from(client.post(f"/events/{event2.id}/register", data=form_data()))
    assert client.get(f"/r/{token}/ticket.png").status_code == 404
    assert client.get(f"/r/{token}/event.ics").status_code == 200


def test_invite_only_form_asks_for_code(client, session, make_event):
    event = make_event(invite_only=True, access_code="JOB2027")
    assert "access_code" in client.get(f"/events/{event.id}/register").text
    response = client.post(f"/events/{event.id}/register", data=form_data(access_code="nope"))
    assert response.status_code == 200 and 'id="access_code-error"' in response.text
    response = client.post(f"/events/{event.id}/register", data=form_data(access_code="JOB2027"))
    assert response.status_code == 302


def test_registration_posts_are_rate_limited(app, client, make_event):
    app.config["REGISTRATION_RATE_LIMIT"] = "3 per minute"
    event = make_event()
    codes = [client.post(f"/events/{event.id}/register",
                         data=form_data(email=f"p{i}@example.org")).status_code for i in range(4)]
    assert codes[-1] == 429
