"""Registration rules: capacity, waiting list, workshops, duplicates, windows, tokens."""

from datetime import timedelta

import pytest

from confapp.models import AgendaItemKind, OutboxMail, Registration, RegistrationStatus
from confapp.models.base import utcnow
from confapp.services import registration as registrations
from confapp.services import tokens, waitlist
from confapp.services.events import EventInput, update_event
from confapp.services.registration import (
    AlreadyRegistered,
    RegistrationClosed,
    RegistrationNotOpen,
    WorkshopProblem,
    WrongAccessCode,
)
from tests.conftest import registration_input


def _mail_kinds(session, registration):
    return [m.kind for m in session.query(OutboxMail).filter_by(registration_id=registration.id)
            .order_by(OutboxMail.id)]


def test_seats_then_waiting_list_with_positions(session, make_event, make_registration):
    event = make_event(capacity=2)
    first, second = make_registration(event), make_registration(event)
    third, fourth = make_registration(event), make_registration(event)
    assert [r.status for r in (first, second)] == [RegistrationStatus.CONFIRMED] * 2
    assert [r.status for r in (third, fourth)] == [RegistrationStatus.WAITLISTED] * 2
    assert waitlist.position(session, third) == 1 and waitlist.position(session, fourth) == 2
    assert event.seats_taken == 2
    assert _mail_kinds(session, first) == ["confirmed"]
    assert _mail_kinds(session, third) == ["waitlisted"]
    mail = session.query(OutboxMail).filter_by(registration_id=fourth.id).one()
    assert "nummer 2" in mail.body_text or "number 2" in mail.body_text


def test_cancel_promotes_first_in_line_in_same_transaction(session, make_event, make_registration):
    event = make_event(capacity=1)
    holder, waiting_first, waiting_second = (make_registration(event) for _ in range(3))
    promoted = registrations.cancel(session, holder)
    session.commit()
    assert promoted == [waiting_first]
    assert waiting_first.status == RegistrationStatus.CONFIRMED
    assert waiting_second.status == RegistrationStatus.WAITLISTED
    assert waitlist.position(session, waiting_second) == 1
    assert event.seats_taken == 1
    assert _mail_kinds(session, holder) == ["confirmed", "cancelled"]
    assert _mail_kinds(session, waiting_first) == ["waitlisted", "promoted"]


def test_cancelling_a_waitlisted_person_promotes_nobody(session, make_event, make_registration):
    event = make_event(capacity=1)
    make_registration(event)
    waiting = make_registration(event)
    assert registrations.cancel(session, waiting) == []
    assert event.seats_taken == 1


def test_raising_capacity_promotes_from_waiting_list(session, site, make_event, make_registration):
    event = make_event(capacity=1)
    people = [make_registration(event) for _ in range(4)]
    data = EventInput(kind=event.kind, title=event.title, starts_at=event.starts_at,
                      ends_at=event.ends_at, capacity=3)
    update_event(session, event, data)
    session.commit()
    assert [p.status for p in people] == ["confirmed", "confirmed", "confirmed", "waitlisted"]
    assert event.seats_taken == 3


def test_capacity_cannot_drop_below_seats_given(session, make_event, make_registration):
    from confapp.services.events import InvalidInput

    event = make_event(capacity=5)
    make_registration(event), make_registration(event)
    data = EventInput(kind=event.kind, title=event.title, starts_at=event.starts_at,
                      ends_at=event.ends_at, capacity=1)
    with pytest.raises(InvalidInput) as error:
        update_event(session, event, data)
    assert "capacity" in error.value.errors


def test_same_email_twice_is_refused_case_insensitively(session, make_event, make_registration):
    event = make_event()
    make_registration(event, email="Mette@Example.org")
    with pytest.raises(AlreadyRegistered):
        registrations.register(session, event, registration_input(email=" mette@example.ORG "))


def test_register_again_after_cancelling_reuses_the_row(session, make_event, make_registration):
    event = make_event(capacity=5)
    first = make_registration(event, email="lars@example.org")
    registrations.cancel(session, first)
    session.commit()
    again = make_registration(event, email="lars@example.org")
    assert again.id == first.id and again.status == RegistrationStatus.CONFIRMED
    assert event.seats_taken == 1


def test_registration_window(session, make_event):
    soon = make_event(registration_opens_at=utcnow() + timedelta(days=1))
    with pytest.raises(RegistrationNotOpen):
        registrations.register(session, soon, registration_input())
    closed = make_event(registration_closes_at=utcnow() - timedelta(minutes=1))
    with pytest.raises(RegistrationClosed):
        registrations.register(session, closed, registration_input())
    assert session.query(Registration).count() == 0


