"""The access matrix: every rule of the URL map, every method it accepts, every audience.

Each call (with a valid CSRF token) is compared with tests/access_matrix_table.py; a route
missing from that table fails here, so every new page has to be placed in it. Refused calls and
GETs must leave the database exactly as it was (row counts and a hash of every table's rows),
every POST rule must refuse a POST without a CSRF token (400), and no call may give a 500.

All calls run against one database per module, built once. Refused calls and GETs use one
logged-in client per audience; each call that may change data (an allowed POST) gets a client
of its own, and the database is put back as it was built afterwards.
"""

import hashlib
import re
import shutil
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.engine import make_url
from werkzeug.security import generate_password_hash

from confapp import create_app
from confapp.extensions import db
from confapp.models import (
    AgendaItemKind,
    Category,
    Event,
    EventKind,
    MailStatus,
    OutboxMail,
    Role,
    User,
    UserRole,
)
from confapp.models.base import utcnow
from confapp.services import checkin, qa, question_box, tokens
from confapp.services import events as event_service
from confapp.services import registration as registrations
from confapp.services.events import AgendaItemInput, EventInput
from confapp.services.question_box import BoxInput
from confapp.services.registration import RegistrationInput, Site, use_site
from confapp.timezones import to_form_value
from tests.access_matrix_table import (
    ADMINISTRATOR,
    ATTENDEE,
    AUDIENCES,
    CHAIR,
    FORBIDDEN,
    LOGIN,
    NOT_FOUND,
    OK,
    ORGANISER,
    TABLE,
    VICE_CHAIR,
)
from tests.conftest import PG_URL, FreshContextClient, _migrate, base_config, future

CONFIG = {"WTF_CSRF_ENABLED": True, "RATELIMIT_ENABLED": False}
PASSWORD = "correct-horse-battery"
# A cheap hash: the login is real, but 70 logins must not cost 70 scrypt runs.
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
STAFF_ROLES = {ORGANISER: Role.ORGANISER, CHAIR: Role.CHAIR, VICE_CHAIR: Role.VICE_CHAIR,
               ADMINISTRATOR: Role.ADMINISTRATOR}
IGNORED_METHODS = {"HEAD", "OPTIONS"}
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*\bvalue="([^"]+)"')
TABLE_FILE = "tests/access_matrix_table.py"


# --- The data every URL argument is filled from ---------------------------------------------


@dataclass(frozen=True)
class World:
    """Ids and values of the data the calls run against (plain values: no session needed)."""

    event_id: int
    talk_id: int
    workshop_id: int
    attendee_id: int  # confirmed, with a workshop: the ATTENDEE audience's own registration
    victim_id: int  # confirmed: whose link the other audiences try with a forged token
    arrived_id: int  # confirmed and checked in
    waiting_id: int  # on the waiting list
    failed_mail_id: int
    user_id: int  # the chair's account, which the administrator changes
    inactive_user_id: int  # a deactivated account
    attendee_token: str
    forged_token: str  # the victim's id with the attendee's signature
    victim_ticket: str
    attendee_email: str
    organiser_email: str
    password: str
    starts_local: str
    ends_local: str
    item_ends_local: str
    qa_session_id: int  # the talk's Q&A: open, pre-moderated
    qa_code: str
    question_id: int  # a pending question in it
    question_version: int
    qa_target_id: int  # an approved question of the same session (to merge into)
    closed_qa_item_id: int  # the workshop's Q&A: stopped, one approved question unanswered
    closed_question_id: int
    closed_question_version: int
    box_message_id: int  # the question box: a new message (with e-mail and consent) ...
    box_answered_id: int  # ... one answered by mail only (to publish) ...
    box_answered_version: int
    box_published_id: int  # ... and one published (to take off the public page)
    box_published_version: int
    box_slug: str  # the published one's public URL

    def staff_email(self, audience: str) -> str:
        return f"{audience}@example.org"


def url_values(world: World, audience: str) -> dict:
    """URL argument -> value. A new argument needs a line here and its object in build_world."""
    return {
        "event_id": world.event_id,
        "item_id": world.talk_id,
        "registration_id": world.victim_id,
        "mail_id": world.failed_mail_id,
        "user_id": world.user_id,
        "direction": "up",
        "session_id": world.qa_session_id,
        "question_id": world.question_id,
        "code": world.qa_code,
        "fmt": "csv",
        "message_id": world.box_message_id,
        "slug": world.box_slug,
        "filename": "style.css",
        "token": world.attendee_token if audience == ATTENDEE else world.forged_token,
    }


