"""Organiser pages. The blueprint is made here; each module adds the routes of one domain."""

from flask import Blueprint

from confapp.auth import restrict_blueprint
from confapp.extensions import db
from confapp.models import Role
from confapp.services import overview

bp = Blueprint("organiser", __name__, url_prefix="/organiser")
restrict_blueprint(bp, Role.ORGANISER, Role.ADMINISTRATOR)


@bp.context_processor
def event_workspace() -> dict:
    """For the tabs atop every page of an event (organiser/_event_nav.html): its status and
    counts, read only when a page shows them; a page that has the counts already passes them."""
    return {"event_summary": lambda event, counts=None: overview.event_summary(
        db.session, event, counts)}


from confapp.blueprints.organiser import (  # noqa: F401  (modules attach their routes)
    agenda,
    box,
    events,
    mail,
    printing,
    privacy,
    qa,
    registrations,
)
