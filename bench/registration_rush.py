"""Benchmark a registration rush through the real form, under gunicorn.

    python bench/registration_rush.py                       # SQLite file in a temp dir
    python bench/registration_rush.py --db postgresql       # its own throwaway PostgreSQL
                                   # (or TEST_DATABASE_URL, when run inside with-postgres.sh)
    python bench/registration_rush.py --db postgresql --database-url postgresql+psycopg://...

Migrates the database, creates a published event with ``--capacity`` seats (300), starts
gunicorn on 127.0.0.1 (``--workers`` x ``--threads``, gthread) and lets ``--clients``
concurrent clients submit ``--attempts`` registrations (unique addresses) through
``POST /events/<id>/register``, CSRF included, timing every POST. Afterwards it counts
confirmed and waitlisted registrations in the database. The last line printed is JSON:
{"db", "attempts", "registrations_per_s", "p50_ms", "p95_ms", "p99_ms",
"server_cpu_ms_per_post", "confirmed", "waitlisted", "errors"}; errors are responses other than
2xx/3xx plus exceptions.

Clients
    Each client is a process (``--client-mode process``, default) with one keep-alive
    ``http.client`` connection: cheap enough per request that the 2-core machine's CPU goes to
    the server, and free of the client-side GIL contention that 16 threads would have.
    A client GETs the form once, as a person opens the page before registration opens, and
    then POSTs repeatedly with that session's cookie and CSRF token (Flask-WTF's token belongs
    to the session and, with WTF_CSRF_TIME_LIMIT = None, never expires). So the rush measures
    the POSTs, which is where seats are decided. ``--get-each-time`` GETs the form before every
    POST instead (a new session each time), for the cost of the whole page pair.
    Before the timed rush every client registers ``--warmup`` people for a separate event, so
    templates are compiled and connections pooled in each worker; those are not counted.

Besides the latencies it prints the CPU milliseconds per POST spent by gunicorn, by a local
PostgreSQL server and by the clients (from /proc; gunicorn's workers are measured only once
all of them have loaded the app): on a shared machine that figure is far
steadier than requests per second, so compare variants with it. ``--py-spy FILE`` records the
server during the run (extra py-spy options in PY_SPY_ARGS, e.g. ``--gil`` for CPU only);
``--app`` and ``--env`` run a variant of the app or configuration.

``--ceiling`` also serves bench/ceiling_app.py (Flask + the same ten-field Flask-WTF form with
CSRF + one INSERT into one table) with the same gunicorn settings, on the same database server
(PostgreSQL: table bench_ceiling_registrations in the same database, dropped afterwards; SQLite:
a file of its own), and lets the same clients rush it with as many attempts. The two
run interleaved in ``--rounds`` rounds (confapp first in even rounds, the ceiling first in odd
ones), so the noise of a shared machine falls on both alike. The last line then adds
``server_cpu_ms_per_post``, ``ceiling_server_cpu_ms_per_post``, ``ceiling_registrations_per_s``
and ``cpu_ratio_to_ceiling`` (confapp's server CPU per POST over the ceiling's).

The server runs with FLASK_RATELIMIT_ENABLED=false (all clients share 127.0.0.1) and
FLASK_MAIL_SUPPRESS_SEND=true; mails still go to the outbox table, as in production.
The throwaway PostgreSQL (scripts/with-postgres.sh) runs with fsync=off and
synchronous_commit=off, like the test cluster; a production server would pay one WAL flush
per commit on top.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    Browser,
    ServerProcess,
    add_server_arguments,
    bench_app,
    percentile,
    postmaster_pid,
    prepare_server,
    sqlalchemy_url,
    start_py_spy,
    stop_py_spy,
    tree_cpu_seconds,
    wait_until_idle,
)

FORM_FIELDS = {
    "first_name": "Kirsten", "last_name": "Østergård", "organisation": "Jobcenter Holstebro",
    "category": "jobcentre", "job_title": "Teamleder",
}
CEILING_APP = "bench.ceiling_app:create_app()"


# --- database -----------------------------------------------------------------------------

def prepare_database(url: str, capacity: int) -> tuple[int, int]:
    """Migrate, then create the rush event and a warm-up event; returns their ids."""
    from flask_migrate import upgrade

    from confapp.extensions import db
    from confapp.models import EventKind
    from confapp.models.base import utcnow
    from confapp.services import events
    from confapp.services.events import EventInput

    app = bench_app(url)
    with app.app_context():
        upgrade()
        starts = utcnow().replace(microsecond=0) + timedelta(days=60)
        ids = []
        for title, seats in (("Årsmøde: rush", capacity), ("Årsmøde: warm-up", 100_000)):
            event = events.create_event(db.session, EventInput(
                kind=EventKind.CONFERENCE, title=title, starts_at=starts, ends_at=starts + timedelta(hours=6),
                capacity=seats, venue="Musikhuset Aarhus"))
            events.set_published(db.session, event, True)
            db.session.commit()
            ids.append(event.id)
        db.session.remove()
        db.engine.dispose()
    return ids[0], ids[1]


def count_outcome(url: str, event_id: int) -> dict:
    from sqlalchemy import create_engine, text

    engine = create_engine(sqlalchemy_url(url))
    with engine.connect() as conn:
        by_status = dict(conn.execute(text(
            "SELECT status, count(*) FROM registrations WHERE event_id = :e GROUP BY status"),
            {"e": event_id}).all())
        seats = conn.execute(text("SELECT seats_taken FROM events WHERE id = :e"),
                             {"e": event_id}).scalar()
        mails = conn.execute(text("SELECT count(*) FROM outbox WHERE event_id = :e"),
                             {"e": event_id}).scalar()
    engine.dispose()
    return {"confirmed": by_status.get("confirmed", 0),
            "waitlisted": by_status.get("waitlisted", 0),
            "seats_taken": seats, "outbox": mails}


# --- clients ------------------------------------------------------------------------------

class Client(Browser):
    """A registrant's browser: the session cookie and the CSRF token of the form it opened."""

    token = ""

    def open_form(self, path: str) -> None:
        self.cookies.clear()
        self.token = self.csrf_token(path)

    def register(self, path: str, email: str) -> int:
        status, _, _ = self.post_form(path, {**FORM_FIELDS, "email": email,
                                             "csrf_token": self.token})
        return status


