"""The ceiling for the registration rush: the least a Flask app can do per registration.

    gunicorn 'bench.ceiling_app:create_app()'     # CEILING_DATABASE_URL=sqlite:///… or postgresql://…

Flask, a Flask-WTF form with the registration form's ten fields (same validators: required
text with lengths, an e-mail check without DNS, a choice of group, two optional texts, two
consents) and CSRF tied to the session, and one INSERT into one table per registration:
psycopg 3 on PostgreSQL, sqlite3 on SQLite (WAL, synchronous=NORMAL, as confapp runs it).
``bench/registration_rush.py --ceiling`` serves it with the same gunicorn settings and the same
clients as confapp, so ``cpu_ratio_to_ceiling`` says how far confapp is from this floor of
framework cost. No seats, waiting list, history, mail or personal link: those are confapp's.
"""

from __future__ import annotations

import os
import sqlite3
import threading

from flask import Flask, redirect, render_template_string
from flask_wtf import CSRFProtect, FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

TABLE = "bench_ceiling_registrations"
CATEGORIES = ("jobcentre", "municipality_politician", "municipality_administration", "lbr_rar",
              "a_kasse", "education", "union", "employer_org", "agency", "company", "press",
              "other")
COLUMNS = ("event_id", "first_name", "last_name", "email", "organisation", "category",
           "job_title", "dietary_needs", "accessibility_needs", "consent_participant_list",
           "consent_photos")
SCHEMA = f"""CREATE TABLE {TABLE} (
    id {{id_type}},
    event_id INTEGER NOT NULL,
    first_name VARCHAR(100) NOT NULL,
    last_name VARCHAR(100) NOT NULL,
    email VARCHAR(254) NOT NULL,
    organisation VARCHAR(200) NOT NULL,
    category VARCHAR(30) NOT NULL,
    job_title VARCHAR(200) NOT NULL,
    dietary_needs TEXT NOT NULL,
    accessibility_needs TEXT NOT NULL,
    consent_participant_list BOOLEAN NOT NULL,
    consent_photos BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (event_id, email)
)"""
PAGE = """<!doctype html><html lang="da"><head><meta charset="utf-8"><title>Tilmelding</title></head>
<body><h1>Tilmelding</h1>
<form method="post" novalidate>
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
{% for field in form if field.name != "csrf_token" %}
<p>{{ field.label }} {{ field() }}{% for error in field.errors %} <em>{{ error }}</em>{% endfor %}</p>
{% endfor %}
<button type="submit">Tilmeld</button></form></body></html>"""


def _text(label: str, max_length: int) -> StringField:
    return StringField(label, validators=[DataRequired(), Length(max=max_length)])


class RegistrationForm(FlaskForm):
    first_name = _text("Fornavn", 100)
    last_name = _text("Efternavn", 100)
    email = EmailField("E-mail", validators=[DataRequired(), Email(check_deliverability=False),
                                             Length(max=254)])
    organisation = _text("Organisation", 200)
    category = SelectField("Gruppe", validators=[DataRequired()],
                           choices=[("", "Vælg…")] + [(c, c) for c in CATEGORIES])
    job_title = _text("Stilling", 200)
    dietary_needs = TextAreaField("Kost", validators=[Optional(), Length(max=500)])
    accessibility_needs = TextAreaField("Tilgængelighed", validators=[Optional(), Length(max=500)])
    consent_participant_list = BooleanField("Deltagerliste")
    consent_photos = BooleanField("Fotos")


# --- the one table ------------------------------------------------------------------------

def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _sqlite_path(url: str) -> str:
    return url.split(":///", 1)[1]


def _psycopg_conninfo(url: str) -> str:
    """psycopg takes libpq URLs: drop SQLAlchemy's ``+psycopg`` driver suffix."""
    scheme, rest = url.split("://", 1)
    return "postgresql://" + rest if scheme.startswith("postgres") else url


def _sqlite_connect(url: str) -> sqlite3.Connection:
    connection = sqlite3.connect(_sqlite_path(url), timeout=30, isolation_level=None,
                                 check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


def init_schema(url: str) -> None:
    """(Re)create the table: empty before every bench run."""
    _run_ddl(url, f"DROP TABLE IF EXISTS {TABLE}", SCHEMA)


def drop_schema(url: str) -> None:
    """Remove the table again, so a database given with --database-url is left as it was."""
    _run_ddl(url, f"DROP TABLE IF EXISTS {TABLE}")


def _run_ddl(url: str, *statements: str) -> None:
    if _is_sqlite(url):
        connection = _sqlite_connect(url)
        for statement in statements:
            connection.execute(statement.format(id_type="INTEGER PRIMARY KEY"))
        connection.close()
        return
    import psycopg

    with psycopg.connect(_psycopg_conninfo(url), autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement.format(id_type="BIGSERIAL PRIMARY KEY"))


def count_rows(url: str, event_id: int) -> int:
    query = f"SELECT count(*) FROM {TABLE} WHERE event_id = "
    if _is_sqlite(url):
        connection = _sqlite_connect(url)
        count = connection.execute(query + "?", (event_id,)).fetchone()[0]
        connection.close()
        return count
    import psycopg

    with psycopg.connect(_psycopg_conninfo(url)) as connection:
        return connection.execute(query + "%s", (event_id,)).fetchone()[0]


class Inserter:
    """One connection per thread (gthread workers), opened on first use and kept."""

    def __init__(self, url: str):
        self.url = url
        self.local = threading.local()
        placeholder = "?" if _is_sqlite(url) else "%s"
        self.sql = (f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES "
                    f"({', '.join([placeholder] * len(COLUMNS))}) RETURNING id")

    def _connection(self):
        connection = getattr(self.local, "connection", None)
        if connection is None:
            if _is_sqlite(self.url):
                connection = _sqlite_connect(self.url)
            else:
                import psycopg

                connection = psycopg.connect(_psycopg_conninfo(self.url), autocommit=True)
            self.local.connection = connection
        return connection

    def insert(self, values: tuple) -> int | None:
        """The new row's id, or None when the address is already registered for the event."""
        connection = self._connection()
        try:
            return connection.execute(self.sql, values).fetchone()[0]
        except sqlite3.IntegrityError:
            return None
        except Exception as error:
            if type(error).__name__ == "UniqueViolation":
                return None
            raise


# --- the app ------------------------------------------------------------------------------

def create_app() -> Flask:
    app = Flask(__name__)
    app.config.update(WTF_CSRF_TIME_LIMIT=None)
    app.config.from_prefixed_env()  # FLASK_SECRET_KEY, as confapp's servers get it
    CSRFProtect(app)
    inserter = Inserter(os.environ["CEILING_DATABASE_URL"])

    @app.route("/events/<int:event_id>/register", methods=["GET", "POST"])
    def register(event_id: int):
        form = RegistrationForm()
        if form.validate_on_submit():
            values = (event_id, form.first_name.data.strip(), form.last_name.data.strip(),
                      form.email.data.strip().lower(), form.organisation.data.strip(),
                      form.category.data, form.job_title.data.strip(),
                      (form.dietary_needs.data or "").strip(),
                      (form.accessibility_needs.data or "").strip(),
                      bool(form.consent_participant_list.data), bool(form.consent_photos.data))
            new_id = inserter.insert(values)
            if new_id is None:
                return "Already registered", 200
            return redirect(f"/r/{new_id}")
        return render_template_string(PAGE, form=form)

    return app
