"""Fuzzing every form: public, attendee, check-in, organiser and login.

Hypothesis posts arbitrary text (any Unicode, control characters, NUL, empty and huge values),
out-of-range numbers and dates, and tampered hidden, select and radio values. For every post:

* never a server error;
* a refused post changes nothing in the database and shows an error, in the language the
  person reads the site in (every message must come from our catalogue in that language);
* an accepted post stores a complete record (the registration with its history row and its
  mail, the seats that go with it), and the whole database stays consistent.

The examples per form come from tests/hypothesis_profiles.py: a CI budget by default,
``FUZZ_PROFILE=long`` for thousands. Each test builds its app once and runs its examples
against it, so what earlier examples stored is part of what later ones meet.
"""

import html
import io
import itertools
import json
import logging
import re
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import quote, quote_from_bytes, unquote, urlsplit

import pytest
import wtforms
from babel.messages.pofile import read_po
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select

from confapp.extensions import db
from confapp.models import (
    AgendaItemKind,
    Base,
    Category,
    EventKind,
    OutboxMail,
    RegistrationStatus,
    Role,
    User,
)
from confapp.services import tokens, users
from confapp.timezones import local_to_utc, to_form_value
from tests.conftest import PASSWORD, future
from tests.fuzz_strategies import (
    LANGUAGES,
    any_text,
    checkbox_text,
    choice_text,
    datetime_text,
    email_text,
    form_posts,
    id_text,
    integer_text,
    plain_text,
    url_text,
)
from tests.hypothesis_profiles import fuzz_settings

ORGANISER = "organiser@example.org"
ACCESS_CODE = "Adgang-2027"
CATEGORIES = [c.value for c in Category]
EVENT_KINDS = [k.value for k in EventKind]
AGENDA_KINDS = [k.value for k in AgendaItemKind]
STATUSES = [s.value for s in RegistrationStatus]
CATALOGUE = Path(__file__).resolve().parent.parent / "confapp/translations/da/LC_MESSAGES/messages.po"


@pytest.fixture
def app_config():
    # Thousands of posts from one address: the rate limits are tested elsewhere.
    return {"RATELIMIT_ENABLED": False}


# --- What the person reads: every message must be in their language ----------------------------

_PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")


