"""Organiser pages for printing: badges, the programme, the participant list, the sign-in sheet.

The print page holds one form per document; each form targets its PDF endpoint. Badges are
POST (printing them is recorded, so "only those not printed before" works); the other
documents change nothing and are GET.
"""

import io

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import force_locale, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField
from wtforms.validators import ValidationError

from confapp.blueprints.organiser import bp
from confapp.blueprints.site import registration_of_event
from confapp.extensions import db
from confapp.forms import Form
from confapp.models import Category, Event, Registration
from confapp.models.base import utcnow
from confapp.pdf.data import Layout, ListLabels, ProgrammeLabels
from confapp.services import printing
from confapp.templating import (
    AGENDA_KIND_LABELS,
    CATEGORY_LABELS,
    date_text,
    time_range_text,
    time_text,
)
from confapp.timezones import utc_to_local

LAYOUT_CHOICES = [
    (Layout.A4_8UP.value, _l("A4 sheets with 8 badges of 90 × 54 mm and cut marks")),
    (Layout.A6.value, _l("A6, one badge per page")),
]
PROGRAMME_LANGUAGES = [("da", "Dansk"), ("en", "English")]


class BadgeForm(Form):
    """Which badges to print, in which layout and order."""

    layout = RadioField(_l("Layout"), choices=LAYOUT_CHOICES, default=Layout.A4_8UP.value)
    mode = RadioField(_l("Which badges"), default="unprinted", choices=[
        ("unprinted", _l("Only those whose badge has not been printed before")),
        ("all", _l("Everyone with a confirmed registration")),
        ("category", _l("One group")),
        ("person", _l("One person (reprint)")),
    ])
    category = SelectField(_l("Group"), default="", choices=[("", _l("Choose a group"))] + [
        (c.value, label) for c, label in CATEGORY_LABELS.items()])
    registration_id = SelectField(_l("Person"), default="", choices=[])
    order = RadioField(_l("Order"), default="surname", choices=[
        ("surname", _l("By surname")),
        ("organisation", _l("By organisation")),
        ("category", _l("By group")),
    ])

    def validate_category(self, field):
        if self.mode.data == "category" and not field.data:
            raise ValidationError(_l("Choose the group whose badges you want to print."))

    def validate_registration_id(self, field):
        if self.mode.data == "person" and not field.data:
            raise ValidationError(_l("Choose the person whose badge you want to print."))


class ReprintForm(Form):
    """The one-person reprint button (e.g. on a registration's page)."""

    layout = RadioField(_l("Layout"), choices=LAYOUT_CHOICES, default=Layout.A4_8UP.value)


class ProgrammeForm(Form):
    class Meta:
        csrf = False  # a GET download changes nothing

    language = RadioField(_l("Language of the programme"), choices=PROGRAMME_LANGUAGES)


def _badge_form(event: Event) -> BadgeForm:
    """The badge form; the person picker offers the event's confirmed people by surname."""
    form = BadgeForm()
    people = printing.badge_selection(db.session, event, mode="all", order="surname")
    form.registration_id.choices = [("", _("Choose a person"))] + [
        (str(r.id), f"{r.last_name}, {r.first_name} – {r.organisation}") for r in people]
    return form


def _programme_form(formdata=None) -> ProgrammeForm:
    form = ProgrammeForm(formdata=formdata)
    if not form.language.data:  # not chosen yet: the language the organiser reads the page in
        form.language.data = str(get_locale())
    return form


def _print_page(event: Event, badge_form: BadgeForm | None = None,
                programme_form: ProgrammeForm | None = None) -> str:
    return render_template(
        "organiser/print.html", event=event, badge_form=badge_form or _badge_form(event),
        programme_form=programme_form or _programme_form(),
        counts=printing.print_counts(db.session, event))


def _pdf(data: bytes, filename: str) -> Response:
    response = send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                         download_name=filename)
    response.headers["Cache-Control"] = "no-store"  # names of real people: keep out of caches
    return response


def _event_day(event: Event) -> str:
    """The date line of a badge: one date, or first – last for a multi-day event."""
    start, end = utc_to_local(event.starts_at), utc_to_local(event.ends_at)
    if start.date() == end.date():
        return date_text(event.starts_at)
    return f"{date_text(event.starts_at)} – {date_text(event.ends_at)}"


def _badges_pdf(event: Event, people: list[Registration], layout: str) -> bytes:
    badges = printing.badge_data(people, event, current_app.secret_key,
                                 category_labels=CATEGORY_LABELS, event_date=_event_day(event))
    from confapp.pdf.badges import render_badges  # reportlab loads with the first PDF, not at start

    return render_badges(badges, Layout(layout), lang=str(get_locale()),
                         empty_message=_("No badges to print: nobody matches this selection."))


