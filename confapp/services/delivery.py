"""The mail delivery worker: lease due mails from the outbox, send them, record the outcome.

The worker owns its transactions: it commits the lease before talking to SMTP
(so other workers skip those mails) and commits each outcome right after. A
mail recorded as sent is never sent again; an SMTP 5xx ends as failed; anything
else is retried with backoff. If a worker dies mid-send, its lease expires and
another worker sends the mail (at-least-once: the Message-ID is stable, so
mail clients collapse such a duplicate).
"""

import logging
import os
import smtplib
import socket
import time
from dataclasses import dataclass

from flask import current_app
from flask_mail import Message
from sqlalchemy.orm import Session

from confapp.extensions import mail as mail_extension
from confapp.models import Event, OutboxMail, Registration
from confapp.services import outbox, tokens
from confapp.services.calendar import event_ics

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _attachments(session: Session, mail: OutboxMail) -> list[tuple[str, str, bytes, str, dict]]:
    from confapp.qrcodes import qr_png

    files = []
    for spec in mail.attachments or []:
        if spec.get("type") == "ticket_png":
            registration = session.get(Registration, spec["registration_id"])
            if registration is None or registration.anonymised_at:
                continue
            payload = tokens.ticket_payload(current_app.secret_key, registration.event_id,
                                            registration.id)
            files.append(("ticket.png", "image/png", qr_png(payload), "inline",
                          {"Content-ID": "<ticket-qr>"}))
        elif spec.get("type") == "ics":
            event = session.get(Event, spec["event_id"])
            if event is not None:
                files.append(("event.ics", "text/calendar; charset=utf-8; method=PUBLISH", event_ics(event),
                              "attachment", {}))
    return files


def build_message(session: Session, mail: OutboxMail) -> Message:
    domain = current_app.config.get("MAIL_MESSAGE_ID_DOMAIN", "confapp.local")
    message = Message(
        subject=mail.subject,
        recipients=[mail.to_address],
        body=mail.body_text,
        html=mail.body_html or None,
        sender=current_app.config.get("MAIL_DEFAULT_SENDER"),
        extra_headers={
            # Stable per outbox row: a resend after a crashed lease is recognisably the same mail.
            "Message-ID": f"<outbox-{mail.id}@{domain}>",
            "X-Confapp-Key": mail.idempotency_key,
        },
    )
    for filename, content_type, data, disposition, headers in _attachments(session, mail):
        message.attach(filename, content_type, data, disposition=disposition, headers=headers)
    return message


def deliver_once(session: Session, *, owner: str | None = None, limit: int = 50) -> DeliveryReport:
    """One pass: claim due mails, send them over one SMTP connection, record each outcome."""
    owner = owner or worker_name()
    report = DeliveryReport()
    ids = outbox.claim(session, owner, limit=limit)
    session.commit()
    report.claimed = len(ids)
    if not ids:
        return report
    try:
        connection = mail_extension.connect()
        connection.__enter__()
    except (OSError, smtplib.SMTPException) as error:
        for mail_id in ids:
            mail = session.get(OutboxMail, mail_id)
            outbox.mark_retry(session, mail_id, owner, mail.attempts, f"connect: {error}")
            report.retried += 1
        session.commit()
        return report
    try:
        for mail_id in ids:
            mail = session.get(OutboxMail, mail_id)
            try:
                connection.send(build_message(session, mail))
            except smtplib.SMTPResponseException as error:
                text = f"{error.smtp_code} {error.smtp_error!r}"
                if 500 <= error.smtp_code < 600:
                    outbox.mark_failed(session, mail_id, owner, text)
                    report.failed += 1
                else:
                    outbox.mark_retry(session, mail_id, owner, mail.attempts, text)
                    report.retried += 1
            except smtplib.SMTPRecipientsRefused as error:
                outbox.mark_failed(session, mail_id, owner, f"recipient refused: {error.recipients}")
                report.failed += 1
            except (OSError, smtplib.SMTPException) as error:
                outbox.mark_retry(session, mail_id, owner, mail.attempts, repr(error))
                report.retried += 1
            else:
                outbox.mark_sent(session, mail_id, owner)
                report.sent += 1
            session.commit()
    finally:
        try:
            connection.__exit__(None, None, None)
        except (OSError, smtplib.SMTPException):
            pass
    return report


def deliver_forever(session: Session, *, interval: float = 2.0, stop=lambda: False,
                    limit: int = 50) -> None:
    """Keep delivering; sleep ``interval`` seconds when the outbox has nothing due."""
    owner = worker_name()
    while not stop():
        try:
            report = deliver_once(session, owner=owner, limit=limit)
        except Exception:  # a database hiccup must not kill the worker
            log.exception("delivery pass failed")
            session.rollback()
            report = DeliveryReport()
        if report.claimed:
            log.info("mail: %s", report)
        else:
            time.sleep(interval)
        if hasattr(session, "remove"):  # a scoped session: start each pass with a clean one
            session.remove()
