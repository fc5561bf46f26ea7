"""What the benchmarks share: a throwaway PostgreSQL, the database setup, a keep-alive HTTP
client with a session cookie, CPU and memory from /proc, percentiles and py-spy.

Servers themselves come from ``tests/serverproc.py`` (``ServerProcess``): the same gunicorn
settings as the concurrency tests, on 127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.serverproc import BASE_ENV, ServerError, ServerProcess

__all__ = ["BASE_ENV", "ServerError", "ServerProcess"]

INNER_FLAG = "CONFAPP_BENCH_INSIDE_PG"
# gunicorn sizes measured on the 2-core machine (registration rush, 1000 attempts, 16 clients;
# medians of runs on a shared, noisy host). PostgreSQL: 2x1 leaves the CPUs idle while workers
# wait on the database (45-52/s); 2x2, 3x1 and 4x2 did best (75-93/s), 4x2 with the best tail.
# SQLite: every POST holds the single write lock from its first query, so sizes differ
# little (55-79/s); 2x4 and 4x1 did best; 1xN is the only size without cross-process
# busy-wait sleeps, which is what gives SQLite its long p99.
SERVER_SIZES = {
    "sqlite": {"workers": 2, "threads": 4},
    "postgresql": {"workers": 4, "threads": 2},
}
DEMO_CONFERENCE = "Beskæftigelseskonferencen 2027"
DEMO_ORGANISER = ("organiser@example.dk", "demo-password-2027")


# --- the options and set-up every server bench shares ------------------------------------------

def add_server_arguments(parser, *, default_db: str, database_help: str) -> None:
    """--db, --database-url, --workers, --threads, --app and --env."""
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default=default_db)
    parser.add_argument("--database-url", help=database_help)
    parser.add_argument("--workers", type=int, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, help="gunicorn threads per worker")
    parser.add_argument("--app", default="confapp:create_app()",
                        help="gunicorn app spec, e.g. wsgi:app or a variant to compare")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for the server, e.g. "
                             "FLASK_SQLALCHEMY_ENGINE_OPTIONS='{\"pool_pre_ping\": false}'")


def prepare_server(args, script: str, argv: list[str]) -> tuple[int, int]:
    """Settle the database (a throwaway PostgreSQL if none is given) and the server size."""
    if args.db == "postgresql":
        args.database_url = postgres_url_or_reexec(script, argv, args.database_url)
    sizes = SERVER_SIZES[args.db]
    return args.workers or sizes["workers"], args.threads or sizes["threads"]


# --- database -----------------------------------------------------------------------------

def postgres_url_or_reexec(script: str, argv: list[str], database_url: str | None) -> str:
    """The PostgreSQL URL to use; without one, re-run ``script`` inside scripts/with-postgres.sh.

    TEST_DATABASE_URL wins when already inside with-postgres.sh (or the test runner). Otherwise
    this process is replaced by with-postgres.sh running the same command, which starts a
    throwaway cluster (fsync off) on a free port and always stops it when the command exits.
    """
    if database_url:
        return database_url
    if os.environ.get("TEST_DATABASE_URL"):
        return os.environ["TEST_DATABASE_URL"]
    if os.environ.get(INNER_FLAG):
        raise SystemExit("scripts/with-postgres.sh did not set TEST_DATABASE_URL")
    wrapper = str(REPO_ROOT / "scripts" / "with-postgres.sh")
    os.environ[INNER_FLAG] = "1"
    os.environ.pop("PG_PORT", None)  # let it pick a free port
    sys.stdout.flush()
    os.execv(wrapper, [wrapper, sys.executable, str(Path(script).resolve()), *argv])
    raise AssertionError("unreachable")


def bench_app(url: str):
    """A confapp app on ``url`` for setting up and reading back (not the served one)."""
    from confapp import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": BASE_ENV["FLASK_SECRET_KEY"],
                       "PUBLIC_BASE_URL": BASE_ENV["FLASK_PUBLIC_BASE_URL"],
                       "RATELIMIT_ENABLED": False})


def sqlalchemy_url(url: str) -> str:
    """``url`` as the app normalises it (postgres:// → postgresql+psycopg://)."""
    return bench_app(url).config["SQLALCHEMY_DATABASE_URI"]


def load_demo(url: str) -> dict:
    """Migrate and load the demo (idempotent); returns the demo conference's id."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from confapp.extensions import db
    from confapp.models import Event
    from confapp.services.demo import load_demo as load
    from confapp.services.registration import Site

    app = bench_app(url)
    with app.app_context():
        upgrade()
        load(db.session, Site(base_url=app.config["PUBLIC_BASE_URL"], secret_key=app.secret_key))
        db.session.commit()
        conference = db.session.scalar(select(Event.id).where(Event.title == DEMO_CONFERENCE))
        _dispose()
    return {"conference_id": conference}


def _dispose() -> None:
    from confapp.extensions import db

    db.session.remove()
    db.engine.dispose()


def postmaster_pid(url: str) -> int | None:
    """The local PostgreSQL server's pid, to count its CPU too (None if not readable)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    try:
        engine = create_engine(sqlalchemy_url(url))
        with engine.connect() as conn:
            data_directory = conn.execute(text("SHOW data_directory")).scalar()
        engine.dispose()
        return int(Path(data_directory, "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, SQLAlchemyError):  # not local, or not allowed to read it
        return None


# --- HTTP ---------------------------------------------------------------------------------

CSRF_MARKER = b'name="csrf_token" value="'


class Browser:
    """One person's browser: a keep-alive ``http.client`` connection and its cookies.

    Cheap enough per request that the 2-core machine's CPU goes to the server. Cookies are
    kept by name (the session, and e.g. the Q&A voting identity); attributes are ignored.
    """

    def __init__(self, port: int):
        self.port = port
        self.connection: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}

    @property
    def cookie(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def _connect(self) -> http.client.HTTPConnection:
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        return self.connection

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def exchange(self, method: str, path: str, body: str | None = None,
                 headers: dict | None = None) -> tuple[int, bytes, dict[str, str]]:
        """Send one request with the session cookie; returns status, body and headers."""
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        reused = self.connection is not None
        connection = self._connect()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self.close()
            # gunicorn closes keep-alive connections idle for 2 s; a browser then retries a GET.
            if reused and method == "GET":
                return self.exchange(method, path, body, headers)
            raise
        except Exception:
            self.close()
            raise
        received = {}
        for name, value in response.getheaders():
            received[name.lower()] = value
            if name.lower() == "set-cookie":
                cookie_name, _, cookie_value = value.split(";", 1)[0].partition("=")
                self.cookies[cookie_name.strip()] = cookie_value
        if response.will_close:
            self.close()
        return response.status, data, received

    def get(self, path: str) -> tuple[int, bytes]:
        status, body, _ = self.exchange("GET", path)
        return status, body

    def post_form(self, path: str, fields: dict) -> tuple[int, bytes, dict[str, str]]:
        from urllib.parse import urlencode

        return self.exchange("POST", path, urlencode(fields),
                             {"Content-Type": "application/x-www-form-urlencoded"})

    def csrf_token(self, path: str) -> str:
        """GET ``path`` and return the session's CSRF token from the page."""
        status, body = self.get(path)
        if status != 200:
            raise RuntimeError(f"GET {path}: HTTP {status}")
        start = body.index(CSRF_MARKER) + len(CSRF_MARKER)
        return body[start:body.index(b'"', start)].decode()

    def log_in(self, email: str, password: str) -> None:
        """Log in as staff through the real login form (CSRF included)."""
        token = self.csrf_token("/auth/login")
        status, _, headers = self.post_form("/auth/login", {
            "email": email, "password": password, "csrf_token": token})
        if status != 302 or "/auth/login" in headers.get("location", ""):
            raise RuntimeError(f"login as {email} failed: HTTP {status}")


# --- measuring ----------------------------------------------------------------------------

_HAVE_SCHEDSTAT = Path("/proc/self/schedstat").exists()


def tree_cpu_seconds(root: int) -> float:
    """CPU seconds of a process and its live descendants (Linux /proc).

    From each thread's ``schedstat`` (nanoseconds on a CPU) where the kernel has it: the
    ``stat`` ticks (10 ms) are too coarse for a server spending 1 ms per request in several
    processes. Falls back to user + system ticks from ``stat``.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    parent_of: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent_of[int(entry)] = int(fields[1])
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += _process_cpu_seconds(pid, ticks)
        todo.extend(child for child, parent in parent_of.items() if parent == pid)
    return total


def _process_cpu_seconds(pid: int, ticks: int) -> float:
    if _HAVE_SCHEDSTAT:
        nanoseconds = 0
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            return 0.0
        for tid in tasks:
            try:
                nanoseconds += int(Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue  # the thread has just ended
        return nanoseconds / 1e9
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / ticks


def wait_until_idle(root: int, *, window: float = 0.5, busy_ms: float = 30.0,
                    timeout: float = 60.0) -> float:
    """Wait until ``root``'s process tree spends under ``busy_ms`` of CPU in ``window`` seconds.

    A server answers its first request as soon as one gunicorn worker has loaded the app; the
    others go on importing for seconds, and their CPU must not count as the requests' CPU.
    Returns the seconds waited.
    """
    import time

    started = time.monotonic()
    before = tree_cpu_seconds(root)
    while time.monotonic() - started < timeout:
        time.sleep(window)
        now = tree_cpu_seconds(root)
        if (now - before) * 1000 < busy_ms:
            break
        before = now
    return time.monotonic() - started


def child_pids(parent: int) -> list[int]:
    """Direct children of ``parent`` (gunicorn's workers, for its master)."""
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                children.append(int(entry))
    return sorted(children)


def rss_mb(pid: int) -> float:
    """Resident set size of one process in MiB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), round(p / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def start_py_spy(server: ServerProcess, path: str) -> subprocess.Popen:
    """Record ``server`` (master and workers) with py-spy into ``path`` (speedscope JSON).

    Extra py-spy options come from PY_SPY_ARGS, e.g. ``--gil`` for CPU only.
    """
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    return subprocess.Popen([py_spy, "record", "--pid", str(server.process.pid), "--subprocesses",
                             "--format", "speedscope", "--rate", "200", "--output", path,
                             "--nonblocking", *os.environ.get("PY_SPY_ARGS", "").split()],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop_py_spy(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
