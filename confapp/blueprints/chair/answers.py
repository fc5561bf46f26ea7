"""Written answers in the chair's area: the sessions with questions waiting for one, and the
page to write them (the organisers' page, from blueprints/written_answers/)."""

from flask import redirect, render_template, url_for

from confapp.blueprints.chair import bp
from confapp.blueprints.written_answers import CLOSED, answers_page, sessions_waiting
from confapp.extensions import db
from confapp.models import QASession


@bp.get("/answers")
def written_answers():
    return render_template("chair/answers.html", waiting=sessions_waiting(), closed=CLOSED)


@bp.route("/answers/<int:session_id>", methods=["GET", "POST"])
def write_answers(session_id: int):
    page = answers_page(db.get_or_404(QASession, session_id))
    if page.done:
        return redirect(url_for("chair.write_answers", session_id=session_id))
    item = page.qa_session.agenda_item
    return render_template("chair/write_answers.html", page=page, item=item, event=item.event)
