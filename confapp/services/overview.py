"""How events are doing, at a glance: a status in words and the counts behind it.

Read by the organiser's dashboard, the header of every organiser page of an event and the public
event list. Counts are one GROUP BY over the registrations, however many events are shown.
"""

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from confapp.models import Event, Registration, RegistrationStatus
from confapp.models.base import utcnow
from confapp.services.registration import registration_state


class EventStatus(enum.StrEnum):
    DRAFT = "draft"  # not published
    NO_REGISTRATION = "no_registration"  # published, capacity 0: nobody registers
    NOT_OPEN_YET = "not_open_yet"  # published, registration opens later
    OPEN = "open"  # registration open, seats left
    FULL = "full"  # registration open, every seat taken: new registrants join the waiting list
    CLOSED = "closed"  # registration closed, the event still to come
    FINISHED = "finished"  # the event has ended


@dataclass(frozen=True)
class EventCounts:
    confirmed: int = 0
    waitlisted: int = 0
    checked_in: int = 0


@dataclass(frozen=True)
class EventSummary:
    event: Event
    status: EventStatus
    counts: EventCounts


@dataclass(frozen=True)
class Dashboard:
    upcoming: list[EventSummary]  # soonest first, drafts included
    finished: list[EventSummary]  # most recent first


_STATES = {
    "not_published": EventStatus.DRAFT,
    "no_registration": EventStatus.NO_REGISTRATION,
    "not_open_yet": EventStatus.NOT_OPEN_YET,
    "closed": EventStatus.CLOSED,
    "ended": EventStatus.FINISHED,
    "open": EventStatus.OPEN,
}


def event_status(event: Event, now: datetime | None = None) -> EventStatus:
    """The one word that says where the event stands; seats come from ``event.seats_taken``."""
    now = now or utcnow()
    if event.ends_at <= now:
        return EventStatus.FINISHED
    status = _STATES[registration_state(event, now)]
    if status == EventStatus.OPEN and event.seats_left == 0:
        return EventStatus.FULL
    return status


def event_counts(session: Session, event_ids: list[int] | None = None) -> dict[int, EventCounts]:
    """Confirmed, waitlisted and checked in per event, in one grouped query.

    ``event_ids`` None means every event; events without registrations are left out (read them
    with ``.get(event_id, EventCounts())``).
    """
    def counted(condition):
        return func.count(case((condition, Registration.id)))

    statement = select(
        Registration.event_id,
        counted(Registration.status == RegistrationStatus.CONFIRMED),
        counted(Registration.status == RegistrationStatus.WAITLISTED),
        counted(and_(Registration.checked_in_at.is_not(None),
                     Registration.status != RegistrationStatus.CANCELLED)),
    ).group_by(Registration.event_id)
    if event_ids is not None:
        statement = statement.where(Registration.event_id.in_(event_ids))
    return {event_id: EventCounts(confirmed, waitlisted, checked_in)
            for event_id, confirmed, waitlisted, checked_in in session.execute(statement)}


def event_summary(session: Session, event: Event, counts: EventCounts | None = None,
                  now: datetime | None = None) -> EventSummary:
    """One event's status and counts; pass ``counts`` when the page has already read them."""
    if counts is None:
        counts = event_counts(session, [event.id]).get(event.id, EventCounts())
    return EventSummary(event, event_status(event, now), counts)


def dashboard(session: Session, now: datetime | None = None) -> Dashboard:
    """Every event with its status and counts (two queries): upcoming first, finished below."""
    now = now or utcnow()
    events = session.scalars(select(Event).order_by(Event.starts_at, Event.id)).all()
    counts = event_counts(session)
    summaries = [EventSummary(e, event_status(e, now), counts.get(e.id, EventCounts()))
                 for e in events]
    return Dashboard(
        upcoming=[s for s in summaries if s.status != EventStatus.FINISHED],
        finished=[s for s in reversed(summaries) if s.status == EventStatus.FINISHED],
    )
