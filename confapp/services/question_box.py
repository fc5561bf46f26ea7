"""The council's public question box (Spørg Rådet): submit, assign, answer, publish, close.

Anyone may send a question, suggestion or comment; staff answer it by mail, on the public
"questions and answers" page, or both. Every staff change is one conditional UPDATE on the
message's status and version, so two people answering at once: one wins, the other gets
``AlreadyAnswered`` and nothing is mailed twice. Functions flush; the caller commits.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, false, func, or_, select, update
from sqlalchemy.orm import Session

from confapp.models import BoxKind, BoxMessage, BoxStatus, OutboxMail, Role, User, UserRole
from confapp.models.base import utcnow
from confapp.models.question_box import (
    NAME_MAX,
    OPEN_STATUSES,
    SUBJECT_MAX,
    TEXT_MAX,
    TOPIC_MAX,
)
from confapp.services import ConfappError
from confapp.services.outbox import NewMail, enqueue
from confapp.services.registration_queries import Page, _fold, _like_pattern, _page_of
from confapp.text_rules import clean_line, clean_text
from confapp.timezones import LOCAL_ZONE, utc_to_local

TEXT_MIN = 3
ANSWER_MAX = 10000
EMAIL_MAX = 254
LOCALES = ("da", "en")
INBOX_PER_PAGE = 50
PUBLIC_PER_PAGE = 20
# Where the public pages show one published answer; the pages' blueprint serves this path.
PUBLIC_PATH = "/answers"
MAIL_KIND = "box_answer"
ANSWERED_STATUSES = (BoxStatus.ANSWERED, BoxStatus.PUBLISHED)
FINISHED_STATUSES = (BoxStatus.ANSWERED, BoxStatus.PUBLISHED, BoxStatus.CLOSED)
# Who answers the box: the organisers and the council's chair and vice-chair.
ANSWERING_ROLES = (Role.ORGANISER, Role.CHAIR, Role.VICE_CHAIR, Role.ADMINISTRATOR)


class BoxError(ConfappError):
    message = _l("This message cannot be handled.")


class InvalidMessage(BoxError):
    """A field is empty, too long or not one of the choices; ``field`` names it."""

    def __init__(self, field: str, message):
        super().__init__(field)
        self.field = field
        self.message = message


class CannotPublish(BoxError):
    field = "publish"
    message = _l("The sender did not agree to publication, so this message cannot be published.")


class CannotReply(BoxError):
    field = "reply_privately"
    message = _l("The sender left no e-mail address, so there is no one to reply to by mail.")


class NoAnswerChannel(BoxError):
    field = "reply_privately"
    message = _l("Choose to reply by mail, to publish the answer, or both.")


class AlreadyAnswered(BoxError):
    message = _l("Someone else has already answered this message.")


class AlreadyClosed(BoxError):
    message = _l("This message has been closed without an answer.")


class NotPublished(BoxError):
    message = _l("This answer is not published.")


class ChangedMeanwhile(BoxError):
    message = _l("Someone else changed this message at the same time. Check it and try again.")


@dataclass(frozen=True)
class BoxInput:
    """What the public form sends; the service checks it again and cleans it."""

    kind: BoxKind | str
    subject: str
    text: str
    name: str | None = None
    email: str | None = None
    consent_publish: bool = False
    show_name: bool = False
    locale: str = "da"


def _optional_line(value: str | None, limit: int, field: str) -> str | None:
    value = (clean_line(value) or "").strip()
    if len(value) > limit:
        raise InvalidMessage(field, _l("At most %(max)d characters.", max=limit))
    return value or None


def _required(value: str | None, limit: int, field: str, *, minimum: int = 1,
              multiline: bool = False) -> str:
    value = ((clean_text(value) if multiline else clean_line(value)) or "").strip()
    if not value:
        raise InvalidMessage(field, _l("This field is required."))
    if len(value) < minimum:
        raise InvalidMessage(field, _l("At least %(num)d characters.", num=minimum))
    if len(value) > limit:
        raise InvalidMessage(field, _l("At most %(max)d characters.", max=limit))
    return value


def _email(value: str | None) -> str | None:
    email = (clean_line(value) or "").strip().lower()
    if not email:
        return None
    local, at, domain = email.rpartition("@")
    if len(email) > EMAIL_MAX or not at or not local or "." not in domain or " " in email:
        raise InvalidMessage("email", _l("Enter a valid e-mail address, or leave it empty."))
    return email


def submit(session: Session, data: BoxInput) -> BoxMessage:
    """Store a message from the public form as NEW; name and e-mail stay optional."""
    try:
        kind = BoxKind(data.kind)
    except ValueError:
        raise InvalidMessage("kind", _l("Choose question, suggestion or comment.")) from None
    name = _optional_line(data.name, NAME_MAX, "name")
    message = BoxMessage(
        kind=kind,
        subject=_required(data.subject, SUBJECT_MAX, "subject"),
        text=_required(data.text, TEXT_MAX, "text", minimum=TEXT_MIN, multiline=True),
        name=name,
        email=_email(data.email),
        consent_publish=bool(data.consent_publish),
        # A ticked "show my name" with no name given shows nothing.
        show_name=bool(data.show_name and name),
        locale=data.locale if data.locale in LOCALES else "da",
        status=BoxStatus.NEW,
    )
    session.add(message)
    session.flush()
    return message


def _refuse(message: BoxMessage) -> None:
    """Why a conditional update found nothing to change, from the message as it is now."""
    if message.status in ANSWERED_STATUSES:
        raise AlreadyAnswered(message.id)
    if message.status == BoxStatus.CLOSED:
        raise AlreadyClosed(message.id)
    raise ChangedMeanwhile(message.id)


def ensure_open(message: BoxMessage) -> None:
    """Raise why ``message`` can no longer be answered (answered or closed already), if so."""
    if message.status not in OPEN_STATUSES:
        _refuse(message)


def _change(session: Session, message: BoxMessage, allowed: tuple[BoxStatus, ...],
            expected_version: int | None, **values) -> None:
    """One conditional UPDATE: only from ``allowed`` statuses and the version the caller read."""
    session.flush()
    version = message.version if expected_version is None else expected_version
    result = session.execute(
        update(BoxMessage)
        .where(BoxMessage.id == message.id, BoxMessage.version == version,
               BoxMessage.status.in_(allowed))
        .values(version=BoxMessage.version + 1, **values)
        .execution_options(synchronize_session=False))
    session.refresh(message)
    if result.rowcount != 1:
        _refuse(message)


def assign(session: Session, message: BoxMessage, user: User | None, *,
           expected_version: int | None = None) -> BoxMessage:
    """Give an open message to ``user`` (it is then being answered), or back to nobody (new)."""
    _change(session, message, OPEN_STATUSES, expected_version,
            assigned_to_id=user.id if user else None,
            status=BoxStatus.IN_PROGRESS if user else BoxStatus.NEW)
    return message


def public_url(base_url: str, message: BoxMessage) -> str:
    return f"{base_url.rstrip('/')}{PUBLIC_PATH}/{message.public_slug}"


def answer(session: Session, message: BoxMessage, text: str, by: User, *,
           reply_privately: bool, publish: bool, base_url: str, topic: str | None = None,
           expected_version: int | None = None, now: datetime | None = None) -> BoxMessage:
    """Answer an open message: by mail, on the public page (only with consent), or both.

    A sender who left an e-mail address is mailed the answer either way, with the public link
    if it was published. Only one answer ever wins; a second gets ``AlreadyAnswered``.
    """
    ensure_open(message)  # answered or closed already: said before any complaint about the form
    text = _required(text, ANSWER_MAX, "answer", multiline=True)
    topic = _optional_line(topic, TOPIC_MAX, "topic")
    if publish and not message.consent_publish:
        raise CannotPublish(message.id)
    if reply_privately and not message.email:
        raise CannotReply(message.id)
    if not (reply_privately or publish):
        raise NoAnswerChannel(message.id)
    now = now or utcnow()
    mail = bool(message.email)
    values = {
        "status": BoxStatus.PUBLISHED if publish else BoxStatus.ANSWERED,
        "answer_text": text,
        "answered_by_id": by.id,
        "answered_at": now,
        "published_at": now if publish else None,
        "reply_sent_at": now if mail else None,
    }
    if topic is not None:
        values["topic"] = topic
    _change(session, message, OPEN_STATUSES, expected_version, **values)
    if mail:
        _queue_answer_mail(session, message, base_url)
    return message


def publish_answered(session: Session, message: BoxMessage, *,
                     expected_version: int | None = None, now: datetime | None = None) -> BoxMessage:
    """Put a message answered by mail only on the public page afterwards (consent needed)."""
    if not message.consent_publish:
        raise CannotPublish(message.id)
    if message.status == BoxStatus.PUBLISHED:
        return message
    if message.status != BoxStatus.ANSWERED:
        raise NotPublished(message.id)
    _change(session, message, (BoxStatus.ANSWERED,), expected_version,
            status=BoxStatus.PUBLISHED, published_at=now or utcnow())
    return message


def unpublish(session: Session, message: BoxMessage, *,
              expected_version: int | None = None) -> BoxMessage:
    """Take an answer off the public page; it stays answered (and its URL answers 404)."""
    if message.status != BoxStatus.PUBLISHED:
        raise NotPublished(message.id)
    _change(session, message, (BoxStatus.PUBLISHED,), expected_version,
            status=BoxStatus.ANSWERED, published_at=None)
    return message


def close_without_answer(session: Session, message: BoxMessage, *,
                         expected_version: int | None = None,
                         now: datetime | None = None) -> BoxMessage:
    """Close an open message without answering it (spam, nothing to answer); nobody is mailed."""
    _change(session, message, OPEN_STATUSES, expected_version,
            status=BoxStatus.CLOSED, closed_at=now or utcnow())
    return message


def set_topic(session: Session, message: BoxMessage, topic: str | None, *,
              expected_version: int | None = None) -> BoxMessage:
    """Give a message a topic (the public page's filter), or none; in any status."""
    topic = _optional_line(topic, TOPIC_MAX, "topic")
    _change(session, message, tuple(BoxStatus), expected_version, topic=topic)
    return message


def assignable_staff(session: Session) -> list[User]:
    """Who a message can be assigned to: active organisers, chairs and administrators, by name."""
    return list(session.scalars(
        select(User).where(User.active.is_(True), User.id.in_(
            select(UserRole.user_id).where(UserRole.role.in_(ANSWERING_ROLES))))
        .order_by(func.lower(User.name), User.id)))


def _queue_answer_mail(session: Session, message: BoxMessage, base_url: str) -> None:
    with force_locale(message.locale or "da"):
        context = {
            "message": message,
            "link": public_url(base_url, message)
            if message.status == BoxStatus.PUBLISHED else None,
        }
        subject = _("Answer to your message: %(subject)s", subject=message.subject)
        body_text = render_template("mail/box_answer.txt", **context)
        body_html = render_template("mail/box_answer.html", **context)
    enqueue(session, NewMail(
        idempotency_key=f"{MAIL_KIND}:{message.id}:{message.version}",
        kind=MAIL_KIND,
        to_address=message.email,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
    ))


# Reading: the staff inbox and the public page.

def inbox(session: Session, *, status: BoxStatus | None = None,
          assigned_to_id: int | None = None, page: int = 1,
          per_page: int = INBOX_PER_PAGE) -> Page:
    """The staff inbox, newest first, optionally one status and/or one assignee."""
    statement = select(BoxMessage)
    if status is not None:
        statement = statement.where(BoxMessage.status == status)
    if assigned_to_id is not None:
        statement = statement.where(BoxMessage.assigned_to_id == assigned_to_id)
    ordered = statement.order_by(BoxMessage.created_at.desc(), BoxMessage.id.desc())
    return _page_of(session, statement, ordered, page, per_page)


def inbox_counts(session: Session) -> dict[BoxStatus, int]:
    """How many messages have each status (every status present, zero included)."""
    counts = dict(session.execute(
        select(BoxMessage.status, func.count(BoxMessage.id)).group_by(BoxMessage.status)).all())
    return {status: counts.get(status, 0) for status in BoxStatus}


def _year_range(year: int) -> tuple[datetime, datetime]:
    """A calendar year in Danish time, as UTC bounds."""
    start = datetime(year, 1, 1, tzinfo=LOCAL_ZONE)
    end = datetime(year + 1, 1, 1, tzinfo=LOCAL_ZONE)
    return start, end


def text_matches(q: str, *columns) -> list:
    """The condition "``q`` occurs in one of ``columns``" (case-folded), or none for a blank ``q``."""
    q = (clean_line(q) or "").strip()
    if not q:
        return []
    pattern = _like_pattern(q.lower())
    return [or_(*(_fold(column).like(pattern, escape="\\") for column in columns))]


def in_year(column, year: int | None) -> list:
    """The condition "``column`` falls in ``year`` (Danish time)"; an absurd year matches nothing."""
    if year is None:
        return []
    if not 1900 < year < 3000:
        return [false()]
    start, end = _year_range(year)
    return [column >= start, column < end]


def published_conditions(*, q: str = "", year: int | None = None,
                         topic: str | None = None) -> list:
    """Which published messages a public search finds (shared with services/answers.py)."""
    conditions = [BoxMessage.status == BoxStatus.PUBLISHED]
    conditions += text_matches(q, BoxMessage.subject, BoxMessage.text, BoxMessage.answer_text)
    conditions += in_year(BoxMessage.published_at, year)
    if topic:
        conditions.append(BoxMessage.topic == topic)
    return conditions


def public_page(session: Session, *, q: str = "", year: int | None = None,
                topic: str | None = None, page: int = 1,
                per_page: int = PUBLIC_PER_PAGE) -> Page:
    """Published messages, newest first; ``q`` searches subject, question and answer."""
    statement = select(BoxMessage).where(*published_conditions(q=q, year=year, topic=topic))
    ordered = statement.order_by(BoxMessage.published_at.desc(), BoxMessage.id.desc())
    return _page_of(session, statement, ordered, page, per_page)


def public_years(session: Session) -> list[int]:
    """The years (Danish time) with published answers, newest first: the year filter's choices."""
    moments = session.scalars(select(BoxMessage.published_at)
                              .where(BoxMessage.status == BoxStatus.PUBLISHED))
    return sorted({utc_to_local(moment).year for moment in moments if moment}, reverse=True)


def public_topics(session: Session) -> list[str]:
    """The topics of published answers, alphabetically: the topic filter's choices."""
    return sorted(session.scalars(
        select(BoxMessage.topic).distinct()
        .where(BoxMessage.status == BoxStatus.PUBLISHED, BoxMessage.topic.is_not(None))))


def find_published(session: Session, slug: str) -> BoxMessage | None:
    """The published message at a public URL, or None (unknown, unpublished or not yet)."""
    if not slug or len(slug) > 20:
        return None
    return session.scalar(select(BoxMessage).where(
        BoxMessage.public_slug == slug, BoxMessage.status == BoxStatus.PUBLISHED))


# Personal data: export, erasure and retention (called by services/privacy.py).

def messages_of(session: Session, email: str) -> list[BoxMessage]:
    return list(session.scalars(select(BoxMessage).where(
        BoxMessage.email == email.strip().lower()).order_by(BoxMessage.id)))


def export_messages(session: Session, email: str) -> list[dict]:
    """What the box holds about one e-mail address, JSON-ready."""
    return [
        {
            "kind": m.kind.value,
            "subject": m.subject,
            "text": m.text,
            "name": m.name,
            "email": m.email,
            "consent_publish": m.consent_publish,
            "show_name": m.show_name,
            "language": m.locale,
            "status": m.status.value,
            "sent_at": m.created_at.isoformat(),
            "answer": m.answer_text,
            "answered_at": m.answered_at.isoformat() if m.answered_at else None,
            "published_at": m.published_at.isoformat() if m.published_at else None,
        }
        for m in messages_of(session, email)
    ]


def _forget(session: Session, messages: list[BoxMessage], now: datetime) -> int:
    """Remove name and e-mail (the texts stay, so a published answer stays) and their mails."""
    for message in messages:
        session.execute(delete(OutboxMail).where(
            OutboxMail.kind == MAIL_KIND,
            OutboxMail.idempotency_key.like(f"{MAIL_KIND}:{message.id}:%")))
        message.name = None
        message.email = None
        message.show_name = False
        message.personal_data_cleared_at = now
        message.version += 1
    session.flush()
    return len(messages)


def erase_sender(session: Session, email: str, now: datetime | None = None) -> int:
    """Forget who sent the messages from ``email`` (GDPR art. 17); returns how many."""
    return _forget(session, messages_of(session, email), now or utcnow())


def purge_senders(session: Session, *, retention_days: int, now: datetime | None = None) -> int:
    """Forget the senders of messages answered or closed more than ``retention_days`` ago."""
    now = now or utcnow()
    cutoff = now - timedelta(days=retention_days)
    finished_at = func.coalesce(BoxMessage.answered_at, BoxMessage.closed_at)
    expired = list(session.scalars(select(BoxMessage).where(
        BoxMessage.status.in_(FINISHED_STATUSES), finished_at < cutoff,
        or_(BoxMessage.email.is_not(None), BoxMessage.name.is_not(None)))))
    return _forget(session, expired, now)
