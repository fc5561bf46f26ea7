"""Concurrency against the real server: last seats, full workshops, double submits, mail workers.

The registration tests start gunicorn (several worker processes, several threads each; see
tests/serverproc.py) on the test's own database, SQLite file or PostgreSQL, and send many
real form submissions at the same moment: every client first GETs the form for its CSRF
token and cookie, then all POST together behind a barrier. The rules must hold in the
database, not in Python: exactly as many seats as there are, one registration per address,
every queued mail sent exactly once by several workers.

All tests here are marked ``slow``; ``pytest -m "not slow"`` leaves them out.
"""

import os
import re
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select, update

from confapp import create_app
from confapp.extensions import db
from confapp.models import (
    AgendaItem,
    AgendaItemKind,
    Event,
    MailStatus,
    OutboxMail,
    Registration,
    RegistrationHistory,
    RegistrationStatus,
    WorkshopChoice,
)
from confapp.models.base import utcnow
from confapp.services import delivery, outbox, tokens
from confapp.services.outbox import NewMail
from tests.conftest import SinkHandler, base_config, start_sink
from tests.serverproc import BASE_ENV, REPO_ROOT, ServerProcess

pytestmark = pytest.mark.slow

TIMEOUT = 60  # seconds; a request or a barrier waiting longer than this is a failure
CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def live_server(database_url):
    """gunicorn serving the test's database: 2 processes x 8 threads, so requests really overlap."""
    with ServerProcess({"FLASK_SQLALCHEMY_DATABASE_URI": database_url},
                       workers=2, threads=8) as server:
        yield server


def person(n: int, **overrides) -> dict:
    return {"first_name": "Mette", "last_name": f"Sørensen {n}", "email": f"mette{n}@example.dk",
            "organisation": "Jobcenter Viborg", "category": "jobcentre",
            "job_title": "Virksomhedskonsulent", **overrides}