@bp.get("/events/<int:event_id>/print")
def print_page(event_id: int):
    event = db.get_or_404(Event, event_id)
    return _print_page(event)


@bp.post("/events/<int:event_id>/print/badges.pdf")
def print_badges(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = _badge_form(event)
    if not form.validate():
        return _print_page(event, badge_form=form)
    chosen = printing.badge_selection(
        db.session, event, mode=form.mode.data, order=form.order.data,
        category=Category(form.category.data) if form.category.data else None,
        registration_id=int(form.registration_id.data) if form.registration_id.data else None)
    pdf = _badges_pdf(event, chosen, form.layout.data)
    printing.mark_printed(db.session, chosen, utcnow())  # recorded with the download itself
    db.session.commit()
    return _pdf(pdf, _("badges-%(id)d.pdf", id=event.id))


@bp.post("/events/<int:event_id>/registrations/<int:registration_id>/badge.pdf")
def reprint_badge(event_id: int, registration_id: int):
    event = db.get_or_404(Event, event_id)
    registration = registration_of_event(event.id, registration_id)
    form = ReprintForm()
    if not form.validate():
        abort(400)
    chosen = printing.badge_selection(db.session, event, mode="person",
                                      registration_id=registration.id)
    if not chosen:
        flash(_("Only people with a confirmed registration get a badge."), "error")
        return redirect(url_for("organiser.print_page", event_id=event.id))
    pdf = _badges_pdf(event, chosen, form.layout.data)
    printing.mark_printed(db.session, chosen, utcnow())
    db.session.commit()
    return _pdf(pdf, _("badge-%(id)d.pdf", id=registration.id))


@bp.get("/events/<int:event_id>/print/programme.pdf")
def print_programme(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = _programme_form(request.args)
    if not form.validate():
        return _print_page(event, programme_form=form)
    language = form.language.data
    # The programme is printed in the language the organiser chose, not the page's language.
    with force_locale(language):
        data = printing.programme_data(
            event,
            labels=ProgrammeLabels(
                title=_("Programme"),
                page=_("Page {page} of {pages}"),
                room=_("Room"),
                speakers=_("Speakers"),
                empty=_("The programme has no items yet."),
                parallel=_("Parallel sessions"),
            ),
            kind_labels={kind: str(label) for kind, label in AGENDA_KIND_LABELS.items()},
            event_date=time_range_text(event.starts_at, event.ends_at),
            # 24-hour times: the renderer reads them back to find parallel sessions.
            time_text=time_text,
            day_text=lambda moment: date_text(moment, weekday=True),
        )
        filename = _("programme-%(id)d.pdf", id=event.id)
    from confapp.pdf.programme import render_programme

    return _pdf(render_programme(data, lang=language), filename)


def _list_labels(title: str, empty: str, count: int) -> ListLabels:
    return ListLabels(
        title=title,
        name=_("Name"),
        organisation=_("Organisation"),
        category=_("Group"),
        signature=_("Signature"),
        page=_("Page {page} of {pages}"),
        empty=empty,
        count=ngettext("%(num)d person", "%(num)d people", count),
    )


@bp.get("/events/<int:event_id>/print/participants.pdf")
def print_participant_list(event_id: int):
    event = db.get_or_404(Event, event_id)
    rows = printing.participant_list_rows(db.session, event, category_labels=CATEGORY_LABELS)
    labels = _list_labels(
        _("Participant list"),
        _("Nobody with a confirmed registration has agreed to be on the participant list."),
        len(rows))
    from confapp.pdf.participants import render_participant_list

    pdf = render_participant_list(event.title, time_range_text(event.starts_at, event.ends_at),
                                  rows, labels, lang=str(get_locale()))
    return _pdf(pdf, _("participants-%(id)d.pdf", id=event.id))


@bp.get("/events/<int:event_id>/print/sign-in.pdf")
def print_sign_in_sheet(event_id: int):
    event = db.get_or_404(Event, event_id)
    rows = printing.sign_in_rows(db.session, event, category_labels=CATEGORY_LABELS)
    labels = _list_labels(_("Sign-in sheet"), _("Nobody has a confirmed registration yet."),
                          len(rows))
    from confapp.pdf.participants import render_sign_in_sheet

    pdf = render_sign_in_sheet(event.title, time_range_text(event.starts_at, event.ends_at),
                               rows, labels, lang=str(get_locale()))
    return _pdf(pdf, _("sign-in-sheet-%(id)d.pdf", id=event.id))
