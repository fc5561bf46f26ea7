"""Organiser pages for Q&A: turning it on per agenda item, the moderation queue, written answers,
the poster and the exports. The rules are in confapp/services/qa/; these views read the form,
call a service, commit and respond."""


from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from confapp.blueprints.organiser import bp
from confapp.blueprints.organiser.qa_forms import (
    AUDIENCE_LABELS,
    QA_STATUS_LABELS,
    MergeForm,
    ModerationForm,
    QASettingsForm,
    written_answers_form,
)
from confapp.blueprints.organiser.registrations import attachment
from confapp.blueprints.site import current_site
from confapp.extensions import db
from confapp.models import AgendaItem, Event, QAAudience, QASession, Question, QuestionStatus
from confapp.models.base import utcnow
from confapp.services import exports, qa
from confapp.services.qa import exports as qa_exports
from confapp.services.qa.sessions import session_state
from confapp.templating import CATEGORY_LABELS, datetime_text, time_range_text
from confapp.timezones import to_form_value

S = QuestionStatus
EXPORT_FORMATS = "any(csv, xlsx, pdf)"
# The public pages (confapp/blueprints/qa/): their endpoints, and the paths they have if that
# blueprint is not registered (the organiser's links and the poster do not depend on it).
PUBLIC_ENDPOINTS = {"join": "qa.join", "session": "qa.session", "screen": "qa.screen"}


@bp.context_processor
def qa_labels() -> dict:
    return {"qa_status": lambda status: QA_STATUS_LABELS.get(QuestionStatus(status), status)}


# --- Looking things up ------------------------------------------------------------------------


def _item_of(event_id: int, item_id: int) -> AgendaItem:
    item = db.get_or_404(AgendaItem, item_id)
    if item.event_id != event_id:
        abort(404)
    return item


def _session_of(item: AgendaItem) -> QASession | None:
    return db.session.scalar(select(QASession).where(QASession.agenda_item_id == item.id))


def _qa_of(event_id: int, item_id: int) -> QASession:
    """The item's Q&A session, or 404 when the item is not this event's or has no Q&A."""
    qa_session = _session_of(_item_of(event_id, item_id))
    if qa_session is None:
        abort(404)
    return qa_session


def _question_of(qa_session: QASession, question_id: int) -> Question:
    question = db.get_or_404(Question, question_id)
    if question.session_id != qa_session.id:
        abort(404)
    return question


def _moderator() -> str:
    return current_user.email


def _public_link(kind: str, code: str, session_id: int | None = None) -> str:
    """An absolute link to a public Q&A page, on the configured public address."""
    values = {"code": code} if session_id is None else {"code": code, "session_id": session_id}
    endpoint = PUBLIC_ENDPOINTS[kind]
    if endpoint in current_app.view_functions:
        return current_app.config["PUBLIC_BASE_URL"] + url_for(endpoint, **values)
    path = f"/q/{code}" + (f"/{session_id}" if session_id is not None else "") \
        + ("/screen" if kind == "screen" else "")
    return current_app.config["PUBLIC_BASE_URL"] + path


def join_url(event: Event) -> str | None:
    return _public_link("join", event.qa_code) if event.qa_code else None


# --- The event's Q&A page and each session's settings -----------------------------------------


@bp.get("/events/<int:event_id>/qa")
def qa_overview(event_id: int):
    event = db.get_or_404(Event, event_id)
    sessions = {s.agenda_item_id: s for s in qa_exports.event_sessions(db.session, event)}
    now = utcnow()
    rows = [(item, sessions.get(item.id),
             qa.status_counts(db.session, sessions[item.id]) if item.id in sessions else None,
             session_state(sessions[item.id], now) if item.id in sessions else None)
            for item in event.agenda_items]
    return render_template("organiser/qa/overview.html", event=event, rows=rows,
                           join_url=join_url(event), default_enabled=qa.default_enabled)


def _settings_page(item: AgendaItem, qa_session: QASession | None, form: QASettingsForm):
    return render_template("organiser/qa/settings.html", event=item.event, item=item,
                           qa_session=qa_session, form=form)


