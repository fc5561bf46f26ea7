"""What organisers read about an event's registrations: the filtered list, counts and mails.

Plain read-only functions over ``select()``; counts are GROUP BY queries, so a
conference of several hundred registrants costs a handful of queries, not a
loop over every row.
"""

from dataclasses import dataclass, field

from sqlalchemy import Select, case, func, literal, or_, select
from sqlalchemy.orm import Session

from confapp.models import (
    AgendaItem,
    AgendaItemKind,
    Category,
    MailStatus,
    OutboxMail,
    Registration,
    RegistrationStatus,
    WorkshopChoice,
)

PER_PAGE = 50

# SQLite's lower() folds ASCII only, and PostgreSQL's depends on the server locale;
# these are folded by hand so that "ærø" finds "Ærø" on both.
_UPPER_TO_LOWER = (("Æ", "æ"), ("Ø", "ø"), ("Å", "å"), ("Ä", "ä"), ("Ö", "ö"), ("Ü", "ü"),
                   ("É", "é"))


@dataclass(frozen=True)
class RegistrationFilter:
    """The organiser's search: free text, and optionally one status, category and workshop."""

    q: str = ""
    status: RegistrationStatus | None = None
    category: Category | None = None
    workshop_id: int | None = None


@dataclass(frozen=True)
class Page:
    items: list  # registrations or outbox mails
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


@dataclass(frozen=True)
class CategoryCount:
    category: Category
    confirmed: int = 0
    waitlisted: int = 0
    cancelled: int = 0


@dataclass(frozen=True)
class WorkshopCount:
    item: AgendaItem
    confirmed: int = 0
    waitlisted: int = 0


@dataclass(frozen=True)
class RegistrationCounts:
    confirmed: int = 0
    waitlisted: int = 0
    cancelled: int = 0
    checked_in: int = 0
    by_category: list[CategoryCount] = field(default_factory=list)
    by_workshop: list[WorkshopCount] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.confirmed + self.waitlisted + self.cancelled


def _fold(column):
    folded = func.lower(column)
    for upper, lower in _UPPER_TO_LOWER:
        folded = func.replace(folded, upper, lower)
    return folded


def _fold_text(text: str) -> str:
    return text.strip().lower()


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search(q: str):
    pattern = _like_pattern(_fold_text(q))
    full_name = Registration.first_name + literal(" ") + Registration.last_name
    return or_(*(_fold(column).like(pattern, escape="\\") for column in (
        full_name, Registration.email, Registration.organisation)))


def _filtered(event_id: int, filters: RegistrationFilter) -> Select:
    statement = select(Registration).where(Registration.event_id == event_id)
    if filters.q.strip():
        statement = statement.where(_search(filters.q))
    if filters.status is not None:
        statement = statement.where(Registration.status == filters.status)
    if filters.category is not None:
        statement = statement.where(Registration.category == filters.category)
    if filters.workshop_id is not None:
        statement = statement.where(select(WorkshopChoice.id).where(
            WorkshopChoice.registration_id == Registration.id,
            WorkshopChoice.agenda_item_id == filters.workshop_id).exists())
    return statement


def _in_list_order(statement: Select) -> Select:
    return statement.order_by(Registration.created_at, Registration.id)


