"""The public "questions and answers" archive: published question-box answers and the written
answers from Q&A sessions, as one list, searchable and newest first, each at a stable URL.

A box answer lives at ``/answers/<its random slug>`` (the answer mail links there); a written
Q&A answer at ``/answers/qa-<question id>`` (box slugs have no "-", so the two never meet).
The list is one UNION of both tables, so paging and the total stay right however the two mix.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, func, literal, select, union_all
from sqlalchemy.orm import Session, joinedload

from confapp.models import (
    AgendaItem,
    BoxKind,
    BoxMessage,
    Event,
    QASession,
    Question,
    QuestionStatus,
)
from confapp.services import question_box
from confapp.services.registration_queries import Page
from confapp.timezones import utc_to_local

PER_PAGE = question_box.PUBLIC_PER_PAGE
BOX = "box"
QA = "qa"
QA_SLUG_PREFIX = "qa-"


@dataclass(frozen=True)
class Entry:
    """One published question with its answer, as the public pages show it (never an e-mail)."""

    source: str  # BOX or QA
    slug: str  # the part after /answers/
    question: str
    answer: str
    published_at: datetime
    subject: str | None = None  # box messages only
    box_kind: BoxKind | None = None
    topic: str | None = None
    name: str | None = None  # only when the asker allowed it to be shown
    organisation: str | None = None
    event: Event | None = None  # Q&A answers: the event and its session (the agenda item)
    item: AgendaItem | None = None


def qa_slug(question_id: int) -> str:
    return f"{QA_SLUG_PREFIX}{question_id}"


def _from_box(message: BoxMessage) -> Entry:
    return Entry(source=BOX, slug=message.public_slug, question=message.text,
                 answer=message.answer_text or "", published_at=message.published_at,
                 subject=message.subject, box_kind=message.kind, topic=message.topic,
                 name=message.public_name)


def _from_question(question: Question) -> Entry:
    item = question.qa_session.agenda_item
    named = not question.anonymous
    return Entry(source=QA, slug=qa_slug(question.id), question=question.text,
                 answer=question.answer_text or "", published_at=question.answer_published_at,
                 name=question.author_name if named else None,
                 organisation=question.organisation if named else None,
                 event=item.event, item=item)


def _published_questions(*columns):
    """Written answers that are public: answered in writing, in a published event."""
    return (select(*columns)
            .select_from(Question)
            .join(QASession, Question.session_id == QASession.id)
            .join(AgendaItem, QASession.agenda_item_id == AgendaItem.id)
            .join(Event, AgendaItem.event_id == Event.id)
            .where(Question.status == QuestionStatus.ANSWERED,
                   Question.answer_published_at.is_not(None), Event.published.is_(True)))


def _qa_conditions(q: str, year: int | None) -> list:
    return [*question_box.text_matches(q, Question.text, Question.answer_text, AgendaItem.title,
                                       Event.title),
            *question_box.in_year(Question.answer_published_at, year)]


def archive_page(session: Session, *, q: str = "", year: int | None = None,
                 topic: str | None = None, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of the archive, newest first; ``q`` searches questions, answers and titles.

    Topics belong to box answers: choosing one leaves the Q&A answers out.
    """
    parts = [select(literal(BOX, String).label("source"), BoxMessage.id.label("id"),
                    BoxMessage.published_at.label("at"))
             .where(*question_box.published_conditions(q=q, year=year, topic=topic))]
    if not topic:
        parts.append(_published_questions(literal(QA, String).label("source"),
                                          Question.id.label("id"),
                                          Question.answer_published_at.label("at"))
                     .where(*_qa_conditions(q, year)))
    union = union_all(*parts).subquery()
    total = session.scalar(select(func.count()).select_from(union)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = session.execute(select(union.c.source, union.c.id)
                           .order_by(union.c.at.desc(), union.c.source, union.c.id.desc())
                           .limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=_entries(session, rows), page=page, per_page=per_page, total=total)


def _entries(session: Session, rows) -> list[Entry]:
    """The rows (source, id) as entries, in the same order, each source loaded in one query."""
    box_ids = [row.id for row in rows if row.source == BOX]
    qa_ids = [row.id for row in rows if row.source == QA]
    loaded = {}
    if box_ids:
        loaded.update({(BOX, m.id): _from_box(m) for m in session.scalars(
            select(BoxMessage).where(BoxMessage.id.in_(box_ids)))})
    if qa_ids:
        loaded.update({(QA, question.id): _from_question(question) for question in session.scalars(
            select(Question).where(Question.id.in_(qa_ids))
            .options(joinedload(Question.qa_session).joinedload(QASession.agenda_item)
                     .joinedload(AgendaItem.event)))})
    return [loaded[(row.source, row.id)] for row in rows if (row.source, row.id) in loaded]


def archive_years(session: Session) -> list[int]:
    """The years (Danish time) with published answers of either kind, newest first."""
    moments = [*session.scalars(select(BoxMessage.published_at).where(
                   *question_box.published_conditions())),
               *session.scalars(_published_questions(Question.answer_published_at))]
    return sorted({utc_to_local(moment).year for moment in moments if moment}, reverse=True)


def archive_topics(session: Session) -> list[str]:
    """The topics to filter by (those of published box answers), alphabetically."""
    return question_box.public_topics(session)


def find_entry(session: Session, slug: str) -> Entry | None:
    """The published answer at ``/answers/<slug>``, or None (unknown or no longer public)."""
    slug = slug or ""
    if slug.startswith(QA_SLUG_PREFIX):
        number = slug.removeprefix(QA_SLUG_PREFIX)
        if not (number.isascii() and number.isdigit() and len(number) < 10):
            return None
        question = session.scalar(select(Question).where(
            Question.id.in_(_published_questions(Question.id).where(Question.id == int(number)))))
        return _from_question(question) if question else None
    message = question_box.find_published(session, slug)
    return _from_box(message) if message else None
