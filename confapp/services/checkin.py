"""Checking people in at the door: by scanned ticket, by name, or as a walk-in.

The check-in time is written by a conditional UPDATE (``… WHERE checked_in_at IS
NULL``), so two desks scanning the same ticket at the same moment record one
check-in, and the second desk is told "already checked in at …".
"""

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from confapp.models import Event, Registration, RegistrationSource, RegistrationStatus
from confapp.models.base import utcnow
from confapp.services import ConfappError, tokens
from confapp.services import registration as registrations
from confapp.services.history import record
from confapp.text_rules import clean_line


class Outcome(enum.StrEnum):
    CHECKED_IN = "checked_in"
    ALREADY = "already"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    INVALID = "invalid"
    OTHER_EVENT = "other_event"


@dataclass(frozen=True)
class CheckinResult:
    outcome: Outcome
    registration: Registration | None = None
    checked_in_at: datetime | None = None


class NoSeatsLeft(ConfappError):
    pass


def check_in(session: Session, registration: Registration, actor: str,
             now: datetime | None = None) -> CheckinResult:
    """Record the arrival of a confirmed person once; say what happened."""
    if registration.status == RegistrationStatus.WAITLISTED:
        return CheckinResult(Outcome.WAITLISTED, registration)
    if registration.status == RegistrationStatus.CANCELLED or registration.anonymised_at:
        return CheckinResult(Outcome.CANCELLED, registration)
    now = now or utcnow()
    changed = session.execute(
        update(Registration)
        .where(Registration.id == registration.id, Registration.checked_in_at.is_(None),
               Registration.status == RegistrationStatus.CONFIRMED)
        .values(checked_in_at=now)
        .execution_options(synchronize_session=False)).rowcount
    session.refresh(registration)
    if changed == 1:
        record(session, registration, "checked_in", actor)
        session.flush()
        return CheckinResult(Outcome.CHECKED_IN, registration, now)
    if registration.checked_in_at is not None:
        return CheckinResult(Outcome.ALREADY, registration, registration.checked_in_at)
    return CheckinResult(Outcome.CANCELLED, registration)


def check_in_by_ticket(session: Session, event: Event, payload: str, secret_key: str,
                       actor: str, now: datetime | None = None) -> CheckinResult:
    """A scanned QR payload: forged, garbled or another event's tickets are refused."""
    try:
        event_id, registration_id = tokens.read_ticket(secret_key, payload)
    except tokens.InvalidTicket:
        return CheckinResult(Outcome.INVALID)
    if event_id != event.id:
        return CheckinResult(Outcome.OTHER_EVENT)
    registration = session.get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        return CheckinResult(Outcome.INVALID)
    return check_in(session, registration, actor, now)


class NotCheckedIn(ConfappError):
    pass


def undo(session: Session, registration: Registration, actor: str) -> None:
    """Take a check-in back; NotCheckedIn if there is none (two desks may undo at once)."""
    changed = session.execute(
        update(Registration)
        .where(Registration.id == registration.id, Registration.checked_in_at.is_not(None))
        .values(checked_in_at=None)
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise NotCheckedIn(registration.id)
    session.refresh(registration)
    record(session, registration, "check_in_undone", actor)
    session.flush()


def counts(session: Session, event: Event) -> tuple[int, int]:
    """(checked in, confirmed) for the live counter."""
    checked_in, confirmed = session.execute(
        select(func.count(Registration.checked_in_at), func.count(Registration.id))
        .where(Registration.event_id == event.id,
               Registration.status == RegistrationStatus.CONFIRMED)).one()
    return checked_in, confirmed


def search(session: Session, event: Event, query: str, limit: int = 25) -> list[Registration]:
    """People of the event whose name or organisation contains every word of ``query``."""
    words = [w[:100] for w in clean_line(query or "").lower().split() if w][:5]
    if not words:
        return []
    statement = select(Registration).where(Registration.event_id == event.id,
                                           Registration.anonymised_at.is_(None))
    full_name = func.lower(Registration.first_name + " " + Registration.last_name)
    for word in words:
        pattern = f"%{word}%"
        statement = statement.where(or_(full_name.like(pattern),
                                        func.lower(Registration.organisation).like(pattern),
                                        Registration.email.like(pattern)))
    statement = statement.order_by(Registration.last_name, Registration.first_name).limit(limit)
    return list(session.scalars(statement))


def walk_in(session: Session, event: Event, data: registrations.RegistrationInput, actor: str,
            now: datetime | None = None) -> CheckinResult:
    """Someone who did not register: add them and check them in at once, if a seat is free."""
    registration = registrations.register(session, event, data, source=RegistrationSource.WALK_IN,
                                          actor=actor, check_window=False)
    if registration.status != RegistrationStatus.CONFIRMED:
        raise NoSeatsLeft()
    return check_in(session, registration, actor, now)
