"""Run the real app under gunicorn in a subprocess, for concurrency tests and benchmarks.

    with ServerProcess({"FLASK_SQLALCHEMY_DATABASE_URI": url, ...}, workers=2, threads=4) as server:
        requests.get(server.url + "/")

The server listens on 127.0.0.1 and a free port, is ready when ``__enter__`` returns, and is
stopped (SIGTERM, then SIGKILL to its own process group) when the block ends, also on failure.
Its output goes to a log file; ``log_tail()`` shows the end of it, e.g. in an assertion message.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Self

REPO_ROOT = Path(__file__).resolve().parent.parent

# What every test or bench server needs: a fixed key shared by all workers (CSRF tokens and
# session cookies must verify in whichever worker gets the POST), no rate limit (all clients
# come from 127.0.0.1) and no mail leaving the machine.
BASE_ENV = {
    "FLASK_SECRET_KEY": "serverproc-secret-key",
    "FLASK_RATELIMIT_ENABLED": "false",
    "FLASK_MAIL_SUPPRESS_SEND": "true",
    # A server on PostgreSQL is production: it needs the address that mail links point to.
    "FLASK_PUBLIC_BASE_URL": "http://127.0.0.1:5000",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _no_control_socket() -> list[str]:
    """gunicorn >= 25 opens a control socket at one fixed path per user; parallel servers clash."""
    try:
        from gunicorn.config import KNOWN_SETTINGS
    except ImportError:
        return []
    return ["--no-control-socket"] if any(s.name == "control_socket_disable"
                                          for s in KNOWN_SETTINGS) else []


class ServerError(RuntimeError):
    pass


class ServerProcess:
    """gunicorn with the gthread worker serving ``app`` (a gunicorn app spec)."""

    def __init__(self, env: dict[str, str], *, workers: int = 2, threads: int = 4,
                 app: str = "confapp:create_app()", port: int | None = None,
                 start_timeout: float = 30.0, stop_timeout: float = 10.0,
                 extra_args: tuple[str, ...] = ()):
        self.env = {**os.environ, **BASE_ENV, **env}
        self.workers = workers
        self.threads = threads
        self.app = app
        self.port = port or free_port()
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.extra_args = extra_args
        self.process: subprocess.Popen | None = None
        self._log = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "gunicorn",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(self.workers),
            "--worker-class", "gthread",
            "--threads", str(self.threads),
            "--graceful-timeout", "5",
            # Heartbeat files on tmpfs: a busy disk must not make the master kill workers.
            "--worker-tmp-dir", "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir(),
            "--error-logfile", "-",
            *_no_control_socket(),
            *self.extra_args,
            self.app,
        ]

    def start(self) -> Self:
        # Kept open for the server's lifetime; stop() closes it.
        self._log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix="confapp-gunicorn-", suffix=".log", delete=False)
        # Its own session (process group), so stop() can kill workers a dead master left behind.
        self.process = subprocess.Popen(self.command(), cwd=REPO_ROOT, env=self.env,
                                        stdin=subprocess.DEVNULL, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    # When the server counts as ready, and how often to ask; bench/start.py asks for a 200, often.
    poll_interval = 0.1

    def _is_ready(self, status: int) -> bool:
        return status < 500

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self.process.poll() is not None:
                raise ServerError(f"gunicorn exited with {self.process.returncode}:\n"
                                  f"{self.log_tail()}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/")
                response = connection.getresponse()
                response.read()
                connection.close()
                if self._is_ready(response.status):
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise ServerError(f"gunicorn did not answer within {self.start_timeout:g} s:\n"
                                  f"{self.log_tail()}")
            time.sleep(self.poll_interval)

    def stop(self) -> None:
        process = self.process
        if process is not None:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(self.stop_timeout)
                except subprocess.TimeoutExpired:
                    self._kill_group(process.pid)
                    process.wait(self.stop_timeout)
            elif process.returncode != 0:
                # A crashed master may leave workers behind in the group we created.
                self._kill_group(process.pid)
        if self._log is not None:
            self._log.close()

    @staticmethod
    def _kill_group(pgid: int) -> None:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def log_tail(self, lines: int = 40) -> str:
        if self._log is None:
            return ""
        self._log.flush()
        text = Path(self._log.name).read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def log_text(self) -> str:
        if self._log is None:
            return ""
        self._log.flush()
        return Path(self._log.name).read_text(errors="replace")

    def remove_log(self) -> None:
        if self._log is not None:
            Path(self._log.name).unlink(missing_ok=True)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()
        if exc_info[0] is None:
            self.remove_log()
