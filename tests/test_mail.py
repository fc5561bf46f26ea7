"""Mail delivery through a real SMTP sink: outbox, leases, retries, failures, attachments."""

import io
import re
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import update

from confapp.extensions import db
from confapp.extensions import mail as mail_extension
from confapp.models import MailStatus, OutboxMail, Registration
from confapp.models.base import utcnow
from confapp.services import delivery, outbox, registration
from confapp.services.outbox import NewMail
from tests.conftest import free_port, registration_input, start_sink


@pytest.fixture
def app_config(request):
    return {"MAIL_SUPPRESS_SEND": False, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": 1}


def _point_at(app, sink):
    app.config["MAIL_PORT"] = sink.port
    mail_extension.init_app(app)  # Flask-Mail reads its settings at init


def _make_due(session):
    session.execute(update(OutboxMail).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    session.commit()


def test_mail_waits_while_smtp_is_down_and_arrives_once(app, session, make_event,
                                                        make_registration, request):
    event = make_event()
    port = free_port()  # nothing listens there yet: the sink is down while the person registers
    app.config["MAIL_PORT"] = port
    mail_extension.init_app(app)
    reg = make_registration(event, email="karen@example.org")
    report = delivery.deliver_once(session)
    assert report.retried == 1 and report.sent == 0
    mail = session.query(OutboxMail).one()
    assert mail.status == MailStatus.QUEUED and mail.attempts == 1 and mail.last_error
    assert mail.next_attempt_at > utcnow()

    smtp_sink = start_sink(port)
    request.addfinalizer(smtp_sink.stop)
    assert delivery.deliver_once(session).claimed == 0  # backoff: not due yet
    _make_due(session)
    assert delivery.deliver_once(session).sent == 1
    assert delivery.deliver_once(session).claimed == 0  # sent is never sent again
    _make_due(session)
    assert delivery.deliver_once(session).claimed == 0
    received = smtp_sink.handler.messages
    assert len(received) == 1
    message = received[0]
    assert message["To"] == "karen@example.org"
    assert message["X-Confapp-Key"] == f"confirmed:{reg.id}:1"


def test_confirmation_has_qr_ticket_and_calendar_file(app, session, smtp_sink, make_event,
                                                      make_registration):
    import zxingcpp
    from PIL import Image

    from confapp.services import tokens

    _point_at(app, smtp_sink)
    event = make_event(title="Beskæftigelseskonferencen 2027")
    reg = make_registration(event, locale="da")
    delivery.deliver_once(session)
    message = smtp_sink.handler.messages[0]
    parts = {part.get_filename(): part for part in message.iter_attachments()}
    png = parts["ticket.png"].get_content()
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert decoded[0].text == tokens.ticket_payload(app.secret_key, event.id, reg.id)
    calendar = Calendar.from_ical(parts["event.ics"].get_content())
    vevent = calendar.walk("VEVENT")[0]
    assert str(vevent["SUMMARY"]) == "Beskæftigelseskonferencen 2027"
    assert vevent.decoded("DTSTART") == event.starts_at
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "cid:ticket-qr" in html
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "/r/" in text


def test_permanent_failure_is_recorded_not_retried(app, session, make_event, make_registration):
    class Refuse:
        async def handle_RCPT(self, server, session_, envelope, address, options):
            return "550 5.1.1 mailbox unavailable"

    refusing = start_sink(handler=Refuse())
    try:
        _point_at(app, refusing)
        make_registration(make_event())
        report = delivery.deliver_once(session)
    finally:
        refusing.stop()
    assert report.failed == 1
    mail_row = session.query(OutboxMail).one()
    assert mail_row.status == MailStatus.FAILED and "550" in mail_row.last_error


def test_rolled_back_registration_leaves_no_mail(session, site, make_event):
    event = make_event()
    registration.register(session, event, registration_input())
    assert session.query(OutboxMail).count() == 1
    session.rollback()
    assert session.query(OutboxMail).count() == 0 and session.query(Registration).count() == 0


def test_idempotency_key_queues_once(session):
    mail = NewMail(idempotency_key="confirm:1:1", kind="test", to_address="a@example.org",
                   subject="s", body_text="b")
    outbox.enqueue(session, mail)
    outbox.enqueue(session, mail)
    session.commit()
    assert session.query(OutboxMail).count() == 1


def test_expired_lease_is_reclaimed_and_live_lease_is_not(session):
    outbox.enqueue(session, NewMail(idempotency_key="k1", kind="t", to_address="a@example.org",
                                    subject="s", body_text="b"))
    session.commit()
    assert outbox.claim(session, "worker-a") != []
    session.commit()
    assert outbox.claim(session, "worker-b") == []  # leased to a
    session.commit()
    later = utcnow() + timedelta(seconds=outbox.LEASE_SECONDS + 1)
    assert outbox.claim(session, "worker-b", now=later) != []  # a crashed; b takes over
    session.commit()
    mail_id = session.query(OutboxMail.id).scalar()
    assert not outbox.mark_sent(session, mail_id, "worker-a")  # a's late result is ignored
    assert outbox.mark_sent(session, mail_id, "worker-b")
    session.commit()


def test_backoff_grows_and_gives_up(session):
    assert outbox.backoff(1) < outbox.backoff(2) < outbox.backoff(5)
    assert outbox.backoff(50) == timedelta(hours=1)
    outbox.enqueue(session, NewMail(idempotency_key="k2", kind="t", to_address="a@example.org",
                                    subject="s", body_text="b"))
    session.commit()
    (mail_id,) = outbox.claim(session, "w")
    outbox.mark_retry(session, mail_id, "w", outbox.MAX_ATTEMPTS, "421 try later")
    session.commit()
    assert db.session.get(OutboxMail, mail_id).status == MailStatus.FAILED


def test_cli_deliver_one_pass(app, session, smtp_sink, make_event, make_registration):
    _point_at(app, smtp_sink)
    make_registration(make_event())
    result = app.test_cli_runner().invoke(args=["mail", "deliver"])
    assert result.exit_code == 0 and "sent 1" in result.output
    assert len(smtp_sink.handler.messages) == 1


# --- what each kind of mail offers --------------------------------------------------------------

# The personal link's line names what the person can still do; the ticket only comes with a seat.
OFFERS = {
    "da": {"ticket_link": "Dit personlige link (se, ret eller afmeld din tilmelding, og hent din billet):",
           "waiting_link": "Dit personlige link (se eller ret din tilmelding, eller meld dig af "
                           "ventelisten):",
           "ticket": "Din billet med QR-kode", "again": "kan du tilmelde dig igen",
           "ticket_words": ("billet", "QR-kode")},
    "en": {"ticket_link": "Your personal link (see, change or cancel your registration, and "
                          "download your ticket):",
           "waiting_link": "Your personal link (see or change your registration, or leave the "
                           "waiting list):",
           "ticket": "Your ticket with a QR code", "again": "you can register again",
           "ticket_words": ("ticket", "QR code")},
}


def _prose(body: str) -> str:
    """The words of a mail without its links (a random token could spell anything)."""
    return re.sub(r"https?://\S+", "", body)


def _mails_of_every_kind(session, event, locale: str) -> dict[str, OutboxMail]:
    """A seat, a waiting place, a change, a new link, a cancellation and a promotion."""
    first = registration.register(session, event, registration_input(locale=locale))
    second = registration.register(session, event, registration_input(locale=locale))
    registration.update_details(session, second, registration_input(
        locale=locale, first_name="Bo", email=second.email))
    registration.send_fresh_link(session, second)
    registration.cancel(session, first)  # second gets the seat
    session.commit()
    mails = session.query(OutboxMail).order_by(OutboxMail.id).all()
    return {f"{m.kind}:{'first' if m.registration_id == first.id else 'second'}": m for m in mails}


@pytest.mark.parametrize("locale", ["da", "en"])
def test_every_mail_offers_only_what_still_applies(session, site, make_event, locale):
    words = OFFERS[locale]
    mails = _mails_of_every_kind(session, make_event(capacity=1), locale)
    assert set(mails) == {"confirmed:first", "waitlisted:second", "changed:second", "link:second",
                          "cancelled:first", "promoted:second"}

    for key in ("confirmed:first", "promoted:second"):
        text = mails[key].body_text
        assert words["ticket_link"] in text and words["ticket"] in text, key
        assert "/r/" in text and len(mails[key].attachments) == 2

    for key in ("waitlisted:second", "changed:second", "link:second"):  # still waiting then
        mail = mails[key]
        assert words["waiting_link"] in mail.body_text and "/r/" in mail.body_text, key
        assert not any(w in _prose(mail.body_text) for w in words["ticket_words"]), key
        assert "cid:ticket-qr" not in mail.body_html and mail.attachments == [], key

    cancelled = mails["cancelled:first"]
    for body in (cancelled.body_text, cancelled.body_html):
        assert "/r/" not in body  # nothing left to see, change or download
        assert not any(w in _prose(body) for w in words["ticket_words"])
        assert words["again"] in body and f"/events/{cancelled.event_id}" in body
    assert cancelled.attachments == []


def test_cancelled_mail_does_not_list_the_workshops_given_up(session, site, make_event,
                                                              make_item):
    event = make_event()
    workshop = make_item(event, "Workshop A", kind="workshop", capacity=10)
    person = registration.register(session, event, registration_input(workshop_ids=[workshop.id]))
    registration.cancel(session, person)
    session.commit()
    mails = {m.kind: m for m in session.query(OutboxMail)}
    assert "Workshop A" in mails["confirmed"].body_text
    assert "Workshop A" not in mails["cancelled"].body_text
