"""Organiser pages for an event's agenda items."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from confapp.blueprints.organiser import bp
from confapp.blueprints.organiser.events import fill_times, show_errors
from confapp.blueprints.organiser.forms import AgendaItemForm
from confapp.extensions import db
from confapp.models import AgendaItem, Event
from confapp.services import events as event_service
from confapp.services import qa
from confapp.services.events import InvalidInput
from confapp.timezones import to_form_value


@bp.route("/events/<int:event_id>/agenda/new", methods=["GET", "POST"])
def new_agenda_item(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = AgendaItemForm()
    if not form.is_submitted():
        form.starts_at.data = to_form_value(event.starts_at)
        form.ends_at.data = to_form_value(event.starts_at)
    if form.validate_on_submit():
        try:
            item = event_service.add_agenda_item(db.session, event, form.to_input())
            if qa.default_enabled(item):  # a Q&A slot takes questions from the start
                qa.enable_qa(db.session, item)
        except InvalidInput as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("The agenda item was added."), "success")
            return redirect(url_for("organiser.event", event_id=event.id, _anchor="agenda"))
    return render_template("organiser/agenda_item_form.html", form=form, event=event, item=None)


def _item_of(event_id: int, item_id: int) -> AgendaItem:
    item = db.get_or_404(AgendaItem, item_id)
    if item.event_id != event_id:
        abort(404)
    return item


@bp.route("/events/<int:event_id>/agenda/<int:item_id>/edit", methods=["GET", "POST"])
def edit_agenda_item(event_id: int, item_id: int):
    item = _item_of(event_id, item_id)
    form = AgendaItemForm(obj=item)
    if not form.is_submitted():
        fill_times(form, item)
    if form.validate_on_submit():
        try:
            event_service.update_agenda_item(db.session, item, form.to_input())
            if qa.default_enabled(item):  # made a Q&A slot: it takes questions (kept if it did)
                qa.enable_qa(db.session, item)
        except InvalidInput as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("The agenda item was saved."), "success")
            return redirect(url_for("organiser.event", event_id=event_id, _anchor="agenda"))
    return render_template("organiser/agenda_item_form.html", form=form, event=item.event, item=item)


@bp.post("/events/<int:event_id>/agenda/<int:item_id>/delete")
def delete_agenda_item(event_id: int, item_id: int):
    item = _item_of(event_id, item_id)
    event_service.delete_agenda_item(db.session, item)
    db.session.commit()
    flash(_("The agenda item was deleted."), "success")
    return redirect(url_for("organiser.event", event_id=event_id, _anchor="agenda"))


@bp.post("/events/<int:event_id>/agenda/<int:item_id>/move/<direction>")
def move_agenda_item(event_id: int, item_id: int, direction: str):
    item = _item_of(event_id, item_id)
    if direction not in ("up", "down"):
        abort(400)
    event_service.move_agenda_item(db.session, item, -1 if direction == "up" else 1)
    db.session.commit()
    return redirect(url_for("organiser.event", event_id=event_id, _anchor=f"item-{item.id}"))


@bp.post("/events/<int:event_id>/agenda/sort")
def sort_agenda(event_id: int):
    event = db.get_or_404(Event, event_id)
    event_service.sort_agenda_by_time(db.session, event)
    db.session.commit()
    flash(_("The agenda is now in time order."), "success")
    return redirect(url_for("organiser.event", event_id=event_id, _anchor="agenda"))
