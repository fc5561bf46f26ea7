"""Login manager wiring, staff session lifetime, and the role check used by every staff route.

Sessions and remember-me cookies hold ``"<user id>:<session token>"`` (Flask-Login's alternative
id, ``User.get_id``); the loader accepts them only while the token is the account's current one
and the account is active, so ``services.users.end_sessions`` ends them all at once.
"""

import time
from collections.abc import Callable
from functools import wraps

from flask import Flask, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required, logout_user

from confapp.extensions import db, login_manager
from confapp.models import Role, User

# Session key: when this staff session last made a request (seconds since the epoch).
LAST_SEEN = "staff_last_seen"
# Refreshing the time stamp rewrites the session cookie; once a minute is precise enough.
LAST_SEEN_RESOLUTION = 60


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)
    # Production runs on https: the remember-me cookie is as Secure as the session cookie.
    app.config.setdefault("REMEMBER_COOKIE_SECURE", bool(app.config.get("SESSION_COOKIE_SECURE")))
    app.before_request(end_idle_staff_session)
    _warn_about_per_process_login_counters(app)


def _warn_about_per_process_login_counters(app: Flask) -> None:
    """Counters in memory are per process: with several workers each counts on its own."""
    config = app.config
    if (config.get("RATELIMIT_ENABLED") and str(config.get("RATELIMIT_STORAGE_URI")).startswith(
            "memory://") and not config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
            and not (app.testing or app.debug)):
        app.logger.warning("Login attempts are counted in memory, per process: set "
                           "FLASK_RATELIMIT_STORAGE_URI=redis://… when several workers run.")


def load_user(alternative_id: str) -> User | None:
    """The account a session or remember-me cookie names, while its session token is current."""
    user_id, _, token = alternative_id.partition(":")
    if not (user_id.isascii() and user_id.isdigit() and len(user_id) < 10 and token):
        return None  # also every cookie from before session tokens, which held the bare id
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or not user.session_token_matches(token):
        return None
    return user


def end_idle_staff_session():
    """Log a staff member out after STAFF_IDLE_MINUTES without a request."""
    if request.endpoint == "static":
        return None
    if not current_user.is_authenticated:  # loads the user from the session or remember-me cookie
        session.pop(LAST_SEEN, None)  # left over from a session ended elsewhere
        return None
    now = int(time.time())
    last_seen = session.get(LAST_SEEN)
    idle_minutes = current_app.config["STAFF_IDLE_MINUTES"]
    if isinstance(last_seen, int) and now - last_seen > idle_minutes * 60:
        logout_user()  # also drops this browser's remember-me cookie
        session.pop(LAST_SEEN, None)
        flash(ngettext("You were logged out after %(num)d minute without activity. "
                       "Please log in again.",
                       "You were logged out after %(num)d minutes without activity. "
                       "Please log in again.", idle_minutes), "info")
        next_page = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.login", next=next_page))
    if not isinstance(last_seen, int) or now - last_seen >= LAST_SEEN_RESOLUTION:
        session[LAST_SEEN] = now
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
