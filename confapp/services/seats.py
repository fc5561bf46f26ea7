"""Seats for events and workshops, claimed and released by conditional UPDATEs.

``UPDATE … SET seats_taken = seats_taken + 1 WHERE id = :id AND seats_taken < capacity``
changes one row only while a seat remains, so two concurrent requests can never
both take the last seat, on SQLite or PostgreSQL. A CHECK constraint backs it up.
"""

from sqlalchemy import update
from sqlalchemy.orm import Session

from confapp.models import AgendaItem, Event


def _run(session: Session, statement) -> bool:
    return session.execute(statement.execution_options(synchronize_session=False)).rowcount == 1


def claim_event_seat(session: Session, event_id: int) -> bool:
    return _run(session, update(Event)
                .where(Event.id == event_id, Event.seats_taken < Event.capacity)
                .values(seats_taken=Event.seats_taken + 1))


def release_event_seat(session: Session, event_id: int) -> None:
    _run(session, update(Event).where(Event.id == event_id, Event.seats_taken > 0)
         .values(seats_taken=Event.seats_taken - 1))


def claim_workshop_seat(session: Session, item_id: int) -> bool:
    return _run(session, update(AgendaItem)
                .where(AgendaItem.id == item_id,
                       (AgendaItem.capacity.is_(None)) | (AgendaItem.seats_taken < AgendaItem.capacity))
                .values(seats_taken=AgendaItem.seats_taken + 1))


def release_workshop_seat(session: Session, item_id: int) -> None:
    _run(session, update(AgendaItem).where(AgendaItem.id == item_id, AgendaItem.seats_taken > 0)
         .values(seats_taken=AgendaItem.seats_taken - 1))
