"""Registering for an event, changing and cancelling: the rules of the product's heart.

Every function flushes and leaves the commit to its caller, so a registration,
its seat, its history and its mail are one transaction: all of it or none.
"""

import hmac
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from confapp.models import (
    AgendaItem,
    AgendaItemKind,
    Category,
    Event,
    Registration,
    RegistrationSource,
    RegistrationStatus,
    WorkshopChoice,
)
from confapp.models.base import utcnow
from confapp.services import ConfappError, mailer, seats, tokens, waitlist
from confapp.services.history import record


@dataclass(frozen=True)
class Site:
    """What mails and links need to know about where the app is served."""

    base_url: str
    secret_key: str


class RegistrationError(ConfappError):
    message = _l("Registration is not possible.")


class EventNotFound(RegistrationError):
    message = _l("This event does not exist or is not open for registration.")


class RegistrationNotOpen(RegistrationError):
    message = _l("Registration has not opened yet.")


class RegistrationClosed(RegistrationError):
    message = _l("Registration has closed.")


class WrongAccessCode(RegistrationError):
    field = "access_code"
    message = _l("The access code is not right. It is in your invitation.")


class AlreadyRegistered(RegistrationError):
    def __init__(self, registration: Registration):
        super().__init__(registration.id)
        self.registration = registration


class WorkshopProblem(RegistrationError):
    field = "workshops"

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class NotChangeable(RegistrationError):
    message = _l("This registration can no longer be changed.")


@dataclass
class RegistrationInput:
    first_name: str
    last_name: str
    email: str
    organisation: str
    category: Category
    job_title: str
    dietary_needs: str = ""
    accessibility_needs: str = ""
    consent_participant_list: bool = False
    consent_photos: bool = False
    workshop_ids: list[int] = field(default_factory=list)
    locale: str = "da"
    access_code: str = ""


DETAIL_FIELDS = ("first_name", "last_name", "organisation", "category", "job_title",
                 "dietary_needs", "accessibility_needs", "consent_participant_list",
                 "consent_photos", "locale")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def lock(session: Session, registration: Registration) -> Registration:
    """Re-read the registration holding its row lock, so concurrent clicks act one at a time.

    ``FOR UPDATE`` on PostgreSQL; on SQLite the write transaction (BEGIN IMMEDIATE) already
    serialises writers, and the refresh makes the decision on fresh data.
    """
    session.refresh(registration, with_for_update={"key_share": True})
    return registration


def personal_token(site: Site, registration: Registration) -> str:
    return tokens.personal_token(site.secret_key, registration.id, registration.token_nonce)


def find_by_token(session: Session, site: Site, token: str) -> Registration | None:
    """The registration a personal link opens, or None for an unknown or tampered token."""
    registration_id = tokens.token_registration_id(token)
    if registration_id is None:
        return None
    registration = session.get(Registration, registration_id)
    if registration is None or not tokens.token_matches(
            site.secret_key, token, registration.id, registration.token_nonce):
        return None
    return registration


def registration_state(event: Event, now: datetime | None = None) -> str:
    """'open', 'not_published', 'no_registration', 'not_open_yet', 'closed' or 'ended'."""
    now = now or utcnow()
    if not event.published:
        return "not_published"
    if event.capacity == 0:
        return "no_registration"
    if event.registration_opens_at and now < event.registration_opens_at:
        return "not_open_yet"
    if event.ends_at <= now:
        return "ended"
    if event.registration_closes_at and now >= event.registration_closes_at:
        return "closed"
    return "open"


def check_open(event: Event | None, now: datetime | None = None) -> None:
    if event is None:
        raise EventNotFound()
    state = registration_state(event, now)
    if state == "not_open_yet":
        raise RegistrationNotOpen()
    if state in ("closed", "ended"):
        raise RegistrationClosed()
    if state != "open":
        raise EventNotFound()


def _check_workshops(event: Event, workshop_ids: list[int]) -> list[AgendaItem]:
    by_id = {item.id: item for item in event.agenda_items if item.kind == AgendaItemKind.WORKSHOP}
    chosen = []
    for workshop_id in dict.fromkeys(workshop_ids):
        if workshop_id not in by_id:
            raise WorkshopProblem(_l("Choose among the event's workshops."))
        chosen.append(by_id[workshop_id])
    for index, first in enumerate(chosen):
        for second in chosen[index + 1:]:
            if first.overlaps(second):
                raise WorkshopProblem(_l("Choose at most one workshop per time slot."))
    return chosen


