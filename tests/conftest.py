"""Fixtures: a fresh app and database per test, on SQLite or PostgreSQL.

``TEST_DATABASE_URL`` selects PostgreSQL (the test command starts a throwaway
server and sets it); without it every test gets its own SQLite file. The
schema always comes from the migrations, built once per run and then copied
(SQLite) or emptied between tests (PostgreSQL).
"""

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

import tests.hypothesis_profiles  # noqa: F401  (so --hypothesis-profile=long works)
from confapp import create_app
from confapp.extensions import db
from confapp.models import AgendaItemKind, EventKind, Role
from confapp.services import events as event_service
from confapp.services import users
from confapp.services.events import AgendaItemInput, EventInput

PG_URL = os.environ.get("TEST_DATABASE_URL")
PASSWORD = "correct-horse-battery"


def base_config(uri: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": uri,
        "WTF_CSRF_ENABLED": False,
        "MAIL_SUPPRESS_SEND": True,
        "SERVER_NAME": None,
        # Tests read right after they write; the live lists' cache has its own test.
        "QA_LIVE_CACHE_SECONDS": 0,
        # The test's own session reads between requests: it must not hold the write lock.
        "SQLALCHEMY_ENGINE_OPTIONS": {"execution_options": {"sqlite_outside_request": "deferred"}}
        if uri.startswith("sqlite") else {},
    }


def _migrate(uri: str) -> None:
    app = create_app(base_config(uri))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """Run the migrations once: a template SQLite file, or the PostgreSQL test database."""
    if PG_URL:
        engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        _migrate(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture
def database_url(database_template, tmp_path):
    if PG_URL:
        yield PG_URL
        _empty_postgres(PG_URL)
    else:
        path = tmp_path / "test.sqlite3"
        shutil.copy(database_template, path)
        yield f"sqlite:///{path}"


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'")).scalars().all()
        if tables:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def app_config():
    """Override in a test module to change configuration."""
    return {}


@pytest.fixture
def app(database_url, app_config):
    app = create_app({**base_config(database_url), **app_config})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


class FreshContextClient(FlaskClient):
    """Each request runs in its own app context, as in production.

    Without this, requests would share the test's app context, and with it ``g``
    (Flask-Babel's locale, Flask-Login's user) and the database session.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = FreshContextClient
    return app.test_client()


@pytest.fixture
def session(app):
    return db.session


@pytest.fixture
def make_user(session):
    def make(email="organiser@example.org", roles=(Role.ORGANISER,), password=PASSWORD, name="Test"):
        user = users.create_user(session, email, password, set(roles), name=name)
        session.commit()
        return user

    return make


@pytest.fixture
def login(client):
    def do(email="organiser@example.org", password=PASSWORD, follow=False):
        return client.post("/auth/login", data={"email": email, "password": password},
                           follow_redirects=follow)

    return do


@pytest.fixture
def organiser(make_user, login):
    user = make_user()
    login()
    return user


def future(days: int = 30, hour: int = 9) -> datetime:
    base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=days)
    return base.replace(hour=hour)


@pytest.fixture
def make_event(session):
    def make(title="Temamøde om rekruttering", capacity=80, published=True, days=30, hours=4,
             kind=EventKind.THEME_MEETING, **extra):
        starts = future(days)
        data = EventInput(kind=kind, title=title, starts_at=starts,
                          ends_at=starts + timedelta(hours=hours), capacity=capacity,
                          venue="VIA University College, Viborg", **extra)
        event = event_service.create_event(session, data)
        event_service.set_published(session, event, published)
        session.commit()
        return event

    return make


@pytest.fixture
def make_item(session):
    def make(event, title="Oplæg", kind=AgendaItemKind.TALK, offset_minutes=0, minutes=45, **extra):
        starts = event.starts_at + timedelta(minutes=offset_minutes)
        item = event_service.add_agenda_item(session, event, AgendaItemInput(
            kind=kind, title=title, starts_at=starts, ends_at=starts + timedelta(minutes=minutes),
            **extra))
        session.commit()
        return item

    return make


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


@pytest.fixture
def site(app, session):
    """Bind the Site (where mail links point) to the test's session, as views do per request."""
    from confapp.services.registration import Site, use_site

    site = Site(base_url="http://127.0.0.1:5000", secret_key=app.secret_key)
    use_site(session, site)
    return site


_counter = iter(range(1, 10**9))


def registration_input(**overrides):
    from confapp.models import Category
    from confapp.services.registration import RegistrationInput

    n = next(_counter)
    data = {"first_name": "Anne", "last_name": f"Jensen {n}", "email": f"anne{n}@example.org",
                "organisation": "Jobcenter Aarhus", "category": Category.JOBCENTRE,
                "job_title": "Konsulent"}
    data.update(overrides)
    return RegistrationInput(**data)


@pytest.fixture
def make_registration(session, site):
    from confapp.services import registration

    def make(event, **overrides):
        reg = registration.register(session, event, registration_input(**overrides))
        session.commit()
        return reg

    return make


class SinkHandler:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        import email
        import email.policy

        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_sink(port: int | None = None, handler=None):
    """A real SMTP server on 127.0.0.1 (aiosmtpd); ``.handler.messages`` holds what arrived."""
    from aiosmtpd.controller import Controller

    controller = Controller(handler or SinkHandler(), hostname="127.0.0.1", port=port or free_port())
    controller.start()
    return controller


@pytest.fixture
def smtp_sink():
    controller = start_sink()
    yield controller
    controller.stop()
