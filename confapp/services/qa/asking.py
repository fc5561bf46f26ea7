"""Asking a question and voting for one."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from confapp.models import (
    Category,
    Event,
    QAAudience,
    QASession,
    Question,
    QuestionStatus,
    QuestionVote,
    Registration,
)
from confapp.models.base import utcnow
from confapp.services.qa.errors import (
    AnonymousNotAllowed,
    DuplicateQuestion,
    NotVotable,
    QuestionsClosed,
    QuestionsNotYetOpen,
    QuestionTooLong,
    QuestionTooShort,
    RegistrantsOnly,
)
from confapp.services.qa.revision import touch
from confapp.services.qa.sessions import is_open, not_yet_open
from confapp.services.qa_words import is_flagged

MIN_LENGTH = 3
MAX_LENGTH = 500
VOTABLE = (QuestionStatus.APPROVED, QuestionStatus.ANSWERED)


@dataclass(frozen=True)
class Asker:
    """Who asks: the voting identity, and what they chose to tell."""

    participant_key: str  # "r:<registration id>" or "c:<cookie id>"
    name: str | None = None
    organisation: str | None = None
    category: Category | None = None
    anonymous: bool = False
    email: str | None = None
    registration_id: int | None = None
    locale: str = "da"


def registration_key(registration: Registration) -> str:
    return f"r:{registration.id}"


def cookie_key(cookie_id: str) -> str:
    return f"c:{cookie_id}"


def _registration_id(participant_key: str) -> int | None:
    return int(participant_key[2:]) if participant_key.startswith("r:") else None


def clean_text(text: str) -> str:
    """The question as stored: stripped, and refused when too short or too long."""
    text = (text or "").strip()
    if len(text) < MIN_LENGTH:
        raise QuestionTooShort()
    if len(text) > MAX_LENGTH:
        raise QuestionTooLong()
    return text


def _same_text(text: str) -> str:
    return " ".join(text.casefold().split())


def _check_participant(session: Session, event_id: int, participant_key: str,
                       audience: QAAudience) -> None:
    """A registration key must belong to this event; registrants-only sessions need one."""
    if (registration_id := _registration_id(participant_key)) is not None:
        registration = session.get(Registration, registration_id)
        if registration is None or registration.event_id != event_id:
            raise RegistrantsOnly()
    elif audience == QAAudience.REGISTRANTS:
        raise RegistrantsOnly()


def ask(session: Session, qa: QASession, asker: Asker, text: str, now: datetime) -> Question:
    """Put a question to ``qa``: approved at once, or pending when pre-moderated or flagged."""
    if not is_open(qa, now):
        raise QuestionsNotYetOpen() if not_yet_open(qa, now) else QuestionsClosed()
    _check_participant(session, qa.agenda_item.event_id, asker.participant_key, qa.audience)
    text = clean_text(text)
    if asker.anonymous and not qa.anonymous_allowed:
        raise AnonymousNotAllowed()
    earlier = session.scalars(select(Question.text).where(
        Question.session_id == qa.id, Question.participant_key == asker.participant_key))
    if any(_same_text(t) == _same_text(text) for t in earlier):
        raise DuplicateQuestion()
    flagged = is_flagged(text)
    # Anonymous questions keep no identity beyond the voting key; the category is a
    # stakeholder group, kept so the debate's balance can still be seen.
    question = Question(
        session_id=qa.id, text=text, participant_key=asker.participant_key,
        anonymous=asker.anonymous, category=asker.category, locale=asker.locale,
        author_name=None if asker.anonymous else (asker.name or None),
        organisation=None if asker.anonymous else (asker.organisation or None),
        email=None if asker.anonymous else (asker.email or None),
        registration_id=None if asker.anonymous else (
            asker.registration_id or _registration_id(asker.participant_key)),
        flagged=flagged,
        status=QuestionStatus.PENDING if qa.premoderated or flagged else QuestionStatus.APPROVED,
        created_at=now)
    try:
        with session.begin_nested():
            session.add(question)
            session.flush()
    except IntegrityError:
        # The same text sent twice at once (a double click): the unique constraint keeps one.
        raise DuplicateQuestion() from None
    touch(session, qa.id)
    return question


def _check_votable(session: Session, question: Question, participant_key: str,
                   event: Event) -> None:
    qa = question.qa_session
    if qa.agenda_item.event_id != event.id:
        raise NotVotable()
    _check_participant(session, event.id, participant_key, qa.audience)


def vote(session: Session, question: Question, participant_key: str, event: Event) -> bool:
    """Vote for ``question`` as ``participant_key``, who came in through ``event``.

    Idempotent: True when a vote was added, False when this participant had already voted.
    """
    _check_votable(session, question, participant_key, event)
    try:
        with session.begin_nested():
            # The conditional UPDATE first: it checks the status at this moment and (PostgreSQL)
            # locks the row, so a merge recounting this question waits for us.
            counted = session.execute(
                update(Question)
                .where(Question.id == question.id, Question.status.in_(VOTABLE))
                .values(vote_count=Question.vote_count + 1)
                .execution_options(synchronize_session=False)).rowcount
            if not counted:
                raise NotVotable()
            session.execute(insert(QuestionVote).values(
                question_id=question.id, participant_key=participant_key,
                created_at=utcnow()))
            touch(session, question.session_id)
    except IntegrityError:
        added = False  # already voted; the savepoint took the +1 back
    else:
        added = True
    session.refresh(question, ["vote_count"])
    return added


def unvote(session: Session, question: Question, participant_key: str) -> bool:
    """Take a vote back; True when there was one. Allowed in any status, so a vote never sticks."""
    with session.begin_nested():
        # Lock the question first, as vote() and merge() do, so their counts cannot interleave.
        session.execute(select(Question.id).where(Question.id == question.id).with_for_update())
        removed = session.execute(
            delete(QuestionVote).where(
                QuestionVote.question_id == question.id,
                QuestionVote.participant_key == participant_key)).rowcount
        if removed:
            session.execute(update(Question).where(Question.id == question.id)
                            .values(vote_count=Question.vote_count - removed)
                            .execution_options(synchronize_session=False))
            touch(session, question.session_id)
    session.refresh(question, ["vote_count"])
    return bool(removed)


def has_voted(session: Session, question_ids: list[int], participant_key: str) -> set[int]:
    """Which of ``question_ids`` this participant has voted for (to show the button state)."""
    if not question_ids:
        return set()
    return set(session.scalars(select(QuestionVote.question_id).where(
        QuestionVote.question_id.in_(question_ids),
        QuestionVote.participant_key == participant_key)))