def _claim_workshops(session: Session, registration: Registration) -> None:
    """Claim a seat in every chosen workshop or fail the whole registration."""
    for choice in registration.workshop_choices:
        if choice.holds_seat:
            continue
        if not seats.claim_workshop_seat(session, choice.agenda_item_id):
            raise WorkshopProblem(_l("The workshop “%(title)s” is full. Please choose another.",
                                     title=choice.agenda_item.title))
        choice.holds_seat = True


def _release_workshops(session: Session, registration: Registration) -> None:
    for choice in registration.workshop_choices:
        if choice.holds_seat:
            seats.release_workshop_seat(session, choice.agenda_item_id)
            choice.holds_seat = False


def claim_workshops_or_drop(session: Session, registration: Registration) -> list[AgendaItem]:
    """On promotion from the waiting list: keep the workshops that still have room."""
    dropped = []
    for choice in list(registration.workshop_choices):
        if choice.holds_seat:
            continue
        if seats.claim_workshop_seat(session, choice.agenda_item_id):
            choice.holds_seat = True
        else:
            dropped.append(choice.agenda_item)
            registration.workshop_choices.remove(choice)
    session.flush()
    return dropped


def _set_workshops(registration: Registration, workshops: list[AgendaItem]) -> None:
    wanted = {item.id for item in workshops}
    registration.workshop_choices = [c for c in registration.workshop_choices
                                     if c.agenda_item_id in wanted]
    have = {c.agenda_item_id for c in registration.workshop_choices}
    for item in workshops:
        if item.id not in have:
            registration.workshop_choices.append(WorkshopChoice(agenda_item=item))


def notify(session: Session, registration: Registration, kind: str, site: Site | None = None,
           **extra) -> None:
    """Queue the mail of ``kind`` with the registrant's current personal link."""
    site = site or _site_of(session)
    token = personal_token(site, registration) if registration.token_nonce else None
    mailer.queue_registration_mail(session, registration, kind, site.base_url, token, **extra)


def _site_of(session: Session) -> Site:
    site = session.info.get("confapp.site")
    if site is None:
        raise RuntimeError("bind a Site to the session with use_site() before changing registrations")
    return site


def use_site(session: Session, site: Site) -> None:
    """Remember where links point for mails queued in this session (e.g. by waitlist promotion)."""
    session.info["confapp.site"] = site


def _take_seat_or_wait(session: Session, registration: Registration) -> None:
    if seats.claim_event_seat(session, registration.event_id):
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = utcnow()
        _claim_workshops(session, registration)
    else:
        # Join the waiting list in commit order, so position() sees everyone ahead. NO KEY
        # UPDATE: plain FOR UPDATE deadlocks with the KEY SHARE that inserting child rows holds.
        session.execute(select(Event.id).where(Event.id == registration.event_id)
                        .with_for_update(key_share=True))
        registration.status = RegistrationStatus.WAITLISTED
        registration.waitlisted_at = utcnow()
    session.flush()


