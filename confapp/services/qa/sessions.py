"""Turning Q&A on for an agenda item, its settings, and the event's join code."""

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from confapp.models import AgendaItem, AgendaItemKind, Event, QAAudience, QASession
from confapp.services.qa.errors import InvalidWindow

# No look-alikes: 0/O, 1/I/L are left out, so a code read off a screen is typed right.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6
_CODE_ATTEMPTS = 10


@dataclass(frozen=True)
class QASettings:
    """What an organiser chooses; ``None`` times mean: from publication until the item ends."""

    opens_at: datetime | None = None
    closes_at: datetime | None = None
    premoderated: bool = True
    anonymous_allowed: bool = True
    audience: QAAudience = QAAudience.ANYONE


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def ensure_join_code(session: Session, event: Event) -> str:
    """Give ``event`` a join code unless it has one; unique under races (31^6 codes, retried)."""
    for _attempt in range(_CODE_ATTEMPTS):
        if event.qa_code:
            return event.qa_code
        try:
            with session.begin_nested():
                # Conditional: a concurrent request that set a code first keeps it.
                session.execute(update(Event).where(Event.id == event.id, Event.qa_code.is_(None))
                                .values(qa_code=new_join_code())
                                .execution_options(synchronize_session=False))
        except IntegrityError:
            continue  # another event has this code: draw again
        finally:
            session.refresh(event, ["qa_code"])
    raise RuntimeError("no free join code found")  # pragma: no cover - 31^6 codes


def default_enabled(item: AgendaItem) -> bool:
    """Q&A slots take questions unless the organiser turns it off."""
    return item.kind == AgendaItemKind.QA


def _check_window(settings: QASettings) -> None:
    if settings.opens_at and settings.closes_at and settings.closes_at <= settings.opens_at:
        raise InvalidWindow()


def enable_qa(session: Session, item: AgendaItem,
              settings: QASettings | None = None) -> QASession:
    """Turn questions on for ``item`` (idempotent: an existing session is returned as it is)."""
    settings = settings or QASettings()
    _check_window(settings)
    existing = session.scalar(select(QASession).where(QASession.agenda_item_id == item.id))
    if existing is not None:
        return existing
    qa = QASession(agenda_item=item, opens_at=settings.opens_at, closes_at=settings.closes_at,
                   premoderated=settings.premoderated,
                   anonymous_allowed=settings.anonymous_allowed, audience=settings.audience)
    try:
        with session.begin_nested():
            session.add(qa)
            session.flush()
    except IntegrityError:
        # Two organisers at once: the unique agenda_item_id keeps one session.
        qa = session.scalar(select(QASession).where(QASession.agenda_item_id == item.id))
        if qa is None:
            raise
    ensure_join_code(session, item.event)
    return qa


def update_settings(session: Session, qa: QASession, settings: QASettings) -> QASession:
    """Change when and how ``qa`` takes questions; questions already asked stay as they are."""
    _check_window(settings)
    qa.opens_at = settings.opens_at
    qa.closes_at = settings.closes_at
    qa.premoderated = settings.premoderated
    qa.anonymous_allowed = settings.anonymous_allowed
    qa.audience = settings.audience
    qa.revision = QASession.revision + 1
    session.flush()
    return qa


def _set_accepting(session: Session, qa: QASession, accepting: bool) -> None:
    session.execute(update(QASession).where(QASession.id == qa.id)
                    .values(accepting=accepting, revision=QASession.revision + 1)
                    .execution_options(synchronize_session=False))
    session.refresh(qa, ["accepting", "revision"])


def stop(session: Session, qa: QASession) -> None:
    """The live "stop new questions" button: asking closes now, voting goes on."""
    _set_accepting(session, qa, False)


def reopen(session: Session, qa: QASession) -> None:
    """Undo ``stop``; the window (opens_at/closes_at) still applies."""
    _set_accepting(session, qa, True)


def closes_at(qa: QASession) -> datetime:
    """When asking closes: the chosen moment, or the end of the agenda item."""
    return qa.closes_at or qa.agenda_item.ends_at


def is_open(qa: QASession, now: datetime) -> bool:
    """Whether ``qa`` takes new questions at ``now``."""
    if not qa.accepting or now >= closes_at(qa):
        return False
    if qa.opens_at is None:
        return qa.agenda_item.event.published
    return now >= qa.opens_at


def not_yet_open(qa: QASession, now: datetime) -> bool:
    return qa.accepting and (
        (qa.opens_at is not None and now < qa.opens_at)
        or (qa.opens_at is None and not qa.agenda_item.event.published))


def session_state(qa: QASession, now: datetime) -> str:
    """Where asking stands at ``now``: "open", "not_yet_open", "stopped" or "closed"."""
    if is_open(qa, now):
        return "open"
    if not qa.accepting:
        return "stopped"
    return "not_yet_open" if not_yet_open(qa, now) else "closed"