def _form_time(moment) -> str:
    return to_form_value(moment).strftime("%Y-%m-%dT%H:%M")


def _person(email: str, **extra) -> RegistrationInput:
    return RegistrationInput(first_name="Anne", last_name=email.split("@")[0].title(),
                             email=email, organisation="Jobcenter Aarhus",
                             category=Category.JOBCENTRE, job_title="Konsulent", **extra)


def build_world(app, session) -> World:
    """Staff of every role; a published event with a talk and a workshop; registrations
    confirmed, checked in and waitlisted, and one seat left; a failed mail in the outbox."""
    for audience, role in STAFF_ROLES.items():
        session.add(User(email=f"{audience}@example.org", name=audience.replace("_", " ").title(),
                         password_hash=PASSWORD_HASH, role_rows=[UserRole(role=role)]))
    inactive = User(email="former@example.org", name="Former Organiser", active=False,
                    password_hash=PASSWORD_HASH, role_rows=[UserRole(role=Role.ORGANISER)])
    session.add(inactive)
    use_site(session, Site(base_url="http://localhost", secret_key=app.secret_key))
    starts = future(30, hour=8)
    event = event_service.create_event(session, EventInput(
        kind=EventKind.CONFERENCE, title="Beskæftigelseskonferencen", starts_at=starts,
        ends_at=starts + timedelta(hours=6), capacity=3, venue="Musikhuset Aarhus"))
    event_service.set_published(session, event, True)
    # Added out of time order, so that "sort" and "move up" have something to do.
    workshop = event_service.add_agenda_item(session, event, AgendaItemInput(
        kind=AgendaItemKind.WORKSHOP, title="Unge uden uddannelse",
        starts_at=starts + timedelta(hours=1), ends_at=starts + timedelta(hours=2), capacity=10))
    talk = event_service.add_agenda_item(session, event, AgendaItemInput(
        kind=AgendaItemKind.TALK, title="Velkomst", starts_at=starts,
        ends_at=starts + timedelta(minutes=30)))
    attendee = registrations.register(session, event, _person("deltager@example.org",
                                                              workshop_ids=[workshop.id]))
    victim = registrations.register(session, event, _person("anden@example.org"))
    arrived = registrations.register(session, event, _person("ankommet@example.org"))
    waiting = registrations.register(session, event, _person("venter@example.org"))
    # One free seat beside the waiting list, so that "promote" and walk-ins really take it.
    session.execute(update(Event).where(Event.id == event.id).values(capacity=4))
    checkin.check_in(session, arrived, actor="organiser@example.org")
    # Q&A: the talk takes questions (one pending, one approved); the workshop's Q&A is stopped,
    # with an approved question waiting for a written answer.
    talk_qa = qa.enable_qa(session, talk)
    question = qa.ask(session, talk_qa, qa.Asker(participant_key="c:matrix-1", name="Mia"),
                      "Hvordan kommer flere unge i job?", utcnow())
    target = qa.ask(session, talk_qa, qa.Asker(participant_key="c:matrix-2", name="Ole"),
                    "Hvad virker for unge ledige?", utcnow())
    qa.approve(session, target, "organiser@example.org")
    closed_qa = qa.enable_qa(session, workshop)
    closed_question = qa.ask(session, closed_qa, qa.Asker(participant_key="c:matrix-3"),
                             "Hvem betaler for mentorer?", utcnow())
    qa.approve(session, closed_question, "organiser@example.org")
    qa.stop(session, closed_qa)
    box_message, box_answered, box_published = (question_box.submit(session, BoxInput(
        kind="question", subject=f"Matrixspørgsmål {n}", text="Hvordan får flere unge job?",
        email=f"spoerger{n}@example.org", consent_publish=True)) for n in range(3))
    answerer = session.scalar(select(User).where(User.email == f"{ORGANISER}@example.org"))
    for message, publish in ((box_answered, False), (box_published, True)):
        question_box.answer(session, message, "Sådan.", answerer, reply_privately=True,
                            publish=publish, base_url="http://localhost")
    failed_mail_id = session.scalar(select(OutboxMail.id).where(
        OutboxMail.registration_id == victim.id).order_by(OutboxMail.id).limit(1))
    session.execute(update(OutboxMail).where(OutboxMail.id == failed_mail_id).values(
        status=MailStatus.FAILED, attempts=1, last_error="550 mailbox unavailable"))
    session.commit()

    site = Site(base_url="http://localhost", secret_key=app.secret_key)
    attendee_token = registrations.personal_token(site, attendee)
    world = World(
        event_id=event.id, talk_id=talk.id, workshop_id=workshop.id, attendee_id=attendee.id,
        victim_id=victim.id, arrived_id=arrived.id, waiting_id=waiting.id,
        failed_mail_id=failed_mail_id, attendee_token=attendee_token,
        user_id=session.scalar(select(User.id).where(User.email == f"{CHAIR}@example.org")),
        inactive_user_id=inactive.id,
        forged_token=f"{victim.id}.{attendee_token.partition('.')[2]}",
        victim_ticket=tokens.ticket_payload(app.secret_key, event.id, victim.id),
        attendee_email=attendee.email, organiser_email=f"{ORGANISER}@example.org",
        password=PASSWORD, starts_local=_form_time(starts),
        ends_local=_form_time(event.ends_at), item_ends_local=_form_time(talk.ends_at),
        qa_session_id=talk_qa.id, qa_code=event.qa_code, question_id=question.id,
        question_version=question.version, qa_target_id=target.id,
        closed_qa_item_id=workshop.id, closed_question_id=closed_question.id,
        closed_question_version=closed_question.version,
        box_message_id=box_message.id, box_answered_id=box_answered.id,
        box_answered_version=box_answered.version, box_published_id=box_published.id,
        box_published_version=box_published.version, box_slug=box_published.public_slug)
    assert (attendee.status, victim.status, arrived.status, waiting.status) == (
        "confirmed", "confirmed", "confirmed", "waitlisted")
    return world