def register(session: Session, event: Event | None, data: RegistrationInput, *,
             now: datetime | None = None, source: RegistrationSource = RegistrationSource.ONLINE,
             actor: str = "self", check_window: bool = True) -> Registration:
    """Register a person: a seat if one is free, else the waiting list; queue the mail.

    Raises AlreadyRegistered when the address already holds an active registration
    (the caller then mails a fresh link), and a RegistrationError for closed events,
    wrong access codes and full or clashing workshops.
    """
    if check_window:
        check_open(event, now)
    if event.invite_only and source == RegistrationSource.ONLINE and not hmac.compare_digest(
            data.access_code.strip().encode(), event.access_code.strip().encode()):
        raise WrongAccessCode()
    workshops = _check_workshops(event, data.workshop_ids)
    email = normalise_email(data.email)

    existing = session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.email == email).with_for_update())
    if existing is not None and existing.status != RegistrationStatus.CANCELLED:
        raise AlreadyRegistered(existing)

    if existing is not None:  # registering again after cancelling: the same row comes back
        registration = existing
        registration.version += 1
        registration.cancelled_at = None
        registration.source = source
    else:
        registration = Registration(event=event, email=email, source=source, version=1,
                                    status=RegistrationStatus.WAITLISTED)
    for name in DETAIL_FIELDS:
        setattr(registration, name, getattr(data, name))
    registration.token_nonce = tokens.new_nonce()
    _set_workshops(registration, workshops)
    try:
        # A savepoint, so a concurrent twin's insert surfaces here as AlreadyRegistered.
        with session.begin_nested():
            session.add(registration)
            session.flush()
    except IntegrityError:
        twin = session.scalar(select(Registration).where(
            Registration.event_id == event.id, Registration.email == email))
        if twin is None:
            raise
        raise AlreadyRegistered(twin) from None

    _take_seat_or_wait(session, registration)
    record(session, registration, "registered" if existing is None else "registered_again", actor,
           registration.status.value)
    if registration.status == RegistrationStatus.CONFIRMED:
        notify(session, registration, "confirmed")
    else:
        notify(session, registration, "waitlisted",
               position=waitlist.position(session, registration))
    return registration


def send_fresh_link(session: Session, registration: Registration, actor: str = "self") -> None:
    """Someone registered again with a known address: new link to that address only."""
    lock(session, registration)
    if registration.status == RegistrationStatus.CANCELLED or registration.anonymised_at:
        raise NotChangeable()
    registration.token_nonce = tokens.new_nonce()
    registration.version += 1
    record(session, registration, "fresh_link", actor)
    session.flush()
    notify(session, registration, "link")


def update_details(session: Session, registration: Registration, data: RegistrationInput,
                   actor: str = "self", *, check_window: bool = True) -> Registration:
    """Change details and workshop choice; a confirmed person's new workshops must have room."""
    lock(session, registration)
    if registration.status == RegistrationStatus.CANCELLED or registration.anonymised_at:
        raise NotChangeable()
    if check_window and registration_state(registration.event) == "ended":
        raise NotChangeable()
    workshops = _check_workshops(registration.event, data.workshop_ids)
    for name in DETAIL_FIELDS:
        setattr(registration, name, getattr(data, name))
    before = {c.agenda_item_id for c in registration.workshop_choices}
    if before != {item.id for item in workshops}:
        for choice in registration.workshop_choices:
            if choice.holds_seat and choice.agenda_item_id not in {i.id for i in workshops}:
                seats.release_workshop_seat(session, choice.agenda_item_id)
        _set_workshops(registration, workshops)
        session.flush()
        if registration.status == RegistrationStatus.CONFIRMED:
            _claim_workshops(session, registration)
    registration.version += 1
    session.flush()
    record(session, registration, "changed", actor)
    notify(session, registration, "changed")
    return registration


def cancel(session: Session, registration: Registration, actor: str = "self", *,
           notify_person: bool = True) -> list[Registration]:
    """Cancel; a freed seat goes to the first on the waiting list in the same transaction.

    Returns who was promoted. ``notify_person=False`` is for erasure, where no mail may go out.
    """
    lock(session, registration)
    if registration.status == RegistrationStatus.CANCELLED:
        return []
    was_confirmed = registration.status == RegistrationStatus.CONFIRMED
    if was_confirmed:
        seats.release_event_seat(session, registration.event_id)
    _release_workshops(session, registration)
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = utcnow()
    registration.version += 1
    session.flush()
    record(session, registration, "cancelled", actor)
    if notify_person:
        notify(session, registration, "cancelled")
    if was_confirmed and registration.event.ends_at > utcnow():
        return waitlist.promote_next(session, registration.event, actor="system")
    return []


def resend_confirmation(session: Session, registration: Registration, actor: str) -> None:
    lock(session, registration)
    kind = {"confirmed": "confirmed", "waitlisted": "waitlisted"}.get(registration.status)
    if kind is None or registration.anonymised_at:
        raise NotChangeable()
    registration.version += 1
    session.flush()
    record(session, registration, "resent", actor)
    notify(session, registration, kind, position=waitlist.position(session, registration))


def capacity_changed(session: Session, event: Event) -> list[Registration]:
    """After an organiser raises the capacity, fill the new seats from the waiting list."""
    return waitlist.promote_next(session, event, actor="system")