def _plain(text: str) -> str:
    """Markup removed, entities decoded, white space collapsed: the text as it reads."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def _pattern(message: str) -> str | None:
    """A regular expression for a catalogue message with its placeholders filled in."""
    literal = [re.escape(part.replace("%%", "%")) for part in _PLACEHOLDER.split(_plain(message))]
    if sum(len(re.findall(r"\w", part)) for part in literal) < 2:
        return None  # nearly all placeholder: it would match any text at all
    return ".*?".join(literal).replace(r"\ ", " ")


@cache
def _messages_in(language: str) -> re.Pattern:
    """One or more catalogue messages of ``language``, separated by spaces (a field's errors)."""
    texts: set[str] = set()
    for message in read_po(CATALOGUE.open("rb"), locale="da"):
        if not message.id:
            continue
        source = message.id if language == "en" else message.string
        texts.update(source if isinstance(source, tuple) else (source,))
    if language == "en":  # WTForms' own English messages are English too
        pot = Path(wtforms.__file__).parent / "locale/wtforms.pot"
        for message in read_po(pot.open("rb")):
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            texts.update(i for i in ids if i)
    patterns = sorted({p for t in texts if t and (p := _pattern(t))}, key=len, reverse=True)
    one = "(?:" + "|".join(patterns) + ")"
    return re.compile(f"{one}(?: {one})*", re.DOTALL)


def _in_language(text: str, language: str) -> bool:
    return _messages_in(language).fullmatch(text) is not None


_ERROR = re.compile(r'<p class="error"[^>]*>(.*?)</p>', re.DOTALL)
_FLASH = re.compile(r'<p class="flash flash-(\w+)">(.*?)</p>', re.DOTALL)
_NOTICE = re.compile(r'<p class="notice"[^>]*>(.*?)</p>', re.DOTALL)
_HEADLINE = re.compile(r'<p class="headline">(.*?)</p>', re.DOTALL)
_H1 = re.compile(r"<h1>(.*?)</h1>", re.DOTALL)
_HTML_LANG = re.compile(r'<html lang="([^"]*)"')
_PREFIX = re.compile(r'<span class="error-prefix">(.*?)</span>', re.DOTALL)
_SYMBOL = re.compile(r'<span class="symbol"[^>]*>.*?</span>', re.DOTALL)


@dataclass
class Page:
    """What one response told the person, with the errors among it."""

    status: int
    messages: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    flashes: dict[str, list[str]] = field(default_factory=dict)
    outcome: str | None = None  # the check-in desk's result


def read_page(response) -> Page:
    page = Page(response.status_code)
    if response.mimetype == "application/json":
        body = response.get_json(silent=True) or {}
        if body.get("headline"):
            page.messages.append(_plain(body["headline"]))
            if response.status_code >= 400:
                page.errors.append(_plain(body["headline"]))
        page.outcome = body.get("outcome")
        return page
    if response.mimetype != "text/html":
        return page
    text = response.get_data(as_text=True)
    for raw in _ERROR.findall(text):
        page.messages += [_plain(prefix) for prefix in _PREFIX.findall(raw)]
        page.errors.append(_plain(_PREFIX.sub("", raw)))
    for category, raw in _FLASH.findall(text):
        page.flashes.setdefault(category, []).append(_plain(raw))
        if category == "error":
            page.errors.append(_plain(raw))
    for raw in _HEADLINE.findall(text):
        page.messages.append(_plain(_SYMBOL.sub("", raw)))
    if outcome := re.search(r'class="checkin-result outcome-(\w+)"', text):
        page.outcome = outcome.group(1)
    if response.status_code >= 400:
        page.errors += [_plain(raw) for raw in _H1.findall(text) + _NOTICE.findall(text)]
    page.messages += page.errors + [m for ms in page.flashes.values() for m in ms]
    return page


def check_language(response, page: Page, language: str, what: str) -> None:
    if 300 <= response.status_code < 400:
        return  # a redirect's body is Werkzeug's, for clients that do not follow
    if response.mimetype == "text/html":
        declared = _HTML_LANG.search(response.get_data(as_text=True))
        assert declared and declared.group(1) == language, (
            f"{what}: page in {declared and declared.group(1)!r}, the person reads {language!r}")
    if response.mimetype in ("text/html", "application/json"):
        assert response.headers.get("Content-Language") == language, what
    wrong = [m for m in page.messages if m and not _in_language(m, language)]
    assert not wrong, f"{what}: not in {language!r} (or not from the catalogue): {wrong}"


# --- The database: snapshots and the rules that always hold -------------------------------------

TABLES = list(Base.metadata.sorted_tables)


def snapshot() -> dict[str, list[dict]]:
    """Every row of every table (cheap: the fuzzed databases stay small)."""
    with db.engine.connect() as conn:
        return {t.name: [dict(r._mapping) for r in conn.execute(
            select(t).order_by(*t.primary_key.columns))] for t in TABLES}


def changes(before: dict, after: dict) -> dict[str, str]:
    """Per table, what differs: for a readable assertion message."""
    found = {}
    for name, rows in before.items():
        if rows != after[name]:
            old = {r["id"]: r for r in rows}
            new = {r["id"]: r for r in after[name]}
            added = [i for i in new if i not in old]
            removed = [i for i in old if i not in new]
            changed = [i for i in new if i in old and new[i] != old[i]]
            found[name] = f"added {added[:5]}, removed {removed[:5]}, changed {changed[:5]}"
    return found


def new_rows(before: dict, after: dict, table: str) -> list[dict]:
    old = {r["id"] for r in before[table]}
    return [r for r in after[table] if r["id"] not in old]


def inconsistencies(rows: dict[str, list[dict]]) -> set[str]:
    """Half-records and broken counts: a registration without its history row or its mail, a
    seat count that disagrees with the registrations, text the columns (or PostgreSQL) refuse."""
    found: set[str] = set()
    registrations = {r["id"]: r for r in rows["registrations"]}
    events = {e["id"]: e for e in rows["events"]}
    items = {i["id"]: i for i in rows["agenda_items"]}
    history = {r["registration_id"] for r in rows["registration_history"]}
    mailed = {m["registration_id"] for m in rows["outbox"]}
    for r in registrations.values():
        who = f"registration {r['id']}"
        if r["id"] not in history:
            found.add(f"{who} has no history row")
        stamp = {"confirmed": "confirmed_at", "waitlisted": "waitlisted_at",
                 "cancelled": "cancelled_at"}[r["status"]]
        if r[stamp] is None:
            found.add(f"{who} is {r['status']} without {stamp}")
        if r["anonymised_at"] is not None:
            continue
        if r["id"] not in mailed:
            found.add(f"{who} has no mail in the outbox")
        if r["email"] != r["email"].strip().lower() or "@" not in r["email"]:
            found.add(f"{who}: e-mail {r['email']!r} not stored plain and lower-case")
        found |= {f"{who}: {column} is blank" for column in (
            "first_name", "last_name", "email", "organisation", "job_title")
            if not r[column].strip()}
    for e in events.values():
        confirmed = sum(1 for r in registrations.values()
                        if r["event_id"] == e["id"] and r["status"] == "confirmed")
        if e["seats_taken"] != confirmed:
            found.add(f"event {e['id']}: {e['seats_taken']} seats taken, {confirmed} confirmed")
        if not e["title"].strip():
            found.add(f"event {e['id']} has a blank title")
    for i in items.values():
        event = events[i["event_id"]]
        if not event["starts_at"] <= i["starts_at"] < i["ends_at"] <= event["ends_at"]:
            found.add(f"agenda item {i['id']} lies outside its event's dates")
        holding = sum(1 for c in rows["workshop_choices"]
                      if c["agenda_item_id"] == i["id"] and c["holds_seat"])
        if i["seats_taken"] != holding:
            found.add(f"agenda item {i['id']}: {i['seats_taken']} seats taken, {holding} held")
    for c in rows["workshop_choices"]:
        registration, item = registrations[c["registration_id"]], items[c["agenda_item_id"]]
        if item["event_id"] != registration["event_id"]:
            found.add(f"workshop choice {c['id']} is for another event's item")
        if item["kind"] != "workshop":
            found.add(f"workshop choice {c['id']} of registration {registration['id']} is for "
                      f"agenda item {item['id']}, a {item['kind']}")
        if c["holds_seat"] != (registration["status"] == "confirmed"):
            found.add(f"workshop choice {c['id']}: holds_seat {c['holds_seat']} for a "
                      f"{registration['status']} registration")
    for table in TABLES:
        for column in table.columns:
            length = getattr(column.type, "length", None)
            for r in rows[table.name]:
                value = r[column.name]
                if not isinstance(value, str):
                    continue
                where = f"{table.name}.{column.name} of row {r['id']}"
                if "\x00" in value:
                    found.add(f"{where} holds NUL (PostgreSQL cannot store it)")
                if length is not None and len(value) > length:
                    found.add(f"{where} is {len(value)} characters, the column holds {length}")
    return found


def check_consistent(before: dict, after: dict) -> None:
    """The request left no half-record behind (earlier damage is reported where it was done)."""
    new = inconsistencies(after) - inconsistencies(before)
    assert not new, f"the database is inconsistent after the request: {sorted(new)}"


# --- Sending requests ---------------------------------------------------------------------------


class _ErrorLog(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)

    def last_exception(self) -> str:
        for record in reversed(self.records):
            if record.exc_info:
                lines = traceback.format_exception(*record.exc_info)
                return "".join(lines[-3:]).strip()
        return "(no traceback logged)"


def _short(data) -> str:
    text = repr(data)
    return text if len(text) < 600 else text[:600] + "…"


@dataclass
class Result:
    response: object
    page: Page
    followed: Page | None  # the page a redirect led to (its flashes tell accepted or refused)

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def errors(self) -> list[str]:
        return self.page.errors + (self.followed.errors if self.followed else [])

    @property
    def refused(self) -> bool:
        return self.status >= 400 or bool(self.errors)


class Fuzz:
    """Sends a request as a person reading the site in one language, and checks the answer."""

    def __init__(self, app, client):
        self.app, self.client = app, client
        self.log = _ErrorLog()
        app.logger.addHandler(self.log)
        self.outcomes: Counter[str] = Counter()  # printed after the test: what the examples met

    def send(self, method: str, url: str, language: str | None, *, data=None, headers=None,
             follow: bool = True, **kwargs) -> Result:
        with self.client.session_transaction() as browser:
            # A message flashed for an earlier example (in its language) is not this one's.
            browser.pop("_flashes", None)
            if language:
                browser["lang"] = language
            else:
                browser.pop("lang", None)
        language = language or "da"
        data = _with_new_addresses(data)
        self.log.records.clear()
        what = f"{method} {url} data={_short(data)}"
        response = self.client.open(url, method=method, data=data, headers=headers, **kwargs)
        assert response.status_code < 500, (
            f"{what} answered {response.status_code}: {self.log.last_exception()}")
        page = read_page(response)
        check_language(response, page, language, what)
        followed = None
        if follow and response.status_code in (301, 302, 303, 307, 308):
            location = urlsplit(response.headers["Location"])
            assert location.netloc in ("", "localhost"), f"{what} redirects off-site: {location}"
            assert location.path.startswith("/") and not location.path.startswith("//"), what
            target = location.path + (f"?{location.query}" if location.query else "")
            next_response = self.client.get(target)
            assert next_response.status_code < 500, (
                f"{what} led to {target}, which answered {next_response.status_code}: "
                f"{self.log.last_exception()}")
            followed = read_page(next_response)
            check_language(next_response, followed, language, f"{what} → {target}")
        result = Result(response, page, followed)
        self.outcomes[f"{method} {result.status} {'refused' if result.refused else 'passed'}"] += 1
        return result

    def post(self, url, language, data=None, **kwargs) -> Result:
        return self.send("POST", url, language, data=data, **kwargs)

    def get(self, url, language, **kwargs) -> Result:
        return self.send("GET", url, language, **kwargs)


@pytest.fixture
def fuzz(app, client):
    harness = Fuzz(app, client)
    yield harness
    app.logger.removeHandler(harness.log)
    print("requests:", dict(sorted(harness.outcomes.items())))  # shown with pytest -s or -rP


def expect_refusal_changed_nothing(result: Result, before: dict, what: str = "") -> None:
    """A refused request shows why, and leaves every table as it was."""
    assert result.errors, f"{what}: refused ({result.status}) without an error message"
    after = snapshot()
    assert after == before, f"{what}: refused, yet the database changed: {changes(before, after)}"


def expect_nothing_changed(before: dict, what: str = "") -> None:
    after = snapshot()
    assert after == before, f"{what}: the database changed: {changes(before, after)}"


# --- The world the examples meet ----------------------------------------------------------------


@dataclass
class World:
    small: object  # capacity 2 and two overlapping workshops: full after two people
    big: object  # room for everyone, three workshops in two time slots
    invite: object  # invitation only, with ACCESS_CODE
    closed: object  # registration closed yesterday
    other: object  # another event, whose workshop ids and tickets are tampered into forms
    people: list  # registrations: confirmed, waitlisted, cancelled, in several events

    def workshop_ids(self, event) -> list[int]:
        return [i.id for i in event.agenda_items if i.kind == AgendaItemKind.WORKSHOP]

    @property
    def all_workshop_ids(self) -> list[int]:
        return [i for e in (self.small, self.big, self.other) for i in self.workshop_ids(e)]


@pytest.fixture
def world(app, session, make_user, make_event, make_item, make_registration):
    from confapp.services import registration as registrations

    make_user(ORGANISER, roles=(Role.ORGANISER,), name="Olga Organiser")
    small = make_event(title="Lille temamøde", capacity=2)
    make_item(small, title="Workshop A", kind=AgendaItemKind.WORKSHOP, capacity=1)
    make_item(small, title="Workshop B", kind=AgendaItemKind.WORKSHOP, offset_minutes=30)
    big = make_event(title="Beskæftigelseskonference", capacity=100_000, days=40, hours=8,
                     kind=EventKind.CONFERENCE)
    make_item(big, title="Velkomst")
    make_item(big, title="Værksted 1", kind=AgendaItemKind.WORKSHOP, offset_minutes=60, capacity=3)
    make_item(big, title="Værksted 2", kind=AgendaItemKind.WORKSHOP, offset_minutes=60)
    make_item(big, title="Værksted 3", kind=AgendaItemKind.WORKSHOP, offset_minutes=180)
    invite = make_event(title="Rådsmøde", capacity=50, invite_only=True, access_code=ACCESS_CODE,
                        kind=EventKind.COUNCIL_MEETING)
    closed = make_event(title="Lukket møde", capacity=50,
                        registration_closes_at=future(days=-1))
    other = make_event(title="Andet møde", capacity=5, days=50)
    make_item(other, title="Andet værksted", kind=AgendaItemKind.WORKSHOP)
    people = [
        make_registration(small, email="first@example.org"),
        make_registration(small, email="second@example.org",
                          workshop_ids=[small.agenda_items[0].id]),
        make_registration(small, email="waiting@example.org"),
        make_registration(big, email="first@example.org",
                          workshop_ids=[big.agenda_items[1].id]),
        make_registration(other, email="elsewhere@example.org"),
    ]
    cancelled = make_registration(big, email="cancelled@example.org")
    registrations.cancel(session, cancelled)
    session.commit()
    return World(small, big, invite, closed, other, people + [cancelled])


@pytest.fixture
def staff(world, login):
    assert login(ORGANISER, PASSWORD, follow=True).status_code == 200
    return world


def token_of(app, registration) -> str:
    return tokens.personal_token(app.secret_key, registration.id, registration.token_nonce)


def ticket_of(app, registration) -> str:
    return tokens.ticket_payload(app.secret_key, registration.event_id, registration.id)


# --- Strategies for the registration form, shared by four pages ---------------------------------


# Replaced by a number no earlier example used, when the form is sent: Hypothesis likes to repeat
# its values, and a repeated address would turn most registrations into "already registered".
NEW = "{new}"
_numbers = itertools.count(1)


def unique_email() -> st.SearchStrategy[str]:
    return st.sampled_from([f"person-{NEW}@example.org", f"Person-{NEW}@Example.ORG"])


def _with_new_addresses(data):
    if isinstance(data, dict):
        return {k: _with_new_addresses(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_with_new_addresses(v) for v in data]
    if isinstance(data, str) and NEW in data:
        return data.replace(NEW, str(next(_numbers)))
    return data


def registration_posts(app, world: World, event, *, with_access_code=False, extra=()):
    """The registration form of ``event``: acceptable values, attacked ones, tampered choices."""
    valid = {
        "first_name": plain_text(30),
        "last_name": plain_text(30),
        "email": unique_email(),
        "organisation": plain_text(60),
        "category": st.sampled_from(CATEGORIES),
        "job_title": plain_text(40),
    }
    attacks = {
        "first_name": any_text(100),
        "last_name": any_text(100),
        "email": st.one_of(email_text(), st.sampled_from(
            ["first@example.org", "FIRST@example.org ", "waiting@example.org",
             "cancelled@example.org", "elsewhere@example.org"])),
        "organisation": any_text(200),
        "category": choice_text(["", *CATEGORIES]),
        "job_title": any_text(200),
        "dietary_needs": any_text(500),
        "accessibility_needs": any_text(500),
        "consent_participant_list": checkbox_text(),
        "consent_photos": checkbox_text(),
    }
    for name, offered in _workshop_choices(app, event).items():
        valid[name] = st.sampled_from(offered)
        attacks[name] = st.one_of(st.sampled_from(offered), id_text(world.all_workshop_ids))
    if with_access_code:
        valid["access_code"] = st.sampled_from([ACCESS_CODE, f" {ACCESS_CODE} "])
        attacks["access_code"] = st.one_of(any_text(100), st.just(ACCESS_CODE.lower()))
    extras = ("workshop_7", "access_code", "csrf_token", "submit", "id", "status",
              "event_id", *extra)
    return form_posts(valid, attacks, extras)


def per_event(posts: dict[str, st.SearchStrategy]) -> st.SearchStrategy[tuple[str, dict]]:
    """(event name, form) pairs: the form strategy depends on the event's workshops."""
    return st.one_of([st.tuples(st.just(name), strategy) for name, strategy in sorted(posts.items())])


# Acceptable registration details, for the examples that pin one attack on one field.
PERSON = {"first_name": "Anne", "last_name": "Hansen", "email": f"person-{NEW}@example.org",
          "organisation": "Jobcenter Aarhus", "category": "jobcentre", "job_title": "Konsulent"}


def _workshop_choices(app, event) -> dict[str, list[str]]:
    """The event's workshop fields (one per time slot) and the values each offers."""
    from confapp.blueprints.attendee.forms import registration_form

    with app.test_request_context():
        return {f.name: [value for value, _ in f.choices]
                for f in registration_form(event).workshop_fields}


def check_new_registration(before, after, registration_id: int, event_id: int, source: str):
    """An accepted registration is complete: the row, its history, its mail, its seats."""
    stored = [r for r in after["registrations"] if r["id"] == registration_id]
    assert stored, "the accepted registration is not stored"
    row = stored[0]
    assert row["event_id"] == event_id and row["source"] == source
    assert row["status"] in ("confirmed", "waitlisted"), row["status"]
    history = [h for h in new_rows(before, after, "registration_history")
               if h["registration_id"] == registration_id]
    assert history, "the accepted registration has no history row"
    mails = [m for m in new_rows(before, after, "outbox") if m["registration_id"] == registration_id]
    assert [m["kind"] for m in mails] in (["confirmed"], ["waitlisted"]), mails
    assert mails[0]["to_address"] == row["email"]


def _posted(form: dict, name: str) -> str | None:
    """The value WTForms reads for ``name``: the first one sent, or None when none was."""
    value = form.get(name)
    return value[0] if isinstance(value, list) else value


def check_times_saved(form: dict, old: dict | None, new: dict, names) -> None:
    """A time that was posted is stored as that Copenhagen time; one not posted stays as it was."""
    for name in names:
        value = _posted(form, name)
        if value is None:
            if old is not None:
                assert new[name] == old[name], (
                    f"{name} was not posted, yet it changed from {old[name]} to {new[name]}")
            continue
        try:
            local = datetime.strptime(value, "%Y-%m-%dT%H:%M")
        except ValueError:
            continue  # accepted after the form's filters cleaned it: not ours to predict
        assert new[name] == local_to_utc(local), (
            f"{name} was posted as {value!r} (Copenhagen), stored as {new[name]} (UTC)")


# --- Public and attendee forms ------------------------------------------------------------------


def test_public_registration_form(app, fuzz, world):
    events = {"small": world.small, "big": world.big, "invite": world.invite,
              "closed": world.closed}
    posts = {name: registration_posts(app, world, event, with_access_code=(name == "invite"))
             for name, event in events.items()}

    @fuzz_settings(scale=2)
    @example(case=("big", {**PERSON, "first_name": "An\x00ne"}), language="da")
    @example(case=("big", {**PERSON, "dietary_needs": "x" * 501}), language="da")
    @example(case=("big", {**PERSON, "workshop_0": str(2**63)}), language="en")
    @given(case=per_event(posts), language=LANGUAGES)
    def register(case, language):
        which, form = case
        event = events[which]
        url = f"/events/{event.id}/register"
        before = snapshot()
        result = fuzz.post(url, language, data=form)
        after = snapshot()
        check_consistent(before, after)
        if result.status == 302:
            token = urlsplit(result.response.headers["Location"]).path.removeprefix("/r/")
            registration_id = tokens.token_registration_id(token)
            assert registration_id is not None, result.response.headers["Location"]
            check_new_registration(before, after, registration_id, event.id, "online")
            assert which != "closed", "registered for an event whose registration has closed"
        elif result.refused:
            expect_refusal_changed_nothing(result, before, f"POST {url}")
        else:  # the address is registered already: a fresh link goes to it, nothing else
            mails = new_rows(before, after, "outbox")
            assert result.status == 200 and [m["kind"] for m in mails] == ["link"], (
                f"POST {url}: neither registered, nor refused with a message, nor a fresh link "
                f"({result.status}, {changes(before, after)})")
            assert len(after["registrations"]) == len(before["registrations"])

    register()


def test_personal_link_edit_form(app, fuzz, world, make_registration):
    person = make_registration(world.big, email="editor@example.org",
                               workshop_ids=[world.big.agenda_items[2].id])
    token, person_id = token_of(app, person), person.id
    posts = registration_posts(app, world, world.big)

    @fuzz_settings(scale=1.5)
    @given(form=posts, language=LANGUAGES)
    def edit(form, language):
        url = f"/r/{token}/edit"
        before = snapshot()
        result = fuzz.post(url, language, data=form)
        after = snapshot()
        check_consistent(before, after)
        if result.refused:
            expect_refusal_changed_nothing(result, before, f"POST {url}")
            return
        assert result.status == 302 and result.followed.flashes.get("success"), (
            f"POST {url}: neither saved nor refused with a message")
        old = next(r for r in before["registrations"] if r["id"] == person_id)
        new = next(r for r in after["registrations"] if r["id"] == person_id)
        assert new["version"] == old["version"] + 1 and new["email"] == old["email"]
        assert new["token_nonce"] == old["token_nonce"], "an edit must not kill the link"
        assert [h["action"] for h in new_rows(before, after, "registration_history")] == ["changed"]
        assert [m["kind"] for m in new_rows(before, after, "outbox")] == ["changed"]

    edit()


def _tampered_tokens(app, world) -> st.SearchStrategy[str]:
    real = [token_of(app, r) for r in world.people]
    waiting = world.people[2]

    def flip(token: str, index: int) -> str:
        index %= len(token)
        return token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1:]

    return st.one_of(
        st.sampled_from(real),
        st.builds(flip, st.sampled_from(real), st.integers(0, 60)),
        st.builds("{}.{}".format, st.sampled_from(["0", "-1", "00001", "99999999999",
                                                   "999999999999", "9" * 40, "١", "٣", "５",
                                                   "1" * 11, str(2**31), str(2**63), ""]),
                  st.sampled_from(["", "x", real[0].partition(".")[2]])),
        st.builds(lambda t, s: t + s, st.sampled_from(real), any_text()),
        st.just(f"{waiting.id}.{real[0].partition('.')[2]}"),
        st.just(real[0].upper()), st.just(real[0] + "="), st.just(" " + real[0]),
        any_text(),
    )


def test_personal_links_with_tampered_tokens(app, fuzz, world, make_registration, session):
    tampered = _tampered_tokens(app, world)
    pages = ["", "/edit", "/cancel", "/ticket.png", "/ticket.pdf", "/event.ics"]
    real = {token_of(app, r) for r in world.people}

    @fuzz_settings()
    @example(fresh=False, token="2200000000.x", page="", method="GET", language="da")
    @example(fresh=False, token="١.x", page="/edit", method="POST", language="en")
    @given(fresh=st.booleans(), token=tampered, page=st.sampled_from(pages),
           method=st.sampled_from(["GET", "POST"]), language=LANGUAGES)
    def open_link(fresh, token, page, method, language):
        if fresh:  # a live registration of its own, so that cancelling it harms no other example
            session.rollback()  # end the test's read transaction: SQLite cannot write from it
            token = token_of(app, make_registration(world.big))
        if method == "POST" and page not in ("/edit", "/cancel"):
            method = "GET"
        url = f"/r/{quote(token, safe='')}{page}"
        before = snapshot()
        result = fuzz.send(method, url, language, data={} if method == "POST" else None)
        after = snapshot()
        check_consistent(before, after)
        if not fresh and token not in real:
            final = result.followed.status if result.followed else result.status
            # An empty token or one with "/" changes the path ("//" is merged, "/" splits it).
            allowed = (404, 405) if not token or "/" in token else (404,)
            assert final in allowed, f"{method} {url}: a tampered link answered {result.status}"
        actions = [h["action"] for h in new_rows(before, after, "registration_history")]
        if result.refused:
            expect_refusal_changed_nothing(result, before, f"{method} {url}")
        elif method == "GET":
            expect_nothing_changed(before, f"{method} {url}")
        elif page == "/edit":  # no fields at all: Flask-WTF reads the stored values, a no-op save
            assert result.status == 302 and actions == ["changed"], changes(before, after)
        else:  # a real link, confirmed cancellation
            assert result.status == 200 and "cancelled" in actions, changes(before, after)

    open_link()


# --- The check-in desk --------------------------------------------------------------------------


def test_checkin_scan_form(app, fuzz, staff):
    world = staff
    event = world.small
    confirmed, waitlisted = world.people[0], world.people[2]
    elsewhere = world.people[4]
    forged = tokens.ticket_payload("not-the-secret-key", event.id, confirmed.id)
    own = {"confirmed": ticket_of(app, confirmed), "waitlisted": ticket_of(app, waitlisted),
           "other_event": ticket_of(app, elsewhere), "invalid": forged}
    payloads = st.one_of(
        st.sampled_from(sorted(own.items())),
        st.tuples(st.just(None), st.one_of(
            any_text(300),
            st.builds(lambda t, s: t + s, st.sampled_from(sorted(own.values())), any_text()),
            st.sampled_from([own["confirmed"].replace("CA1", "CA2"), own["confirmed"][:-1],
                             f"CA1-{event.id}-{2**63}.x", f"CA1-{event.id}-{confirmed.id}",
                             "CA1-1-1.", ".", "-", "CA1"]))))

    @fuzz_settings()
    @given(kind_and_payload=payloads, as_json=st.booleans(), language=LANGUAGES,
           extra=st.dictionaries(st.sampled_from(["csrf_token", "submit", "event_id"]),
                                 any_text(), max_size=2))
    def scan(kind_and_payload, as_json, language, extra):
        kind, payload = kind_and_payload
        url = f"/checkin/{event.id}/scan"
        headers = {"Accept": "application/json"} if as_json else {}
        before = snapshot()
        result = fuzz.post(url, language, data={"payload": payload, **extra}, headers=headers)
        after = snapshot()
        check_consistent(before, after)
        if result.refused:  # nothing scanned, or more than any ticket holds
            expect_refusal_changed_nothing(result, before, f"POST {url}")
            return
        assert result.status == 200 and result.page.outcome, (url, result.status)
        assert result.page.messages, f"POST {url}: the desk shows no result"
        if kind == "confirmed":
            assert result.page.outcome in ("checked_in", "already")
        elif kind is not None:
            assert result.page.outcome == kind, (kind, result.page.outcome)
        if result.page.outcome == "checked_in":
            assert [h["action"] for h in new_rows(before, after, "registration_history")] == [
                "checked_in"]
        else:
            expect_nothing_changed(before, f"POST {url} ({result.page.outcome})")

    scan()


def test_checkin_search_and_actions(app, fuzz, staff):
    world = staff
    event = world.small
    ids = [r.id for r in world.people]

    @fuzz_settings()
    @given(action=st.sampled_from(["search", "check-in", "undo"]), query=any_text(),
           registration_id=st.one_of(st.sampled_from(ids), st.integers(0, 2**70)),
           language=LANGUAGES)
    def act(action, query, registration_id, language):
        before = snapshot()
        if action == "search":
            url = f"/checkin/{event.id}?q={quote(query, safe='')}"
            result = fuzz.get(url, language)
            assert result.status == 200, (url, result.status)
            expect_nothing_changed(before, f"GET {url}")
            return
        url = f"/checkin/{event.id}/registrations/{registration_id}/{action}"
        result = fuzz.post(url, language, data={"q": query})
        after = snapshot()
        check_consistent(before, after)
        ours = registration_id in ids and next(
            r for r in world.people if r.id == registration_id).event_id == event.id
        if not ours:
            assert result.status == 404, f"POST {url}: {result.status} for another event's id"
        if result.refused:
            expect_refusal_changed_nothing(result, before, f"POST {url}")

    act()


def test_checkin_walk_in_form(app, fuzz, staff):
    world = staff
    events = {"small": world.small, "big": world.big}
    posts = {name: registration_posts(app, world, event) for name, event in events.items()}

    @fuzz_settings(scale=1.5)
    @example(case=("big", {**PERSON, "organisation": "\x00"}), language="da")
    @example(case=("big", {**PERSON, "email": "cancelled@example.org"}), language="da")
    @given(case=per_event(posts), language=LANGUAGES)
    def walk_in(case, language):
        which, form = case
        event = events[which]
        url = f"/checkin/{event.id}/walk-in"
        before = snapshot()
        result = fuzz.post(url, language, data=form)
        after = snapshot()
        check_consistent(before, after)
        if result.refused:
            expect_refusal_changed_nothing(result, before, f"POST {url}")
            return
        assert result.status == 200 and result.page.outcome == "checked_in", (
            f"POST {url}: neither checked in nor refused with a message")
        added = new_rows(before, after, "registrations")
        if not added:
            # A walk-in with the address of a cancelled registration brings that row back.
            was = {r["id"]: r for r in before["registrations"]}
            (back,) = [r for r in after["registrations"] if r["event_id"] == event.id
                       and was.get(r["id"], {}).get("status") == "cancelled"
                       and r["status"] != "cancelled"]
            assert back["source"] == "walk_in" and back["checked_in_at"] is not None
            return
        (added,) = added
        check_new_registration(before, after, added["id"], event.id, "walk_in")
        assert added["status"] == "confirmed" and added["checked_in_at"] is not None

    walk_in()


# --- Organiser forms ----------------------------------------------------------------------------


def _event_form(start, *, valid_extra=None):
    """The event form: acceptable values around ``start`` (naive Copenhagen time)."""
    valid = {
        "kind": st.sampled_from(EVENT_KINDS),
        "title": plain_text(60),
        "starts_at": st.just(start.strftime("%Y-%m-%dT%H:%M")),
        "ends_at": st.just((start + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M")),
        "capacity": st.integers(0, 500).map(str),
        **(valid_extra or {}),
    }
    attacks = {
        "kind": choice_text(EVENT_KINDS),
        "title": any_text(200),
        "description": any_text(10000),
        "starts_at": datetime_text(start),
        "ends_at": datetime_text(start + timedelta(hours=5)),
        "venue": any_text(200),
        "address": any_text(300),
        "online_url": url_text(),
        "capacity": integer_text(),
        "registration_opens_at": datetime_text(start - timedelta(days=10)),
        "registration_closes_at": datetime_text(start - timedelta(days=1)),
        "invite_only": checkbox_text(),
        "access_code": any_text(100),
        "contact_name": any_text(200),
        "contact_email": email_text(),
    }
    return form_posts(valid, attacks, ("published", "seats_taken", "id", "csrf_token"))


def test_organiser_event_forms(app, fuzz, staff, session, make_event, make_registration):
    world = staff
    start = to_form_value(future(days=60))
    event = {"kind": "theme_meeting", "title": "Temamøde", "capacity": "40",
             "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
             "ends_at": (start + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M")}

    @fuzz_settings(scale=1.5)
    @example(editing=False, form={**event, "starts_at": "0001-01-01T00:00"}, language="da")
    @example(editing=False, form={**event, "capacity": str(2**31)}, language="en")
    @example(editing=True, form={k: v for k, v in event.items() if k != "starts_at"},
             language="da")
    @example(editing=False, form={**event, "title": "Møde\x00"}, language="da")
    @given(editing=st.booleans(), form=_event_form(start), language=LANGUAGES)
    def save(editing, form, language):
        event_id = None
        session.rollback()  # end the test's read transaction: SQLite cannot write from a stale one
        if editing:  # a fresh event with two seats taken and one person waiting
            event = make_event(title="Til redigering", capacity=2, days=60, hours=5)
            for n in range(3):
                make_registration(event)
            event_id = event.id
        url = f"/organiser/events/{event_id}/edit" if editing else "/organiser/events/new"
        before = snapshot()
        result = fuzz.post(url, language, data=form)
        after = snapshot()
        check_consistent(before, after)
        if result.refused:
            expect_refusal_changed_nothing(result, before, f"POST {url}")
            return
        assert result.status == 302 and result.followed.flashes.get("success"), (
            f"POST {url}: neither saved nor refused with a message")
        if editing:
            old = next(e for e in before["events"] if e["id"] == event_id)
            new = next(e for e in after["events"] if e["id"] == event_id)
        else:
            (new,) = new_rows(before, after, "events")
            old = None
            assert not new["published"], "a new event must start unpublished"
        check_times_saved(form, old, new, ("starts_at", "ends_at", "registration_opens_at",
                                           "registration_closes_at"))

    save()
    assert world  # the world's other events were there to be left alone


def _agenda_item_form(start):
    """The agenda item form: acceptable values inside an event starting at ``start``."""
    valid = {
        "kind": st.sampled_from(AGENDA_KINDS),
        "title": plain_text(60),
        "starts_at": st.integers(0, 6).map(
            lambda h: (start + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M")),
        "ends_at": st.just((start + timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M")),
    }
    attacks = {
        "kind": choice_text(AGENDA_KINDS),
        "title": any_text(200),
        "starts_at": datetime_text(start),
        "ends_at": datetime_text(start + timedelta(hours=2)),
        "room": any_text(120),
        "speakers": any_text(500),
        "description": any_text(5000),
        "capacity": integer_text(),
    }
    return form_posts(valid, attacks, ("position", "seats_taken", "event_id", "csrf_token"))


def test_organiser_agenda_item_forms(app, fuzz, staff, session, make_item, make_registration):
    from confapp.services import events as event_service
    from confapp.services.events import EventInput

    starts = future(days=40)
    start = to_form_value(starts)  # as the form shows it: Copenhagen wall-clock time
    inside = {"starts_at": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
              "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")}

    @fuzz_settings(scale=1.5)
    @example(editing=True, form={"kind": "talk", "title": "Oplæg", **inside}, language="da",
             print_it=False)
    @example(editing=False, form={"kind": "talk", "title": "Oplæg", "description": "x" * 5000,
                                  **inside}, language="da", print_it=True)
    @given(editing=st.booleans(), form=_agenda_item_form(start), language=LANGUAGES,
           print_it=st.booleans())
    def save(editing, form, language, print_it):
        # An event of its own, so that what the programme prints is this example's item only.
        session.rollback()  # end the test's read transaction: SQLite cannot write from a stale one
        event = event_service.create_event(session, EventInput(
            kind=EventKind.CONFERENCE, title="Dagsorden", starts_at=starts,
            ends_at=starts + timedelta(hours=8), capacity=50))
        event_service.set_published(session, event, True)
        session.commit()
        make_item(event, title="Velkomst")
        if editing:  # a workshop with one seat taken
            item = make_item(event, title="Værksted", kind=AgendaItemKind.WORKSHOP,
                             offset_minutes=120, capacity=4)
            make_registration(event, workshop_ids=[item.id])
            url = f"/organiser/events/{event.id}/agenda/{item.id}/edit"
        else:
            url = f"/organiser/events/{event.id}/agenda/new"
        event_id = event.id
        before = snapshot()
        result = fuzz.post(url, language, data=form)
        after = snapshot()
        check_consistent(before, after)
        if result.refused:
            expect_refusal_changed_nothing(result, before, f"POST {url}")
            return
        assert result.status == 302 and result.followed.flashes.get("success"), (
            f"POST {url}: neither saved nor refused with a message")
        if editing:
            old = next(i for i in before["agenda_items"] if i["id"] == item.id)
            new = next(i for i in after["agenda_items"] if i["id"] == item.id)
        else:
            ((new,), old) = new_rows(before, after, "agenda_items"), None
        check_times_saved(form, old, new, ("starts_at", "ends_at"))
        if print_it:  # what was stored must print and show, in both languages
            for programme_language in ("da", "en"):
                pdf = fuzz.get(f"/organiser/events/{event_id}/print/programme.pdf"
                               f"?language={programme_language}", language)
                assert pdf.response.data.startswith(b"%PDF"), pdf.status
            assert fuzz.get(f"/organiser/events/{event_id}", language).status == 200
            assert fuzz.get(f"/events/{event_id}", language).status == 200

    save()


def test_organiser_add_registration_form(app, fuzz, staff):
    world = staff
    events = {"small": world.small, "big": world.big, "closed": world.closed}
    posts = {name: registration_posts(app, world, event, extra=("locale",))
             for name, event in events.items()}

    @fuzz_settings(scale=1.5)
    @example(case=("big", {**PERSON, "locale": "xx"}), locale=None, language="en")
    @given(case=per_event(posts), locale=st.one_of(st.none(), choice_text(["da", "en"])),
           language=LANGUAGES)
    def add(case, locale, language):
        which, form = case
        event = events[which]
        if locale is not None:  # the mail language select, beside the registration form
            form = {**form, "locale": locale}
        url = f"/organiser/events/{event.id}/registrations/new"
        before = snapshot()
        result = fuzz.post(url, language, data=form)
        after = snapshot()
        check_consistent(before, after)
        if result.refused:
            expect_refusal_changed_nothing(result, before, f"POST {url}")
            return
        assert result.status == 302, f"POST {url}: neither added nor refused with a message"
        registration_id = int(result.response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
        check_new_registration(before, after, registration_id, event.id, "organiser")
        row = next(r for r in after["registrations"] if r["id"] == registration_id)
        assert row["locale"] in ("da", "en"), row["locale"]

    add()


def test_organiser_mail_registrants_form(app, fuzz, staff):
    world = staff
    event = world.small
    nonces = st.from_regex(r"[A-Za-z0-9_-]{16,64}", fullmatch=True)
    valid = {"subject": plain_text(60), "message": plain_text(200),
             "recipients": st.sampled_from(["confirmed", "waitlisted", "both"]),
             "nonce": nonces, "send": st.just("Send")}
    attacks = {"subject": any_text(300), "message": any_text(10000),
               "recipients": choice_text(["confirmed", "waitlisted", "both"]),
               "category": choice_text(["", *CATEGORIES]), "nonce": st.one_of(nonces, any_text()),
               "send": checkbox_text(), "preview": checkbox_text(), "count": checkbox_text()}
    posts = form_posts(valid, attacks, ("event_id", "csrf_token"))

    @fuzz_settings(scale=1.5)
    @example(form={"subject": "Hej", "message": "Tekst", "recipients": "confirmed",
                   "send": "Send"}, language="da")
    @example(form={"subject": "Hej\r\nBcc: x@example.org", "message": "Tekst",
                   "recipients": "both", "nonce": "a" * 20, "send": "Send"}, language="en")
    @given(form=posts, language=LANGUAGES)
    def send(form, language):
        url = f"/organiser/events/{event.id}/registrations/mail"
        before = snapshot()
        result = fuzz.post(url, language, data=form)
        after = snapshot()
        check_consistent(before, after)
        if result.status == 302:
            mails = new_rows(before, after, "outbox")
            assert all(m["kind"] == "announcement" and m["event_id"] == event.id for m in mails)
            assert result.followed.flashes, "sent without saying how many mails were queued"
            return
        if result.refused:
            expect_refusal_changed_nothing(result, before, f"POST {url}")
            return
        expect_nothing_changed(before, f"POST {url}")
        send_value = form.get("send")
        send_value = send_value[0] if isinstance(send_value, list) else send_value
        assert send_value in (None, "", "false"), (
            f"POST {url}: 'send' was pressed, nothing was sent and no error says why")

    send()


def test_organiser_copy_event_form(app, fuzz, staff):
    world = staff
    source = world.big  # a talk and three workshops, one of them chosen by a registrant
    dates = st.one_of(st.dates().map(date.isoformat), datetime_text().map(lambda v: v[:10]),
                      any_text())
    valid = {"starts_on": st.dates(date(2026, 1, 1), date(2040, 12, 31)).map(date.isoformat),
             "title": plain_text(60)}
    attacks = {"starts_on": dates, "title": any_text(200), "submit": checkbox_text()}
    posts = form_posts(valid, attacks, ("published", "event_id", "seats_taken", "csrf_token"))

    @fuzz_settings()
    @example(form={"starts_on": "2028-02-29", "title": ""}, language="da")
    @example(form={"starts_on": "2027-03-28", "title": "Kopi\x00"}, language="en")
    @example(form={"starts_on": "0001-01-01", "title": "Kopi"}, language="da")
    @given(form=posts, language=LANGUAGES)
    def copy(form, language):
        url = f"/organiser/events/{source.id}/copy"
        before = snapshot()
        result = fuzz.post(url, language, data=form)
        after = snapshot()
        check_consistent(before, after)
        if result.refused:
            expect_refusal_changed_nothing(result, before, f"POST {url}")
            return
        assert result.status == 302 and result.followed.flashes.get("success"), (
            f"POST {url}: neither copied nor refused with a message")
        (new,) = new_rows(before, after, "events")
        assert not new["published"] and new["seats_taken"] == 0
        posted = datetime.strptime(_posted(form, "starts_on"), "%Y-%m-%d").date()
        assert to_form_value(new["starts_at"]).date() == posted, "copied to another date"
        agenda = [i for i in before["agenda_items"] if i["event_id"] == source.id]
        copied = new_rows(before, after, "agenda_items")
        assert len(copied) == len(agenda) and all(
            i["event_id"] == new["id"] and i["seats_taken"] == 0 for i in copied)
        for table in ("registrations", "workshop_choices", "outbox"):
            assert not new_rows(before, after, table), f"POST {url} copied {table}"

    copy()


def test_organiser_outbox_search(app, fuzz, staff):
    world = staff
    event = world.small
    searches = st.fixed_dictionaries({}, optional={
        "q": any_text(200), "status": choice_text(["", "queued", "sending", "sent", "failed"]),
        "page": integer_text()})

    @fuzz_settings()
    @example(args={"q": "\x00"}, language="da")
    @example(args={"q": "%_\\", "status": " "}, language="en")
    @example(args={"page": str(2**63)}, language="da")
    @given(args=searches, language=LANGUAGES)
    def search(args, language):
        query = "&".join(f"{k}={quote(v, safe='')}" for k, v in args.items())
        url = f"/organiser/events/{event.id}/outbox?{query}"
        before = snapshot()
        result = fuzz.get(url, language)
        expect_nothing_changed(before, f"GET {url}")
        assert result.status == 200, (url, result.status)

    search()


def test_organiser_registration_filters_and_exports(app, fuzz, staff):
    world = staff
    event = world.big
    workshops = [str(i) for i in world.workshop_ids(event)]
    filters = st.fixed_dictionaries({}, optional={
        "q": any_text(200), "status": choice_text(["", *STATUSES]),
        "category": choice_text(["", *CATEGORIES]),
        "workshop": st.one_of(st.sampled_from(["", *workshops]), id_text(world.all_workshop_ids)),
        "page": integer_text()})
    newcomers = registration_posts(app, world, event)

    @fuzz_settings(scale=1.5)
    @example(newcomer=None, args={"status": " "}, page="", language="da")
    @example(newcomer=None, args={"category": " "}, page="/export.csv", language="da")
    @example(newcomer=None, args={"q": "\x00"}, page="/export.xlsx", language="en")
    @example(newcomer=None, args={"page": str(2**63)}, page="", language="da")
    @given(newcomer=st.one_of(st.none(), newcomers), args=filters,
           page=st.sampled_from(["", "/export.csv", "/export.xlsx"]), language=LANGUAGES)
    def search(newcomer, args, page, language):
        if newcomer:  # whatever the public form accepts must list and export
            fuzz.post(f"/events/{event.id}/register", language, data=newcomer, follow=False)
        query = "&".join(f"{k}={quote(v, safe='')}" for k, v in args.items())
        url = f"/organiser/events/{event.id}/registrations{page}?{query}"
        before = snapshot()
        result = fuzz.get(url, language)
        expect_nothing_changed(before, f"GET {url}")
        assert result.status == 200, (url, result.status)
        if page == "/export.xlsx":
            load_workbook(io.BytesIO(result.response.data))
        elif page == "/export.csv":
            result.response.data.decode("utf-8-sig")

    search()


def test_organiser_printing_forms(app, fuzz, staff):
    world = staff
    event = world.big
    layouts, modes, orders = ["a4-8up", "a6"], ["unprinted", "all", "category", "person"], [
        "surname", "organisation", "category"]
    badge_form = st.fixed_dictionaries({}, optional={
        "layout": choice_text(layouts), "mode": choice_text(modes),
        "order": choice_text(orders), "category": choice_text(["", *CATEGORIES]),
        "registration_id": id_text([r.id for r in world.people])})
    newcomers = registration_posts(app, world, event)

    @fuzz_settings(scale=1.5)
    @given(newcomer=st.one_of(st.none(), newcomers), document=st.sampled_from(
        ["badges", "reprint", "programme"]), form=badge_form, language=LANGUAGES,
        programme_language=choice_text(["da", "en"]),
        person=st.one_of(st.sampled_from([r.id for r in world.people]), st.integers(0, 2**40)))
    def print_document(newcomer, document, form, language, programme_language, person):
        if newcomer:  # whatever the public form accepts must print
            fuzz.post(f"/events/{event.id}/register", language, data=newcomer, follow=False)
        if document == "programme":
            url = (f"/organiser/events/{event.id}/print/programme.pdf"
                   f"?language={quote(programme_language, safe='')}")
            method, data = "GET", None
        elif document == "reprint":
            url = f"/organiser/events/{event.id}/registrations/{person}/badge.pdf"
            method, data = "POST", {"layout": form.get("layout", "a6")}
        else:
            url = f"/organiser/events/{event.id}/print/badges.pdf"
            method, data = "POST", form
        before = snapshot()
        result = fuzz.send(method, url, language, data=data)
        after = snapshot()
        check_consistent(before, after)
        if result.response.mimetype == "application/pdf":
            assert result.response.data.startswith(b"%PDF")
            changed = set(changes(before, after))
            assert changed <= {"registrations"}, changed  # badge_printed_at, nothing else
        elif result.refused:
            expect_refusal_changed_nothing(result, before, f"{method} {url}")
        else:
            assert result.status == 302 and result.followed.errors, (method, url, result.status)

    print_document()


def test_organiser_qa_forms(app, fuzz, staff, session, make_item):
    """The Q&A settings, the moderation buttons, merging and written answers."""
    from confapp.models.base import utcnow
    from confapp.services import qa

    world = staff
    event = world.big
    talk = event.agenda_items[0]
    qa_session = qa.enable_qa(session, talk)
    questions = [qa.ask(session, qa_session, qa.Asker(participant_key=f"c:fuzz-{n}",
                                                      name=f"Deltager {n}",
                                                      email=f"asker{n}@example.org"),
                        f"Spørgsmål nummer {n} om beskæftigelse", utcnow()) for n in range(4)]
    for question in questions[2:]:
        qa.approve(session, question, "organiser@example.org")
    closed_item = make_item(event, title="Spørgetid", kind=AgendaItemKind.QA, offset_minutes=240)
    closed = qa.enable_qa(session, closed_item)
    waiting = [qa.ask(session, closed, qa.Asker(participant_key=f"c:fuzz-c{n}"),
                      f"Skriftligt spørgsmål {n}", utcnow()) for n in range(2)]
    for question in waiting:
        qa.approve(session, question, "organiser@example.org")
    qa.stop(session, closed)
    session.commit()
    ids = [q.id for q in questions]
    base = f"/organiser/events/{event.id}/qa"
    start = to_form_value(event.starts_at)

    settings = form_posts(
        {"opens_at": st.sampled_from(["", start.strftime("%Y-%m-%dT%H:%M")]),
         "closes_at": st.sampled_from(["", (start + timedelta(hours=9)).strftime(
             "%Y-%m-%dT%H:%M")]),
         "premoderated": st.sampled_from(["y", ""]), "audience": st.sampled_from(
             ["anyone", "registrants"])},
        {"opens_at": datetime_text(start), "closes_at": datetime_text(start),
         "premoderated": checkbox_text(), "anonymous_allowed": checkbox_text(),
         "audience": choice_text(["anyone", "registrants"])}, ("csrf_token",))
    moderation = form_posts(
        {"action": st.sampled_from(["approve", "reject", "answer", "pin", "unpin", "edit"]),
         "seen_version": st.sampled_from(["1", "2", "3"]),
         "reason": plain_text(60), "text": plain_text(200)},
        {"action": choice_text(["approve", "reject", "answer", "pin", "unpin", "edit"]),
         "seen_version": integer_text(), "reason": any_text(1000), "text": any_text(500)},
        ("csrf_token",))
    merging = form_posts({"into": st.sampled_from([str(i) for i in ids]),
                          "seen_version": st.sampled_from(["1", "2"])},
                         {"into": id_text(ids), "seen_version": integer_text()}, ("csrf_token",))
    answers = form_posts(
        {**{f"answer_{q.id}": plain_text(100) for q in waiting},
         **{f"version_{q.id}": st.sampled_from(["1", "2", "3"]) for q in waiting},
         "publish": st.sampled_from(["all", *[str(q.id) for q in waiting]])},
        {**{f"answer_{q.id}": any_text(5000) for q in waiting},
         **{f"version_{q.id}": integer_text() for q in waiting},
         "publish": choice_text(["all", *[str(q.id) for q in waiting]])}, ("csrf_token",))

    @fuzz_settings(scale=1.5)
    @example(kind="settings", form={"opens_at": "2030-01-01T10:00",
                                    "closes_at": "2030-01-01T09:00"}, question=ids[0],
             language="en")
    @example(kind="moderate", form={"action": "approve", "seen_version": str(2**70)},
             question=ids[0], language="da")
    @example(kind="answers", form={f"answer_{waiting[0].id}": "Svar", "publish": "all",
                                   f"version_{waiting[0].id}": "2"}, question=ids[0],
             language="da")
    @given(kind=st.sampled_from(["settings", "moderate", "merge", "answers"]),
           form=st.data(), question=st.sampled_from(ids), language=LANGUAGES)
    def post(kind, form, question, language):
        if not isinstance(form, dict):
            form = form.draw({"settings": settings, "moderate": moderation, "merge": merging,
                              "answers": answers}[kind], label="form")
        url = {"settings": f"{base}/{talk.id}/settings",
               "moderate": f"{base}/{talk.id}/questions/{question}",
               "merge": f"{base}/{talk.id}/questions/{question}/merge",
               "answers": f"{base}/{closed_item.id}/answers"}[kind]
        before = snapshot()
        result = fuzz.post(url, language, data=form)
        after = snapshot()
        check_consistent(before, after)
        if kind == "answers" and result.page.flashes.get("success"):
            return  # some published, and why not the others is shown (an out-of-date version)
        if result.refused:
            expect_refusal_changed_nothing(result, before, f"POST {url}")
            return
        assert result.status == 302 and result.followed.flashes.get("success"), (
            f"POST {url}: neither done nor refused with a message ({result.status})")
        votes = {v["question_id"] for v in after["question_votes"]}
        for row in after["questions"]:
            assert row["status"] != "merged" or row["merged_into_id"], row
            assert row["vote_count"] >= 0 and (row["vote_count"] > 0) <= (row["id"] in votes)

    post()


def test_organiser_privacy_forms(app, fuzz, staff, make_registration, session):
    world = staff
    known = ["first@example.org", "waiting@example.org", "cancelled@example.org"]

    @fuzz_settings(scale=1.5)
    @given(step=st.sampled_from(["export", "erase", "confirm erase"]), data=st.data(),
           language=LANGUAGES)
    def request(step, data, language):
        if step == "confirm erase" and data.draw(st.booleans(), label="a fresh person"):
            session.rollback()  # end the test's read transaction: SQLite cannot write from it
            email = make_registration(world.big).email
        else:
            email = data.draw(st.one_of(st.sampled_from(known), email_text()), label="email")
        if step == "confirm erase":
            url, form = "/organiser/privacy/erase", {"email": email}
        else:
            url, form = "/organiser/privacy", {"email": email, step: "y"}
        form.update(data.draw(st.dictionaries(st.sampled_from(
            ["export", "erase", "submit", "csrf_token", "email"]), any_text(), max_size=2),
            label="tampered"))
        before = snapshot()
        result = fuzz.post(url, language, data=form)
        after = snapshot()
        check_consistent(before, after)
        if url == "/organiser/privacy":
            if result.refused:
                expect_refusal_changed_nothing(result, before, f"POST {url}")
            else:  # an export or the question "erase?": both only read
                expect_nothing_changed(before, f"POST {url}")
                if result.response.mimetype == "application/json":
                    assert "registrations" in json.loads(result.response.data)
            return
        if result.refused:  # a form that cannot be read, or the address missing
            expect_refusal_changed_nothing(result, before, f"POST {url}")
        else:
            assert result.status == 302, (url, result.status)
            erased = (form["email"] if isinstance(form["email"], str) else form["email"][0])
            erased = erased.strip().lower()
            # An anonymised registration keeps a placeholder address (anonymised-<id>@…invalid),
            # which is nobody's; erasing that "address" leaves it, as it should.
            assert not [r for r in after["registrations"]
                        if r["email"] == erased and not r["email"].endswith("@anonymised.invalid")]
            assert not [m for m in after["outbox"] if m["to_address"] == erased]

    request()


# --- Administration: accounts, site settings, set-password links ---------------------------------

ADMIN = "admin@example.org"
ROLES = [r.value for r in Role]
SET_PASSWORD_LINK = re.compile(r"/auth/set-password/([A-Za-z0-9_-]+)")


@pytest.fixture
def administrator(world, make_user, login):
    make_user(ADMIN, roles=(Role.ADMINISTRATOR,), name="Ada Admin")
    assert login(ADMIN, PASSWORD, follow=True).status_code == 200
    return world


def active_administrators(rows: dict) -> int:
    holders = {r["user_id"] for r in rows["user_roles"] if r["role"] == "administrator"}
    return sum(1 for u in rows["users"] if u["id"] in holders and u["active"])


def test_admin_account_forms(app, fuzz, administrator, session):
    valid = {"email": unique_email(), "name": plain_text(60),
             "roles": st.lists(st.sampled_from(ROLES), min_size=1, max_size=4, unique=True),
             "locale": st.sampled_from(["da", "en"]), "send_link": st.sampled_from(["y", ""])}
    attacks = {"email": email_text(), "name": any_text(200),
               "roles": st.one_of(choice_text(ROLES), st.lists(choice_text(ROLES), max_size=5)),
               "locale": choice_text(["da", "en"]), "send_link": checkbox_text()}
    posts = form_posts(valid, attacks, ("csrf_token", "active", "password_hash", "id"))

    @fuzz_settings(scale=1.5)
    @example(target="new", form={"email": ADMIN.upper(), "name": "Twin", "roles": ["chair"],
                                 "locale": "da"}, language="da")
    @example(target="other", form={"name": "Bo", "roles": ["organiser"], "locale": "en"},
             language="en")
    @given(target=st.sampled_from(["new", "other"]), form=posts, language=LANGUAGES)
    def save(target, form, language):
        url = "/admin/users/new"
        if target == "other":  # another administrator, whom the fuzzing one may demote
            session.rollback()
            other = users.create_user(session, f"admin-{next(_numbers)}@example.org", None,
                                      {Role.ADMINISTRATOR}, "Bo")
            session.commit()
            url = f"/admin/users/{other.id}"
            form = {k: v for k, v in form.items() if k not in ("email", "send_link")}
        before = snapshot()
        result = fuzz.post(url, language, data=form)
        after = snapshot()
        check_consistent(before, after)
        assert active_administrators(after) >= 1
        if result.refused:
            expect_refusal_changed_nothing(result, before, f"POST {url}")
            return
        assert result.status == 302 and result.followed.flashes.get("success"), (
            f"POST {url}: neither saved nor refused with a message")
        assert new_rows(before, after, "audit_log") or target == "other"
        if target == "new":
            (account,) = new_rows(before, after, "users")
            assert account["email"] == account["email"].strip().lower() and account["name"].strip()
            assert account["password_hash"] == "!" and account["locale"] in ("da", "en")
            roles = {r["role"] for r in after["user_roles"] if r["user_id"] == account["id"]}
            assert roles and roles <= set(ROLES)
            links = new_rows(before, after, "password_links")
            assert len(links) == len(new_rows(before, after, "outbox")) <= 1

    save()


def test_admin_settings_form(app, fuzz, administrator):
    valid = {"council_name": plain_text(60), "mail_sender_name": plain_text(60),
             "mail_sender_address": st.builds("{}@example.dk".format, st.text(
                 st.characters(categories=["Ll", "Nd"], max_codepoint=0x7A), min_size=1,
                 max_size=20)),
             "privacy_contact": st.one_of(st.just(""), plain_text(100)),
             "retention_days": st.integers(30, 3650).map(str),
             "needs_retention_days": st.integers(1, 30).map(str)}
    attacks = {"council_name": any_text(200), "mail_sender_name": any_text(200),
               "mail_sender_address": email_text(), "privacy_contact": any_text(300),
               "retention_days": integer_text(), "needs_retention_days": integer_text()}
    posts = form_posts(valid, attacks, ("csrf_token", "name", "value"))

    @fuzz_settings(scale=1.5)
    @example(form={"council_name": "Rådet", "mail_sender_name": "Rådet",
                   "mail_sender_address": "a@example.dk", "retention_days": "10",
                   "needs_retention_days": "11"}, language="da")
    @example(form={"council_name": "Rådet\x00", "mail_sender_name": "R",
                   "mail_sender_address": "a@example.dk", "retention_days": "٣٠",
                   "needs_retention_days": "1"}, language="en")
    @given(form=posts, language=LANGUAGES)
    def save(form, language):
        before = snapshot()
        result = fuzz.post("/admin/settings", language, data=form)
        after = snapshot()
        check_consistent(before, after)
        if result.refused:
            expect_refusal_changed_nothing(result, before, "POST /admin/settings")
            return
        assert result.status == 302 and result.followed.flashes, "saved without a word"
        saved = {r["name"]: r["value"] for r in after["site_settings"]}
        days = {name: int(saved.get(name, app.config[name.upper()]))
                for name in ("retention_days", "needs_retention_days")}
        assert 1 <= days["needs_retention_days"] <= days["retention_days"] <= 3650, days
        assert all(saved.get(n, "x").strip() for n in ("council_name", "mail_sender_name",
                                                        "mail_sender_address"))
        changed = changes(before, after)
        assert len(new_rows(before, after, "audit_log")) >= (1 if changed else 0)

    save()


def test_set_password_form(app, fuzz, world, session):
    account = users.create_user(session, "staff@example.org", None, {Role.ORGANISER}, "Staff")
    session.commit()
    account_id = account.id

    def fresh_link() -> str:
        session.rollback()
        user = session.get(User, account_id)
        users.send_password_link(session, user, base_url="http://localhost", council_name="R")
        session.commit()
        mail = session.scalars(select(OutboxMail).order_by(OutboxMail.id.desc())).first()
        return SET_PASSWORD_LINK.search(mail.body_text).group(1)

    passwords = st.one_of(st.just("a-long-enough-password"), any_text(1000))

    @fuzz_settings()
    @example(kind="fresh", password="kort", confirm=None, index=0, junk="", language="da")
    @example(kind="fresh", password="a-long-enough-password", confirm="different-password",
             index=0, junk="", language="en")
    @example(kind="fresh", password="a-long-enough-password", confirm=None, index=0, junk="",
             language="da")
    @example(kind="any", password="a-long-enough-password", confirm=None, index=0,
             junk="a" * 43, language="da")
    @example(kind="any", password="a-long-enough-password", confirm=None, index=0,
             junk="/0", language="da")
    @given(kind=st.sampled_from(["fresh", "tampered", "any"]), password=passwords,
           confirm=st.one_of(st.none(), any_text()), index=st.integers(0, 42), junk=any_text(),
           language=LANGUAGES)
    def choose(kind, password, confirm, index, junk, language):
        token = fresh_link()
        if kind == "tampered":  # one character changed
            token = token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1:]
        elif kind == "any":
            token = junk
        url = f"/auth/set-password/{quote(token, safe='')}"
        form = {"password": password, "confirm": password if confirm is None else confirm}
        before = snapshot()
        result = fuzz.post(url, language, data=form, follow=False)
        after = snapshot()
        check_consistent(before, after)
        if result.refused:
            expect_refusal_changed_nothing(result, before, f"POST {url}")
            return
        if result.status == 308:  # "//" in the decoded path: werkzeug's merge_slashes redirect
            assert "//" in unquote(url)
            expect_nothing_changed(before, f"POST {url}")
            return
        assert result.status == 302 and result.response.headers["Location"] == "/auth/login"
        assert kind == "fresh" and changes(before, after).keys() == {
            "users", "password_links", "audit_log"}
        assert not after["password_links"]  # used once

    choose()


# --- Staff login, the language switch, and every id in every URL --------------------------------


def test_login_form_and_language_switch(app, fuzz, world):
    targets = st.one_of(any_text(), st.sampled_from([
        "/organiser/", "//evil.example", "/\\evil.example", "https://evil.example/",
        "http:/evil.example", "/%2F%2Fevil.example", "\\\\evil.example", "javascript:alert(1)",
        " /organiser/", "/events/99999999999999999999", "/r/\x00"]))
    logins = st.fixed_dictionaries({}, optional={
        "email": st.one_of(st.just(ORGANISER), st.just(ORGANISER.upper()), email_text()),
        "password": st.one_of(st.just(PASSWORD), any_text()),
        "remember": checkbox_text(), "csrf_token": any_text()})

    @fuzz_settings()
    @example(switch=True, form={}, target="\r", lang="en", language="da")
    @example(switch=False, form={"email": ORGANISER, "password": PASSWORD}, target="//evil.example",
             lang="da", language="en")
    @given(switch=st.booleans(), form=logins, target=targets, lang=choice_text(["da", "en"]),
           language=LANGUAGES)
    def act(switch, form, target, lang, language):
        before = snapshot()
        if switch:
            result = fuzz.post("/language", language, data={"lang": lang, "next": target},
                               follow=False)
            # Over MAX_FORM_MEMORY_SIZE the switch is refused with a message (413), never a 500.
            assert result.status == 302 or (result.status == 413 and result.errors)
            expect_nothing_changed(before, "the language switch")
        else:
            result = fuzz.post(f"/auth/login?next={quote(target, safe='')}", language, data=form,
                               follow=False)
            if result.status == 302:  # logged in: only the account's own row may change
                fuzz.post("/auth/logout", language)
                assert set(changes(before, snapshot())) <= {"users"}
            else:
                assert result.errors, f"login refused ({result.status}) without a message"
                expect_nothing_changed(before, "a refused login")
        location = urlsplit(result.response.headers.get("Location", "/"))
        assert location.netloc in ("", "localhost") and not location.path.startswith("//"), (
            f"redirects off-site to {location}")

    act()


def _urlencoded(pairs: list[tuple[str, bytes]]) -> bytes:
    return "&".join(f"{quote(k, safe='')}={quote_from_bytes(v, safe='')}" for k, v in pairs).encode()


def test_malformed_request_bodies(app, fuzz, staff):
    """Bodies no browser sends: bytes that are not UTF-8, wrong or lying content types, junk."""
    world = staff
    event = world.big
    targets = [f"/events/{event.id}/register", f"/checkin/{event.id}/walk-in",
               f"/checkin/{event.id}/scan", "/organiser/events/new",
               f"/organiser/events/{event.id}/edit", f"/organiser/events/{event.id}/agenda/new",
               f"/organiser/events/{event.id}/registrations/new",
               f"/organiser/events/{event.id}/registrations/mail",
               f"/organiser/events/{event.id}/print/badges.pdf", "/organiser/privacy",
               "/organiser/privacy/erase", "/language"]
    good = [("first_name", b"Anne"), ("last_name", b"Hansen"), ("organisation", b"Jobcenter"),
            ("category", b"jobcentre"), ("job_title", b"Konsulent")]
    fields = st.sampled_from(["first_name", "last_name", "email", "organisation", "category",
                              "title", "payload", "subject", "message", "nonce", "workshop_0",
                              "starts_at", "capacity", "lang", "next"])
    bodies = st.one_of(
        st.binary(max_size=3000),
        st.builds(lambda extra, email: _urlencoded(good + [("email", email)] + extra),
                  st.lists(st.tuples(fields, st.binary(max_size=200)), max_size=4),
                  st.one_of(st.just(f"bytes-{NEW}@example.org".encode()),
                            st.binary(max_size=60))),
        st.builds(lambda b: b"--x\r\nContent-Disposition: form-data; name=\"first_name\"\r\n\r\n"
                  + b + b"\r\n--x--\r\n", st.binary(max_size=300)),
    )
    content_types = st.sampled_from([
        "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=latin-1",
        "multipart/form-data; boundary=x", "multipart/form-data", "application/json",
        "text/plain", "application/octet-stream", ""])

    @fuzz_settings()
    @given(url=st.sampled_from(targets), body=bodies, content_type=content_types,
           language=LANGUAGES)
    def post(url, body, content_type, language):
        if NEW.encode() in body:
            body = body.replace(NEW.encode(), str(next(_numbers)).encode())
        before = snapshot()
        result = fuzz.post(url, language, data=body, content_type=content_type)
        after = snapshot()
        check_consistent(before, after)
        if result.refused:
            expect_refusal_changed_nothing(result, before, f"POST {url} ({content_type})")

    post()


def _routes(app) -> list[tuple[str, str, list[str]]]:
    """(method, rule, argument names) of every route that takes arguments."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.arguments or rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, rule.rule, sorted(rule.arguments)))
    return sorted(found)


def test_every_url_argument(app, fuzz, staff):
    world = staff
    routes = _routes(app)
    existing = sorted({world.small.id, world.big.id, world.other.id,
                       *[r.id for r in world.people], *world.all_workshop_ids})
    numbers = st.one_of(st.sampled_from(existing), st.sampled_from(
        [0, 2**31 - 1, 2**31, 2**32, 2**63 - 1, 2**63, 10**30]), st.integers(0, 2**80))

    @fuzz_settings(scale=2)
    @given(route=st.sampled_from(routes), data=st.data(), language=LANGUAGES)
    def visit(route, data, language):
        method, rule, arguments = route
        url, ids, reshaped = rule, [], False
        for name in arguments:
            if f"<int:{name}>" in url:
                ids.append(data.draw(numbers, label=name))
                url = url.replace(f"<int:{name}>", str(ids[-1]))
            else:
                value = data.draw(st.one_of(st.sampled_from(["up", "down"]), any_text()), label=name)
                # Empty, or with "/": the path has another shape ("//" is merged, "/" splits).
                reshaped = reshaped or not value or "/" in value
                url = re.sub(rf"<(?:\w+:)?{name}>", quote(value, safe="").replace("\\", "\\\\"),
                             url)
        huge = any(i > 2**31 - 1 for i in ids)
        before = snapshot()
        result = fuzz.send(method, url, language, data={} if method == "POST" else None)
        check_consistent(before, snapshot())
        if result.refused:
            expect_refusal_changed_nothing(result, before, f"{method} {url}")
        if huge:
            allowed = (404, 405, 308) if reshaped else (404,)
            assert result.status in allowed, (
                f"{method} {url}: {result.status} for an id beyond range")

    visit()


# --- Q&A: the ask form and the vote buttons (confapp/blueprints/qa) ----------------------------


@dataclass
class QAWorld:
    code: str
    open_id: int  # takes questions at once (no pre-moderation), anonymous allowed
    strict_id: int  # pre-moderated, names required, registrants only
    stopped_id: int  # "stop new questions" pressed
    question_ids: list  # approved, rejected, pending and another event's


@pytest.fixture
def qa_world(world, session, make_item):
    from confapp.models import QAAudience
    from confapp.models.base import utcnow
    from confapp.services import qa

    def enable(event, title, **settings):
        item = make_item(event, title=title, kind=AgendaItemKind.QA, offset_minutes=60)
        return qa.enable_qa(session, item, qa.QASettings(**settings))

    open_qa = enable(world.big, "Spørg panelet", premoderated=False)
    strict = enable(world.big, "Spørg ministeren", anonymous_allowed=False,
                    audience=QAAudience.REGISTRANTS)
    stopped = enable(world.big, "Lukket runde", premoderated=False)
    elsewhere = enable(world.other, "Andet panel", premoderated=False)
    qa.stop(session, stopped)
    asked = [qa.ask(session, qa_session, qa.Asker(participant_key=f"c:fuzz-{n}", name="Ida"),
                    f"Spørgsmål nummer {n}", utcnow())
             for n, qa_session in enumerate([open_qa, open_qa, open_qa, elsewhere])]
    qa.reject(session, asked[1], "Uden for emnet", "fuzz")
    asked[2].status = "pending"
    session.commit()
    return QAWorld(world.big.qa_code, open_qa.id, strict.id, stopped.id, [q.id for q in asked])


def _vote_counts_agree(rows: dict) -> None:
    for question in rows["questions"]:
        votes = sum(1 for v in rows["question_votes"] if v["question_id"] == question["id"])
        assert question["vote_count"] == votes, (
            f"question {question['id']}: vote_count {question['vote_count']}, {votes} votes")


def test_qa_ask_form(app, fuzz, qa_world):
    valid = {"text": plain_text(200), "name": plain_text(40), "organisation": plain_text(60),
             "category": st.sampled_from(["", *CATEGORIES]), "email": unique_email()}
    attacks = {"text": any_text(500), "name": any_text(200), "organisation": any_text(200),
               "category": choice_text(["", *CATEGORIES]), "email": email_text(),
               "anonymous": checkbox_text()}
    sessions = [qa_world.open_id, qa_world.strict_id, qa_world.stopped_id]

    @fuzz_settings(scale=1.5)
    @example(session_id=qa_world.open_id, form={"text": "Hvad\x00 med <b>unge</b>?",
                                                "name": "Ida"}, language="da")
    @example(session_id=qa_world.open_id, form={"text": "ø" * 501, "name": "Ida"}, language="en")
    @given(session_id=st.sampled_from(sessions),
           form=form_posts(valid, attacks, ("csrf_token", "submit", "status", "participant_key")),
           language=LANGUAGES)
    def ask(session_id, form, language):
        url = f"/q/{qa_world.code}/{session_id}"
        before = snapshot()
        result = fuzz.post(url, language, data=form)
        after = snapshot()
        check_consistent(before, after)
        if result.status == 302:
            assert session_id == qa_world.open_id, f"POST {url}: a closed session took a question"
            (new,) = new_rows(before, after, "questions")
            assert 3 <= len(new["text"]) <= 500 and new["text"] == new["text"].strip()
            assert new["status"] == "approved" or new["flagged"], new
            assert result.followed.flashes.get("success"), f"POST {url}: no thanks"
            assert new_rows(before, after, "question_votes") == []
        else:
            assert result.refused, f"POST {url}: neither asked nor refused ({result.status})"
            expect_refusal_changed_nothing(result, before, f"POST {url}")

    ask()


def test_qa_vote_buttons(app, fuzz, qa_world):
    ids = qa_world.question_ids

    @fuzz_settings()
    @given(question_id=st.one_of(st.sampled_from(ids), st.integers(0, 2**40)),
           session_id=st.sampled_from([qa_world.open_id, qa_world.strict_id, 2**31]),
           action=st.one_of(st.sampled_from(["vote", "unvote"]), any_text()),
           language=LANGUAGES)
    def vote(question_id, session_id, action, language):
        url = f"/q/{qa_world.code}/{session_id}/questions/{question_id}/vote"
        before = snapshot()
        result = fuzz.post(url, language, data={"action": action})
        after = snapshot()
        check_consistent(before, after)
        _vote_counts_agree(after)
        if question_id not in ids or session_id > 2**31 - 1:
            assert result.status == 404, f"POST {url}: {result.status} for an unknown id"
        elif result.refused:
            expect_refusal_changed_nothing(result, before, f"POST {url}")
        else:
            assert result.status == 302, f"POST {url}: {result.status}"
            counted = new_rows(before, after, "question_votes")
            assert all(v["question_id"] == ids[0] for v in counted), (
                f"POST {url}: a vote on a question that is not open to votes: {counted}")

    vote()


# --- The question box: the public form and the inbox's forms (confapp/blueprints/{public,inbox}) -


BOX_KINDS = ["question", "suggestion", "comment"]


def test_question_box_form(app, fuzz, world):
    valid = {"kind": st.sampled_from(BOX_KINDS), "subject": plain_text(60),
             "text": plain_text(300).filter(lambda t: len(t.strip()) >= 3)}
    attacks = {"kind": choice_text(BOX_KINDS), "subject": any_text(200), "text": any_text(3000),
               "name": any_text(200), "email": email_text(), "consent_publish": checkbox_text(),
               "show_name": checkbox_text()}

    @fuzz_settings(scale=1.5)
    @example(form={"kind": "question", "subject": "Hej\x00", "text": "<b>Hvad</b> nu?",
                   "name": " ", "email": "søren@example.dk"}, language="da")
    @example(form={"kind": "comment", "subject": "x" * 201, "text": "  ab  "}, language="en")
    @given(form=form_posts(valid, attacks, ("csrf_token", "status", "version", "topic")),
           language=LANGUAGES)
    def send(form, language):
        before = snapshot()
        result = fuzz.post("/ask", language, data=form)
        after = snapshot()
        check_consistent(before, after)
        if result.status == 302:
            (new,) = new_rows(before, after, "box_messages")
            assert new["status"] == "new" and new["kind"] in BOX_KINDS
            assert new["subject"] == new["subject"].strip() and new["subject"]
            assert len(new["text"].strip()) >= 3 and new["answer_text"] is None
            assert new["show_name"] <= bool(new["name"]), new
            assert new["email"] is None or new["email"] == new["email"].strip().lower()
            assert new_rows(before, after, "outbox") == []
        else:
            assert result.refused, f"POST /ask: neither sent nor refused ({result.status})"
            expect_refusal_changed_nothing(result, before, "POST /ask")

    send()


def test_question_box_inbox_forms(app, fuzz, staff, session):
    from confapp.services import question_box
    from confapp.services.question_box import BoxInput

    organiser_id = session.scalar(select(User.id).where(User.email == ORGANISER))
    actions = ["answer", "assign", "topic", "publish", "unpublish", "close"]

    @fuzz_settings(scale=1.5)
    @given(action=st.sampled_from(actions), data=st.data(), language=LANGUAGES)
    def act(action, data, language):
        session.rollback()  # end the test's read transaction: SQLite cannot write from it
        message = question_box.submit(session, BoxInput(
            kind="question", subject="Praktik", text="Hvordan får flere unge praktik?",
            email=data.draw(st.sampled_from([None, "borger@example.org"]), label="email"),
            consent_publish=data.draw(st.booleans(), label="consent")))
        if data.draw(st.booleans(), label="answered already") and message.email:
            question_box.answer(session, message, "Svar", session.get(User, organiser_id),
                                reply_privately=True, publish=message.consent_publish,
                                base_url="http://localhost")
        session.commit()
        version = data.draw(st.one_of(st.just(str(message.version)), integer_text(),
                                      any_text(20)), label="version")
        form = {"version": version}
        if action == "answer":
            form.update(data.draw(form_posts(
                {"answer": plain_text(200).filter(str.strip)},
                {"answer": any_text(10000), "reply_privately": checkbox_text(),
                 "publish": checkbox_text(), "topic": any_text(80)},
                ("csrf_token", "status", "email")), label="answer form"))
        elif action == "assign":
            form["assignee"] = data.draw(st.one_of(st.just(str(organiser_id)), st.just(""),
                                                   id_text([organiser_id])), label="assignee")
        elif action == "topic":
            form["topic"] = data.draw(st.one_of(plain_text(80), any_text(80)), label="topic")
        url = f"/organiser/box/{message.id}/{action}"
        before = snapshot()
        result = fuzz.post(url, language, data=form)
        after = snapshot()
        check_consistent(before, after)
        if result.refused:
            expect_refusal_changed_nothing(result, before, f"POST {url}")
            return
        assert result.status == 302 and result.followed.flashes.get("success"), (
            f"POST {url}: neither done nor refused with a message ({result.status})")
        new = next(r for r in after["box_messages"] if r["id"] == message.id)
        old = next(r for r in before["box_messages"] if r["id"] == message.id)
        # Publishing what is published already is a no-op; every other change is one version.
        assert new["version"] == old["version"] + 1 or (
            action == "publish" and old["status"] == "published" and new == old), (old, new)
        if new["status"] == "published":
            assert new["consent_publish"] and new["published_at"], new
        if action == "answer":
            assert new["answer_text"] and new["answer_text"].strip() == new["answer_text"]
            mails = new_rows(before, after, "outbox")
            assert [m["to_address"] for m in mails] == ([new["email"]] if new["email"] else [])

    act()