# --- Clients, one per audience ---------------------------------------------------------------


def front_page(client) -> tuple[str, str]:
    """The front page, and the client's CSRF token from the language switch every page has."""
    page = client.get("/")
    html = page.get_data(as_text=True)
    match = CSRF_INPUT.search(html)
    assert page.status_code == 200 and match, "no CSRF token on the front page"
    return html, match.group(1)


def client_for(app, world: World, audience: str):
    """A test client as ``audience`` sees the site, and its CSRF token."""
    client = app.test_client()
    if audience == ATTENDEE:
        page = client.get(f"/r/{world.attendee_token}")
        assert page.status_code == 200, f"the attendee's own link gave {page.status_code}"
    elif audience in STAFF_ROLES:
        response = client.post("/auth/login", data={
            "email": world.staff_email(audience), "password": PASSWORD,
            "csrf_token": front_page(client)[1]})
        assert response.status_code == 302 and not _is_login(response), (
            f"logging in as {audience} failed: {_describe(response)}")
    html, token = front_page(client)
    logged_in = 'action="/auth/logout"' in html
    assert logged_in == (audience in STAFF_ROLES), (
        f"{audience}: the front page {'shows' if logged_in else 'does not show'} a logged-in user")
    return client, token


# --- Outcomes and database snapshots ---------------------------------------------------------


def _is_login(response) -> bool:
    return urlsplit(response.headers.get("Location", "")).path == "/auth/login"


def outcome(response) -> str:
    code = response.status_code
    if 300 <= code < 400:
        return LOGIN if _is_login(response) else OK
    if 200 <= code < 300:
        return OK
    return {403: FORBIDDEN, 404: NOT_FOUND}.get(code, f"HTTP {code}")


def _describe(response) -> str:
    location = response.headers.get("Location")
    return f"HTTP {response.status_code}" + (f" -> {location}" if location else "")


