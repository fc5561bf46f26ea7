"""Organiser pages for events: the dashboard, creating, editing, copying and publishing."""

from datetime import timedelta

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from confapp.blueprints.organiser import bp
from confapp.blueprints.organiser.forms import CopyEventForm, EventForm
from confapp.blueprints.site import current_site
from confapp.extensions import db
from confapp.models import Event
from confapp.services import events as event_service
from confapp.services import overview
from confapp.services.events import InvalidInput
from confapp.timezones import to_form_value, utc_to_local


def show_errors(form, error: InvalidInput) -> None:
    for field, message in error.errors.items():
        getattr(form, field).errors.append(message)


def fill_times(form, obj) -> None:
    """Show stored UTC moments as Copenhagen wall-clock time in the form."""
    for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
        if hasattr(form, name) and hasattr(obj, name):
            getattr(form, name).data = to_form_value(getattr(obj, name))


@bp.get("/")
def events():
    return render_template("organiser/events.html", dashboard=overview.dashboard(db.session))


@bp.route("/events/new", methods=["GET", "POST"])
def new_event():
    form = EventForm()
    if form.validate_on_submit():
        try:
            event = event_service.create_event(db.session, form.to_input())
        except InvalidInput as error:
            show_errors(form, error)
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
        fill_times(form, event)
    if form.validate_on_submit():
        current_site()  # raising the capacity may promote people, who are mailed
        try:
            event_service.update_event(db.session, event, form.to_input())
        except InvalidInput as error:
            db.session.rollback()
            show_errors(form, error)
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


@bp.route("/events/<int:event_id>/copy", methods=["GET", "POST"])
def copy_event(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = CopyEventForm()
    if not form.is_submitted():
        # Suggest the same weekday a year on: a yearly conference keeps its day of the week.
        form.starts_on.data = utc_to_local(event.starts_at).date() + timedelta(weeks=52)
        form.title.data = event.title
    if form.validate_on_submit():
        try:
            copy = event_service.copy_event(db.session, event, form.starts_on.data,
                                            form.title.data or "")
        except InvalidInput as error:
            db.session.rollback()
            form.starts_on.errors.extend(error.errors.values())
        else:
            db.session.commit()
            flash(_("The copy was made as a draft, with the agenda moved to the new date. Check "
                    "it, then publish it."), "success")
            return redirect(url_for("organiser.event", event_id=copy.id))
    return render_template("organiser/event_copy.html", form=form, event=event)
