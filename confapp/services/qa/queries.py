"""What the moderators, the participants and the public see of a session's questions."""

from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from confapp.models import AgendaItem, Category, QASession, Question, QuestionStatus

S = QuestionStatus
PUBLIC = (S.APPROVED, S.ANSWERED)


def moderation_queue(session: Session, qa: QASession,
                     status: QuestionStatus | None = None) -> list[Question]:
    """The session's questions for moderators, newest first, optionally of one status."""
    query = select(Question).where(Question.session_id == qa.id)
    if status is not None:
        query = query.where(Question.status == status)
    return list(session.scalars(query.order_by(Question.created_at.desc(), Question.id.desc())))


def status_counts(session: Session, qa: QASession) -> dict[QuestionStatus, int]:
    """How many questions the session has in each status (every status present, 0 if none)."""
    counts = dict.fromkeys(QuestionStatus, 0)
    rows = session.execute(select(Question.status, func.count()).where(
        Question.session_id == qa.id).group_by(Question.status))
    counts.update({status: n for status, n in rows})
    return counts


def public_questions(session: Session, qa: QASession, order: str = "votes",
                     participant_key: str | None = None) -> list[Question]:
    """Approved and answered questions, plus the participant's own pending ones.

    ``order`` is "votes" (most first; older first among equals) or "newest".
    """
    shown = Question.status.in_(PUBLIC)
    if participant_key:
        shown = or_(shown, and_(Question.status == S.PENDING,
                                Question.participant_key == participant_key))
    query = select(Question).where(Question.session_id == qa.id, shown)
    if order == "newest":
        query = query.order_by(Question.created_at.desc(), Question.id.desc())
    else:
        query = query.order_by(Question.vote_count.desc(), Question.created_at, Question.id)
    return list(session.scalars(query))


def awaiting_written_answer(session: Session, qa: QASession) -> list[Question]:
    """Approved questions not reached on stage: the written-answer tasks, most votes first."""
    return list(session.scalars(select(Question).where(
        Question.session_id == qa.id, Question.status == S.APPROVED)
        .order_by(Question.vote_count.desc(), Question.created_at, Question.id)))


@dataclass(frozen=True)
class CategoryShare:
    category: Category | None  # None: the asker did not say
    count: int
    share: float  # 0..1 of the questions counted

    @property
    def percent(self) -> int:
        return round(self.share * 100)


def category_breakdown(session: Session, qa: QASession) -> list[CategoryShare]:
    """Who is asking, by stakeholder category: the session's questions that are part of the
    debate (merged duplicates and rejected ones left out), most asked first."""
    rows = session.execute(select(Question.category, func.count()).where(
        Question.session_id == qa.id, Question.status.notin_((S.MERGED, S.REJECTED)))
        .group_by(Question.category)).all()
    total = sum(n for _category, n in rows)
    shares = [CategoryShare(category, n, n / total) for category, n in rows]
    return sorted(shares, key=lambda s: (-s.count, s.category is None, s.category or ""))


@dataclass(frozen=True)
class Ledger:
    """A session's public account: counts only."""

    received: int
    answered_on_stage: int
    answered_in_writing: int
    merged: int
    declined: int
    open: int  # approved or pending, not (yet) answered


def ledger(session: Session, qa: QASession) -> Ledger:
    answered = Question.status == S.ANSWERED
    written = Question.answer_published_at.is_not(None)

    def count_if(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = session.execute(select(
        func.count(),
        count_if(and_(answered, ~written)),
        count_if(and_(answered, written)),
        count_if(Question.status == S.MERGED),
        count_if(Question.status == S.REJECTED),
        count_if(Question.status.in_((S.APPROVED, S.PENDING))),
    ).where(Question.session_id == qa.id)).one()
    return Ledger(*(int(n) for n in row))


def own_unpublished(session: Session, qa: QASession, participant_key: str) -> list[Question]:
    """The participant's own questions that the public list does not show (waiting for a
    moderator, declined or merged into another), newest first: shown to them alone."""
    return list(session.scalars(select(Question).where(
        Question.session_id == qa.id, Question.participant_key == participant_key,
        Question.status.in_((S.PENDING, S.REJECTED, S.MERGED)))
        .order_by(Question.created_at.desc(), Question.id.desc())))


def written_answers(session: Session, qa: QASession) -> list[Question]:
    """The session's published written answers, in the order they were published."""
    return list(session.scalars(select(Question).where(
        Question.session_id == qa.id, Question.answer_published_at.is_not(None))
        .order_by(Question.answer_published_at, Question.id)))


def event_sessions(session: Session, event_id: int) -> list[QASession]:
    """The event's Q&A sessions, in the order of the programme."""
    return list(session.scalars(select(QASession).join(QASession.agenda_item).where(
        AgendaItem.event_id == event_id).order_by(AgendaItem.starts_at, AgendaItem.position,
                                                  QASession.id)))
