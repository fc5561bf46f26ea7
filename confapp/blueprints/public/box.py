"""The council's public question box (Spørg Rådet) and the "questions and answers" archive."""

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import get_locale

from confapp.blueprints.public.forms import ArchiveSearchForm, BoxForm
from confapp.blueprints.public.views import bp
from confapp.extensions import db, limiter
from confapp.services import answers, question_box
from confapp.services.question_box import InvalidMessage

# What the thank-you page tailors its "what happens next" to (no personal data in it).
SENT = "box_sent"


def _box_limit() -> str:
    return current_app.config["BOX_RATE_LIMIT"]


@bp.route("/ask", methods=["GET", "POST"])
@limiter.limit(_box_limit, methods=["POST"])
def ask():
    form = BoxForm()
    if form.validate_on_submit():
        try:
            message = question_box.submit(db.session, form.to_input(str(get_locale())))
        except InvalidMessage as error:
            db.session.rollback()
            form[error.field].errors.append(error.message)
        else:
            session[SENT] = {"mail": bool(message.email), "publish": message.consent_publish}
            db.session.commit()
            return redirect(url_for("public.ask_thanks"))
    return render_template("public/box/ask.html", form=form)


@bp.get("/ask/thanks")
def ask_thanks():
    return render_template("public/box/thanks.html", sent=session.get(SENT) or {})


@bp.get(question_box.PUBLIC_PATH)
def answers_archive():
    form = ArchiveSearchForm(formdata=request.args).fill(
        answers.archive_years(db.session), answers.archive_topics(db.session))
    page = answers.archive_page(db.session, **form.search,
                                page=request.args.get("page", 1, type=int))
    return render_template("public/box/archive.html", form=form, page=page,
                           filter_args=form.query_args(), filtered=bool(form.query_args()))


@bp.get(f"{question_box.PUBLIC_PATH}/<slug>")
def answer(slug: str):
    entry = answers.find_entry(db.session, slug)
    if entry is None:
        abort(404)
    return render_template("public/box/answer.html", entry=entry)
