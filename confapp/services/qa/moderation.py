"""Moderating questions: every step is a conditional UPDATE on the version the moderator saw.

Two moderators acting on the same question at once: the first UPDATE matches and bumps the
version, the second matches no row and gets ``AlreadyModerated`` with the question as it is now.
"""

from datetime import datetime

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from confapp.models import QASession, Question, QuestionEdit, QuestionStatus, QuestionVote
from confapp.models.base import utcnow
from confapp.services.outbox import NewMail, enqueue
from confapp.services.qa.asking import clean_text
from confapp.services.qa.errors import (
    AlreadyModerated,
    DuplicateQuestion,
    NotVotable,
    WrongSession,
)
from confapp.services.qa.revision import touch

S = QuestionStatus


def _transition(session: Session, question: Question, allowed_from: tuple[QuestionStatus, ...],
                seen_version: int | None, by: str, now: datetime | None = None,
                **values) -> None:
    """Move ``question`` on if it is still in the version (and a status) the moderator saw."""
    seen = question.version if seen_version is None else seen_version
    changed = session.execute(
        update(Question)
        .where(Question.id == question.id, Question.version == seen,
               Question.status.in_(allowed_from))
        .values(version=Question.version + 1, moderated_at=now or utcnow(), moderated_by=by,
                **values)
        .execution_options(synchronize_session=False)).rowcount
    if changed:
        touch(session, question.session_id)
    session.refresh(question)
    if not changed:
        raise AlreadyModerated(question)


def _unpin_if_pinned(session: Session, question: Question) -> None:
    session.execute(update(QASession)
                    .where(QASession.id == question.session_id,
                           QASession.pinned_question_id == question.id)
                    .values(pinned_question_id=None, revision=QASession.revision + 1)
                    .execution_options(synchronize_session=False))
    session.expire(question.qa_session, ["pinned_question_id"])


def approve(session: Session, question: Question, by: str,
            seen_version: int | None = None) -> None:
    """Show a pending (or earlier rejected) question to everyone."""
    _transition(session, question, (S.PENDING, S.REJECTED), seen_version, by,
                status=S.APPROVED, reject_reason=None)


def reject(session: Session, question: Question, reason: str, by: str,
           seen_version: int | None = None) -> None:
    """Decline a question; the reason is never public, but mailed to an asker who left an address."""
    _transition(session, question, (S.PENDING, S.APPROVED), seen_version, by,
                status=S.REJECTED, reject_reason=(reason or "").strip() or None)
    _unpin_if_pinned(session, question)
    if question.email:
        _queue_question_mail(session, question, "qa_rejected")


def mark_answered(session: Session, question: Question, by: str,
                  seen_version: int | None = None) -> None:
    """Answered on stage; it leaves the stage if it was pinned."""
    _transition(session, question, (S.APPROVED,), seen_version, by, status=S.ANSWERED)
    _unpin_if_pinned(session, question)


def publish_written_answer(session: Session, question: Question, answer: str, by: str,
                           now: datetime, seen_version: int | None = None) -> None:
    """A written answer after the event to an approved question not reached on stage."""
    answer = (answer or "").strip()
    if not answer:
        raise ValueError("empty answer")  # the form requires one
    _transition(session, question, (S.APPROVED,), seen_version, by, now, status=S.ANSWERED,
                answer_text=answer, answered_by=by, answer_published_at=now)
    if question.email:
        _queue_question_mail(session, question, "qa_answered")


def pin(session: Session, question: Question, by: str,
        seen_pinned_id: int | None = None, *, check_seen: bool = False) -> None:
    """Put ``question`` "on stage now", replacing the pinned one in the same UPDATE.

    With ``check_seen`` the pin only moves if the session still shows ``seen_pinned_id``.
    """
    conditions = [QASession.id == question.session_id,
                  exists().where(Question.id == question.id,
                                 Question.session_id == question.session_id,
                                 Question.status == S.APPROVED)]
    if check_seen:
        conditions.append(QASession.pinned_question_id.is_(None) if seen_pinned_id is None
                          else QASession.pinned_question_id == seen_pinned_id)
    changed = session.execute(update(QASession).where(*conditions)
                              .values(pinned_question_id=question.id,
                                      revision=QASession.revision + 1)
                              .execution_options(synchronize_session=False)).rowcount
    session.expire(question.qa_session, ["pinned_question_id"])
    if not changed:
        session.refresh(question)
        raise AlreadyModerated(question)