def rush(server: ServerProcess, event_id: int, people: list[dict]) -> list:
    """Everyone GETs the form (own session: cookie + CSRF token), then all POST at once.

    Returns one requests.Response, or the exception raised, per person.
    """
    url = f"{server.url}/events/{event_id}/register"
    barrier = threading.Barrier(len(people))
    results: list = [None] * len(people)

    def one(index: int, fields: dict) -> None:
        try:
            with requests.Session() as http:
                form = http.get(url, timeout=TIMEOUT)
                form.raise_for_status()
                token = CSRF_INPUT.search(form.text).group(1)
                barrier.wait(TIMEOUT)
                results[index] = http.post(url, data={**fields, "csrf_token": token},
                                           allow_redirects=False, timeout=TIMEOUT)
        except Exception as error:  # noqa: BLE001 - every failure is reported by the caller
            barrier.abort()
            results[index] = error

    threads = [threading.Thread(target=one, args=(i, fields)) for i, fields in enumerate(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 3)
    return results


def assert_no_server_errors(results: list, server: ServerProcess) -> None:
    failures = [r if isinstance(r, Exception) else f"HTTP {r.status_code}"
                for r in results if isinstance(r, Exception) or r.status_code >= 500]
    log = server.log_text()
    assert not failures, f"{failures[:5]}\n{server.log_tail()}"
    assert not any("database is locked" in r.text for r in results)
    assert "database is locked" not in log and "Traceback" not in log, server.log_tail()


def is_ticket_redirect(response) -> bool:
    return response.status_code == 302 and "/r/" in response.headers.get("Location", "")


def statuses(session, event_id: int, emails=None) -> Counter:
    session.rollback()  # a fresh snapshot: see what the server committed
    query = select(Registration.status).where(Registration.event_id == event_id)
    if emails is not None:
        query = query.where(Registration.email.in_(emails))
    return Counter(session.scalars(query))


def seats_taken(session, model, row_id: int) -> int:
    return session.scalar(select(model.seats_taken).where(model.id == row_id))


def test_last_ten_seats_go_to_exactly_ten_of_sixty(live_server, session, make_event,
                                                   make_registration):
    capacity, free, rushing = 40, 10, 60
    event = make_event(capacity=capacity)
    for _ in range(capacity - free):
        make_registration(event)
    event_id = event.id
    session.commit()

    people = [person(n) for n in range(rushing)]
    results = rush(live_server, event_id, people)

    assert_no_server_errors(results, live_server)
    assert all(is_ticket_redirect(r) for r in results), Counter(r.status_code for r in results)
    emails = [p["email"] for p in people]
    assert statuses(session, event_id, emails) == {
        RegistrationStatus.CONFIRMED: free, RegistrationStatus.WAITLISTED: rushing - free}
    assert statuses(session, event_id)[RegistrationStatus.CONFIRMED] == capacity
    assert seats_taken(session, Event, event_id) == capacity
    # Each new registration queued its one mail in the same transaction.
    kinds = Counter(session.scalars(select(OutboxMail.kind).join(
        Registration, OutboxMail.registration_id == Registration.id)
        .where(Registration.email.in_(emails))))
    assert kinds == {"confirmed": free, "waitlisted": rushing - free}


def test_each_waiting_list_position_is_told_to_one_person(live_server, session, make_event,
                                                           make_registration):
    """Forty people join a full event's waiting list at once: their mails say 1..40, once each."""
    event = make_event(capacity=3)
    for _ in range(3):
        make_registration(event)
    event_id = event.id
    session.commit()

    people = [person(n) for n in range(40)]
    results = rush(live_server, event_id, people)

    assert_no_server_errors(results, live_server)
    session.rollback()
    bodies = session.scalars(select(OutboxMail.body_text).where(
        OutboxMail.event_id == event_id, OutboxMail.kind == "waitlisted")).all()
    positions = sorted(int(re.search(r"(?:nummer|number) (\d+)", b).group(1)) for b in bodies)
    assert positions == list(range(1, 41))


@pytest.mark.parametrize(("event_capacity", "expected"), [
    # Room in the event: the workshop's 5 seats go to 5 people; the rest see the form again
    # with "the workshop is full" and nothing of theirs is saved.
    pytest.param(100, {"confirmed": 5, "waitlisted": 0, "form_again": 25}, id="workshop-full"),
    # The event fills first: the waiting list keeps the workshop choice without a seat.
    pytest.param(3, {"confirmed": 3, "waitlisted": 27, "form_again": 0}, id="event-full"),
])
def test_workshop_seats_under_a_rush(live_server, session, make_event, make_item,
                                     event_capacity, expected):
    event = make_event(capacity=event_capacity)
    workshop = make_item(event, "Workshop: Unge uden uddannelse", AgendaItemKind.WORKSHOP,
                         60, 60, capacity=5)
    event_id, workshop_id = event.id, workshop.id
    session.commit()

    people = [person(n, workshop_0=str(workshop_id)) for n in range(30)]
    results = rush(live_server, event_id, people)

    assert_no_server_errors(results, live_server)
    redirected = [r for r in results if is_ticket_redirect(r)]
    form_again = [r for r in results if r.status_code == 200]
    assert len(redirected) + len(form_again) == len(results)
    assert len(form_again) == expected["form_again"]
    for response in form_again:
        assert 'id="workshop_0-error"' in response.text  # the message sits at the workshop field
        assert "Unge uden uddannelse" in response.text and CSRF_INPUT.search(response.text)
    assert len(redirected) == expected["confirmed"] + expected["waitlisted"]

    counts = statuses(session, event_id)
    assert counts[RegistrationStatus.CONFIRMED] == expected["confirmed"]
    assert counts[RegistrationStatus.WAITLISTED] == expected["waitlisted"]
    choices = session.execute(select(Registration.status, WorkshopChoice.holds_seat)
                              .join(WorkshopChoice.registration)).all()
    assert Counter(choices) == {
        (s, holds): n for s, holds, n in [
            (RegistrationStatus.CONFIRMED, True, expected["confirmed"]),
            (RegistrationStatus.WAITLISTED, False, expected["waitlisted"])] if n}
    assert seats_taken(session, AgendaItem, workshop_id) == expected["confirmed"]
    assert seats_taken(session, Event, event_id) == expected["confirmed"]


def test_same_address_twenty_times_at_once_makes_one_registration(live_server, session,
                                                                  make_event):
    event = make_event(capacity=50)
    event_id = event.id
    session.commit()
    # The same address, written differently: it is stored normalised (lower case).
    spellings = ["karen.holm@example.dk", "Karen.Holm@example.dk", "KAREN.HOLM@EXAMPLE.DK"]
    people = [person(n, email=spellings[n % 3]) for n in range(20)]
    results = rush(live_server, event_id, people)

    assert_no_server_errors(results, live_server)
    assert sum(is_ticket_redirect(r) for r in results) == 1
    already = [r for r in results if r.status_code == 200]
    assert len(already) == 19
    session.rollback()
    registrations = session.scalars(select(Registration).where(
        Registration.event_id == event_id)).all()
    assert len(registrations) == 1
    assert registrations[0].email == "karen.holm@example.dk"
    assert registrations[0].status == RegistrationStatus.CONFIRMED
    assert seats_taken(session, Event, event_id) == 1


def test_each_fresh_link_mail_is_queued_and_the_last_link_works(live_server, session, make_event):
    """Every 'already registered' answer promises a mail with a working link.

    Each duplicate bumps ``version`` and mails a new link (key ``link:<id>:<version>``). If two
    duplicates read the same version (a lost update without the row lock in
    ``registration.lock``), the second's mail collides with the first's key and is dropped while
    its nonce wins: the person would receive only a link that no longer works.
    """
    event = make_event(capacity=50)
    event_id = event.id
    session.commit()
    people = [person(n, email="ole.berg@example.dk") for n in range(20)]
    results = rush(live_server, event_id, people)
    assert_no_server_errors(results, live_server)

    session.rollback()
    registration = session.scalars(select(Registration).where(
        Registration.event_id == event_id)).one()
    fresh_links = session.scalar(select(func.count(RegistrationHistory.id)).where(
        RegistrationHistory.registration_id == registration.id,
        RegistrationHistory.action == "fresh_link"))
    link_mails = session.scalars(select(OutboxMail).where(
        OutboxMail.registration_id == registration.id, OutboxMail.kind == "link")
        .order_by(OutboxMail.id)).all()
    assert fresh_links == 19
    assert registration.version == 20
    assert len(link_mails) == 19
    token = tokens.personal_token(BASE_ENV["FLASK_SECRET_KEY"], registration.id,
                                  registration.token_nonce)
    assert token in link_mails[-1].body_text


def double_submit(server: ServerProcess, path: str, fields: dict, times: int) -> list:
    """One person, one browser session, clicking the submit button ``times`` times at once."""
    url = server.url + path
    with requests.Session() as http:
        form = http.get(url, timeout=TIMEOUT)
        form.raise_for_status()
        data = {**fields, "csrf_token": CSRF_INPUT.search(form.text).group(1)}
        barrier = threading.Barrier(times)
        results: list = [None] * times

        def one(index: int) -> None:
            try:
                barrier.wait(TIMEOUT)
                results[index] = http.post(url, data=data, allow_redirects=False, timeout=TIMEOUT)
            except Exception as error:  # noqa: BLE001 - reported by assert_no_server_errors
                barrier.abort()
                results[index] = error

        threads = [threading.Thread(target=one, args=(i,)) for i in range(times)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT * 2)
    return results


def server_token(registration: Registration) -> str:
    return tokens.personal_token(BASE_ENV["FLASK_SECRET_KEY"], registration.id,
                                 registration.token_nonce)


def test_cancel_clicked_four_times_frees_one_seat(live_server, session, make_event,
                                                  make_registration):
    """A double (here quadruple) click on "cancel" must release one seat and promote one person.

    Without the row lock each click saw "confirmed", released the seat and promoted someone:
    on PostgreSQL 5 people ended up confirmed for 2 seats.
    """
    event = make_event(capacity=2)
    holder = make_registration(event)
    make_registration(event)
    waiting = [make_registration(event) for _ in range(4)]
    assert all(w.status == RegistrationStatus.WAITLISTED for w in waiting)
    event_id, path = event.id, f"/r/{server_token(holder)}/cancel"
    session.commit()

    results = double_submit(live_server, path, {}, times=4)

    assert_no_server_errors(results, live_server)
    counts = statuses(session, event_id)
    outcome = {"confirmed": counts[RegistrationStatus.CONFIRMED],
               "waitlisted": counts[RegistrationStatus.WAITLISTED],
               "cancelled": counts[RegistrationStatus.CANCELLED],
               "seats_taken": seats_taken(session, Event, event_id)}
    # One freed seat: exactly one person promoted, and the counter agrees.
    assert outcome == {"confirmed": 2, "waitlisted": 3, "cancelled": 1, "seats_taken": 2}


def test_workshop_change_clicked_four_times_moves_one_seat(live_server, session, make_event,
                                                           make_item, make_registration):
    """Concurrent edits moving to another workshop: one seat moves, no 500 from the unique key."""
    event = make_event(capacity=10)
    first = make_item(event, "Workshop A", AgendaItemKind.WORKSHOP, 60, 60, capacity=5)
    second = make_item(event, "Workshop B", AgendaItemKind.WORKSHOP, 60, 60, capacity=5)
    registration = make_registration(event, workshop_ids=[first.id])
    assert registration.workshop_choices[0].holds_seat
    ids, path = (first.id, second.id), f"/r/{server_token(registration)}/edit"
    session.commit()

    results = double_submit(live_server, path, person(1, email=registration.email,
                                                      workshop_0=str(ids[1])), times=4)

    assert_no_server_errors(results, live_server)
    session.rollback()
    assert [seats_taken(session, AgendaItem, i) for i in ids] == [0, 1]
    assert session.execute(select(WorkshopChoice.agenda_item_id, WorkshopChoice.holds_seat)).all() \
        == [(ids[1], True)]


# --- the mail outbox with several workers ---------------------------------------------------

class SlowSink(SinkHandler):
    """Takes a moment per message, so that workers' batches really overlap in time."""

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        await asyncio.sleep(0.002)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_sink():
    controller = start_sink(handler=SlowSink())
    yield controller
    controller.stop()


def queue_mails(session, count: int) -> list[str]:
    keys = [f"concurrency-test:{n}" for n in range(count)]
    for n, key in enumerate(keys):
        outbox.enqueue(session, NewMail(idempotency_key=key, kind="test",
                                        to_address=f"modtager{n}@example.dk",
                                        subject=f"Besked {n}", body_text="Hej"))
    session.commit()
    return keys


def delivered_keys(sink) -> Counter:
    return Counter(message["X-Confapp-Key"] for message in sink.handler.messages)


def mail_statuses(session) -> Counter:
    session.rollback()
    return Counter(session.scalars(select(OutboxMail.status)))


def worker_app(database_url: str, sink):
    """An app for worker threads: real SMTP to the sink; on SQLite writers BEGIN IMMEDIATE
    (not the test session's deferred BEGIN, which cannot upgrade to a write under contention)."""
    return create_app({**base_config(database_url), "SQLALCHEMY_ENGINE_OPTIONS": {},
                       "MAIL_SUPPRESS_SEND": False, "MAIL_SERVER": "127.0.0.1",
                       "MAIL_PORT": sink.port})


def test_four_worker_threads_send_every_mail_exactly_once(database_url, session, slow_sink):
    keys = queue_mails(session, 200)
    app = worker_app(database_url, slow_sink)
    barrier = threading.Barrier(4)
    reports: list = [None] * 4

    def work(index: int) -> None:
        total = delivery.DeliveryReport()
        try:
            with app.app_context():
                barrier.wait(TIMEOUT)
                while (report := delivery.deliver_once(db.session, owner=f"worker-{index}",
                                                       limit=10)).claimed:
                    total.claimed += report.claimed
                    total.sent += report.sent
                    total.retried += report.retried
                    total.failed += report.failed
            reports[index] = total
        except Exception as error:  # noqa: BLE001 - reported by the assertions below
            barrier.abort()
            reports[index] = error

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 2)
    with app.app_context():
        db.engine.dispose()

    assert not [r for r in reports if not isinstance(r, delivery.DeliveryReport)], reports
    assert sum(r.sent for r in reports) == 200
    assert sum(r.claimed for r in reports) == 200 and not any(r.retried or r.failed for r in reports)
    assert sum(1 for r in reports if r.sent) >= 2  # the workers did overlap
    assert delivered_keys(slow_sink) == Counter(keys)
    assert mail_statuses(session) == {MailStatus.SENT: 200}


