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
{"db", "attempts", "registrations_per_s", "p50_ms", "p95_ms", "p99_ms", "confirmed",
"waitlisted", "errors"}; errors are responses other than 2xx/3xx plus exceptions.

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
PostgreSQL server and by the clients (from /proc): on a shared machine that figure is far
steadier than requests per second, so compare variants with it. ``--py-spy FILE`` records the
server during the run (extra py-spy options in PY_SPY_ARGS, e.g. ``--gil`` for CPU only);
``--app`` and ``--env`` run a variant of the app or configuration.

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
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.serverproc import ServerProcess

INNER_FLAG = "CONFAPP_BENCH_INSIDE_PG"
FORM_FIELDS = {
    "first_name": "Kirsten", "last_name": "Østergård", "organisation": "Jobcenter Holstebro",
    "category": "jobcentre", "job_title": "Teamleder",
}
# gunicorn sizes measured on the 2-core machine (1000 attempts, 16 clients; medians of runs on
# a shared, noisy host). PostgreSQL: 2x1 leaves the CPUs idle while workers wait on the
# database (45-52/s); 2x2, 3x1 and 4x2 did best (75-93/s), 4x2 with the best tail.
# SQLite: every POST holds the single write lock from its first query, so sizes differ
# little (55-79/s); 2x4 and 4x1 did best; 1xN is the only size without cross-process
# busy-wait sleeps, which is what gives SQLite its long p99.
DEFAULTS = {
    "sqlite": {"workers": 2, "threads": 4},
    "postgresql": {"workers": 4, "threads": 2},
}


# --- database -----------------------------------------------------------------------------

def prepare_database(url: str, capacity: int) -> tuple[int, int]:
    """Migrate, then create the rush event and a warm-up event; returns their ids."""
    from flask_migrate import upgrade

    from confapp import create_app
    from confapp.extensions import db
    from confapp.models import EventKind
    from confapp.models.base import utcnow
    from confapp.services import events
    from confapp.services.events import EventInput

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-migrate"})
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

    from confapp import create_app

    # Through create_app for the URL normalisation (postgres:// → psycopg) only.
    url = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"}).config[
        "SQLALCHEMY_DATABASE_URI"]
    engine = create_engine(url)
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

