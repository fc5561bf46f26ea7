"""Benchmark starting the server: time to the first 200 and a warmed-up worker's memory.

    python bench/start.py                         # its own throwaway PostgreSQL (the default)
    python bench/start.py --db sqlite --workers 1

Loads the demo, then ``--repeat`` times starts gunicorn on 127.0.0.1 with the registration
rush's settings for the database (``--workers`` x ``--threads``, gthread, no preload, as
``tests/serverproc.py`` runs it) and polls ``GET /`` every 5 ms from the moment the command
is launched until the first 200: ``start_to_first_200_s`` is the median. Beside it,
``create_app_s`` is ``import confapp; confapp.create_app()`` alone in a fresh interpreter
(median of as many runs), the part of the start that is the app's own, and
``all_workers_loaded_s`` when the last worker has loaded it (the server's CPU falls quiet;
±0.5 s). Bytecode caches are used as on a deployed server: written once into a private
PYTHONPYCACHEPREFIX before the timed runs, even where PYTHONDONTWRITEBYTECODE is set
(``--as-is`` keeps the environment's setting). ``--gunicorn-arg=--preload`` measures loading
the app once in gunicorn's master instead of in every worker.

After the last start every worker is warmed up: ``--warmup-clients`` keep-alive connections
each GET the front page, the demo conference's page and registration form, register once and
open the personal page, and (logged in) the organiser's event list, event page and list of
registrations, ``--warmup-rounds`` times. ``worker_rss_mb`` is then the largest worker's
resident memory (VmRSS), ``worker_rss_median_mb`` the median over the workers.

Targets (issue #13): first 200 under 1.5 s after the start; worker RSS after warm-up ≤ 80 MB.
The last line is JSON: {"start_to_first_200_s", "worker_rss_mb", ...}.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    BASE_ENV,
    DEMO_ORGANISER,
    REPO_ROOT,
    Browser,
    ServerProcess,
    add_server_arguments,
    child_pids,
    load_demo,
    prepare_server,
    rss_mb,
    wait_until_idle,
)

TARGET_START_S = 1.5
TARGET_RSS_MB = 80.0
IDLE_WINDOW_S = 0.5  # wait_until_idle's default window


class TimedServer(ServerProcess):
    """ServerProcess that polls finely and is ready at the first 200 (not any answer < 500)."""

    ready_after: float = 0.0

    poll_interval = 0.005

    def _is_ready(self, status: int) -> bool:
        return status == 200

    def start(self):
        # Counted from just before the command is launched, not from when polling begins.
        begin = time.perf_counter()
        super().start()
        self.ready_after = time.perf_counter() - begin
        return self


def create_app_seconds(env: dict[str, str]) -> float:
    """``import confapp; confapp.create_app()`` in a fresh interpreter, as a worker does it."""
    code = ("import time; t = time.perf_counter(); import confapp; confapp.create_app(); "
            "print(time.perf_counter() - t)")
    output = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env, check=True,
                            capture_output=True, text=True).stdout
    return float(output.strip().splitlines()[-1])


def warm_up(port: int, event: int, rounds: int, index: int, errors: list[str]) -> None:
    """One visitor and one organiser: every page kind a worker serves in a day."""
    try:
        visitor = Browser(port)
        organiser = Browser(port)
        organiser.log_in(*DEMO_ORGANISER)
        for n in range(rounds):
            for path in ("/", f"/events/{event}", "/privacy"):
                visitor.get(path)
            token = visitor.csrf_token(f"/events/{event}/register")
            status, _, headers = visitor.post_form(f"/events/{event}/register", {
                "first_name": "Kirsten", "last_name": "Østergård", "category": "jobcentre",
                "organisation": "Jobcenter Holstebro", "job_title": "Teamleder",
                "email": f"warmup-{index}-{n}@example.dk", "csrf_token": token})
            if status == 302:
                visitor.get(headers["location"].removeprefix(f"http://127.0.0.1:{port}"))
            for path in ("/organiser/", f"/organiser/events/{event}",
                         f"/organiser/events/{event}/registrations"):
                status, _ = organiser.get(path)
                if status != 200:
                    errors.append(f"{path}: HTTP {status}")
        visitor.close()
        organiser.close()
    except (OSError, http.client.HTTPException, RuntimeError, ValueError) as error:
        errors.append(repr(error))


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_server_arguments(parser, default_db="postgresql",
                         database_help="use this database (migrated, demo added)")
    parser.add_argument("--repeat", type=int, default=5, help="starts to take the median of")
    parser.add_argument("--warmup-clients", type=int, default=8)
    parser.add_argument("--warmup-rounds", type=int, default=5)
    parser.add_argument("--as-is", action="store_true",
                        help="keep this environment's bytecode settings (PYTHONDONTWRITEBYTECODE)")
    parser.add_argument("--gunicorn-arg", action="append", default=[], metavar="ARG",
                        help="extra gunicorn argument, e.g. --gunicorn-arg=--preload")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    workers, threads = prepare_server(args, __file__, argv)

    tmp = Path(tempfile.mkdtemp(prefix="confapp-start-"))
    try:
        url = args.database_url or f"sqlite:///{tmp / 'start.sqlite3'}"
        event = load_demo(url)["conference_id"]
        print(f"database: {args.db} ({url.split('@')[-1]}), demo loaded; gunicorn "
              f"{workers}x{threads} gthread, {args.repeat} starts", flush=True)
        env = {"FLASK_SQLALCHEMY_DATABASE_URI": url}
        if not args.as_is:
            # Bytecode caches as on a deployed server (pip writes them for site-packages; the
            # app's are written at its first start), in a private directory, not the checkout.
            env.update(PYTHONDONTWRITEBYTECODE="", PYTHONPYCACHEPREFIX=str(tmp / "pycache"))
        env.update(item.split("=", 1) for item in args.env)
        full_env = {**os.environ, **BASE_ENV, **env}
        if not args.as_is:
            create_app_seconds(full_env)  # writes the caches; not counted

        create_app_runs = [create_app_seconds(full_env) for _ in range(args.repeat)]
        starts, loaded, rss, master_rss = [], [], [], 0.0
        errors: list[str] = []
        for attempt in range(args.repeat):
            with TimedServer(env, workers=workers, threads=threads, app=args.app,
                             extra_args=tuple(args.gunicorn_arg)) as server:
                starts.append(server.ready_after)
                # Every worker has loaded the app once the server's CPU falls quiet.
                loaded.append(server.ready_after + wait_until_idle(server.process.pid)
                              - IDLE_WINDOW_S)
                if attempt == args.repeat - 1:
                    threads_ = [threading.Thread(target=warm_up, args=(
                        server.port, event, args.warmup_rounds, i, errors))
                        for i in range(args.warmup_clients)]
                    for thread in threads_:
                        thread.start()
                    for thread in threads_:
                        thread.join()
                    rss = [rss_mb(pid) for pid in child_pids(server.process.pid)]
                    master_rss = rss_mb(server.process.pid)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print("start to first 200, s: " + " ".join(f"{s:.3f}" for s in starts))
    print("all workers loaded, s: " + " ".join(f"{s:.3f}" for s in loaded) + " (±0.5)")
    print("create_app alone, s:   " + " ".join(f"{s:.3f}" for s in create_app_runs))
    print("worker RSS after warm-up, MB: " + " ".join(f"{m:.1f}" for m in rss)
          + f"; master {master_rss:.1f}")
    if errors:
        print(f"warm-up errors: {len(errors)}, first: {errors[0]}")
    summary = {
        "start_to_first_200_s": round(statistics.median(starts), 3),
        "worker_rss_mb": round(max(rss, default=0.0), 1),
        "worker_rss_median_mb": round(statistics.median(rss), 1) if rss else 0.0,
        "all_workers_loaded_s": round(statistics.median(loaded), 1),
        "create_app_s": round(statistics.median(create_app_runs), 3),
        "workers": workers,
        "master_rss_mb": round(master_rss, 1),
        "bytecode_cache": not args.as_is,
        "errors": len(errors),
    }
    missed = []
    if summary["start_to_first_200_s"] >= TARGET_START_S:
        missed.append(f"start {summary['start_to_first_200_s']} s >= {TARGET_START_S} s")
    if summary["worker_rss_mb"] > TARGET_RSS_MB:
        missed.append(f"worker RSS {summary['worker_rss_mb']} MB > {TARGET_RSS_MB} MB")
    print("targets: " + ("all met" if not missed else "missed: " + "; ".join(missed)))
    print(json.dumps(summary))
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
