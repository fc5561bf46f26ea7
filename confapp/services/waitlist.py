"""The waiting list: position, and promotion when a seat frees up."""

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from confapp.models import Event, Registration, RegistrationStatus
from confapp.models.base import utcnow
from confapp.services import seats
from confapp.services.history import record


def position(session: Session, registration: Registration) -> int | None:
    """1 for the first in line; None when not on the waiting list."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = session.scalar(
        select(func.count(Registration.id)).where(
            Registration.event_id == registration.event_id,
            Registration.status == RegistrationStatus.WAITLISTED,
            (Registration.waitlisted_at < registration.waitlisted_at)
            | ((Registration.waitlisted_at == registration.waitlisted_at)
               & (Registration.id < registration.id)),
        )
    )
    return (ahead or 0) + 1


def waiting(session: Session, event_id: int) -> list[Registration]:
    return list(session.scalars(
        select(Registration)
        .where(Registration.event_id == event_id, Registration.status == RegistrationStatus.WAITLISTED)
        .order_by(Registration.waitlisted_at, Registration.id)))


def _confirm_if_waiting(session: Session, registration_id: int) -> bool:
    """Flip one registration from waitlisted to confirmed, unless someone else just did."""
    now = utcnow()
    result = session.execute(
        update(Registration)
        .where(Registration.id == registration_id, Registration.status == RegistrationStatus.WAITLISTED)
        .values(status=RegistrationStatus.CONFIRMED, confirmed_at=now, updated_at=now,
                version=Registration.version + 1)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def promote(session: Session, registration: Registration, actor: str) -> bool:
    """Give a waitlisted person a seat (the organiser's choice), if one is free."""
    if not seats.claim_event_seat(session, registration.event_id):
        return False
    if not _confirm_if_waiting(session, registration.id):
        seats.release_event_seat(session, registration.event_id)
        return False
    session.refresh(registration)
    _after_promotion(session, registration, actor)
    return True


def promote_next(session: Session, event: Event, actor: str = "system") -> list[Registration]:
    """Fill every free seat from the head of the waiting list; returns who was promoted."""
    promoted = []
    while True:
        if not seats.claim_event_seat(session, event.id):
            break
        for candidate in waiting(session, event.id):
            if _confirm_if_waiting(session, candidate.id):
                session.refresh(candidate)
                _after_promotion(session, candidate, actor)
                promoted.append(candidate)
                break
        else:
            seats.release_event_seat(session, event.id)  # nobody waiting: give the seat back
            break
    session.flush()
    return promoted


def _after_promotion(session: Session, registration: Registration, actor: str) -> None:
    from confapp.services.registration import claim_workshops_or_drop, notify

    dropped = claim_workshops_or_drop(session, registration)
    detail = "dropped full workshops: " + ", ".join(i.title for i in dropped) if dropped else ""
    record(session, registration, "promoted", actor, detail)
    notify(session, registration, "promoted")
