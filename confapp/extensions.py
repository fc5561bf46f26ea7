"""Flask extensions, created bare so that nothing imports the app."""

import flask_login
from flask import session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf import CSRFProtect

from confapp.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
mail = Mail()
csrf = CSRFProtect()


class LoginManager(flask_login.LoginManager):
    def _session_protection_failed(self) -> bool:
        # Only a session that belongs to a user can be stolen. Flask-Login's "strong" mode would
        # otherwise treat every visitor's session (a CSRF token, the language) as tampered with:
        # re-sign it and send a remember-me deletion cookie on every response. An empty session
        # skips the check in Flask-Login too, so this protects exactly as much.
        if "_user_id" not in session:
            return False
        return super()._session_protection_failed()


login_manager = LoginManager()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)
talisman = Talisman()