def _page_of(session: Session, statement: Select, ordered: Select, page: int,
             per_page: int) -> Page:
    """One page of ``ordered``; a page number past the end shows the last page, not an empty one."""
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    items = list(session.scalars(ordered.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total)


def registration_page(session: Session, event_id: int, filters: RegistrationFilter,
                      page: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of the event's registrations matching ``filters``, in registration order."""
    statement = _filtered(event_id, filters)
    return _page_of(session, statement, _in_list_order(statement), page, per_page)


def matching_registrations(session: Session, event_id: int,
                           filters: RegistrationFilter) -> list[Registration]:
    """All registrations matching ``filters``, in the list's order (for exports)."""
    return list(session.scalars(_in_list_order(_filtered(event_id, filters))))


def waitlist_positions(session: Session, event_id: int) -> dict[int, int]:
    """Registration id → place on the waiting list (1 is next in line), in one query."""
    ids = session.scalars(
        select(Registration.id)
        .where(Registration.event_id == event_id,
               Registration.status == RegistrationStatus.WAITLISTED)
        .order_by(Registration.waitlisted_at, Registration.id))
    return {registration_id: index for index, registration_id in enumerate(ids, start=1)}


def registration_counts(session: Session, event_id: int) -> RegistrationCounts:
    """Totals per status, checked in, per category and per workshop of one event."""
    by_status = dict(session.execute(
        select(Registration.status, func.count(Registration.id))
        .where(Registration.event_id == event_id)
        .group_by(Registration.status)).all())
    checked_in = session.scalar(
        select(func.count(Registration.id))
        .where(Registration.event_id == event_id, Registration.checked_in_at.is_not(None),
               Registration.status != RegistrationStatus.CANCELLED)) or 0

    per_category: dict[Category, dict[RegistrationStatus, int]] = {}
    for category, status, count in session.execute(
            select(Registration.category, Registration.status, func.count(Registration.id))
            .where(Registration.event_id == event_id)
            .group_by(Registration.category, Registration.status)):
        per_category.setdefault(category, {})[status] = count
    by_category = [
        CategoryCount(category=category,
                      confirmed=statuses.get(RegistrationStatus.CONFIRMED, 0),
                      waitlisted=statuses.get(RegistrationStatus.WAITLISTED, 0),
                      cancelled=statuses.get(RegistrationStatus.CANCELLED, 0))
        for category in Category if (statuses := per_category.get(category))
    ]

    def chosen_by(status: RegistrationStatus):
        return func.count(case((Registration.status == status, WorkshopChoice.id)))

    workshop_rows = session.execute(
        select(AgendaItem, chosen_by(RegistrationStatus.CONFIRMED),
               chosen_by(RegistrationStatus.WAITLISTED))
        .outerjoin(WorkshopChoice, WorkshopChoice.agenda_item_id == AgendaItem.id)
        .outerjoin(Registration, Registration.id == WorkshopChoice.registration_id)
        .where(AgendaItem.event_id == event_id, AgendaItem.kind == AgendaItemKind.WORKSHOP)
        .group_by(AgendaItem.id)
        .order_by(AgendaItem.starts_at, AgendaItem.position, AgendaItem.id)).all()
    return RegistrationCounts(
        confirmed=by_status.get(RegistrationStatus.CONFIRMED, 0),
        waitlisted=by_status.get(RegistrationStatus.WAITLISTED, 0),
        cancelled=by_status.get(RegistrationStatus.CANCELLED, 0),
        checked_in=checked_in,
        by_category=by_category,
        by_workshop=[WorkshopCount(item=item, confirmed=confirmed, waitlisted=waitlisted)
                     for item, confirmed, waitlisted in workshop_rows],
    )


def announcement_recipients(session: Session, event_id: int,
                            statuses: tuple[RegistrationStatus, ...],
                            category: Category | None = None) -> list[Registration]:
    """Who an organiser's message goes to; anonymised people are never mailed."""
    statement = select(Registration).where(
        Registration.event_id == event_id, Registration.status.in_(statuses),
        Registration.anonymised_at.is_(None))
    if category is not None:
        statement = statement.where(Registration.category == category)
    return list(session.scalars(statement.order_by(Registration.id)))


def count_announcement_recipients(session: Session, event_id: int,
                                  statuses: tuple[RegistrationStatus, ...],
                                  category: Category | None = None) -> int:
    statement = select(func.count(Registration.id)).where(
        Registration.event_id == event_id, Registration.status.in_(statuses),
        Registration.anonymised_at.is_(None))
    if category is not None:
        statement = statement.where(Registration.category == category)
    return session.scalar(statement) or 0


def recipient_languages(session: Session, event_id: int,
                        statuses: tuple[RegistrationStatus, ...],
                        category: Category | None = None) -> dict[str, tuple[int, str]]:
    """Per mail language of the recipients: how many, and the first name of the first of them."""
    statement = select(Registration.locale, func.count(Registration.id),
                       func.min(Registration.id)).where(
        Registration.event_id == event_id, Registration.status.in_(statuses),
        Registration.anonymised_at.is_(None))
    if category is not None:
        statement = statement.where(Registration.category == category)
    rows = session.execute(statement.group_by(Registration.locale)).all()
    firsts = [first for _, _, first in rows]
    names = dict(session.execute(select(Registration.id, Registration.first_name)
                                 .where(Registration.id.in_(firsts))).all()) if rows else {}
    return {locale: (count, names[first]) for locale, count, first in rows}


def count_announcements(session: Session, event_id: int) -> int:
    """Announcement mails queued for the event so far (to tell how many a send added)."""
    return session.scalar(select(func.count(OutboxMail.id)).where(
        OutboxMail.event_id == event_id, OutboxMail.kind == "announcement")) or 0


def mail_counts(session: Session, event_id: int) -> dict[MailStatus, int]:
    """Mails of the event per status; every status is present, zero when none."""
    counts = dict(session.execute(
        select(OutboxMail.status, func.count(OutboxMail.id))
        .where(OutboxMail.event_id == event_id)
        .group_by(OutboxMail.status)).all())
    return {status: counts.get(status, 0) for status in MailStatus}


@dataclass(frozen=True)
class MailFilter:
    """The organiser's search of an event's outbox: recipient or subject, and one status."""

    q: str = ""
    status: MailStatus | None = None


def mail_page(session: Session, event_id: int, filters: MailFilter, page: int = 1,
              per_page: int = PER_PAGE) -> Page:
    """One page of the event's mails matching ``filters``, newest first."""
    statement = select(OutboxMail).where(OutboxMail.event_id == event_id)
    if filters.q.strip():
        pattern = _like_pattern(_fold_text(filters.q))
        statement = statement.where(or_(*(_fold(column).like(pattern, escape="\\")
                                          for column in (OutboxMail.to_address,
                                                         OutboxMail.subject))))
    if filters.status is not None:
        statement = statement.where(OutboxMail.status == filters.status)
    ordered = statement.order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc())
    return _page_of(session, statement, ordered, page, per_page)


def mails_for(session: Session, registration_id: int) -> list[OutboxMail]:
    """The mails queued for one registration, oldest first."""
    return list(session.scalars(
        select(OutboxMail).where(OutboxMail.registration_id == registration_id)
        .order_by(OutboxMail.id)))
