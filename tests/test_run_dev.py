"""`make run`'s script: it serves, hands mail to the local sink, and a TERM stops all of it."""

import os
import signal
import subprocess
import time
import urllib.request

from tests.serverproc import REPO_ROOT, free_port


def _wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _group_members(pgid: int) -> list[str]:
    return subprocess.run(["pgrep", "-g", str(pgid)], check=False, capture_output=True,
                          text=True).stdout.split()


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_a_term_to_run_dev_stops_server_worker_and_sink_at_once(tmp_path):
    port, mail_port = free_port(), free_port()
    env = {**os.environ, "PORT": str(port), "MAIL_PORT": str(mail_port),
           "FLASK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'run.sqlite3'}",
           "FLASK_SECRET_KEY": "run-dev-test"}
    env.pop("TEST_DATABASE_URL", None)
    flask = str(REPO_ROOT / ".venv/bin/flask")
    subprocess.run([flask, "--app", "confapp", "db", "upgrade"], cwd=REPO_ROOT, env=env,
                   check=True, capture_output=True)
    script = subprocess.Popen([str(REPO_ROOT / "scripts/run-dev.sh")], cwd=REPO_ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              start_new_session=True)
    try:
        first_line = script.stdout.readline()  # printed once the server answers
        assert f"http://127.0.0.1:{port}" in first_line
        _wait_for(f"http://127.0.0.1:{port}/")
        assert _listening(mail_port)
        assert len(_group_members(script.pid)) >= 4  # the script, the sink, the mail worker, gunicorn (+ worker)

        started = time.monotonic()
        script.send_signal(signal.SIGTERM)
        script.wait(timeout=10)
        while _group_members(script.pid):
            assert time.monotonic() - started < 5, "something outlived the TERM"
            time.sleep(0.05)
        assert not _listening(port) and not _listening(mail_port)
        rest = script.stdout.read()
        assert not rest.strip(), rest  # nothing but the address, and nothing on stopping
    finally:
        try:
            os.killpg(script.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