class Client:
    """One person's browser: a keep-alive connection, a session cookie and a CSRF token."""

    def __init__(self, port: int):
        self.port = port
        self.connection: http.client.HTTPConnection | None = None
        self.cookie = ""
        self.token = ""

    def _connect(self) -> http.client.HTTPConnection:
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        return self.connection

    def _close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def _exchange(self, method: str, path: str, body: str | None = None,
                  headers: dict | None = None) -> tuple[int, bytes]:
        connection = self._connect()
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            data = response.read()
        except Exception:
            self._close()
            raise
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        if response.will_close:
            self._close()
        return response.status, data

    def open_form(self, path: str) -> None:
        self.cookie = ""
        status, body = self._exchange("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: HTTP {status}")
        marker = b'name="csrf_token" value="'
        start = body.index(marker) + len(marker)
        self.token = body[start:body.index(b'"', start)].decode()

    def register(self, path: str, email: str) -> int:
        body = urlencode({**FORM_FIELDS, "email": email, "csrf_token": self.token})
        status, _ = self._exchange("POST", path, body, {
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": self.cookie})
        return status


def run_client(index: int, count: int, port: int, rush_path: str, warmup_path: str,
               warmup: int, get_each_time: bool, barrier, results) -> None:
    """Warm up, wait for everyone, then register ``count`` people; report latencies."""
    client = Client(port)
    latencies: list[float] = []
    statuses: Counter = Counter()
    errors = done = 0
    started = finished = 0.0
    try:
        client.open_form(warmup_path)
        for n in range(warmup):
            client.register(warmup_path, f"warmup-{index}-{n}@example.dk")
        client.open_form(rush_path)
        barrier.wait()
        started = time.monotonic()
        for n in range(count):
            begin = time.perf_counter()
            done += 1
            try:
                if get_each_time:
                    client.open_form(rush_path)
                status = client.register(rush_path, f"rush-{index}-{n}@example.dk")
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
         warmup: int, get_each_time: bool, mode: str, cpu_roots: dict[str, int]) -> dict:
    """Run the clients; also returns the CPU seconds that ``cpu_roots``' process trees spent."""
    shares = [attempts // clients + (1 if i < attempts % clients else 0) for i in range(clients)]
    import resource

    who = resource.RUSAGE_CHILDREN if mode == "process" else resource.RUSAGE_SELF
    usage_before = resource.getrusage(who)
    if mode == "process":
        context = multiprocessing.get_context("fork")
        barrier, results = context.Barrier(clients + 1), context.Queue()
        workers = [context.Process(target=run_client, args=(
            i, shares[i], port, rush_path, warmup_path, warmup, get_each_time, barrier, results))
            for i in range(clients)]
    else:
        import queue

        barrier, results = threading.Barrier(clients + 1), queue.Queue()
        workers = [threading.Thread(target=run_client, args=(
            i, shares[i], port, rush_path, warmup_path, warmup, get_each_time, barrier, results))
            for i in range(clients)]
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


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU seconds of a process and its live descendants (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    parent_of, cpu = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent_of[int(entry)] = int(fields[1])
        cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / ticks
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += cpu.get(pid, 0.0)
        todo.extend(child for child, parent in parent_of.items() if parent == pid)
    return total


def postmaster_pid(url: str) -> int | None:
    """The local PostgreSQL server's pid, to count its CPU too (None if not readable)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    try:
        engine = create_engine(url)
        with engine.connect() as conn:
            data_directory = conn.execute(text("SHOW data_directory")).scalar()
        engine.dispose()
        return int(Path(data_directory, "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, SQLAlchemyError):  # not local, or not allowed to read it
        return None


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), round(p / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


# --- main ---------------------------------------------------------------------------------

def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--database-url", help="use this database (migrated, not emptied)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--capacity", type=int, default=300)
    parser.add_argument("--workers", type=int, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, help="gunicorn threads per worker")
    parser.add_argument("--warmup", type=int, default=2,
                        help="registrations per client for the warm-up event, not timed")
    parser.add_argument("--get-each-time", action="store_true",
                        help="GET the form (new session) before every POST")
    parser.add_argument("--client-mode", choices=("process", "thread"), default="process")
    parser.add_argument("--py-spy", metavar="FILE",
                        help="record the server with py-spy during the rush (speedscope JSON)")
    parser.add_argument("--server-log", metavar="FILE", help="keep gunicorn's log here")
    parser.add_argument("--app", default="confapp:create_app()",
                        help="gunicorn app spec, e.g. wsgi:app or a variant to compare")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for the server, e.g. "
                             "FLASK_SQLALCHEMY_ENGINE_OPTIONS='{\"pool_pre_ping\": false}'")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.db == "postgresql" and not args.database_url:
        if os.environ.get("TEST_DATABASE_URL"):  # inside scripts/with-postgres.sh already
            args.database_url = os.environ["TEST_DATABASE_URL"]
        elif os.environ.get(INNER_FLAG):
            raise SystemExit("scripts/with-postgres.sh did not set TEST_DATABASE_URL")
        else:  # start a throwaway cluster around ourselves; it stops when we exit
            script = str(REPO_ROOT / "scripts" / "with-postgres.sh")
            os.environ[INNER_FLAG] = "1"
            os.environ.pop("PG_PORT", None)  # let it pick a free port
            sys.stdout.flush()
            os.execv(script, [script, sys.executable, str(Path(__file__).resolve()), *argv])
    defaults = DEFAULTS[args.db]
    workers = args.workers or defaults["workers"]
    threads = args.threads or defaults["threads"]

    tmp = Path(tempfile.mkdtemp(prefix="confapp-rush-"))
    try:
        url = args.database_url or f"sqlite:///{tmp / 'rush.sqlite3'}"
        rush_event, warmup_event = prepare_database(url, args.capacity)
        print(f"database: {args.db} ({url.split('@')[-1]}); event {rush_event} with "
              f"{args.capacity} seats", flush=True)
        print(f"gunicorn: {workers} workers x {threads} threads (gthread); clients: "
              f"{args.clients} {args.client_mode}es, keep-alive http.client, "
              f"{'GET+POST' if args.get_each_time else 'one GET, then POSTs'}", flush=True)

        env = dict(item.split("=", 1) for item in args.env)
        with ServerProcess({"FLASK_SQLALCHEMY_DATABASE_URI": url, **env}, workers=workers,
                           threads=threads, app=args.app) as server:
            spy = start_py_spy(server, args.py_spy) if args.py_spy else None
            cpu_roots = {"gunicorn": server.process.pid}
            if args.db == "postgresql" and (postmaster := postmaster_pid(url)):
                cpu_roots["postgresql"] = postmaster
            try:
                result = rush(server.port, f"/events/{rush_event}/register",
                              f"/events/{warmup_event}/register", clients=args.clients,
                              attempts=args.attempts, warmup=args.warmup,
                              get_each_time=args.get_each_time, mode=args.client_mode,
                              cpu_roots=cpu_roots)
            finally:
                if spy is not None:
                    stop_py_spy(spy)
            log = server.log_text()
        if args.server_log:
            Path(args.server_log).write_text(log)
        outcome = count_outcome(url, rush_event)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    latencies = result["latencies"]
    per_second = sum(n for s, n in result["statuses"].items() if s.isdigit()
                     and 200 <= int(s) < 400) / result["seconds"]
    print(f"{len(latencies)} POSTs in {result['seconds']:.2f} s; statuses "
          f"{dict(sorted(result['statuses'].items()))}")
    if latencies:
        print(f"latency ms: min {latencies[0]:.1f}  mean {statistics.fmean(latencies):.1f}  "
              f"p50 {percentile(latencies, 50):.1f}  p90 {percentile(latencies, 90):.1f}  "
              f"p95 {percentile(latencies, 95):.1f}  p99 {percentile(latencies, 99):.1f}  "
              f"max {latencies[-1]:.1f}")
    # CPU per POST is steadier than throughput on a shared machine: compare variants with it.
    print("CPU ms per POST: " + ", ".join(
        f"{name} {seconds * 1000 / max(1, len(latencies)):.2f}"
        for name, seconds in result["cpu"].items()))
    print(f"database: {outcome['confirmed']} confirmed, {outcome['waitlisted']} waitlisted, "
          f"events.seats_taken {outcome['seats_taken']}, {outcome['outbox']} mails queued")
    problems = [line for line in log.splitlines()
                if "database is locked" in line or "Traceback" in line or "[CRITICAL]" in line]
    if problems:
        print(f"server log: {len(problems)} problem lines, first: {problems[0]}")
    if outcome["confirmed"] != min(args.capacity, args.attempts):
        print(f"WARNING: expected {min(args.capacity, args.attempts)} confirmed")
    print(json.dumps({
        "db": args.db,
        "attempts": args.attempts,
        "registrations_per_s": round(per_second, 1),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "confirmed": outcome["confirmed"],
        "waitlisted": outcome["waitlisted"],
        "errors": result["errors"],
    }))
    return 0 if result["errors"] == 0 else 1


def start_py_spy(server: ServerProcess, path: str):
    import subprocess

    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    return subprocess.Popen([py_spy, "record", "--pid", str(server.process.pid), "--subprocesses",
                             "--format", "speedscope", "--rate", "200", "--output", path,
                             "--nonblocking", *os.environ.get("PY_SPY_ARGS", "").split()], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def stop_py_spy(process) -> None:
    import signal
    import subprocess

    process.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
