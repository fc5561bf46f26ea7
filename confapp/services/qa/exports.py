"""A session's or an event's questions for the record: the rows of the CSV, XLSX and PDF exports.

Labels come in already translated, so these functions serve any language and know no Flask.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from confapp.models import AgendaItem, Event, QASession, Question


@dataclass(frozen=True)
class QuestionRow:
    """One question as exported; the columns, in order, of ``QuestionRow.cells``."""

    session: str
    question: str
    asker: str
    category: str
    status: str
    votes: int
    created: datetime  # aware UTC
    answer: str

    def cells(self) -> list:
        return [self.session, self.question, self.asker, self.category, self.status,
                self.votes, self.created, self.answer]


def event_sessions(session: Session, event: Event) -> list[QASession]:
    """The event's Q&A sessions in agenda order."""
    return list(session.scalars(
        select(QASession).join(AgendaItem, QASession.agenda_item_id == AgendaItem.id)
        .where(AgendaItem.event_id == event.id)
        .order_by(AgendaItem.starts_at, AgendaItem.position, AgendaItem.id)))


def session_questions(session: Session, qa: QASession) -> list[Question]:
    """Every question of a session, most votes first (as a speaker would take them)."""
    return list(session.scalars(
        select(Question).where(Question.session_id == qa.id)
        .order_by(Question.vote_count.desc(), Question.created_at, Question.id)))


def asker_text(question: Question, anonymous: str) -> str:
    """"Name, organisation", or the word for anonymous."""
    if question.anonymous:
        return anonymous
    return ", ".join(part for part in (question.author_name, question.organisation) if part) \
        or anonymous


def question_rows(session: Session, sessions: list[QASession], *, status_labels: Mapping,
                  category_labels: Mapping, anonymous: str) -> list[QuestionRow]:
    """The rows of ``sessions``' questions, session by session."""
    rows = []
    for qa in sessions:
        title = qa.agenda_item.title
        for question in session_questions(session, qa):
            rows.append(QuestionRow(
                session=title, question=question.text,
                asker=asker_text(question, anonymous),
                category=str(category_labels.get(question.category, ""))
                if question.category else "",
                status=str(status_labels.get(question.status, question.status)),
                votes=question.vote_count, created=question.created_at,
                answer=question.answer_text or ""))
    return rows