@bp.route("/events/<int:event_id>/qa/<int:item_id>/settings", methods=["GET", "POST"])
def qa_settings(event_id: int, item_id: int):
    item = _item_of(event_id, item_id)
    qa_session = _session_of(item)
    form = QASettingsForm()
    if not form.is_submitted():
        current = qa_session or qa.QASettings()
        form.opens_at.data = to_form_value(current.opens_at)
        form.closes_at.data = to_form_value(current.closes_at)
        form.premoderated.data = current.premoderated
        form.anonymous_allowed.data = current.anonymous_allowed
        form.audience.data = QAAudience(current.audience).value
    if form.validate_on_submit():
        try:
            if qa_session is None:
                qa_session = qa.enable_qa(db.session, item, form.to_settings())
                message = _("Questions are turned on for this agenda item.")
            else:
                qa.update_settings(db.session, qa_session, form.to_settings())
                message = _("The Q&A settings were saved.")
        except qa.InvalidWindow as error:
            db.session.rollback()
            form.closes_at.errors.append(str(error.message))
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("organiser.qa_queue", event_id=event_id, item_id=item.id))
    return _settings_page(item, qa_session, form)


@bp.post("/events/<int:event_id>/qa/<int:item_id>/stop")
def qa_stop(event_id: int, item_id: int):
    qa_session = _qa_of(event_id, item_id)
    qa.stop(db.session, qa_session)
    db.session.commit()
    flash(_("New questions are stopped. Voting goes on."), "success")
    return redirect(url_for("organiser.qa_queue", event_id=event_id, item_id=item_id))


@bp.post("/events/<int:event_id>/qa/<int:item_id>/reopen")
def qa_reopen(event_id: int, item_id: int):
    qa_session = _qa_of(event_id, item_id)
    qa.reopen(db.session, qa_session)
    db.session.commit()
    if qa.is_open(qa_session, utcnow()):
        flash(_("The session takes new questions again."), "success")
    else:
        flash(_("The stop is lifted, but the session does not take questions now: see when "
                "questions open and close."), "success")
    return redirect(url_for("organiser.qa_queue", event_id=event_id, item_id=item_id))


# --- The moderation queue ---------------------------------------------------------------------


def _status_filter() -> QuestionStatus | None:
    value = request.args.get("status", "")
    return QuestionStatus(value) if value in QuestionStatus._value2member_map_ else None


def _queue_page(qa_session: QASession, *, failed: Question | None = None,
                failed_form: ModerationForm | None = None,
                conflict: qa.AlreadyModerated | None = None) -> str:
    """The queue; after a refused or overtaken action with the form or what happened shown
    (200, as every re-shown form: the page itself is fine)."""
    item = qa_session.agenda_item
    event = item.event
    shown = _status_filter()
    code = event.qa_code
    return render_template(
        "organiser/qa/queue.html", event=event, item=item, qa_session=qa_session,
        questions=qa.moderation_queue(db.session, qa_session, shown), shown=shown,
        counts=qa.status_counts(db.session, qa_session),
        breakdown=qa.category_breakdown(db.session, qa_session),
        state=session_state(qa_session, utcnow()), closes_at=qa.closes_at(qa_session),
        blank_form=ModerationForm(formdata=None), failed=failed, failed_form=failed_form,
        conflict=conflict, join_url=join_url(event),
        # An error in a hidden field, or in a box the question does not show, stands on top.
        form_incomplete=bool(failed_form and failed_form.errors.keys() - _boxes(failed)),
        participants_url=_public_link("session", code, qa_session.id) if code else None,
        screen_url=_public_link("screen", code, qa_session.id) if code else None,
        audience_labels=AUDIENCE_LABELS)


def _boxes(question: Question | None) -> set[str]:
    """The text boxes the queue shows for ``question`` (queue.html): errors stand next to them."""
    if question is None:
        return set()
    return ({"reason"} if question.status in (S.PENDING, S.APPROVED) else set()) | (
        {"text"} if question.status != S.MERGED else set())


@bp.get("/events/<int:event_id>/qa/<int:item_id>")
def qa_queue(event_id: int, item_id: int):
    return _queue_page(_qa_of(event_id, item_id))


def _back_to_queue(qa_session: QASession, question: Question):
    return redirect(url_for("organiser.qa_queue", event_id=qa_session.agenda_item.event_id,
                            item_id=qa_session.agenda_item_id, status=request.args.get("status"),
                            _anchor=f"question-{question.id}"))


DONE_MESSAGES = {
    "approve": lambda: _("The question is approved and shown to everyone."),
    "reject": lambda: _("The question is rejected."),
    "answer": lambda: _("The question is marked as answered."),
    "pin": lambda: _("The question is on stage now."),
    "unpin": lambda: _("The question is no longer on stage."),
    "edit": lambda: _("The question text was saved. The original is kept in its edit history."),
}


