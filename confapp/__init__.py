"""confapp: conference and meeting management for the regional employment council."""

import os
import secrets
import time
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, request, session
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from confapp import database
from confapp.extensions import babel, csrf, db, limiter, login_manager, mail, migrate, talisman

# Responses of these blueprints hold personal data or staff pages: never kept in any cache.
PRIVATE_BLUEPRINTS = {"admin", "attendee", "auth", "chair", "checkin", "organiser"}

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# The check-in desk scans with the phone's camera; nothing else needs a device.
PERMISSIONS_POLICY = {"camera": "(self)", "microphone": "()", "geolocation": "()",
                      "payment": "()", "usb": "()", "interest-cohort": "()"}


class DatabaseIntegerConverter(IntegerConverter):
    """``<int:…>`` in every route stops at the database's integer range: larger ids are 404s."""

    def __init__(self, map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def create_app(config: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, CLI and error pages."""
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = DatabaseIntegerConverter
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    app.config.from_object("confapp.config")
    app.config.from_pyfile("config.py", silent=True)
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    app.config.from_prefixed_env()
    if config:
        app.config.update(config)
    _finish_config(app)

    database.configure(app.config["SQLITE_BUSY_TIMEOUT_MS"])
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    mail.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    talisman.init_app(
        app,
        # TLS ends at the reverse proxy; HSTS is sent on every request that came over https.
        force_https=False,
        strict_transport_security=True,
        strict_transport_security_max_age=365 * 24 * 3600,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        permissions_policy=PERMISSIONS_POLICY,
        referrer_policy="same-origin",
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )
    if app.config["PROXY_FIX_X_FOR"] or app.config["PROXY_FIX_X_PROTO"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"],
                                x_proto=app.config["PROXY_FIX_X_PROTO"])

    from confapp import auth, cli, errors, templating
    from confapp.blueprints.admin.views import bp as admin_bp
    from confapp.blueprints.attendee.views import bp as attendee_bp
    from confapp.blueprints.auth.views import bp as auth_bp
    from confapp.blueprints.chair import bp as chair_bp
    from confapp.blueprints.checkin.views import bp as checkin_bp
    from confapp.blueprints.organiser import bp as organiser_bp
    from confapp.blueprints.public.views import bp as public_bp
    from confapp.blueprints.qa.views import bp as qa_bp
    from confapp.blueprints.qa.views import link_bp as qa_link_bp

    auth.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(attendee_bp)
    app.register_blueprint(checkin_bp)
    app.register_blueprint(organiser_bp)
    app.register_blueprint(chair_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(qa_bp)
    app.register_blueprint(qa_link_bp)

    @app.after_request
    def private_pages_and_language(response):
        if request.blueprint in PRIVATE_BLUEPRINTS or current_user.is_authenticated:
            response.headers["Cache-Control"] = "private, no-store"
        response.headers.setdefault("Content-Language", str(get_locale()))
        return response

    return app


def select_locale() -> str:
    """Danish unless the person chose English with the language switch."""
    from flask import current_app, has_request_context

    if not has_request_context():  # CLI and workers: mails use force_locale() instead
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    lang = session.get("lang") or request.args.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _finish_config(app: Flask) -> None:
    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        uri = "sqlite:///" + str(Path(app.instance_path) / "confapp.sqlite3")
    # Accept the common postgres:// shorthand and pick the psycopg 3 driver.
    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            uri = "postgresql+psycopg://" + uri[len(prefix) :]
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    if uri.startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("timeout", app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000)
        options["connect_args"] = connect_args
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options

    _public_base_url(app, uri)

    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")


def _public_base_url(app: Flask, database_uri: str) -> None:
    """Links in mails come from configuration only; the trusted hosts and cookies follow it."""
    base_url = (app.config.get("PUBLIC_BASE_URL") or "").strip().rstrip("/")
    if not base_url:
        if not (database_uri.startswith("sqlite") or app.testing or app.debug):
            raise RuntimeError("Set PUBLIC_BASE_URL (FLASK_PUBLIC_BASE_URL), the address people "
                               "reach this app at: links in mails are built from it.")
        base_url = app.config["EMBEDDED_BASE_URL"]
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query:
        raise RuntimeError(f"PUBLIC_BASE_URL must be like https://moeder.example.dk, not {base_url!r}")
    app.config["PUBLIC_BASE_URL"] = base_url
    if app.config.get("TRUSTED_HOSTS") is None:
        local = {"127.0.0.1", "localhost"}
        app.config["TRUSTED_HOSTS"] = sorted(local) if parts.hostname in local else [parts.hostname]
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        app.config["SESSION_COOKIE_SECURE"] = parts.scheme == "https"


def _instance_secret(path: Path) -> str:
    """Generate the secret key once and keep it in instance/, never in the repo."""
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker process won the race: use its key
        for _ in range(100):
            if existing := path.read_text().strip():
                return existing
            time.sleep(0.05)
        raise
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
