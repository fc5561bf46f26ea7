"""Pages anyone can see: the event list, an event with its agenda, language and policies."""

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy.orm import joinedload

from confapp.extensions import db
from confapp.models import Event
from confapp.services import events as event_service
from confapp.services import overview
from confapp.services.registration import registration_state
from confapp.templating import is_safe_redirect

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    upcoming = event_service.upcoming_events(db.session)
    return render_template(
        "public/index.html",
        upcoming=upcoming,
        past=event_service.past_events(db.session),
        # Seats left come with each event (seats_taken): no query per event, nor any at all.
        statuses={event.id: overview.event_status(event) for event in upcoming},
    )


@bp.get("/events/<int:event_id>")
def event(event_id: int):
    # The page shows the whole agenda: load it with the event, in one query.
    event = db.get_or_404(Event, event_id, options=[joinedload(Event.agenda_items)])
    if not event.published:
        abort(404)
    return render_template("public/event.html", event=event,
                           registration_state=registration_state(event))


@bp.post("/language")
def set_language():
    # CSRFProtect has already checked the token, as for every POST.
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    target = request.form.get("next")
    return redirect(is_safe_redirect(target) or url_for("public.index"))


@bp.get("/privacy")
def privacy():
    return render_template("public/privacy.html")


@bp.get("/accessibility")
def accessibility():
    return render_template("public/accessibility.html")