@bp.post("/events/<int:event_id>/qa/<int:item_id>/questions/<int:question_id>")
def qa_moderate(event_id: int, item_id: int, question_id: int):
    qa_session = _qa_of(event_id, item_id)
    question = _question_of(qa_session, question_id)
    form = ModerationForm()
    if not form.validate():
        return _queue_page(qa_session, failed=question, failed_form=form)
    action, seen, by = form.action.data, form.seen_version.data, _moderator()
    current_site()  # rejecting and answering may mail the asker
    try:
        if action == "approve":
            qa.approve(db.session, question, by, seen)
        elif action == "reject":
            qa.reject(db.session, question, form.reason.data or "", by, seen)
        elif action == "answer":
            qa.mark_answered(db.session, question, by, seen)
        elif action == "pin":
            if question.version != seen:
                raise qa.AlreadyModerated(question)
            qa.pin(db.session, question, by)
        elif action == "unpin":
            qa.unpin(db.session, question)
        else:
            qa.edit(db.session, question, form.text.data, by, seen)
    except qa.AlreadyModerated as conflict:
        db.session.rollback()
        return _queue_page(qa_session, conflict=conflict)
    except qa.QAError as error:  # an edit that is too short, too long or a duplicate
        db.session.rollback()
        form.text.errors.append(str(error.message))
        return _queue_page(qa_session, failed=question, failed_form=form)
    db.session.commit()
    flash(DONE_MESSAGES[action](), "success")
    return _back_to_queue(qa_session, question)


MERGEABLE = (S.PENDING, S.APPROVED)
MERGE_TARGETS = (S.PENDING, S.APPROVED, S.ANSWERED)


def _merge_form(qa_session: QASession, question: Question) -> MergeForm:
    form = MergeForm()
    targets = [q for q in qa.moderation_queue(db.session, qa_session)
               if q.id != question.id and q.status in MERGE_TARGETS]
    form.into.choices = [("", _("Choose a question"))] + [
        (str(q.id), _("No. %(id)d (%(status)s, %(votes)d votes): %(text)s", id=q.id,
                      status=QA_STATUS_LABELS[q.status], votes=q.vote_count,
                      text=q.text if len(q.text) <= 120 else q.text[:119] + "…"))
        for q in targets]
    if not form.is_submitted():
        form.seen_version.data = question.version
    return form


@bp.route("/events/<int:event_id>/qa/<int:item_id>/questions/<int:question_id>/merge",
          methods=["GET", "POST"])
def qa_merge(event_id: int, item_id: int, question_id: int):
    qa_session = _qa_of(event_id, item_id)
    question = _question_of(qa_session, question_id)
    form = _merge_form(qa_session, question)
    if question.status in MERGEABLE and form.validate_on_submit():
        into = _question_of(qa_session, int(form.into.data))
        try:
            qa.merge(db.session, question, into, _moderator(), form.seen_version.data)
        except qa.AlreadyModerated as conflict:
            db.session.rollback()
            return _queue_page(qa_session, conflict=conflict)
        except (qa.NotVotable, qa.WrongSession) as error:
            db.session.rollback()
            form.into.errors.append(str(error.message))
        else:
            db.session.commit()
            flash(_("The question was merged into no. %(id)d; its votes were carried over.",
                    id=into.id), "success")
            return _back_to_queue(qa_session, into)
    return render_template("organiser/qa/merge.html", event=qa_session.agenda_item.event,
                           item=qa_session.agenda_item, qa_session=qa_session, question=question,
                           form=form, mergeable=question.status in MERGEABLE)


# --- Written answers after the event ----------------------------------------------------------

CLOSED = ("closed", "stopped")


def _publish_answers(form, questions: list[Question], chosen: str) -> tuple[int, list]:
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