def unpin(session: Session, question: Question) -> None:
    """Take ``question`` off stage; nothing happens if another question is pinned by now."""
    _unpin_if_pinned(session, question)


def merge(session: Session, duplicate: Question, into: Question, by: str,
          seen_version: int | None = None) -> None:
    """Fold ``duplicate`` into ``into``: its voters count for the target, each participant once."""
    if duplicate.id == into.id or duplicate.session_id != into.session_id:
        raise WrongSession()
    with session.begin_nested():
        # Lock the target first: votes on it and other merges into it wait, so the recount is
        # exact. (Locking it after the duplicate deadlocks on PostgreSQL: merged_into_id's
        # foreign key takes a share lock on the target.)
        target_status = session.scalar(select(Question.status).where(Question.id == into.id)
                                       .with_for_update())
        if target_status not in (S.PENDING, S.APPROVED, S.ANSWERED):
            raise NotVotable()
        _transition(session, duplicate, (S.PENDING, S.APPROVED), seen_version, by,
                    status=S.MERGED, merged_into_id=into.id)
        _unpin_if_pinned(session, duplicate)
        mine = aliased(QuestionVote)
        session.execute(insert(QuestionVote).from_select(
            ["question_id", "participant_key", "created_at"],
            select(literal(into.id), QuestionVote.participant_key, QuestionVote.created_at)
            .where(QuestionVote.question_id == duplicate.id,
                   ~exists().where(and_(mine.question_id == into.id,
                                        mine.participant_key == QuestionVote.participant_key)))))
        session.execute(update(Question).where(Question.id == into.id).values(
            vote_count=select(func.count()).select_from(QuestionVote)
            .where(QuestionVote.question_id == into.id).scalar_subquery())
            .execution_options(synchronize_session=False))
        touch(session, into.session_id)
    session.refresh(into)


def edit(session: Session, question: Question, new_text: str, editor: str,
         seen_version: int | None = None) -> None:
    """Correct a typo; the old and the new text are kept for the moderators."""
    new_text = clean_text(new_text)
    old_text = question.text
    if new_text == old_text:
        return
    try:
        with session.begin_nested():
            _transition(session, question, (S.PENDING, S.APPROVED, S.ANSWERED, S.REJECTED),
                        seen_version, editor, text=new_text)
    except IntegrityError:
        raise DuplicateQuestion() from None  # the asker has another question with this text
    session.add(QuestionEdit(question_id=question.id, old_text=old_text, new_text=new_text,
                             editor=editor))
    session.flush()


# What each kind of mail to an asker says in its subject line; bodies are templates/mail/<kind>.*
SUBJECTS = {
    "qa_rejected": lambda title: _("About your question: %(title)s", title=title),
    "qa_answered": lambda title: _("Your question has been answered: %(title)s", title=title),
}


def _queue_question_mail(session: Session, question: Question, kind: str) -> None:
    """Tell the asker, in their language, what happened; once per question version."""
    item = question.qa_session.agenda_item
    with force_locale(question.locale or "da"):
        context = {"question": question, "item": item, "event": item.event}
        subject = SUBJECTS[kind](item.event.title)
        text = render_template(f"mail/{kind}.txt", **context)
        html = render_template(f"mail/{kind}.html", **context)
    enqueue(session, NewMail(
        idempotency_key=f"{kind}:{question.id}:{question.version}",
        kind=kind, to_address=question.email, subject=subject, body_text=text,
        body_html=html, event_id=item.event_id, registration_id=question.registration_id))
