"""Events and their agendas: create, edit, publish, and keep agenda items in order."""

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from confapp.models import AgendaItem, AgendaItemKind, Event, EventKind, WorkshopChoice
from confapp.models.base import utcnow
from confapp.services import ConfappError
from confapp.timezones import local_to_utc, to_form_value, utc_to_local


class InvalidInput(ConfappError):
    """Rule violations keyed by the form field they belong to."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


@dataclass
class EventInput:
    kind: EventKind
    title: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    description: str = ""
    venue: str = ""
    address: str = ""
    online_url: str = ""
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    contact_name: str = ""
    contact_email: str = ""
    invite_only: bool = False
    access_code: str = ""


@dataclass
class AgendaItemInput:
    kind: AgendaItemKind
    title: str
    starts_at: datetime
    ends_at: datetime
    room: str = ""
    speakers: str = ""
    description: str = ""
    capacity: int | None = None  # workshops only: their own seat limit


def _check_event(data: EventInput) -> None:
    errors: dict[str, str] = {}
    if data.ends_at <= data.starts_at:
        errors["ends_at"] = _l("The end must be after the start.")
    if data.capacity < 0:
        errors["capacity"] = _l("The capacity cannot be negative.")
    opens, closes = data.registration_opens_at, data.registration_closes_at
    if opens and closes and closes <= opens:
        errors["registration_closes_at"] = _l("Registration must close after it opens.")
    if closes and closes > data.ends_at:
        errors["registration_closes_at"] = _l("Registration must close before the event ends.")
    if data.invite_only and not data.access_code.strip():
        errors["access_code"] = _l("An invite-only event needs an access code.")
    if errors:
        raise InvalidInput(errors)


def _check_item(event: Event, data: AgendaItemInput, item: AgendaItem | None = None) -> None:
    errors: dict[str, str] = {}
    if data.capacity is not None and data.capacity < 0:
        errors["capacity"] = _l("The capacity cannot be negative.")
    elif data.capacity is not None and item is not None and data.capacity < item.seats_taken:
        errors["capacity"] = _l("%(n)d people already have a seat; the capacity cannot be lower.",
                                n=item.seats_taken)
    if data.ends_at <= data.starts_at:
        errors["ends_at"] = _l("The end must be after the start.")
    if data.starts_at < event.starts_at or data.starts_at > event.ends_at:
        errors["starts_at"] = _l("The item must start within the event's dates.")
    if data.ends_at > event.ends_at or data.ends_at < event.starts_at:
        errors["ends_at"] = _l("The item must end within the event's dates.")
    if errors:
        raise InvalidInput(errors)


def _apply(target, data) -> None:
    for field in fields(data):
        setattr(target, field.name, getattr(data, field.name))


def create_event(session: Session, data: EventInput) -> Event:
    """A new, unpublished event."""
    _check_event(data)
    event = Event(published=False)
    _apply(event, data)
    session.add(event)
    session.flush()
    return event


def update_event(session: Session, event: Event, data: EventInput) -> Event:
    """Change an event; agenda items must still fit, and seats given out cannot be taken back.

    Raising the capacity gives the new seats to the waiting list in the same transaction.
    """
    _check_event(data)
    if data.capacity < event.seats_taken:
        raise InvalidInput({"capacity": _l(
            "%(n)d people already have a seat; the capacity cannot be lower.", n=event.seats_taken)})
    outside = [i for i in event.agenda_items if i.starts_at < data.starts_at or i.ends_at > data.ends_at]
    if outside:
        raise InvalidInput({"starts_at": _l("%(count)d agenda items fall outside these dates.",
                                            count=len(outside))})
    raised = data.capacity > event.capacity
    _apply(event, data)
    session.flush()
    if raised:
        from confapp.services import waitlist

        waitlist.promote_next(session, event, actor="capacity raised")
    return event


def copy_event(session: Session, event: Event, starts_on: date, title: str = "") -> Event:
    """A draft copy of ``event`` starting on ``starts_on`` (a date in Copenhagen).

    Copied: the details, venue, capacity, registration dates and settings, and every agenda item
    with its workshop seat limit; each moment moves by the same number of days. Not copied:
    registrations, seats taken and mails. A blank ``title`` keeps the original title.

    Moments move on the Copenhagen calendar, not by a fixed number of hours: a conference at
    09.00 in winter time is copied to 09.00 in summer time, not to 10.00.
    """
    days = timedelta(days=(starts_on - utc_to_local(event.starts_at).date()).days)

    def moved(moment: datetime | None) -> datetime | None:
        return local_to_utc(to_form_value(moment) + days) if moment else None

    data = EventInput(**{f.name: getattr(event, f.name) for f in fields(EventInput)})
    data.title = title.strip() or event.title
    for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
        setattr(data, name, moved(getattr(data, name)))
    copy = create_event(session, data)
    for item in event.agenda_items:
        copied = AgendaItem(event=copy, position=item.position)
        _apply(copied, AgendaItemInput(**{f.name: getattr(item, f.name)
                                          for f in fields(AgendaItemInput)}))
        copied.starts_at, copied.ends_at = moved(item.starts_at), moved(item.ends_at)
        session.add(copied)
    session.flush()
    return copy


def set_published(session: Session, event: Event, published: bool) -> Event:
    event.published = published
    session.flush()
    return event


def delete_event(session: Session, event: Event) -> None:
    session.delete(event)
    session.flush()


def add_agenda_item(session: Session, event: Event, data: AgendaItemInput) -> AgendaItem:
    """Append an item to the event's agenda."""
    _check_item(event, data)
    last = session.scalar(select(func.max(AgendaItem.position)).where(AgendaItem.event_id == event.id))
    item = AgendaItem(event=event, position=(last or 0) + 1)
    _apply(item, data)
    session.add(item)
    session.flush()
    return item


