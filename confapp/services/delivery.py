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
from confapp.services import outbox, settings, tokens
from confapp.services.calendar import event_ics
from confapp.text_rules import clean_line

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
        # Header values are made safe here, where the headers are built: a line break in a
        # stored title or subject (older rows, CLI input) would make Flask-Mail refuse the mail.
        subject=clean_line(mail.subject).strip(),
        recipients=[clean_line(mail.to_address).strip()],
        body=mail.body_text,
        html=mail.body_html or None,
        # The sender an administrator set (site settings), else MAIL_DEFAULT_SENDER.
        sender=_sender(settings.current(session, current_app.config).mail_sender),
        extra_headers={"X-Confapp-Key": clean_line(mail.idempotency_key)},
    )
    # The only Message-ID, stable per outbox row: a resend after a crashed lease is recognisably
    # the same mail (Flask-Mail would otherwise make a random one).
    message.msgId = f"<outbox-{mail.id}@{domain}>"
    for filename, content_type, data, disposition, headers in _attachments(session, mail):
        message.attach(filename, content_type, data, disposition=disposition, headers=headers)
    return message


def _sender(sender: str | tuple[str, str] | list | None):
    if isinstance(sender, (tuple, list)):
        return tuple(clean_line(part).strip() for part in sender)
    return clean_line(sender).strip() if sender else sender


class _SMTP:
    """One SMTP connection for a pass, opened when first needed and again after it broke."""

    def __init__(self):
        self.connection = None
        self.unreachable: Exception | None = None

    def send(self, message: Message) -> None:
        if self.unreachable is not None:  # the server did not answer: don't wait on it per mail
            raise self.unreachable
        if self.connection is None:
            try:
                connection = mail_extension.connect()
                connection.__enter__()
            except (OSError, smtplib.SMTPException) as error:
                self.unreachable = error
                raise
            self.connection = connection
        self.connection.send(message)

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            try:
                connection.__exit__(None, None, None)
            except (OSError, smtplib.SMTPException):
                pass


def _outcome(error: Exception) -> tuple[str, str]:
    """('failed' or 'retry', the reason shown to organisers) for an error sending one mail."""
    if isinstance(error, smtplib.SMTPResponseException):
        text = f"{error.smtp_code} {error.smtp_error!r}"
        return ("failed" if 500 <= error.smtp_code < 600 else "retry"), text
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        permanent = all(500 <= code < 600 for code, _ in error.recipients.values())
        return ("failed" if permanent else "retry"), f"recipient refused: {error.recipients}"
    if isinstance(error, (OSError, smtplib.SMTPException)):
        return "retry", repr(error)  # the network or the server: may work next time
    # Anything else comes from the mail itself (an address or header that cannot be encoded, a
    # broken attachment) and would fail the same way every time.
    return "failed", f"cannot be sent: {type(error).__name__}: {error}"


def deliver_once(session: Session, *, owner: str | None = None, limit: int = 50) -> DeliveryReport:
    """One pass: claim due mails, send them over one SMTP connection, record each outcome.

    Whatever goes wrong with one mail (building it, encoding it, the server's answer) is
    recorded on that mail alone; the others of the batch are still sent.
    """
    owner = owner or worker_name()
    report = DeliveryReport()
    ids = outbox.claim(session, owner, limit=limit)
    session.commit()
    report.claimed = len(ids)
    smtp = _SMTP()
    try:
        for mail_id in ids:
            mail = session.get(OutboxMail, mail_id)
            attempts = mail.attempts
            try:
                smtp.send(build_message(session, mail))
            except Exception as error:  # noqa: BLE001 - every error is recorded on this mail
                session.rollback()
                outcome, reason = _outcome(error)
                if outcome == "failed":
                    log.warning("mail %s failed: %s", mail_id, reason)
                    outbox.mark_failed(session, mail_id, owner, reason)
                    report.failed += 1
                else:
                    outbox.mark_retry(session, mail_id, owner, attempts, reason)
                    report.retried += 1
                if not isinstance(error, smtplib.SMTPResponseException):
                    smtp.close()  # the connection's state is unknown: the next mail opens anew
            else:
                outbox.mark_sent(session, mail_id, owner)
                report.sent += 1
            session.commit()
    finally:
        smtp.close()
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