class Database:
    """Snapshots of every table (row count and a hash of all rows), and putting the rows back as
    they were, over a connection of its own and with the models' column types."""

    def __init__(self, url: str):
        self.engine = create_engine(url, execution_options={"sqlite_outside_request": "deferred"})
        self.tables = db.metadata.sorted_tables
        self.original: dict = {}
        self.kept: dict = {}

    def _rows(self, conn, table) -> list:
        return list(conn.execute(select(table).order_by(*table.primary_key.columns)))

    def snapshot(self) -> dict:
        result = {}
        with self.engine.connect() as conn:
            for table in self.tables:
                rows = [tuple(row) for row in self._rows(conn, table)]
                digest = hashlib.sha256(repr(rows).encode()).hexdigest()
                result[table.name] = (len(rows), digest, rows)
        return result

    @staticmethod
    def changes(before: dict, after: dict) -> list[str]:
        changed = []
        for name in sorted(before):
            (count, digest, rows), (count2, digest2, rows2) = before[name], after[name]
            if digest != digest2:
                gone = [row for row in rows if row not in rows2][:3]
                new = [row for row in rows2 if row not in rows][:3]
                changed.append(f"{name}: {count} -> {count2} rows; before {gone}, after {new}")
        return changed

    def keep(self) -> None:
        """Remember the rows as they are now, for restore()."""
        with self.engine.connect() as conn:
            self.original = {table: [row._asdict() for row in self._rows(conn, table)]
                             for table in self.tables}
        self.kept = self.snapshot()

    def restore(self) -> None:
        """Every table back to the rows keep() saw (sequences too, on PostgreSQL)."""
        with self.engine.begin() as conn:
            for table in reversed(self.tables):
                conn.execute(table.delete())
            for table in self.tables:
                if self.original[table]:
                    conn.execute(table.insert(), self.original[table])
                if conn.dialect.name == "postgresql" and "id" in table.columns:
                    conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE(MAX(id), 0) + 1, false) FROM {table.name}"))
        changes = self.changes(self.kept, self.snapshot())
        assert not changes, f"the data could not be put back as it was: {changes}"

    def close(self) -> None:
        self.engine.dispose()


# --- The cases, from the URL map ------------------------------------------------------------


def _rules(app) -> list[tuple[str, str, str]]:
    """(endpoint, rule, method) for every rule and accepted method of the app."""
    return sorted((rule.endpoint, rule.rule, method) for rule in app.url_map.iter_rules()
                  for method in rule.methods - IGNORED_METHODS)


_URL_MAP_APP = create_app(base_config("sqlite://"))
ALL_CALLS = _rules(_URL_MAP_APP)
POST_RULES = sorted({(endpoint, rule) for endpoint, rule, method in ALL_CALLS
                     if method == "POST"})


def _changes_data(endpoint: str, method: str, audience: str) -> bool:
    """An allowed POST may change data (and the client's session): it gets a client of its own."""
    access = TABLE.get(endpoint)
    return access is not None and method != "GET" and access.expected(audience, method) == OK


def _case_id(audience: str, endpoint: str, rule: str, method: str) -> str:
    return f"{audience}-{endpoint}-{method}"


REFUSED_OR_GET_CASES = [pytest.param(a, e, r, m, id=_case_id(a, e, r, m))
                        for e, r, m in ALL_CALLS for a in AUDIENCES if not _changes_data(e, m, a)]
ALLOWED_POST_CASES = [pytest.param(a, e, r, m, id=_case_id(a, e, r, m))
                      for e, r, m in ALL_CALLS for a in AUDIENCES if _changes_data(e, m, a)]


def _access(endpoint: str, rule: str):
    if endpoint not in TABLE:
        pytest.fail(f"{endpoint} ({rule}) is not in the access matrix: add it to TABLE in "
                    f"{TABLE_FILE} with what each audience may do", pytrace=False)
    return TABLE[endpoint]


def _url(app, world: World, audience: str, endpoint: str, rule_text: str, access) -> str:
    rule = next(r for r in app.url_map.iter_rules()
                if r.endpoint == endpoint and r.rule == rule_text)
    values = url_values(world, audience)
    values.update({name: getattr(world, attribute) for name, attribute in access.args.items()})
    missing = sorted(set(rule.arguments) - values.keys())
    if missing:
        pytest.fail(f"{endpoint} ({rule_text}) takes {', '.join(missing)}, which the access "
                    f"matrix cannot fill: add a value to url_values() in tests/test_access_matrix"
                    f".py (and the object it names to build_world)", pytrace=False)
    return rule.build({name: values[name] for name in rule.arguments})[1]


def _call(client, method: str, url: str, data: dict, token: str | None):
    if method == "GET":
        return client.get(url)
    form = dict(data)
    if token is not None:
        form["csrf_token"] = token
    return client.open(url, method=method, data=form)


# --- The database, the data and a client per audience -------------------------------------


@dataclass
class Matrix:
    app: object
    world: World
    clients: dict
    database: Database


def _own_postgres_database() -> str:
    """A database beside conftest's, which it empties after each test of its own."""
    server = make_url(PG_URL)
    name = f"{server.database}_access_matrix"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = server.set(database=name).render_as_string(hide_password=False)
    _migrate(url)
    return url