def run_client(index: int, count: int, port: int, rush_path: str, warmup_path: str,
               warmup: int, get_each_time: bool, tag: str, barrier, results) -> None:
    """Warm up, wait for everyone, then register ``count`` people; report latencies."""
    client = Client(port)
    latencies: list[float] = []
    statuses: Counter = Counter()
    errors = done = 0
    started = finished = 0.0
    try:
        client.open_form(warmup_path)
        for n in range(warmup):
            client.register(warmup_path, f"warmup-{tag}{index}-{n}@example.dk")
        client.open_form(rush_path)
        barrier.wait()
        started = time.monotonic()
        for n in range(count):
            begin = time.perf_counter()
            done += 1
            try:
                if get_each_time:
                    client.open_form(rush_path)
                status = client.register(rush_path, f"rush-{tag}{index}-{n}@example.dk")
            except (OSError, http.client.HTTPException, RuntimeError) as error:
                errors += 1  # counted; the next attempt reconnects
                statuses[type(error).__name__] += 1
                continue
            latencies.append((time.perf_counter() - begin) * 1000)
            statuses[str(status)] += 1
            if not 200 <= status < 400:
                errors += 1
        finished = time.monotonic()
    except (OSError, http.client.HTTPException, RuntimeError, ValueError,
            threading.BrokenBarrierError) as error:
        barrier.abort()  # nobody waits forever for a client that cannot start
        statuses[f"client failed: {error!r}"] += count - done
        errors += count - done
    results.put((latencies, dict(statuses), errors, started, finished))


