"""The chair's and vice-chair's area. The blueprint is made here; each module adds the routes
of one domain (the question box's inbox now; speaking requests later)."""

from flask import Blueprint

from confapp.auth import restrict_blueprint
from confapp.models import Role

bp = Blueprint("chair", __name__, url_prefix="/chair")
restrict_blueprint(bp, Role.CHAIR, Role.VICE_CHAIR, Role.ADMINISTRATOR)


from confapp.blueprints.chair import box  # noqa: F401  (modules attach their routes)