def test_invite_only_needs_the_access_code(session, site, make_event):
    event = make_event(invite_only=True, access_code="LBR2027")
    with pytest.raises(WrongAccessCode):
        registrations.register(session, event, registration_input(access_code="wrong"))
    reg = registrations.register(session, event, registration_input(access_code="LBR2027"))
    assert reg.status == RegistrationStatus.CONFIRMED


def _workshops(make_item, event, capacity=2):
    a = make_item(event, "Workshop A", AgendaItemKind.WORKSHOP, 60, 60, capacity=capacity)
    b = make_item(event, "Workshop B", AgendaItemKind.WORKSHOP, 60, 60, capacity=capacity)
    c = make_item(event, "Workshop C", AgendaItemKind.WORKSHOP, 150, 60)
    return a, b, c


def test_workshops_one_per_slot_and_own_capacity(session, site, make_event, make_item,
                                                 make_registration):
    event = make_event(capacity=10, hours=6)
    a, b, c = _workshops(make_item, event, capacity=1)
    with pytest.raises(WorkshopProblem):
        registrations.register(session, event, registration_input(workshop_ids=[a.id, b.id]))
    session.rollback()
    first = make_registration(event, workshop_ids=[a.id, c.id])
    assert {w.title for w in first.workshops} == {"Workshop A", "Workshop C"}
    assert a.seats_taken == 1 and c.seats_taken == 1
    with pytest.raises(WorkshopProblem):
        registrations.register(session, event, registration_input(workshop_ids=[a.id]))
    session.rollback()
    assert session.query(Registration).count() == 1  # the failed one left nothing behind
    assert session.query(OutboxMail).count() == 1


def test_changing_workshop_moves_the_seat(session, site, make_event, make_item, make_registration):
    event = make_event(capacity=10, hours=6)
    a, b, _ = _workshops(make_item, event, capacity=1)
    reg = make_registration(event, workshop_ids=[a.id])
    registrations.update_details(session, reg, registration_input(
        email=reg.email, first_name="Anne", workshop_ids=[b.id]))
    session.commit()
    assert (a.seats_taken, b.seats_taken) == (0, 1)
    assert [w.title for w in reg.workshops] == ["Workshop B"]
    assert _mail_kinds(session, reg) == ["confirmed", "changed"]


def test_waitlisted_workshop_choice_is_claimed_on_promotion(session, site, make_event, make_item,
                                                             make_registration):
    event = make_event(capacity=1, hours=6)
    a, _, _ = _workshops(make_item, event, capacity=5)
    holder = make_registration(event)
    waiting = make_registration(event, workshop_ids=[a.id])
    assert a.seats_taken == 0
    registrations.cancel(session, holder)
    session.commit()
    assert waiting.status == RegistrationStatus.CONFIRMED and a.seats_taken == 1


def test_personal_token_is_256_bits_and_rotates(session, site, make_event, make_registration):
    event = make_event()
    reg = make_registration(event)
    token = registrations.personal_token(site, reg)
    assert len(token.split(".")[1]) >= 43  # 32 bytes, base64url
    assert registrations.find_by_token(session, site, token) is reg
    assert registrations.find_by_token(session, site, token[:-2] + "xx") is None
    assert registrations.find_by_token(session, site, "999.abc") is None
    assert registrations.find_by_token(session, site, "garbage") is None
    registrations.send_fresh_link(session, reg)
    assert registrations.find_by_token(session, site, token) is None
    assert registrations.find_by_token(session, site, registrations.personal_token(site, reg)) is reg


def test_ticket_payload_is_signed_and_has_no_personal_data(app, session, make_event,
                                                           make_registration):
    event = make_event()
    reg = make_registration(event, first_name="Birgitte")
    payload = tokens.ticket_payload(app.secret_key, event.id, reg.id)
    assert "Birgitte" not in payload and reg.email not in payload
    assert tokens.read_ticket(app.secret_key, payload) == (event.id, reg.id)
    forged = payload.replace(f"-{reg.id}.", f"-{reg.id + 1}.")
    with pytest.raises(tokens.InvalidTicket):
        tokens.read_ticket(app.secret_key, forged)
    with pytest.raises(tokens.InvalidTicket):
        tokens.read_ticket("another-secret", payload)


def test_mail_is_in_the_registrants_language(session, make_event, make_registration):
    event = make_event(title="Temamøde")
    da = make_registration(event, locale="da")
    en = make_registration(event, locale="en")
    da_mail = session.query(OutboxMail).filter_by(registration_id=da.id).one()
    en_mail = session.query(OutboxMail).filter_by(registration_id=en.id).one()
    assert en_mail.subject == "Registration confirmed: Temamøde"
    assert da_mail.subject == "Tilmelding bekræftet: Temamøde"
    assert "/r/" in da_mail.body_text and "/r/" in en_mail.body_text