def test_four_cli_workers_send_every_mail_exactly_once(database_url, session, slow_sink):
    """``flask mail deliver`` as four separate processes, as deployed."""
    keys = queue_mails(session, 200)
    env = {**BASE_ENV, "FLASK_SQLALCHEMY_DATABASE_URI": database_url,
           "FLASK_MAIL_SUPPRESS_SEND": "false", "FLASK_MAIL_SERVER": "127.0.0.1",
           "FLASK_MAIL_PORT": str(slow_sink.port)}
    command = [sys.executable, "-m", "flask", "--app", "confapp", "mail", "deliver", "--batch", "10"]
    workers = [subprocess.Popen(command, cwd=REPO_ROOT, env={**os.environ, **env},
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
               for _ in range(4)]
    outputs = []
    try:
        for worker in workers:
            outputs.append(worker.communicate(timeout=TIMEOUT)[0])
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    assert [w.returncode for w in workers] == [0] * 4, outputs
    sent = [int(re.search(r"sent (\d+)", out).group(1)) for out in outputs]
    assert sum(sent) == 200, outputs
    assert delivered_keys(slow_sink) == Counter(keys)
    assert mail_statuses(session) == {MailStatus.SENT: 200}


def test_an_expired_lease_is_taken_over_and_a_live_one_is_left_alone(database_url, session,
                                                                     slow_sink):
    queue_mails(session, 3)
    crashed, live, queued = session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
    now = utcnow()
    session.execute(update(OutboxMail).where(OutboxMail.id == crashed.id).values(
        status=MailStatus.SENDING, lease_owner="crashed-worker", attempts=1,
        lease_expires_at=now - timedelta(seconds=1)))
    session.execute(update(OutboxMail).where(OutboxMail.id == live.id).values(
        status=MailStatus.SENDING, lease_owner="busy-worker", attempts=1,
        lease_expires_at=now + timedelta(minutes=2)))
    session.commit()
    crashed_key, live_key, queued_key = crashed.idempotency_key, live.idempotency_key, \
        queued.idempotency_key

    app = worker_app(database_url, slow_sink)
    with app.app_context():
        report = delivery.deliver_once(db.session, owner="new-worker")
        db.engine.dispose()

    assert report.claimed == 2 and report.sent == 2
    assert delivered_keys(slow_sink) == Counter([crashed_key, queued_key])
    session.rollback()
    rows = {m.idempotency_key: m for m in session.scalars(select(OutboxMail))}
    assert rows[crashed_key].status == MailStatus.SENT and rows[crashed_key].attempts == 2
    assert rows[crashed_key].lease_owner is None
    assert rows[live_key].status == MailStatus.SENDING
    assert rows[live_key].lease_owner == "busy-worker"
    assert rows[queued_key].status == MailStatus.SENT
