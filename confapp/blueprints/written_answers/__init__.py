"""Written answers to Q&A questions not reached on stage: "the organiser or the chair writes
the answer and publishes it". The page is written once here and shown in the organisers' area
(per event, on the Q&A tab) and in the chair's area (every session waiting for answers)."""

from dataclasses import dataclass, field

from flask import flash, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, select

from confapp.blueprints.site import current_site
from confapp.blueprints.written_answers.forms import written_answers_form
from confapp.extensions import db
from confapp.models import AgendaItem, QASession, Question, QuestionStatus
from confapp.models.base import utcnow
from confapp.services import qa
from confapp.services.qa.sessions import session_state

CLOSED = ("closed", "stopped")


@dataclass
class AnswersPage:
    """What the page shows, and whether a POST published everything it was asked to."""

    qa_session: QASession
    state: str
    questions: list[Question]
    form: object
    conflicts: list = field(default_factory=list)
    form_error: str | None = None
    answered: list[Question] = field(default_factory=list)
    done: bool = False


def _publish(form, questions: list[Question], chosen: str) -> tuple[int, list]:
    """Publish the filled answers (all, or the one whose button was pressed); returns how many
    were published and the conflicts (questions someone else changed meanwhile)."""
    published, conflicts = 0, []
    by = current_user.name or current_user.email
    current_site()  # the askers are mailed
    for question in questions:
        if chosen != "all" and str(question.id) != chosen:
            continue
        box = form[f"answer_{question.id}"]
        answer = (box.data or "").strip()
        if not answer:
            if chosen != "all":
                box.errors.append(_("Write an answer before you publish it."))
            continue
        try:
            qa.publish_written_answer(db.session, question, answer, by, utcnow(),
                                      form[f"version_{question.id}"].data)
        except qa.AlreadyModerated as conflict:
            conflicts.append(conflict)
        else:
            published += 1
    return published, conflicts


def answers_page(qa_session: QASession) -> AnswersPage:
    """Show, or on POST publish, the written answers of ``qa_session`` (one transaction)."""
    state = session_state(qa_session, utcnow())
    questions = qa.awaiting_written_answer(db.session, qa_session)
    page = AnswersPage(qa_session, state, questions, written_answers_form(questions))
    form = page.form
    if form.is_submitted():
        if state not in CLOSED:
            page.form_error = _("The session still takes questions. Stop new questions first, "
                                "or write the answers once it has closed.")
        elif form.validate():
            published, page.conflicts = _publish(form, questions,
                                                 request.form.get("publish", "all"))
            box_errors = any(form[f"answer_{q.id}"].errors for q in questions)
            db.session.commit()
            if published:
                flash(ngettext("%(num)d written answer was published.",
                               "%(num)d written answers were published.", published), "success")
                page.done = not page.conflicts and not box_errors
            elif not page.conflicts and not box_errors:
                page.form_error = _("Write at least one answer before you publish.")
            page.questions = qa.awaiting_written_answer(db.session, qa_session)
        else:
            for name, errors in form.errors.items():
                if name.startswith("version_"):  # a hidden field: shown at its answer box
                    form[name.replace("version_", "answer_")].errors.extend(errors)
                elif name == "csrf_token":
                    page.form_error = " ".join(errors)
    page.answered = list(db.session.scalars(select(Question).where(
        Question.session_id == qa_session.id, Question.answer_published_at.is_not(None))
        .order_by(Question.answer_published_at.desc(), Question.id.desc())))
    return page


@dataclass(frozen=True)
class Waiting:
    qa_session: QASession
    state: str
    count: int  # approved questions without an answer


def sessions_waiting() -> list[Waiting]:
    """Every session that has approved questions not answered on stage, the most recent
    first: those closed or stopped can be answered now, the others once they close."""
    rows = db.session.execute(
        select(QASession, func.count(Question.id))
        .join(Question, Question.session_id == QASession.id)
        .join(QASession.agenda_item)
        .where(Question.status == QuestionStatus.APPROVED)
        .group_by(QASession.id, AgendaItem.id)
        .order_by(AgendaItem.starts_at.desc(), QASession.id))
    now = utcnow()
    return [Waiting(qa_session, session_state(qa_session, now), count)
            for qa_session, count in rows]
