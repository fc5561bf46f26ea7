"""The question box's inbox: one set of views, attached to every staff area that answers the box.

Organisers reach it under /organiser/box, the chair and vice-chair under /chair/box; each area's
blueprint keeps its own role check, and the pages link within the area they were opened in
(``request.blueprint``). Every change passes the version the person saw, so when two act at
once the second is told what happened instead of overwriting the first.
"""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from confapp.blueprints.inbox.forms import ActionForm, AnswerForm, AssignForm, TopicForm
from confapp.blueprints.site import current_site
from confapp.extensions import db
from confapp.models import BoxMessage, BoxStatus, User
from confapp.services import question_box
from confapp.services.question_box import OPEN_STATUSES, BoxError

STATUS_FILTERS = tuple(BoxStatus)


def _endpoint(name: str) -> str:
    return f"{request.blueprint}.{name}"


def _to_message(message: BoxMessage):
    return redirect(url_for(_endpoint("box_message"), message_id=message.id))


def _stale(form) -> bool:
    """A missing or tampered version: treated as "changed meanwhile", never as a crash."""
    if form.version.errors:
        flash(_("Someone else changed this message at the same time. Check it and try again."),
              "error")
        return True
    return False


def box_inbox():
    status = request.args.get("status", "")
    status = BoxStatus(status) if status in STATUS_FILTERS else None
    mine = request.args.get("mine") == "1"
    page = question_box.inbox(db.session, status=status,
                              assigned_to_id=current_user.id if mine else None,
                              page=request.args.get("page", 1, type=int))
    filter_args = {key: value for key, value in (("status", status and status.value),
                                                  ("mine", "1" if mine else None)) if value}
    return render_template("inbox/list.html", page=page, status=status, mine=mine,
                           counts=question_box.inbox_counts(db.session), filter_args=filter_args)


def _message_page(message: BoxMessage, answer_form: AnswerForm | None = None):
    if answer_form is None:
        answer_form = AnswerForm(formdata=None, reply_privately=bool(message.email),
                                 topic=message.topic)
    staff = question_box.assignable_staff(db.session)
    assign_form = AssignForm(formdata=None, assignee=str(message.assigned_to_id or ""))
    return render_template(
        "inbox/message.html", message=message,
        is_open=message.status in OPEN_STATUSES,
        answer_form=answer_form.seen(message),
        assign_form=assign_form.with_staff(staff).seen(message),
        topic_form=TopicForm(formdata=None, topic=message.topic).seen(message),
        action_form=ActionForm(formdata=None).seen(message))


def box_message(message_id: int):
    return _message_page(db.get_or_404(BoxMessage, message_id))


def box_answer(message_id: int):
    message = db.get_or_404(BoxMessage, message_id)
    try:
        question_box.ensure_open(message)
    except BoxError as error:  # answered or closed by someone else since the page was shown
        flash(str(error.message), "error")
        return _to_message(message)
    form = AnswerForm()
    if not form.validate_on_submit():
        if _stale(form):
            return _to_message(message)
        return _message_page(message, form)
    try:
        question_box.answer(
            db.session, message, form.answer.data, current_user._get_current_object(),
            reply_privately=form.reply_privately.data, publish=form.publish.data,
            topic=form.topic.data, base_url=current_site().base_url,
            expected_version=form.version.data)
    except BoxError as error:
        db.session.rollback()
        message = db.session.get(BoxMessage, message_id)
        field = getattr(error, "field", None)
        if field in ("answer", "topic", "reply_privately", "publish"):
            form[field].errors.append(error.message)
            return _message_page(message, form)
        # Someone else acted first: show the message as it is now, with what was typed kept.
        flash(str(error.message), "error")
        form.version.data, form.version.raw_data = message.version, [str(message.version)]
        return _message_page(message, form)
    db.session.commit()
    if message.status == BoxStatus.PUBLISHED:
        flash(_("The answer is published.") + (
            " " + _("The sender is mailed the answer.") if message.email else ""), "success")
    else:
        flash(_("The answer is sent to the sender by mail."), "success")
    return _to_message(message)


def _act(message_id: int, form, action, done: str):
    """A change that needs only the version seen: do it, or say why it could not be done."""
    message = db.get_or_404(BoxMessage, message_id)
    if form.validate_on_submit():
        try:
            action(message, form)
        except BoxError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            db.session.commit()
            flash(done, "success")
    elif not _stale(form):
        for errors in form.errors.values():
            flash(" ".join(str(e) for e in errors), "error")
    return _to_message(db.session.get(BoxMessage, message_id))


def box_assign(message_id: int):
    form = AssignForm().with_staff(question_box.assignable_staff(db.session))

    def assign(message, form):
        user = db.session.get(User, int(form.assignee.data)) if form.assignee.data else None
        question_box.assign(db.session, message, user, expected_version=form.version.data)

    return _act(message_id, form, assign, _("The assignment is saved."))


def box_topic(message_id: int):
    return _act(message_id, TopicForm(), lambda message, form: question_box.set_topic(
        db.session, message, form.topic.data, expected_version=form.version.data),
        _("The topic is saved."))


def box_publish(message_id: int):
    return _act(message_id, ActionForm(), lambda message, form: question_box.publish_answered(
        db.session, message, expected_version=form.version.data), _("The answer is published."))


def box_unpublish(message_id: int):
    return _act(message_id, ActionForm(), lambda message, form: question_box.unpublish(
        db.session, message, expected_version=form.version.data),
        _("The answer is no longer on the public page."))


def box_close(message_id: int):
    return _act(message_id, ActionForm(), lambda message, form: question_box.close_without_answer(
        db.session, message, expected_version=form.version.data),
        _("The message is closed without an answer."))


ROUTES = (
    ("/box", box_inbox, ("GET",)),
    ("/box/<int:message_id>", box_message, ("GET",)),
    ("/box/<int:message_id>/answer", box_answer, ("POST",)),
    ("/box/<int:message_id>/assign", box_assign, ("POST",)),
    ("/box/<int:message_id>/topic", box_topic, ("POST",)),
    ("/box/<int:message_id>/publish", box_publish, ("POST",)),
    ("/box/<int:message_id>/unpublish", box_unpublish, ("POST",)),
    ("/box/<int:message_id>/close", box_close, ("POST",)),
)


def attach(bp: Blueprint) -> None:
    """Add the inbox's pages to a staff area's blueprint (which decides who may see them)."""
    for rule, view, methods in ROUTES:
        bp.add_url_rule(rule, view.__name__, view, methods=list(methods))
