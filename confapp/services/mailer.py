"""Mails to registrants: written in their language, queued in the outbox.

Rendering needs an app context (templates, translations) but no request; links
are built from the ``base_url`` the caller passes.
"""

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from confapp.models import Registration, RegistrationStatus
from confapp.services.outbox import NewMail, enqueue

# What each kind of mail says in its subject line; the body comes from the templates.
SUBJECTS = {
    "confirmed": lambda e: _("Registration confirmed: %(title)s", title=e.title),
    "waitlisted": lambda e: _("You are on the waiting list: %(title)s", title=e.title),
    "promoted": lambda e: _("You have a seat: %(title)s", title=e.title),
    "changed": lambda e: _("Registration changed: %(title)s", title=e.title),
    "cancelled": lambda e: _("Registration cancelled: %(title)s", title=e.title),
    "link": lambda e: _("Your personal link: %(title)s", title=e.title),
}
WITH_TICKET = {"confirmed", "promoted", "changed"}


def personal_link(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/r/{token}"


def queue_registration_mail(session, registration: Registration, kind: str, base_url: str,
                            token: str | None = None, *, position: int | None = None,
                            key_suffix: str = "") -> None:
    """Render the mail of ``kind`` in the registrant's language and put it in the outbox."""
    event = registration.event
    with force_locale(registration.locale or "da"):
        context = {
            "kind": kind,
            "registration": registration,
            "event": event,
            "link": personal_link(base_url, token) if token else None,
            "event_url": f"{base_url.rstrip('/')}/events/{event.id}",
            "position": position,
        }
        subject = SUBJECTS[kind](event)
        text = render_template("mail/registration.txt", **context)
        html = render_template("mail/registration.html", **context)
    attachments: tuple[dict, ...] = ()
    if kind in WITH_TICKET and registration.status == RegistrationStatus.CONFIRMED:
        attachments = (
            {"type": "ticket_png", "registration_id": registration.id},
            {"type": "ics", "event_id": event.id},
        )
    enqueue(session, NewMail(
        idempotency_key=f"{kind}:{registration.id}:{registration.version}{key_suffix}",
        kind=kind,
        to_address=registration.email,
        subject=subject,
        body_text=text,
        body_html=html,
        attachments=attachments,
        event_id=event.id,
        registration_id=registration.id,
    ))


def queue_announcement(session, registration: Registration, subject: str, body: str,
                       announcement_key: str) -> None:
    """An organiser's message to one registrant; the key stops a double submit sending twice."""
    event = registration.event
    with force_locale(registration.locale or "da"):
        context = {"registration": registration, "event": event, "body": body}
        text = render_template("mail/announcement.txt", **context)
        html = render_template("mail/announcement.html", **context)
    enqueue(session, NewMail(
        idempotency_key=f"announce:{announcement_key}:{registration.id}",
        kind="announcement",
        to_address=registration.email,
        subject=subject,
        body_text=text,
        body_html=html,
        event_id=event.id,
        registration_id=registration.id,
    ))
