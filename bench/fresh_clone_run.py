"""Benchmark `make run` from a fresh clone: time to the first page, venv size, output, stopping.

    python bench/fresh_clone_run.py               # clones this checkout's HEAD
    python bench/fresh_clone_run.py --ref 3609522 # an older commit, to compare

Clones the repository into a temporary directory, starts ``make run`` there (on free ports,
in its own process group) and polls ``GET /`` every 0.2 s until the first 200:
``seconds_to_first_page`` includes creating the virtualenv and installing (pip's cache, if
warm, is used as a developer's would be), migrating and loading the demo. Then it records the
venv's size and how many lines ``make run`` printed, sends one TERM to ``make`` and measures
how long until no process of the group is left (``seconds_to_stop``; capped at 15 s, and
``processes_left`` counts the survivors, which are then killed).

Target (issue #8): the run venv without the test tools; little output; TERM stops everything.
The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def group_members(pgid: int) -> list[str]:
    return subprocess.run(["pgrep", "-g", str(pgid)], check=False, capture_output=True,
                          text=True).stdout.split()


def directory_mb(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) \
        // 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default="HEAD")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="confapp-clone-") as tmp:
        clone = Path(tmp) / "confapp"
        subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
        subprocess.run(["git", "checkout", "-q", args.ref], cwd=clone, check=True)
        port, mail_port = free_port(), free_port()
        log = open(Path(tmp) / "make-run.log", "w+")  # noqa: SIM115  (read after the run)
        started = time.monotonic()
        make = subprocess.Popen(["make", "run", f"PORT={port}", f"MAIL_PORT={mail_port}"],
                                cwd=clone, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
                    break
                except OSError:
                    if make.poll() is not None or time.monotonic() - started > args.timeout:
                        log.seek(0)
                        raise SystemExit(f"make run did not serve:\n{log.read()}") from None
                    time.sleep(0.2)
            first_page = time.monotonic() - started
            time.sleep(1)  # let the last line reach the log
            log.seek(0)
            output = log.read()
            term_sent = time.monotonic()
            os.kill(make.pid, signal.SIGTERM)
            while time.monotonic() - term_sent < 15:
                make.poll()  # reap make, or its zombie would count as a survivor
                if not group_members(make.pid):
                    break
                time.sleep(0.05)
            stopped = time.monotonic() - term_sent
            left = len(group_members(make.pid))
        finally:
            try:
                os.killpg(make.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        print(output.rstrip())
        print(json.dumps({
            "ref": args.ref, "seconds_to_first_page": round(first_page, 1),
            "venv_mb": directory_mb(clone / ".venv"), "output_lines": len(output.splitlines()),
            "seconds_to_stop": round(stopped, 2), "processes_left": left}))


if __name__ == "__main__":
    main()
