"""The check-in desk: scan tickets, find people by name, undo, walk-ins, live counter.

Made for a laptop with a USB scanner (it types the code and presses Enter) and
for a phone (camera scanning where the browser has BarcodeDetector). Every page
works without JavaScript; with it, scans are sent without reloading the page.
"""

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from confapp.auth import restrict_blueprint
from confapp.blueprints.attendee.forms import registration_form
from confapp.blueprints.checkin.forms import ScanForm
from confapp.blueprints.site import current_site, registration_of_event
from confapp.extensions import db
from confapp.models import Event, Role
from confapp.services import checkin
from confapp.services.checkin import Outcome
from confapp.services.registration import AlreadyRegistered, RegistrationError
from confapp.templating import time_text
from confapp.text_rules import clean_line

bp = Blueprint("checkin", __name__, url_prefix="/checkin")
restrict_blueprint(bp, Role.ORGANISER, Role.ADMINISTRATOR)

HEADLINES = {
    Outcome.CHECKED_IN: lambda: _("Checked in"),
    Outcome.ALREADY: lambda: _("Already checked in"),
    Outcome.WAITLISTED: lambda: _("On the waiting list – no seat"),
    Outcome.CANCELLED: lambda: _("Registration cancelled"),
    Outcome.INVALID: lambda: _("Invalid ticket"),
    Outcome.OTHER_EVENT: lambda: _("Ticket for another event"),
}


def _event(event_id: int) -> Event:
    return db.get_or_404(Event, event_id)


def _wants_json() -> bool:
    """The desk's script asks for JSON; a browser without it gets the page."""
    return request.accept_mimetypes.best == "application/json"


def _counts_view(event: Event) -> dict:
    checked_in, confirmed = checkin.counts(db.session, event)
    return {"checked_in": checked_in, "confirmed": confirmed}


def _result_view(result: checkin.CheckinResult) -> dict:
    """What the desk shows: a big headline and the facts the person at the door needs."""
    registration = result.registration
    view = {"outcome": result.outcome.value, "headline": HEADLINES[result.outcome]()}
    if registration is not None and result.outcome != Outcome.INVALID:
        view.update(name=registration.name, organisation=registration.organisation,
                    workshops=", ".join(w.title for w in registration.workshops),
                    registration_id=registration.id)
        if result.outcome in (Outcome.CHECKED_IN, Outcome.ALREADY):
            view["undo_url"] = url_for("checkin.undo", event_id=registration.event_id,
                                       registration_id=registration.id)
    if result.outcome == Outcome.ALREADY and result.checked_in_at:
        view["detail"] = _("at %(time)s", time=time_text(result.checked_in_at))
    return view


def _desk(event: Event, form: ScanForm, result: dict | None = None, status: int = 200):
    query = clean_line(request.args.get("q", ""))[:200]
    checked_in, confirmed = checkin.counts(db.session, event)
    return render_template("checkin/desk.html", event=event, form=form, result=result,
                           checked_in=checked_in, confirmed=confirmed,
                           query=query, matches=checkin.search(db.session, event, query)), status


@bp.get("/<int:event_id>")
def desk(event_id: int):
    return _desk(_event(event_id), ScanForm())


@bp.post("/<int:event_id>/scan")
def scan(event_id: int):
    event = _event(event_id)
    form = ScanForm()
    wants_json = _wants_json()
    if not form.validate_on_submit():
        if wants_json:
            return jsonify(outcome="invalid", headline=_("Scan a ticket first.")), 400
        return _desk(event, form, status=400)
    result = checkin.check_in_by_ticket(db.session, event, form.payload.data,
                                        current_app.secret_key, actor=current_user.email)
    db.session.commit()
    view = _result_view(result)
    if wants_json:
        return jsonify(**view, **_counts_view(event))
    return _desk(event, ScanForm(formdata=None), view)


@bp.post("/<int:event_id>/registrations/<int:registration_id>/check-in")
def check_in_by_name(event_id: int, registration_id: int):
    event = _event(event_id)
    result = checkin.check_in(db.session, registration_of_event(event.id, registration_id),
                              actor=current_user.email)
    db.session.commit()
    return _desk(event, ScanForm(formdata=None), _result_view(result))


@bp.post("/<int:event_id>/registrations/<int:registration_id>/undo")
def undo(event_id: int, registration_id: int):
    event = _event(event_id)
    registration = registration_of_event(event.id, registration_id)
    try:
        checkin.undo(db.session, registration, actor=current_user.email)
    except checkin.NotCheckedIn:
        db.session.rollback()
        outcome, category = "not_checked_in", "error"
        message = _("%(name)s is not checked in, so there is nothing to undo.",
                    name=registration.name)
    else:
        db.session.commit()
        outcome, category = "undone", "success"
        message = _("The check-in of %(name)s was undone.", name=registration.name)
    if _wants_json():  # the desk's script shows it in the result area, without a reload
        return jsonify(outcome=outcome, headline=message,
                       **_counts_view(event)), 200 if outcome == "undone" else 409
    flash(message, category)
    return redirect(url_for("checkin.desk", event_id=event.id))


@bp.get("/<int:event_id>/counts.json")
def counts(event_id: int):
    return jsonify(**_counts_view(_event(event_id)))


@bp.route("/<int:event_id>/walk-in", methods=["GET", "POST"])
def walk_in(event_id: int):
    event = _event(event_id)
    form = registration_form(event)
    if form.validate_on_submit():
        current_site()
        try:
            result = checkin.walk_in(db.session, event, form.to_input(str(get_locale())),
                                     actor=current_user.email)
        except AlreadyRegistered:
            db.session.rollback()
            form.email.errors.append(_("This address is already registered. Find the person by "
                                       "name on the desk instead."))
        except checkin.NoSeatsLeft:
            db.session.rollback()
            flash(_("There are no seats left, so the person cannot be added."), "error")
        except RegistrationError as error:
            db.session.rollback()
            target = form.workshop_fields[0] if form.workshop_fields else form.email
            target.errors.append(error.message if hasattr(error, "message") else str(error))
        else:
            db.session.commit()
            return _desk(event, ScanForm(formdata=None), _result_view(result))
    return render_template("checkin/walk_in.html", event=event, form=form)
