"""Organiser pages for an event's registrations: list, exports, detail, add by hand."""


from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from confapp.blueprints.attendee.forms import registration_form
from confapp.blueprints.organiser import bp
from confapp.blueprints.organiser.registration_forms import (
    CancelRegistrationForm,
    MailLanguageForm,
    filter_form,
)
from confapp.blueprints.site import current_site, registration_of_event
from confapp.extensions import db
from confapp.models import (
    Event,
    Registration,
    RegistrationSource,
    RegistrationStatus,
)
from confapp.services import exports, waitlist
from confapp.services import registration as registration_service
from confapp.services import registration_queries as queries
from confapp.services.overview import EventCounts
from confapp.services.registration import (
    AlreadyRegistered,
    NotChangeable,
    RegistrationError,
    WorkshopProblem,
)
from confapp.templating import CATEGORY_LABELS, STATUS_LABELS

# The columns of exports.registration_rows, in the same order.
EXPORT_HEADERS = (
    _l("First name"), _l("Last name"), _l("E-mail"), _l("Organisation"), _l("Group"),
    _l("Job title"), _l("Status"), _l("Workshops"), _l("Dietary needs"),
    _l("Accessibility needs"), _l("On the participant list"), _l("Registered at"),
    _l("Checked in at"),
)

def _actor() -> str:
    """Who did it, for the registration's history: the signed-in organiser."""
    return current_user.email


def _to_detail(registration: Registration):
    return redirect(url_for("organiser.registration_detail", event_id=registration.event_id,
                            registration_id=registration.id))


def _refuse_if_anonymised(registration: Registration) -> bool:
    """Anonymised people are never mailed or changed; say so and send the organiser back."""
    if registration.anonymised_at is None:
        return False
    flash(_("This registration has been anonymised and cannot be changed."), "error")
    return True


