"""Attendees (no account): register, then see, change or cancel through the personal link."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _

from confapp.blueprints.attendee.forms import CancelForm, registration_form
from confapp.blueprints.site import current_site, public_url
from confapp.extensions import db, limiter
from confapp.models import Event, RegistrationStatus
from confapp.services import registration as registrations
from confapp.services import tokens, waitlist
from confapp.services.calendar import event_ics
from confapp.services.registration import AlreadyRegistered, RegistrationError, WorkshopProblem
from confapp.templating import STATUS_LABELS, time_range_text

bp = Blueprint("attendee", __name__)


def _published_event(event_id: int) -> Event:
    event = db.get_or_404(Event, event_id)
    if not event.published:
        abort(404)
    return event


def _registration_limit() -> str:
    return current_app.config["REGISTRATION_RATE_LIMIT"]


@bp.route("/events/<int:event_id>/register", methods=["GET", "POST"])
@limiter.limit(_registration_limit, methods=["POST"])
def register(event_id: int):
    event = _published_event(event_id)
    state = registrations.registration_state(event)
    if state != "open":
        return render_template("attendee/not_open.html", event=event, state=state), (
            409 if request.method == "POST" else 200)
    form = registration_form(event)
    if form.validate_on_submit():
        site = current_site()
        try:
            registration = registrations.register(db.session, event,
                                                  form.to_input(str(get_locale())))
        except AlreadyRegistered as existing:
            db.session.rollback()
            registrations.send_fresh_link(db.session, db.session.merge(existing.registration))
            db.session.commit()
            return render_template("attendee/already_registered.html", event=event)
        except RegistrationError as error:
            db.session.rollback()
            field = getattr(error, "field", None)
            if field == "workshops" and form.workshop_fields:
                form.workshop_fields[0].errors.append(error.message)
            elif field and field in form:
                form[field].errors.append(error.message)
            else:
                return render_template("attendee/not_open.html", event=event,
                                       state=registrations.registration_state(event),
                                       message=error.message), 409
        else:
            # Built before the commit: afterwards reading the row would start a new transaction.
            location = url_for("attendee.personal", new=1,
                               token=registrations.personal_token(site, registration))
            db.session.commit()
            return redirect(location)
    return render_template("attendee/register.html", event=event, form=form)


def _refuse(template: str, status: int, **context):
    abort(make_response(render_template(template, **context), status))


def _open(token: str):
    """The registration behind a personal link; else the page saying the link is not valid."""
    registration = registrations.find_by_token(db.session, current_site(), token)
    if registration is None or registration.anonymised_at:
        _refuse("attendee/bad_link.html", 404)
    if registration.status == RegistrationStatus.CANCELLED:
        _refuse("attendee/cancelled.html", 410, event=registration.event)
    return registration


@bp.get("/r/<token>")
def personal(token: str):
    registration = _open(token)
    return render_template("attendee/personal.html", registration=registration, token=token,
                           event=registration.event,
                           position=waitlist.position(db.session, registration),
                           can_change=registrations.registration_state(registration.event) != "ended")


@bp.route("/r/<token>/edit", methods=["GET", "POST"])
def edit(token: str):
    registration = _open(token)
    form = registration_form(registration.event, registration)
    if form.validate_on_submit():
        current_site()
        try:
            registrations.update_details(db.session, registration,
                                         form.to_input(registration.locale))
        except WorkshopProblem as error:
            db.session.rollback()
            form.workshop_fields[0].errors.append(error.message)
        except RegistrationError as error:
            db.session.rollback()
            flash(str(error.message), "error")
            return redirect(url_for("attendee.personal", token=token))
        else:
            db.session.commit()
            flash(_("Your changes are saved. We have sent you a confirmation."), "success")
            return redirect(url_for("attendee.personal", token=token))
    return render_template("attendee/edit.html", form=form, registration=registration,
                           event=registration.event, token=token)


@bp.route("/r/<token>/cancel", methods=["GET", "POST"])
def cancel(token: str):
    registration = _open(token)
    form = CancelForm()
    if form.validate_on_submit():
        current_site()
        event = registration.event
        registrations.cancel(db.session, registration)
        db.session.commit()
        return render_template("attendee/cancelled.html", event=event, just_now=True)
    return render_template("attendee/cancel.html", form=form, registration=registration,
                           event=registration.event, token=token)


def _ticket_payload(registration) -> str:
    return tokens.ticket_payload(current_app.secret_key, registration.event_id, registration.id)


def _confirmed(token: str):
    """A registration with a seat: only those have a ticket."""
    registration = _open(token)
    if registration.status != RegistrationStatus.CONFIRMED:
        _refuse("attendee/bad_link.html", 404, waitlisted=True)
    return registration


@bp.get("/r/<token>/ticket.png")
def ticket_png(token: str):
    from confapp.qrcodes import qr_png  # qrcode and PIL: only for this download

    registration = _confirmed(token)
    return Response(qr_png(_ticket_payload(registration)), mimetype="image/png",
                    headers={"Cache-Control": "private, no-store"})


@bp.get("/r/<token>/ticket.pdf")
def ticket_pdf(token: str):
    registration = _confirmed(token)
    event = registration.event
    from confapp.pdf.ticket import TicketData, render_ticket  # reportlab: only for this download

    pdf = render_ticket(TicketData(
        name=registration.name,
        organisation=registration.organisation,
        event_title=event.title,
        event_when=time_range_text(event.starts_at, event.ends_at),
        venue=", ".join(p for p in (event.venue, event.address) if p),
        qr_payload=_ticket_payload(registration),
        status_label=str(STATUS_LABELS[registration.status]),
        heading=_("Ticket"),
        note=_("Show this QR code at the entrance."),
    ), lang=str(get_locale()))
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="ticket-{event.id}.pdf"',
        "Cache-Control": "private, no-store"})


@bp.get("/r/<token>/event.ics")
def ics(token: str):
    registration = _open(token)
    event = registration.event
    url = public_url("public.event", event_id=event.id)
    return Response(event_ics(event, url), mimetype="text/calendar", headers={
        "Content-Disposition": f'attachment; filename="event-{event.id}.ics"'})

