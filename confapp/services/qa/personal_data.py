"""GDPR for askers: what a question holds about a person, its export, erasure and retention.

A question keeps its text, category and votes (the debate's record and the ledger's counts);
what identifies the asker goes: name, organisation and e-mail, and the mails queued to them.
The voting key stays: "r:<id>" points at a registration that is anonymised by then, and a
cookie key is a random number.
"""

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from confapp.models import AgendaItem, Event, OutboxMail, QASession, Question, Registration
from confapp.models.base import utcnow

MAIL_KINDS = ("qa_rejected", "qa_answered")


def questions_of(session: Session, email: str) -> list[Question]:
    """Questions that name ``email``: left as a contact address, or asked through a personal
    link of a registration with that address."""
    email = email.strip().lower()
    registrations = select(Registration.id).where(Registration.email == email)
    return list(session.scalars(select(Question).where(or_(
        Question.email == email, Question.registration_id.in_(registrations)))
        .order_by(Question.id)))


def export_questions(session: Session, email: str) -> list[dict]:
    """What the Q&A holds about one address, JSON-ready."""
    return [
        {
            "event": q.qa_session.agenda_item.event.title,
            "session": q.qa_session.agenda_item.title,
            "text": q.text,
            "name": q.author_name,
            "organisation": q.organisation,
            "category": q.category.value if q.category else None,
            "email": q.email,
            "anonymous": q.anonymous,
            "language": q.locale,
            "status": q.status.value,
            "votes": q.vote_count,
            "asked_at": q.created_at.isoformat(),
            "written_answer": q.answer_text,
        }
        for q in questions_of(session, email)
    ]


def _forget(session: Session, questions: list[Question]) -> int:
    for question in questions:
        for kind in MAIL_KINDS:
            session.execute(delete(OutboxMail).where(
                OutboxMail.kind == kind,
                OutboxMail.idempotency_key.like(f"{kind}:{question.id}:%")))
        question.author_name = None
        question.organisation = None
        question.email = None
    session.flush()
    return len(questions)


def erase_asker(session: Session, email: str) -> int:
    """Forget who asked the questions of ``email`` (GDPR art. 17); returns how many."""
    return _forget(session, questions_of(session, email))


def purge_askers(session: Session, *, retention_days: int, now: datetime | None = None) -> int:
    """Forget the askers of questions at events that ended more than ``retention_days`` ago,
    the same rule that anonymises registrations."""
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    expired = list(session.scalars(
        select(Question).join(QASession, Question.session_id == QASession.id)
        .join(AgendaItem, QASession.agenda_item_id == AgendaItem.id)
        .join(Event, AgendaItem.event_id == Event.id)
        .where(Event.ends_at < cutoff, or_(Question.email.is_not(None),
                                           Question.author_name.is_not(None),
                                           Question.organisation.is_not(None)))))
    return _forget(session, expired)
