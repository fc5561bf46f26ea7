"""Benchmark the pages people read, under gunicorn, with the demo loaded.

    python bench/pages.py                         # its own throwaway PostgreSQL (the default)
    python bench/pages.py --db sqlite             # a SQLite file in a temp dir
    python bench/pages.py --py-spy pages.json     # and record the server with py-spy

Migrates the database, loads the demo (``confapp.services.demo.load_demo``), starts gunicorn on
127.0.0.1 with the registration rush's settings for the database (``--workers`` x
``--threads``, gthread) and GETs, for the demo conference (300 seats, 240 registrants):

    front            /                                            anonymous visitor
    event            /events/<id>                                 anonymous visitor
    form             /events/<id>/register                        anonymous visitor
    organiser_list   /organiser/events/<id>/registrations        organiser, logged in

with 1 and with 4 concurrent clients (``--concurrency``), each a process with one keep-alive
``http.client`` connection that keeps its session cookie, as a browser does (the organiser's
clients log in through the real form first). ``privacy`` (``--pages front privacy ...``), a
page without queries, shows the floor under the others. Every client warms up with ``--warmup`` requests
before the timed ones. The pages and concurrencies run in turn for ``--rounds`` rounds, so the
noise of a shared machine falls on all of them alike.

Server CPU per request is gunicorn's (master and workers) CPU time from /proc over the timed
requests, divided by their number, counted once every worker has loaded the app; the database
server's is shown beside it. The last
line is JSON: ``<page>_cpu_ms``, ``<page>_p50_ms`` and ``<page>_p95_ms`` at 1 client, then
``<page>_c4_cpu_ms``, ``<page>_c4_p50_ms`` and ``<page>_c4_per_s`` at 4, and ``errors``.

``--compare APP`` (with ``--compare-env``) serves a second app, e.g. a variant with one change,
beside the first on the same database and measures the two in turn (ABBA) with the same
clients; the JSON then adds ``compare_<page>_cpu_ms`` and ``compare_<page>_cpu_ratio`` (second
over first), which is what to trust on a shared, noisy machine.

Targets (issue #13): every public page at most 4 ms of server CPU, the event page's p50 under
5 ms at 1 client, the organiser's list of the 300-seat conference at most 15 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    DEMO_ORGANISER,
    Browser,
    ServerProcess,
    add_server_arguments,
    load_demo,
    percentile,
    postmaster_pid,
    prepare_server,
    start_py_spy,
    stop_py_spy,
    tree_cpu_seconds,
    wait_until_idle,
)

# name → (path template, logged in as organiser)
PAGES = {
    "front": ("/", False),
    "event": ("/events/{event}", False),
    "form": ("/events/{event}/register", False),
    "organiser_list": ("/organiser/events/{event}/registrations", True),
    # Not measured by default: the organiser's dashboard, every demo event with its counts.
    "dashboard": ("/organiser/", True),
    # Not measured by default: a page without database queries, the floor under the others.
    "privacy": ("/privacy", False),
}
DEFAULT_PAGES = ["front", "event", "form", "organiser_list"]
TARGETS_CPU_MS = {"front": 4.0, "event": 4.0, "form": 4.0, "organiser_list": 15.0}
TARGET_EVENT_P50_MS = 5.0


def run_client(port: int, path: str, log_in: bool, warmup: int, count: int, barrier,
               results) -> None:
    """Warm up, wait for everyone, then GET ``path`` ``count`` times; report latencies."""
    browser = Browser(port)
    latencies: list[float] = []
    statuses: Counter = Counter()
    errors = done = 0
    try:
        if log_in:
            browser.log_in(*DEMO_ORGANISER)
        for _ in range(warmup):
            status, _ = browser.get(path)
            if status != 200:
                raise RuntimeError(f"warm-up GET {path}: HTTP {status}")
        barrier.wait()
        for _ in range(count):
            done += 1
            begin = time.perf_counter()
            try:
                status, _ = browser.get(path)
            except (OSError, http.client.HTTPException) as error:
                errors += 1
                statuses[type(error).__name__] += 1
                continue
            latencies.append((time.perf_counter() - begin) * 1000)
            statuses[str(status)] += 1
            if status != 200:
                errors += 1
    except (OSError, http.client.HTTPException, RuntimeError, ValueError,
            threading.BrokenBarrierError) as error:
        barrier.abort()
        statuses[f"client failed: {error!r}"] += count - done
        errors += count - done
    results.put((latencies, dict(statuses), errors))


def measure(port: int, path: str, log_in: bool, *, clients: int, requests: int, warmup: int,
            cpu_roots: dict[str, int]) -> dict:
    """``clients`` processes GET ``path`` ``requests`` times in all; latencies and CPU."""
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(clients + 1), context.Queue()
    shares = [requests // clients + (1 if i < requests % clients else 0) for i in range(clients)]
    processes = [context.Process(target=run_client, args=(
        port, path, log_in, warmup, shares[i], barrier, results)) for i in range(clients)]
    for process in processes:
        process.start()
    try:
        barrier.wait(300)
    except threading.BrokenBarrierError:
        pass
    started = time.monotonic()
    cpu_before = {name: tree_cpu_seconds(pid) for name, pid in cpu_roots.items()}
    reports = [results.get(timeout=300) for _ in processes]
    cpu = {name: tree_cpu_seconds(pid) - cpu_before[name] for name, pid in cpu_roots.items()}
    seconds = time.monotonic() - started
    for process in processes:
        process.join(60)
    statuses: Counter = Counter()
    for report in reports:
        statuses.update(report[1])
    return {"latencies": [ms for report in reports for ms in report[0]], "statuses": statuses,
            "errors": sum(report[2] for report in reports), "cpu": cpu, "seconds": seconds}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_server_arguments(parser, default_db="postgresql",
                         database_help="use this database (migrated, demo added)")
    parser.add_argument("--requests", type=int, default=150,
                        help="timed requests per page, concurrency and round")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests per client")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--pages", nargs="+", choices=list(PAGES), default=DEFAULT_PAGES,
                        help="privacy (a static page, no queries) shows the floor")
    parser.add_argument("--py-spy", metavar="FILE",
                        help="record the server with py-spy (speedscope JSON)")
    parser.add_argument("--compare", metavar="APP",
                        help="also serve this gunicorn app spec and measure both in turn")
    parser.add_argument("--compare-env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for the --compare server")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    workers, threads = prepare_server(args, __file__, argv)

    tmp = Path(tempfile.mkdtemp(prefix="confapp-pages-"))
    try:
        url = args.database_url or f"sqlite:///{tmp / 'pages.sqlite3'}"
        event = load_demo(url)["conference_id"]
        print(f"database: {args.db} ({url.split('@')[-1]}), demo loaded; conference {event}; "
              f"gunicorn {workers}x{threads} gthread", flush=True)
        cpu_roots_extra = {}
        if args.db == "postgresql" and (postmaster := postmaster_pid(url)):
            cpu_roots_extra["postgresql"] = postmaster
        base_env = {"FLASK_SQLALCHEMY_DATABASE_URI": url}
        servers = {"": ServerProcess({**base_env, **dict(e.split("=", 1) for e in args.env)},
                                     workers=workers, threads=threads, app=args.app)}
        if args.compare:
            servers["compare"] = ServerProcess(
                {**base_env, **dict(e.split("=", 1) for e in args.compare_env)},
                workers=workers, threads=threads, app=args.compare)
            print(f"compare: {args.app} {args.env} against {args.compare} {args.compare_env}, "
                  "in turn", flush=True)
        runs: dict[tuple[str, str, int], list[dict]] = {}
        with ExitStack() as stack:
            for server in servers.values():
                stack.enter_context(server)
            for server in servers.values():
                wait_until_idle(server.process.pid)  # every worker has loaded the app
            spy = start_py_spy(servers[""], args.py_spy) if args.py_spy else None
            try:
                turn = 0
                for _ in range(args.rounds):
                    for page in args.pages:
                        template, log_in = PAGES[page]
                        for clients in args.concurrency:
                            # ABBA: neither server always goes first.
                            order = list(servers) if turn % 2 == 0 else list(reversed(servers))
                            turn += 1
                            for label in order:
                                server = servers[label]
                                runs.setdefault((label, page, clients), []).append(measure(
                                    server.port, template.format(event=event), log_in,
                                    clients=clients, requests=args.requests,
                                    warmup=args.warmup, cpu_roots={
                                        "gunicorn": server.process.pid, **cpu_roots_extra}))
            finally:
                if spy is not None:
                    stop_py_spy(spy)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    summary, errors = summarise(runs, "")
    missed = [f"{page} CPU {summary[f'{page}_cpu_ms']} > {limit} ms"
              for page, limit in TARGETS_CPU_MS.items()
              if f"{page}_cpu_ms" in summary and summary[f"{page}_cpu_ms"] > limit]
    if summary.get("event_p50_ms", 0) >= TARGET_EVENT_P50_MS:
        missed.append(f"event p50 {summary['event_p50_ms']} >= {TARGET_EVENT_P50_MS} ms")
    print("targets: " + ("all met" if not missed else "missed: " + "; ".join(missed)))
    if args.compare:
        compared, compare_errors = summarise(runs, "compare")
        errors += compare_errors
        for page in args.pages:
            key = f"{page}_cpu_ms"
            if summary.get(key) and key in compared:
                summary[f"compare_{page}_cpu_ms"] = compared[key]
                summary[f"compare_{page}_cpu_ratio"] = round(compared[key] / summary[key], 3)
                summary[f"compare_{page}_p50_ms"] = compared[f"{page}_p50_ms"]
    summary["errors"] = errors
    print(json.dumps(summary))
    return 0 if errors == 0 else 1


def summarise(runs: dict[tuple[str, str, int], list[dict]], label: str) -> tuple[dict, int]:
    """One server's figures (label "" or "compare"): printed, and as the JSON keys."""
    summary: dict[str, float | int] = {}
    later: dict[str, float] = {}
    errors = 0
    for (run_label, page, clients), results in runs.items():
        if run_label != label:
            continue
        latencies = sorted(ms for r in results for ms in r["latencies"])
        count = max(1, len(latencies))
        cpu = {name: sum(r["cpu"][name] for r in results) * 1000 / count
               for name in results[0]["cpu"]}
        seconds = sum(r["seconds"] for r in results)
        statuses: Counter = Counter()
        for r in results:
            statuses.update(r["statuses"])
        errors += sum(r["errors"] for r in results)
        print(f"{label + ' ' if label else ''}{page:15} {clients} client{'s' if clients > 1 else ' '}: "
              f"{len(latencies)} GETs, {len(latencies) / seconds:6.1f}/s; ms p50 "
              f"{percentile(latencies, 50):6.1f} p95 {percentile(latencies, 95):6.1f}; "
              "CPU ms/request " + ", ".join(f"{name} {ms:.2f}" for name, ms in cpu.items())
              + ("" if set(statuses) == {"200"} else f"; statuses {dict(statuses)}"))
        if clients == 1:
            summary[f"{page}_cpu_ms"] = round(cpu["gunicorn"], 2)
            later[f"{page}_p50_ms"] = round(percentile(latencies, 50), 1)
            later[f"{page}_p95_ms"] = round(percentile(latencies, 95), 1)
        else:
            later[f"{page}_c{clients}_cpu_ms"] = round(cpu["gunicorn"], 2)
            later[f"{page}_c{clients}_p50_ms"] = round(percentile(latencies, 50), 1)
            later[f"{page}_c{clients}_per_s"] = round(len(latencies) / seconds, 1)
    summary.update(later)
    return summary, errors


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
