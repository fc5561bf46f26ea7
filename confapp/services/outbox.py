"""The transactional outbox: queue mails with the change that caused them, lease them to workers.

A mail is inserted in the caller's transaction, so a rolled-back change leaves no
mail behind. Each mail has an idempotency key; queuing the same key twice is a
no-op. Workers claim due mails with a lease (a conditional UPDATE; on PostgreSQL
``FOR UPDATE SKIP LOCKED`` so workers never wait on each other), and a crashed
worker's expired lease makes the mail claimable again.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import JSON, and_, bindparam, or_, select, text, update
from sqlalchemy.orm import Session

from confapp.models import MailStatus, OutboxMail
from confapp.models.base import UTCDateTime, utcnow

MAX_ATTEMPTS = 12
LEASE_SECONDS = 120


@dataclass(frozen=True)
class NewMail:
    idempotency_key: str
    kind: str
    to_address: str
    subject: str
    body_text: str
    body_html: str = ""
    attachments: tuple[dict, ...] = ()
    event_id: int | None = None
    registration_id: int | None = None


# Plain SQL, not insert().on_conflict_do_nothing(): SQLAlchemy never caches those statements,
# so each mail recompiled it. ON CONFLICT … DO NOTHING is the same on PostgreSQL and SQLite.
_INSERT = text(
    "INSERT INTO outbox (idempotency_key, kind, to_address, subject, body_text, body_html,"
    " attachments, status, attempts, next_attempt_at, last_error, created_at, event_id,"
    " registration_id) VALUES (:idempotency_key, :kind, :to_address, :subject, :body_text,"
    " :body_html, :attachments, :status, 0, :now, '', :now, :event_id, :registration_id)"
    " ON CONFLICT (idempotency_key) DO NOTHING"
).bindparams(bindparam("attachments", type_=JSON), bindparam("now", type_=UTCDateTime()))


def enqueue(session: Session, mail: NewMail) -> None:
    """Queue a mail in the current transaction, unless its idempotency key is already queued."""
    session.execute(_INSERT, {
        "idempotency_key": mail.idempotency_key,
        "kind": mail.kind,
        "to_address": mail.to_address,
        "subject": mail.subject,
        "body_text": mail.body_text,
        "body_html": mail.body_html,
        "attachments": list(mail.attachments),
        "status": MailStatus.QUEUED.value,
        "now": utcnow(),
        "event_id": mail.event_id,
        "registration_id": mail.registration_id,
    })


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at one hour."""
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def _due(now: datetime):
    return or_(
        and_(OutboxMail.status == MailStatus.QUEUED, OutboxMail.next_attempt_at <= now),
        and_(OutboxMail.status == MailStatus.SENDING, OutboxMail.lease_expires_at < now),
    )


def claim(session: Session, owner: str, *, limit: int = 50, now: datetime | None = None,
          lease_seconds: int = LEASE_SECONDS) -> list[int]:
    """Lease up to ``limit`` due mails to ``owner``; returns their ids. The caller commits."""
    now = now or utcnow()
    # A mail whose worker died at every attempt (it never got to record an outcome) ends here.
    session.execute(
        update(OutboxMail)
        .where(OutboxMail.status == MailStatus.SENDING, OutboxMail.lease_expires_at < now,
               OutboxMail.attempts >= MAX_ATTEMPTS)
        .values(status=MailStatus.FAILED, lease_owner=None, lease_expires_at=None,
                last_error=f"gave up after {MAX_ATTEMPTS} attempts: the worker sending it "
                           "stopped each time")
        .execution_options(synchronize_session=False))
    candidates = select(OutboxMail.id).where(_due(now)).order_by(OutboxMail.id).limit(limit)
    on_postgresql = session.get_bind().dialect.name == "postgresql"
    if on_postgresql:
        candidates = candidates.with_for_update(skip_locked=True)
    statement = (
        update(OutboxMail)
        # The due-condition is repeated so a row leased by another worker meanwhile is skipped.
        .where(OutboxMail.id.in_(candidates.scalar_subquery()), _due(now))
        .values(status=MailStatus.SENDING, lease_owner=owner,
                lease_expires_at=now + timedelta(seconds=lease_seconds),
                attempts=OutboxMail.attempts + 1)
        .returning(OutboxMail.id)
        .execution_options(synchronize_session=False)
    )
    claimed = session.scalars(statement).all()
    # PostgreSQL applies the LIMIT before re-checking rows that another worker leased and
    # committed while this statement waited: all of them can drop out, leaving nothing claimed
    # although mails are due. Each statement sees a fresh snapshot, so asking again finds them.
    for _ in range(3):
        if claimed or not on_postgresql or not session.scalar(
                select(OutboxMail.id).where(_due(now)).limit(1)):
            break
        claimed = session.scalars(statement).all()
    return sorted(claimed)


def _finish(session: Session, mail_id: int, owner: str, **values) -> bool:
    result = session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id, OutboxMail.lease_owner == owner,
               OutboxMail.status == MailStatus.SENDING)
        .values(lease_owner=None, lease_expires_at=None, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def mark_sent(session: Session, mail_id: int, owner: str, now: datetime | None = None) -> bool:
    return _finish(session, mail_id, owner, status=MailStatus.SENT, sent_at=now or utcnow(),
                   last_error="")


def mark_failed(session: Session, mail_id: int, owner: str, error: str) -> bool:
    return _finish(session, mail_id, owner, status=MailStatus.FAILED, last_error=error[:2000])


def mark_retry(session: Session, mail_id: int, owner: str, attempts: int, error: str,
               now: datetime | None = None) -> bool:
    """Put the mail back in the queue with backoff, or fail it after MAX_ATTEMPTS."""
    if attempts >= MAX_ATTEMPTS:
        return mark_failed(session, mail_id, owner, f"gave up after {attempts} attempts: {error}")
    return _finish(session, mail_id, owner, status=MailStatus.QUEUED, last_error=error[:2000],
                   next_attempt_at=(now or utcnow()) + backoff(attempts))


class NotFailed(Exception):
    """Only a failed mail may be queued again; anything else could be sent twice."""


def requeue(session: Session, mail: OutboxMail) -> None:
    """An organiser asks to try a failed mail again."""
    changed = session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail.id, OutboxMail.status == MailStatus.FAILED)
        .values(status=MailStatus.QUEUED, attempts=0, next_attempt_at=utcnow(), last_error="")
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise NotFailed(mail.id)
    session.refresh(mail)