@bp.get("/events/<int:event_id>/registrations")
def registration_list(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = filter_form(event, request.args)
    filters = form.to_filter()
    page = queries.registration_page(db.session, event.id, filters,
                                     request.args.get("page", 1, type=int))
    counts = queries.registration_counts(db.session, event.id)
    return render_template(
        "organiser/registrations/list.html", event=event, form=form, page=page,
        filter_args=form.query_args(), filtered=filters != queries.RegistrationFilter(),
        counts=counts,  # and for the tabs, so that they are not counted twice:
        nav_counts=EventCounts(counts.confirmed, counts.waitlisted, counts.checked_in),
        positions=queries.waitlist_positions(db.session, event.id),
        waiting=waitlist.waiting(db.session, event.id))


def _export(event_id: int) -> tuple[Event, list[str], list[list]]:
    event = db.get_or_404(Event, event_id)
    filters = filter_form(event, request.args).to_filter()
    rows = exports.registration_rows(
        queries.matching_registrations(db.session, event.id, filters),
        category_labels=CATEGORY_LABELS, status_labels=STATUS_LABELS, yes=_("Yes"), no=_("No"))
    return event, [str(header) for header in EXPORT_HEADERS], rows


def attachment(data: bytes, mimetype: str, filename: str) -> Response:
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, no-store"})


@bp.get("/events/<int:event_id>/registrations/export.csv")
def export_csv(event_id: int):
    event, headers, rows = _export(event_id)
    return attachment(exports.to_csv(headers, rows), "text/csv",
                       f"tilmeldinger-{event.id}.csv")


@bp.get("/events/<int:event_id>/registrations/export.xlsx")
def export_xlsx(event_id: int):
    event, headers, rows = _export(event_id)
    return attachment(
        exports.to_xlsx(headers, rows, sheet_title=_("Registrations")),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"tilmeldinger-{event.id}.xlsx")


@bp.route("/events/<int:event_id>/registrations/new", methods=["GET", "POST"])
def add_registration(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = registration_form(event)
    language = MailLanguageForm()
    existing_id = None
    if form.validate_on_submit() and language.validate():
        current_site()
        try:
            registration = registration_service.register(
                db.session, event, form.to_input(language.locale.data),
                source=RegistrationSource.ORGANISER, actor=_actor(), check_window=False)
        except AlreadyRegistered as error:
            existing_id = error.registration.id
            db.session.rollback()
            form.email.errors.append(_("This address is already registered for the event."))
        except WorkshopProblem as error:
            db.session.rollback()
            form.workshop_fields[0].errors.append(str(error.message))
        except RegistrationError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            db.session.commit()
            flash(_("%(name)s was registered (%(status)s) and has been sent a mail.",
                    name=registration.name, status=STATUS_LABELS[registration.status]), "success")
            return _to_detail(registration)
    return render_template("organiser/registrations/new.html", event=event, form=form,
                           language=language, existing_id=existing_id)


@bp.get("/events/<int:event_id>/registrations/<int:registration_id>")
def registration_detail(event_id: int, registration_id: int):
    registration = registration_of_event(event_id, registration_id)
    return render_template(
        "organiser/registrations/detail.html", event=registration.event,
        registration=registration, position=waitlist.position(db.session, registration),
        mails=queries.mails_for(db.session, registration.id))


@bp.route("/events/<int:event_id>/registrations/<int:registration_id>/cancel",
          methods=["GET", "POST"])
def cancel_registration(event_id: int, registration_id: int):
    registration = registration_of_event(event_id, registration_id)
    if _refuse_if_anonymised(registration):
        return _to_detail(registration)
    if registration.status == RegistrationStatus.CANCELLED:
        flash(_("This registration is already cancelled."), "info")
        return _to_detail(registration)
    form = CancelRegistrationForm()
    if form.validate_on_submit():
        current_site()
        promoted = registration_service.cancel(db.session, registration, _actor())
        db.session.commit()
        flash(_("The registration was cancelled and %(name)s has been told by mail.",
                name=registration.name), "success")
        for person in promoted:
            flash(_("%(name)s got the seat from the waiting list and has been told by mail.",
                    name=person.name), "success")
        return _to_detail(registration)
    return render_template("organiser/registrations/cancel.html", event=registration.event,
                           registration=registration, form=form)


@bp.post("/events/<int:event_id>/registrations/<int:registration_id>/resend")
def resend_confirmation(event_id: int, registration_id: int):
    registration = registration_of_event(event_id, registration_id)
    if _refuse_if_anonymised(registration):
        return _to_detail(registration)
    current_site()
    try:
        registration_service.resend_confirmation(db.session, registration, _actor())
    except NotChangeable:
        db.session.rollback()
        flash(_("A cancelled registration has no confirmation to send."), "error")
    else:
        db.session.commit()
        flash(_("The confirmation was sent again to %(email)s.", email=registration.email),
              "success")
    return _to_detail(registration)


@bp.post("/events/<int:event_id>/registrations/<int:registration_id>/promote")
def promote_registration(event_id: int, registration_id: int):
    registration = registration_of_event(event_id, registration_id)
    if registration.status != RegistrationStatus.WAITLISTED:
        flash(_("Only people on the waiting list can be given a seat."), "error")
        return _to_detail(registration)
    current_site()
    if waitlist.promote(db.session, registration, _actor()):
        db.session.commit()
        flash(_("%(name)s now has a seat and has been told by mail.", name=registration.name),
              "success")
    else:
        db.session.rollback()
        flash(_("No seat is free. Raise the capacity of the event or cancel a registration "
                "first."), "error")
    return _to_detail(registration)


@bp.post("/events/<int:event_id>/registrations/<int:registration_id>/fresh-link")
def send_fresh_link(event_id: int, registration_id: int):
    registration = registration_of_event(event_id, registration_id)
    if _refuse_if_anonymised(registration):
        return _to_detail(registration)
    current_site()
    try:
        registration_service.send_fresh_link(db.session, registration, _actor())
    except NotChangeable:
        db.session.rollback()
        flash(_("A cancelled registration has no personal link."), "error")
    else:
        db.session.commit()
        flash(_("A new personal link was sent to %(email)s. The old link no longer works.",
                email=registration.email), "success")
    return _to_detail(registration)
