"""Organiser pages. The blueprint is made here; each module adds the routes of one domain."""

from flask import Blueprint

from confapp.auth import restrict_blueprint
from confapp.models import Role

bp = Blueprint("organiser", __name__, url_prefix="/organiser")
restrict_blueprint(bp, Role.ORGANISER, Role.ADMINISTRATOR)

from confapp.blueprints.organiser import (  # noqa: F401  (modules attach their routes)
    agenda,
    events,
    mail,
    printing,
    privacy,
    registrations,
)
