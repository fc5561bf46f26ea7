"""Organiser pages for mail to an event's registrants and the event's outbox."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from confapp.blueprints.organiser import bp
from confapp.blueprints.organiser.registration_forms import (
    AnnouncementForm,
    OutboxFilterForm,
    new_nonce,
)
from confapp.blueprints.site import current_site
from confapp.extensions import db
from confapp.models import Event, OutboxMail
from confapp.services import mailer, outbox
from confapp.services import registration_queries as queries


@bp.route("/events/<int:event_id>/registrations/mail", methods=["GET", "POST"])
def mail_registrants(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = AnnouncementForm()
    if not form.is_submitted():
        form.nonce.data = new_nonce()
    elif form.send.data and form.validate():
        current_site()
        before = queries.count_announcements(db.session, event.id)
        recipients = queries.announcement_recipients(db.session, event.id, form.statuses(),
                                                     form.chosen_category())
        for registration in recipients:
            mailer.queue_announcement(db.session, registration, form.subject.data.strip(),
                                      form.body(), announcement_key=form.nonce.data)
        queued = queries.count_announcements(db.session, event.id) - before
        db.session.commit()
        if recipients and not queued:
            flash(_("This message was already queued; it was not queued again."), "info")
        else:
            flash(ngettext("%(num)d mail was queued.", "%(num)d mails were queued.", queued),
                  "success")
        return redirect(url_for("organiser.event_outbox", event_id=event.id))
    if form.nonce.errors:  # lost or altered in the browser: nothing the organiser could fix
        form.nonce.data, form.nonce.errors = new_nonce(), []
        if form.send.data:
            flash(_("The message was not sent: the page had expired. Check it and send it "
                    "again."), "error")
    # Counting needs only the recipient fields, so "Count recipients" works before writing.
    recipient_count = queries.count_announcement_recipients(
        db.session, event.id, form.statuses(), form.chosen_category())
    previews = None
    # Shown, never queued ("Send" does that); it needs the text only, not the page's key.
    if form.preview.data and all([form.subject.validate(form), form.message.validate(form)]):
        previews = mailer.preview_announcement(
            event, form.subject.data.strip(), form.body(), queries.recipient_languages(
                db.session, event.id, form.statuses(), form.chosen_category()))
    return render_template("organiser/registrations/mail.html", event=event, form=form,
                           recipient_count=recipient_count, previews=previews)


@bp.get("/events/<int:event_id>/outbox")
def event_outbox(event_id: int):
    event = db.get_or_404(Event, event_id)
    form = OutboxFilterForm(formdata=request.args)
    filters = form.to_filter()
    return render_template(
        "organiser/registrations/outbox.html", event=event, form=form,
        counts=queries.mail_counts(db.session, event.id),
        page=queries.mail_page(db.session, event.id, filters, request.args.get("page", 1, type=int)),
        filter_args=form.query_args(), filtered=filters != queries.MailFilter())


@bp.post("/events/<int:event_id>/outbox/<int:mail_id>/retry")
def retry_mail(event_id: int, mail_id: int):
    mail = db.get_or_404(OutboxMail, mail_id)
    if mail.event_id != event_id:
        abort(404)
    try:
        outbox.requeue(db.session, mail)
    except outbox.NotFailed:
        db.session.rollback()
        flash(_("This mail has not failed, so it was left as it is."), "info")
    else:
        db.session.commit()
        flash(_("The mail to %(address)s will be tried again.", address=mail.to_address),
              "success")
    return redirect(url_for("organiser.event_outbox", event_id=event_id))
