"""Organiser pages: events and their agendas."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from confapp.auth import restrict_blueprint
from confapp.blueprints.organiser.forms import AgendaItemForm, EventForm
from confapp.blueprints.site import current_site
from confapp.extensions import db
from confapp.models import AgendaItem, Event, Role
from confapp.services import events as event_service
from confapp.services.events import InvalidInput
from confapp.timezones import to_form_value

bp = Blueprint("organiser", __name__, url_prefix="/organiser")
restrict_blueprint(bp, Role.ORGANISER, Role.ADMINISTRATOR)


def _show_errors(form, error: InvalidInput) -> None:
    for field, message in error.errors.items():
        getattr(form, field).errors.append(message)


def _fill_times(form, obj) -> None:
    """Show stored UTC moments as Copenhagen wall-clock time in the form."""
    for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
        if hasattr(form, name) and hasattr(obj, name):
            getattr(form, name).data = to_form_value(getattr(obj, name))


@bp.get("/")
def events():
    return render_template("organiser/events.html", events=event_service.all_events(db.session))


@bp.route("/events/new", methods=["GET", "POST"])
def new_event():
    form = EventForm()
    if form.validate_on_submit():
        try:
            event = event_service.create_event(db.session, form.to_input())
        except InvalidInput as error:
            _show_errors(form, error)
        else:
            db.session.commit()
            flash(_("The event was created. Add agenda items, then publish it."), "success")
            return redirect(url_for("organiser.event", event_id=event.id))
    return render_template("organiser/event_form.html", form=form, event=None)


@bp.get("/events/<int:event_id>")
def event(event_id: int):
    event = db.get_or_404(Event, event_id)
    return render_template("organiser/event.html", event=event)


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
def edit_event(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = EventForm(obj=event)
    if not form.is_submitted():
        _fill_times(form, event)
    if form.validate_on_submit():
        current_site()  # raising the capacity may promote people, who are mailed
        try:
            event_service.update_event(db.session, event, form.to_input())
        except InvalidInput as error:
            db.session.rollback()
            _show_errors(form, error)
        else:
            db.session.commit()
            flash(_("The event was saved."), "success")
            return redirect(url_for("organiser.event", event_id=event.id))
    return render_template("organiser/event_form.html", form=form, event=event)


@bp.post("/events/<int:event_id>/publish")
def publish_event(event_id: int):
    event = db.get_or_404(Event, event_id)
    event_service.set_published(db.session, event, not event.published)
    db.session.commit()
    flash(_("The event is published.") if event.published else _("The event is no longer published."),
          "success")
    return redirect(url_for("organiser.event", event_id=event.id))


@bp.route("/events/<int:event_id>/agenda/new", methods=["GET", "POST"])
def new_agenda_item(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = AgendaItemForm()
    if not form.is_submitted():
        form.starts_at.data = to_form_value(event.starts_at)
        form.ends_at.data = to_form_value(event.starts_at)
    if form.validate_on_submit():
        try:
            event_service.add_agenda_item(db.session, event, form.to_input())
        except InvalidInput as error:
            db.session.rollback()
            _show_errors(form, error)
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
        _fill_times(form, item)
    if form.validate_on_submit():
        try:
            event_service.update_agenda_item(db.session, item, form.to_input())
        except InvalidInput as error:
            db.session.rollback()
            _show_errors(form, error)
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


# The per-event areas attach their routes to this blueprint.
from confapp.blueprints.organiser import printing, registrations  # noqa: F401
