"""confapp: conference and meeting management for the regional employment council."""

import os
import secrets
import time
from pathlib import Path

from flask import Flask, request, session
from flask_babel import get_locale

from confapp import database
from confapp.extensions import babel, csrf, db, limiter, login_manager, mail, migrate


def create_app(config: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, CLI and error pages."""
    app = Flask(__name__, instance_relative_config=True)
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

    from confapp import auth, cli, errors, templating
    from confapp.blueprints.attendee.views import bp as attendee_bp
    from confapp.blueprints.auth.views import bp as auth_bp
    from confapp.blueprints.checkin.views import bp as checkin_bp
    from confapp.blueprints.organiser.views import bp as organiser_bp
    from confapp.blueprints.public.views import bp as public_bp

    auth.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(attendee_bp)
    app.register_blueprint(checkin_bp)
    app.register_blueprint(organiser_bp)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
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

    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")


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
