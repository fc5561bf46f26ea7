"""What gets printed for an event: badges, the programme, the participant list, the sign-in sheet.

Plain functions that choose and order the people and turn rows into the PDF renderers'
input dataclasses. Every visible text (labels, dates, times) is passed in already
translated and formatted by the caller, so the same functions serve a view and the CLI.

Names are sorted in Danish alphabetical order: Æ, Ø and Å come after Z, and "aa" counts
as "å" (Aagaard sorts with Ågesen), as in Danish dictionaries and ICU's Danish collation.
"""

import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from confapp.models import AgendaItemKind, Category, Event, Registration, RegistrationStatus
from confapp.pdf.data import (
    BadgeData,
    ParticipantRow,
    ProgrammeData,
    ProgrammeItem,
    ProgrammeLabels,
)
from confapp.services import tokens
from confapp.timezones import utc_to_local

BadgeMode = Literal["all", "unprinted", "category", "person"]
BadgeOrder = Literal["surname", "organisation", "category"]

# After lower-casing: the three Danish letters take the code points right after "z"
# ("{", "|", "}"), so a plain string comparison gives Danish order. Ä/Ö/Ü sort as Æ/Ø/Y.
_AFTER_Z = str.maketrans({"æ": "{", "ø": "|", "å": "}", "ä": "{", "ö": "|", "ü": "y"})
_GROUP_LETTER = {"{": "Æ", "|": "Ø", "}": "Å"}
_CATEGORY_ORDER = {category: index for index, category in enumerate(Category)}


def danish_key(text: str) -> str:
    """A sort key putting ``text`` in Danish alphabetical order, case- and accent-blind.

    "Zacho" < "Ærø" < "Østergaard" < "Ågesen" = "Aagesen"; é sorts as e, ü as y.
    """
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    folded = text.casefold().translate(_AFTER_Z)
    # "aa" is the old spelling of "å" (Aabenraa, Aagaard) and sorts with it.
    folded = folded.replace("aa", "}")
    # Strip remaining accents (é → e); the Danish letters are already outside a–z.
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _name_key(registration: Registration) -> tuple:
    return (danish_key(registration.last_name), danish_key(registration.first_name),
            registration.last_name, registration.first_name, registration.id)


def _sort_key(order: BadgeOrder) -> Callable[[Registration], tuple]:
    if order == "organisation":
        return lambda r: (danish_key(r.organisation), *_name_key(r))
    if order == "category":
        return lambda r: (_CATEGORY_ORDER.get(r.category, len(_CATEGORY_ORDER)), *_name_key(r))
    if order == "surname":
        return _name_key
    raise ValueError(f"unknown badge order {order!r}")


def _confirmed(event: Event):
    """Confirmed, not anonymised registrations of ``event`` (anonymised ones have no name)."""
    return select(Registration).where(
        Registration.event_id == event.id,
        Registration.status == RegistrationStatus.CONFIRMED,
        Registration.anonymised_at.is_(None),
    )


@dataclass(frozen=True)
class PrintCounts:
    """For the print page: confirmed people, badges not printed yet, people who may be listed."""

    confirmed: int
    unprinted: int
    listed: int


def print_counts(session: Session, event: Event) -> PrintCounts:
    """Counts over the confirmed, not anonymised registrations of ``event``, in one query."""
    people = _confirmed(event).subquery()
    row = session.execute(select(
        func.count(),
        func.count().filter(people.c.badge_printed_at.is_(None)),
        func.count().filter(people.c.consent_participant_list.is_(True)),
    ).select_from(people)).one()
    return PrintCounts(*row)


def badge_selection(session: Session, event: Event, *, mode: BadgeMode,
                    category: Category | None = None, registration_id: int | None = None,
                    order: BadgeOrder = "surname") -> list[Registration]:
    """The confirmed registrations whose badges to print, in print order.

    ``mode``: "all"; "unprinted" (no badge printed yet, see ``mark_printed``); "category"
    (needs ``category``); "person" (needs ``registration_id``; a reprint, so printed or not).
    A person who is not a confirmed registrant of ``event`` gives an empty list.
    """
    statement = _confirmed(event)
    if mode == "unprinted":
        # Two organisers printing "the new ones" at once on PostgreSQL: the second skips the
        # rows the first is printing (locked until its download commits). SQLite serialises.
        statement = (statement.where(Registration.badge_printed_at.is_(None))
                     .with_for_update(skip_locked=True, of=Registration))
    elif mode == "category":
        if category is None:
            raise ValueError("mode 'category' needs a category")
        statement = statement.where(Registration.category == category)
    elif mode == "person":
        if registration_id is None:
            raise ValueError("mode 'person' needs a registration_id")
        statement = statement.where(Registration.id == registration_id)
    elif mode != "all":
        raise ValueError(f"unknown badge selection {mode!r}")
    return sorted(session.scalars(statement), key=_sort_key(order))