def rush(port: int, rush_path: str, warmup_path: str, *, clients: int, attempts: int,
         warmup: int, get_each_time: bool, mode: str, cpu_roots: dict[str, int],
         tag: str = "") -> dict:
    """Run the clients; also returns the CPU seconds that ``cpu_roots``' process trees spent."""
    shares = [attempts // clients + (1 if i < attempts % clients else 0) for i in range(clients)]
    import resource

    who = resource.RUSAGE_CHILDREN if mode == "process" else resource.RUSAGE_SELF
    usage_before = resource.getrusage(who)
    if mode == "process":
        context = multiprocessing.get_context("fork")
        barrier, results = context.Barrier(clients + 1), context.Queue()
        workers = [context.Process(target=run_client, args=(
            i, shares[i], port, rush_path, warmup_path, warmup, get_each_time, tag, barrier,
            results)) for i in range(clients)]
    else:
        import queue

        barrier, results = threading.Barrier(clients + 1), queue.Queue()
        workers = [threading.Thread(target=run_client, args=(
            i, shares[i], port, rush_path, warmup_path, warmup, get_each_time, tag, barrier,
            results)) for i in range(clients)]
    for worker in workers:
        worker.start()
    try:
        barrier.wait(600)  # everyone has warmed up and holds a form
    except threading.BrokenBarrierError:
        pass
    cpu_before = {name: tree_cpu_seconds(pid) for name, pid in cpu_roots.items()}
    reports = [results.get(timeout=600) for _ in workers]
    cpu = {name: tree_cpu_seconds(pid) - cpu_before[name] for name, pid in cpu_roots.items()}
    for worker in workers:
        worker.join(60)
    usage = resource.getrusage(who)
    # The clients' own CPU, warm-up included: it must stay small next to the server's.
    cpu["clients"] = (usage.ru_utime + usage.ru_stime
                      - usage_before.ru_utime - usage_before.ru_stime)

    latencies = sorted(ms for report in reports for ms in report[0])
    statuses: Counter = Counter()
    for report in reports:
        statuses.update(report[1])
    started = min((r[3] for r in reports if r[3]), default=0.0)
    finished = max((r[4] for r in reports if r[4]), default=0.0)
    return {"latencies": latencies, "statuses": statuses, "cpu": cpu,
            "errors": sum(r[2] for r in reports), "seconds": max(finished - started, 1e-9)}


def merge(results: list[dict]) -> dict:
    """Several rounds' results as one: latencies, statuses, CPU, errors and busy seconds add up."""
    cpu: Counter = Counter()
    statuses: Counter = Counter()
    for result in results:
        cpu.update(result["cpu"])
        statuses.update(result["statuses"])
    return {"latencies": sorted(ms for r in results for ms in r["latencies"]),
            "statuses": statuses, "cpu": dict(cpu),
            "errors": sum(r["errors"] for r in results),
            "seconds": sum(r["seconds"] for r in results)}


def successes_per_second(result: dict) -> float:
    return sum(n for s, n in result["statuses"].items() if s.isdigit()
               and 200 <= int(s) < 400) / result["seconds"]


def cpu_ms_per_post(result: dict, name: str = "gunicorn") -> float:
    return result["cpu"].get(name, 0.0) * 1000 / max(1, len(result["latencies"]))


def describe(label: str, result: dict) -> None:
    latencies = result["latencies"]
    print(f"{label}: {len(latencies)} POSTs in {result['seconds']:.2f} s; statuses "
          f"{dict(sorted(result['statuses'].items()))}")
    if latencies:
        print(f"{label} latency ms: min {latencies[0]:.1f}  mean {statistics.fmean(latencies):.1f}  "
              f"p50 {percentile(latencies, 50):.1f}  p90 {percentile(latencies, 90):.1f}  "
              f"p95 {percentile(latencies, 95):.1f}  p99 {percentile(latencies, 99):.1f}  "
              f"max {latencies[-1]:.1f}")
    # CPU per POST is steadier than throughput on a shared machine: compare variants with it.
    print(f"{label} CPU ms per POST: " + ", ".join(
        f"{name} {seconds * 1000 / max(1, len(latencies)):.2f}"
        for name, seconds in result["cpu"].items()))


# --- main ---------------------------------------------------------------------------------

def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_server_arguments(parser, default_db="sqlite",
                         database_help="use this database (migrated, not emptied)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--capacity", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=2,
                        help="registrations per client for the warm-up event, not timed")
    parser.add_argument("--get-each-time", action="store_true",
                        help="GET the form (new session) before every POST")
    parser.add_argument("--client-mode", choices=("process", "thread"), default="process")
    parser.add_argument("--ceiling", action="store_true",
                        help="also rush bench/ceiling_app.py, interleaved, and compare")
    parser.add_argument("--rounds", type=int, default=4,
                        help="with --ceiling: rounds of confapp and ceiling in turn")
    parser.add_argument("--py-spy", metavar="FILE",
                        help="record the server with py-spy during the rush (speedscope JSON)")
    parser.add_argument("--server-log", metavar="FILE", help="keep gunicorn's log here")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    workers, threads = prepare_server(args, __file__, argv)
    rounds = max(1, args.rounds) if args.ceiling else 1

    tmp = Path(tempfile.mkdtemp(prefix="confapp-rush-"))
    try:
        url = args.database_url or f"sqlite:///{tmp / 'rush.sqlite3'}"
        rush_event, warmup_event = prepare_database(url, args.capacity)
        print(f"database: {args.db} ({url.split('@')[-1]}); event {rush_event} with "
              f"{args.capacity} seats", flush=True)
        print(f"gunicorn: {workers} workers x {threads} threads (gthread); clients: "
              f"{args.clients} {args.client_mode}es, keep-alive http.client, "
              f"{'GET+POST' if args.get_each_time else 'one GET, then POSTs'}", flush=True)
        postmaster = postmaster_pid(url) if args.db == "postgresql" else None

        ceiling_url = None
        if args.ceiling:
            from ceiling_app import init_schema

            ceiling_url = (f"sqlite:///{tmp / 'ceiling.sqlite3'}" if args.db == "sqlite"
                           else sqlalchemy_url(url))
            init_schema(ceiling_url)
            print(f"ceiling: {CEILING_APP} on {'its own SQLite file' if args.db == 'sqlite' else 'the same PostgreSQL'}; "
                  f"{rounds} interleaved rounds", flush=True)

        env = dict(item.split("=", 1) for item in args.env)
        targets = [("confapp", {"FLASK_SQLALCHEMY_DATABASE_URI": url, **env}, args.app)]
        if args.ceiling:
            targets.append(("ceiling", {"CEILING_DATABASE_URL": ceiling_url}, CEILING_APP))
        servers = {name: ServerProcess(server_env, workers=workers, threads=threads, app=app)
                   for name, server_env, app in targets}
        results: dict[str, list[dict]] = {name: [] for name in servers}
        with ExitStack() as stack:
            for server in servers.values():
                stack.enter_context(server)  # stopped at the end, also on failure
            for server in servers.values():
                wait_until_idle(server.process.pid)  # every worker has loaded its app
            spy = start_py_spy(servers["confapp"], args.py_spy) if args.py_spy else None
            try:
                for round_number in range(rounds):
                    order = list(servers) if round_number % 2 == 0 else list(reversed(servers))
                    share = (args.attempts // rounds
                             + (1 if round_number < args.attempts % rounds else 0))
                    for name in order:
                        server = servers[name]
                        cpu_roots = {"gunicorn": server.process.pid}
                        if postmaster:
                            cpu_roots["postgresql"] = postmaster
                        results[name].append(rush(
                            server.port, f"/events/{rush_event}/register",
                            f"/events/{warmup_event}/register", clients=args.clients,
                            attempts=share, warmup=args.warmup if round_number == 0 else 0,
                            get_each_time=args.get_each_time, mode=args.client_mode,
                            cpu_roots=cpu_roots, tag=f"{round_number}x" if rounds > 1 else ""))
            finally:
                if spy is not None:
                    stop_py_spy(spy)
            logs = {name: server.log_text() for name, server in servers.items()}
        if args.server_log:
            Path(args.server_log).write_text(logs["confapp"])
        outcome = count_outcome(url, rush_event)
        if args.ceiling:
            from ceiling_app import count_rows, drop_schema

            ceiling_rows = count_rows(ceiling_url, rush_event)
            drop_schema(ceiling_url)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    result = merge(results["confapp"])
    latencies = result["latencies"]
    describe("confapp", result)
    print(f"database: {outcome['confirmed']} confirmed, {outcome['waitlisted']} waitlisted, "
          f"events.seats_taken {outcome['seats_taken']}, {outcome['outbox']} mails queued")
    problems = [line for line in logs["confapp"].splitlines()
                if "database is locked" in line or "Traceback" in line or "[CRITICAL]" in line]
    if problems:
        print(f"server log: {len(problems)} problem lines, first: {problems[0]}")
    if outcome["confirmed"] != min(args.capacity, args.attempts):
        print(f"WARNING: expected {min(args.capacity, args.attempts)} confirmed")
    summary = {
        "db": args.db,
        "attempts": args.attempts,
        "registrations_per_s": round(successes_per_second(result), 1),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "server_cpu_ms_per_post": round(cpu_ms_per_post(result), 2),
    }
    ceiling_errors = 0
    if args.ceiling:
        ceiling = merge(results["ceiling"])
        describe("ceiling", ceiling)
        print(f"ceiling database: {ceiling_rows} rows")
        ceiling_errors = ceiling["errors"]
        ceiling_cpu = cpu_ms_per_post(ceiling)
        summary.update({
            "ceiling_server_cpu_ms_per_post": round(ceiling_cpu, 2),
            "ceiling_registrations_per_s": round(successes_per_second(ceiling), 1),
            "cpu_ratio_to_ceiling": round(cpu_ms_per_post(result) / ceiling_cpu, 2)
            if ceiling_cpu else None,
        })
        if ceiling_errors or ceiling_rows != args.attempts:
            print(f"WARNING: ceiling had {ceiling_errors} errors, {ceiling_rows} rows "
                  f"for {args.attempts} attempts")
    summary.update({"confirmed": outcome["confirmed"], "waitlisted": outcome["waitlisted"],
                    "errors": result["errors"]})
    print(json.dumps(summary))
    return 0 if result["errors"] == 0 and ceiling_errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
