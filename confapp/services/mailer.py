"""Mails to registrants: written in their language, queued in the outbox.

Rendering needs an app context (templates, translations) but no request; links
are built from the ``base_url`` the caller passes.
"""

from dataclasses import dataclass

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from confapp.models import Event, Registration, RegistrationStatus
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
    with_ticket = kind in WITH_TICKET and registration.status == RegistrationStatus.CONFIRMED
    with force_locale(registration.locale or "da"):
        context = {
            "kind": kind,
            "with_ticket": with_ticket,
            "registration": registration,
            "event": event,
            # A cancelled registration has nothing left to see, change or download.
            "link": personal_link(base_url, token)
            if token and registration.status != RegistrationStatus.CANCELLED else None,
            "event_url": f"{base_url.rstrip('/')}/events/{event.id}",
            "position": position,
        }
        subject = SUBJECTS[kind](event)
        text = render_template("mail/registration.txt", **context)
        html = render_template("mail/registration.html", **context)
    attachments: tuple[dict, ...] = ()
    if with_ticket:
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


@dataclass(frozen=True)
class Addressee:
    """Who a mail greets; a registration, or a sample person for a preview."""

    first_name: str


@dataclass(frozen=True)
class AnnouncementPreview:
    """An organiser's message as it will be sent in one language, before anything is queued."""

    locale: str
    recipients: int  # how many get it in this language
    addressee: str  # the first name it greets: the first such recipient's, or a sample name
    subject: str
    text: str


# Greets the preview of a language nobody on the list reads (yet).
SAMPLE_FIRST_NAME = "Mette"
MAIL_LANGUAGES = ("da", "en")


def _announcement_text(event: Event, addressee: Addressee | Registration, body: str,
                       locale: str) -> tuple[str, str]:
    """The plain-text and HTML bodies of an announcement in ``locale``."""
    with force_locale(locale):
        context = {"registration": addressee, "event": event, "body": body}
        return (render_template("mail/announcement.txt", **context),
                render_template("mail/announcement.html", **context))


def queue_announcement(session, registration: Registration, subject: str, body: str,
                       announcement_key: str) -> None:
    """An organiser's message to one registrant; the key stops a double submit sending twice."""
    event = registration.event
    text, html = _announcement_text(event, registration, body, registration.locale or "da")
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


def preview_announcement(event: Event, subject: str, body: str,
                         languages: dict[str, tuple[int, str]]) -> list[AnnouncementPreview]:
    """The message in Danish and in English as ``queue_announcement`` would write it; queues
    nothing. ``languages`` maps a locale to (recipients, first name of one of them)."""
    previews = []
    for locale in MAIL_LANGUAGES:
        count, name = languages.get(locale, (0, SAMPLE_FIRST_NAME))
        text, _html = _announcement_text(event, Addressee(name), body, locale)
        previews.append(AnnouncementPreview(locale, count, name, subject, text))
    return previews