def badge_data(registrations: Iterable[Registration], event: Event, secret_key: str, *,
               category_labels: Mapping[Category, str], event_date: str) -> list[BadgeData]:
    """One BadgeData per registration; the QR carries the same signed ticket as the mail."""
    return [
        BadgeData(
            first_name=r.first_name,
            last_name=r.last_name,
            organisation=r.organisation,
            category_key=r.category.value,
            category_label=str(category_labels.get(r.category, r.category.value)),
            event_title=event.title,
            event_date=event_date,
            qr_payload=tokens.ticket_payload(secret_key, event.id, r.id),
        )
        for r in registrations
    ]


def mark_printed(session: Session, registrations: Sequence[Registration], now: datetime) -> None:
    """Record that these badges were printed at ``now`` (a reprint moves the time on)."""
    ids = [r.id for r in registrations]
    if not ids:
        return
    # One UPDATE for the whole batch; "auto" sync also refreshes the loaded objects.
    session.execute(update(Registration).where(Registration.id.in_(ids))
                    .values(badge_printed_at=now))


def programme_data(event: Event, *, labels: ProgrammeLabels,
                   kind_labels: Mapping[AgendaItemKind, str], event_date: str,
                   time_text: Callable[[datetime], str],
                   day_text: Callable[[datetime], str]) -> ProgrammeData:
    """The programme of ``event``: cover facts and its agenda items in time order.

    ``time_text`` and ``day_text`` format a local (Copenhagen) moment in the chosen language;
    items get day headings only when the event spans more than one day. Times must look like
    "09:30" or "9.30" for the renderer to group overlapping (parallel) items.
    """
    items = sorted(event.agenda_items, key=lambda i: (i.starts_at, i.position, i.id))
    days = {utc_to_local(i.starts_at).date() for i in items}
    multi_day = len(days) > 1
    venue = ", ".join(part for part in (event.venue, event.address) if part)
    return ProgrammeData(
        event_title=event.title,
        event_date=event_date,
        venue=venue or event.online_url,
        description=event.description,
        items=[
            ProgrammeItem(
                starts=time_text(utc_to_local(i.starts_at)),
                ends=time_text(utc_to_local(i.ends_at)),
                title=i.title,
                kind=i.kind.value,
                kind_label=str(kind_labels.get(i.kind, i.kind.value)),
                room=i.room,
                speakers=i.speakers,
                description=i.description,
                day=day_text(utc_to_local(i.starts_at)) if multi_day else "",
            )
            for i in items
        ],
        labels=labels,
    )


def surname_group(last_name: str) -> str:
    """The heading a surname files under on the sign-in sheet: A–Z, then Æ, Ø, Å; else "#"."""
    key = danish_key(last_name)
    first = key[:1]
    if first in _GROUP_LETTER:
        return _GROUP_LETTER[first]
    return first.upper() if first.isascii() and first.isalpha() else "#"


def participant_list_rows(session: Session, event: Event, *,
                          category_labels: Mapping[Category, str]) -> list[ParticipantRow]:
    """Confirmed people who agreed to be listed, grouped by category, by surname within.

    Grouped by category (in the council's fixed category order) because the list is read
    to find who else from one's own field is present.
    """
    people = session.scalars(_confirmed(event).where(
        Registration.consent_participant_list.is_(True)))
    rows = []
    for r in sorted(people, key=_sort_key("category")):
        label = str(category_labels.get(r.category, r.category.value))
        rows.append(ParticipantRow(name=r.name, organisation=r.organisation,
                                   category_label=label, group=label))
    return rows


def sign_in_rows(session: Session, event: Event, *,
                 category_labels: Mapping[Category, str]) -> list[ParticipantRow]:
    """Every confirmed person, "Surname, First name", grouped by the surname's first letter.

    Alphabetical by surname because people at the door look themselves up by name.
    """
    people = sorted(session.scalars(_confirmed(event)), key=_sort_key("surname"))
    return [
        ParticipantRow(
            name=", ".join(part for part in (r.last_name, r.first_name) if part),
            organisation=r.organisation,
            category_label=str(category_labels.get(r.category, r.category.value)),
            group=surname_group(r.last_name),
        )
        for r in people
    ]