def _drop_postgres_database(url: str) -> None:
    admin = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def matrix(database_template, tmp_path_factory):
    if PG_URL:
        url = _own_postgres_database()
    else:
        path = tmp_path_factory.mktemp("access_matrix") / "matrix.sqlite3"
        shutil.copy(database_template, path)
        url = f"sqlite:///{path}"
    app = create_app({**base_config(url), **CONFIG})
    app.test_client_class = FreshContextClient
    with app.app_context():
        world = build_world(app, db.session)
        db.session.remove()
    clients = {audience: client_for(app, world, audience) for audience in AUDIENCES}
    database = Database(url)
    database.keep()  # after the logins, so that putting the data back keeps them valid
    yield Matrix(app, world, clients, database)
    database.close()
    with app.app_context():
        db.engine.dispose()
    if PG_URL:
        _drop_postgres_database(url)


@pytest.fixture
def restored(matrix):
    """Put the data back as it was built after a call that may have changed it."""
    yield matrix
    matrix.database.restore()


# --- The tests ------------------------------------------------------------------------------


def test_the_table_names_every_rule_and_only_those(matrix):
    """One overview of what is missing from the table, or stale in it."""
    endpoints = {rule.endpoint for rule in matrix.app.url_map.iter_rules()}
    assert sorted(endpoints - TABLE.keys()) == [], f"routes missing from {TABLE_FILE}"
    assert sorted(TABLE.keys() - endpoints) == [], f"{TABLE_FILE} names routes that do not exist"
    assert _rules(matrix.app) == ALL_CALLS


@pytest.mark.parametrize(("audience", "endpoint", "rule", "method"), REFUSED_OR_GET_CASES)
def test_call(matrix, audience, endpoint, rule, method):
    """A call that must change nothing: one the table refuses, or a GET."""
    access = _access(endpoint, rule)
    expected = access.expected(audience, method)
    client, token = matrix.clients[audience]
    url = _url(matrix.app, matrix.world, audience, endpoint, rule, access)
    before = matrix.database.snapshot()
    response = _call(client, method, url, access.data(matrix.world), token)
    assert response.status_code < 500, f"{method} {url} as {audience}: {_describe(response)}"
    changes = Database.changes(before, matrix.database.snapshot())
    if changes:
        matrix.database.restore()  # so that the calls after this one see the data as built
    assert not changes, (f"{method} {url} as {audience} gave {_describe(response)} but "
                         f"changed the database: {changes}")
    assert outcome(response) == expected, (
        f"{method} {url} ({endpoint}) as {audience}: expected {expected}, "
        f"got {_describe(response)}")


@pytest.mark.parametrize(("audience", "endpoint", "rule", "method"), ALLOWED_POST_CASES)
def test_allowed_call(restored, audience, endpoint, rule, method):
    """A call that may change data: allowed as the table says, and it does change the data."""
    access = _access(endpoint, rule)
    app, world, database = restored.app, restored.world, restored.database
    client, token = client_for(app, world, audience)
    url = _url(app, world, audience, endpoint, rule, access)
    before = database.snapshot()
    response = _call(client, method, url, access.data(world), token)
    changed = Database.changes(before, database.snapshot())
    assert response.status_code < 500, f"{method} {url} as {audience}: {_describe(response)}"
    assert outcome(response) == OK, (f"{method} {url} ({endpoint}) as {audience}: expected ok, "
                                     f"got {_describe(response)}")
    assert changed or not access.changes, (
        f"{method} {url} ({endpoint}) as {audience} changed nothing: the data for it in "
        f"{TABLE_FILE} no longer makes a successful call (or set changes=False there)")


@pytest.mark.parametrize(("audience", "endpoint", "rule"), [
    pytest.param(a, e, r, id=f"{a}-{e}") for e, r in POST_RULES for a in AUDIENCES])
def test_post_without_csrf_token_is_refused(matrix, audience, endpoint, rule):
    """Every POST rule, for every audience: no CSRF token, 400 and nothing changed."""
    access = _access(endpoint, rule)
    client, _token = matrix.clients[audience]
    url = _url(matrix.app, matrix.world, audience, endpoint, rule, access)
    before = matrix.database.snapshot()
    response = _call(client, "POST", url, access.data(matrix.world), None)
    changes = Database.changes(before, matrix.database.snapshot())
    if changes:
        matrix.database.restore()
    assert response.status_code == 400, (f"POST {url} ({endpoint}) as {audience} without a CSRF "
                                         f"token: expected 400, got {_describe(response)}")
    assert not changes, f"POST {url} as {audience} without a CSRF token changed {changes}"