@bp.route("/events/<int:event_id>/qa/<int:item_id>/answers", methods=["GET", "POST"])
def qa_answers(event_id: int, item_id: int):
    qa_session = _qa_of(event_id, item_id)
    state = session_state(qa_session, utcnow())
    questions = qa.awaiting_written_answer(db.session, qa_session)
    form = written_answers_form(questions)
    conflicts, form_error = [], None
    if form.is_submitted():
        if state not in CLOSED:
            form_error = _("The session still takes questions. Stop new questions first, or "
                           "write the answers once it has closed.")
        elif form.validate():
            published, conflicts = _publish_answers(form, questions,
                                                    request.form.get("publish", "all"))
            box_errors = any(form[f"answer_{q.id}"].errors for q in questions)
            db.session.commit()
            if published:
                flash(ngettext("%(num)d written answer was published.",
                               "%(num)d written answers were published.", published), "success")
                if not conflicts and not box_errors:
                    return redirect(url_for("organiser.qa_answers", event_id=event_id,
                                            item_id=item_id))
            elif not conflicts and not box_errors:
                form_error = _("Write at least one answer before you publish.")
            questions = qa.awaiting_written_answer(db.session, qa_session)
        else:
            for name, errors in form.errors.items():
                if name.startswith("version_"):  # a hidden field: shown at its answer box
                    form[name.replace("version_", "answer_")].errors.extend(errors)
                elif name == "csrf_token":
                    form_error = " ".join(errors)
    answered = list(db.session.scalars(select(Question).where(
        Question.session_id == qa_session.id, Question.answer_published_at.is_not(None))
        .order_by(Question.answer_published_at.desc(), Question.id.desc())))
    return render_template("organiser/qa/answers.html", event=qa_session.agenda_item.event,
                           item=qa_session.agenda_item, qa_session=qa_session, state=state,
                           questions=questions, form=form, conflicts=conflicts,
                           form_error=form_error, answered=answered)


# --- Poster and exports -----------------------------------------------------------------------


@bp.get("/events/<int:event_id>/qa/poster.pdf")
def qa_poster(event_id: int):
    event = db.get_or_404(Event, event_id)
    if not event.qa_code:
        flash(_("Turn questions on for an agenda item first: then the event gets its join "
                "code."), "error")
        return redirect(url_for("organiser.qa_overview", event_id=event.id))
    from confapp.pdf.qa_poster import PosterData, render_poster

    pdf = render_poster(PosterData(
        event_title=event.title, heading=_("Ask your questions"),
        instruction=_("Scan the code with your phone, or go to"), join_url=join_url(event),
        code_label=_("and enter the code"), code=event.qa_code), lang=str(get_locale()))
    return attachment(pdf, "application/pdf", _("qa-poster-%(id)d.pdf", id=event.id))


def _export_headers() -> list[str]:
    return [_("Session"), _("Question"), _("Asker"), _("Group"), _("Status"), _("Votes"),
            _("Asked at"), _("Answer")]


def _export(event: Event, sessions: list[QASession], fmt: str, name: str, subtitle: str):
    rows = qa_exports.question_rows(db.session, sessions, status_labels=QA_STATUS_LABELS,
                                    category_labels=CATEGORY_LABELS, anonymous=_("Anonymous"))
    if fmt == "pdf":
        from confapp.pdf.qa_questions import QuestionLine, QuestionListLabels, render_questions

        lines = [QuestionLine(session=r.session, question=r.question, asker=r.asker,
                              category=r.category, status=r.status, votes=str(r.votes),
                              created=datetime_text(r.created), answer=r.answer) for r in rows]
        headers = _export_headers()
        labels = QuestionListLabels(
            title=_("Questions"), question=headers[1], asker=headers[2], category=headers[3],
            status=headers[4], votes=headers[5], created=headers[6], answer=headers[7],
            page=_("Page {page} of {pages}"), empty=_("No questions yet."))
        pdf = render_questions(event.title, subtitle, lines, labels, lang=str(get_locale()))
        return attachment(pdf, "application/pdf", f"{name}.pdf")
    cells = [[*r.cells()[:6], to_form_value(r.created), r.answer] for r in rows]
    if fmt == "csv":
        return attachment(exports.to_csv(_export_headers(), cells), "text/csv", f"{name}.csv")
    return attachment(
        exports.to_xlsx(_export_headers(), cells, sheet_title=_("Questions")),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", f"{name}.xlsx")


@bp.get(f"/events/<int:event_id>/qa/questions.<{EXPORT_FORMATS}:fmt>")
def qa_event_export(event_id: int, fmt: str):
    event = db.get_or_404(Event, event_id)
    return _export(event, qa_exports.event_sessions(db.session, event), fmt,
                   _("questions-%(id)d", id=event.id),
                   time_range_text(event.starts_at, event.ends_at))


@bp.get(f"/events/<int:event_id>/qa/<int:item_id>/questions.<{EXPORT_FORMATS}:fmt>")
def qa_session_export(event_id: int, item_id: int, fmt: str):
    qa_session = _qa_of(event_id, item_id)
    item = qa_session.agenda_item
    return _export(item.event, [qa_session], fmt,
                   _("questions-%(id)d-%(item)d", id=item.event_id, item=item.id),
                   f"{item.title} · {time_range_text(item.starts_at, item.ends_at)}")
