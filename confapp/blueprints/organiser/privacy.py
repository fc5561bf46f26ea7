"""Organiser pages for GDPR requests: a person's data as JSON, and erasing a person."""

import json

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from confapp.blueprints.organiser import bp
from confapp.blueprints.organiser.registration_forms import EraseForm, PersonForm
from confapp.blueprints.organiser.registrations import attachment
from confapp.blueprints.site import current_site
from confapp.extensions import db
from confapp.services import privacy


@bp.route("/privacy", methods=["GET", "POST"])
def privacy_requests():
    form = PersonForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        data = privacy.export_person(db.session, email)
        if form.erase.data:
            return render_template("organiser/registrations/privacy_erase.html", data=data,
                                   form=EraseForm(formdata=None, email=email))
        return attachment(json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"),
                           "application/json", "persondata.json")
    return render_template("organiser/registrations/privacy.html", form=form)


@bp.post("/privacy/erase")
def erase_person():
    form = EraseForm()
    if not form.validate_on_submit():
        flash(_("Enter the e-mail address again."), "error")
        return redirect(url_for("organiser.privacy_requests"))
    current_site()  # a freed seat goes to the waiting list, whose people are mailed
    erased = privacy.erase_person(db.session, form.email.data, actor=current_user.email)
    db.session.commit()
    if erased["registrations"]:
        flash(ngettext("%(num)d registration was anonymised.",
                       "%(num)d registrations were anonymised.", erased["registrations"]),
              "success")
    if erased["questions"] or erased["box_messages"]:
        flash(ngettext("The asker's name and address were removed from %(num)d question or "
                       "message.", "The asker's name and address were removed from %(num)d "
                       "questions and messages.", erased["questions"] + erased["box_messages"]),
              "success")
    if not any(erased.values()):
        flash(_("No registrations were found for that address."), "info")
    return redirect(url_for("organiser.privacy_requests"))