def update_agenda_item(session: Session, item: AgendaItem, data: AgendaItemInput) -> AgendaItem:
    """Change an item; a workshop people have chosen stays a workshop (their seats hang on it)."""
    if item.kind == AgendaItemKind.WORKSHOP and data.kind != AgendaItemKind.WORKSHOP:
        chosen = session.scalar(select(func.count(WorkshopChoice.id))
                                .where(WorkshopChoice.agenda_item_id == item.id))
        if chosen:
            raise InvalidInput({"kind": _l(
                "%(n)d registrants have chosen this workshop, so it must stay a workshop.",
                n=chosen)})
    _check_item(item.event, data, item)
    _apply(item, data)
    session.flush()
    return item


def delete_agenda_item(session: Session, item: AgendaItem) -> None:
    event = item.event
    event.agenda_items.remove(item)
    _renumber(event.agenda_items)
    session.flush()


def move_agenda_item(session: Session, item: AgendaItem, offset: int) -> None:
    """Move an item up (-1) or down (+1) in the printed order."""
    items = list(item.event.agenda_items)
    index = items.index(item)
    target = max(0, min(len(items) - 1, index + offset))
    items.insert(target, items.pop(index))
    _renumber(items)
    session.flush()


def sort_agenda_by_time(session: Session, event: Event) -> None:
    """Put the agenda in time order; parallel items keep their relative order."""
    _renumber(sorted(event.agenda_items, key=lambda i: (i.starts_at, i.position)))
    session.flush()


def _renumber(items: list[AgendaItem]) -> None:
    for position, item in enumerate(items, start=1):
        item.position = position


def upcoming_events(session: Session, now: datetime | None = None) -> list[Event]:
    now = now or utcnow()
    query = select(Event).where(Event.published, Event.ends_at >= now).order_by(Event.starts_at)
    return list(session.scalars(query))


def past_events(session: Session, now: datetime | None = None) -> list[Event]:
    now = now or utcnow()
    query = select(Event).where(Event.published, Event.ends_at < now).order_by(Event.starts_at.desc())
    return list(session.scalars(query))

