"""Login manager wiring and the role check used by every staff route."""

from collections.abc import Callable
from functools import wraps

from flask import Flask, abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from confapp.extensions import db, login_manager
from confapp.models import Role, User


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        try:
            return db.session.get(User, int(user_id))
        except ValueError:
            return None


def roles_required(*roles: Role) -> Callable:
    """Allow the view to users holding any of ``roles``: no login → login page, wrong role → 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def restrict_blueprint(bp, *roles: Role) -> None:
    """Guard every route of a staff blueprint with the same role check."""

    @bp.before_request
    @roles_required(*roles)
    def _check_role():
        return None
