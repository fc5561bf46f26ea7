"""Benchmark the Q&A live pages: a hall of participants polling while votes come in.

    python bench/qa_live.py                       # its own throwaway PostgreSQL (the default)
    python bench/qa_live.py --db sqlite
    python bench/qa_live.py --py-spy qa.json      # and record the server with py-spy

Migrates the database, loads the demo and gives the demo conference's afternoon Q&A session
``--questions`` (200) approved questions. gunicorn serves on 127.0.0.1 with the database's
usual size (``--workers`` x ``--threads``, gthread). Then:

- ``--clients`` (300) participants, threads spread over ``--poll-processes`` processes, each
  open the participants' page once (which issues their voting identity) and then poll its
  live endpoint every ``--interval`` (3) seconds with ``If-None-Match``, as qa_live.js does,
  from a fresh connection each time (a browser's keep-alive connection is gone after 3 s);
- ``--votes-per-s`` (20) votes arrive from ``--voters`` (20) other participants, each voting
  for a random question through the real form (CSRF included) and taking the vote back the
  next time it draws the same question.

Before that main run of ``--seconds`` (60) come three short calibration runs of
``--calibrate`` seconds each, with the same clients: polls only, where nothing changes (all
304s); polls only without ``If-None-Match`` (every poll renders, as when everything
changes); and votes only. They give the server CPU of a 304, of a changed poll and of a vote.

Server CPU is gunicorn's (master and workers) from /proc; the local PostgreSQL server's is
shown beside it. The last line is JSON: {"clients", "polls", "poll_p50_ms", "poll_p95_ms",
"vote_p95_ms", "not_modified_share", "server_cpu_ms_per_poll", "cpu_ms_304_poll",
"cpu_ms_changed_poll", "cpu_ms_vote", "votes", "errors", ...}: ``server_cpu_ms_per_poll`` is
the main run's server CPU less the votes' (at the calibrated cost) over its polls.

Targets (issue #9): poll p95 under 50 ms, vote p95 under 100 ms, no errors.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    CSRF_MARKER,
    Browser,
    ServerProcess,
    add_server_arguments,
    bench_app,
    load_demo,
    percentile,
    postmaster_pid,
    prepare_server,
    start_py_spy,
    stop_py_spy,
    tree_cpu_seconds,
    wait_until_idle,
)

TARGET_POLL_P95_MS = 50.0
TARGET_VOTE_P95_MS = 100.0
SESSION_TITLE = "Spørgsmål fra salen"

# The public pages (confapp/blueprints/qa): the participants' page, its live fragment and the
# vote form of one question.
PAGE = "/q/{code}/{session}"
LIVE = "/q/{code}/{session}/live"
VOTE = "/q/{code}/{session}/questions/{question}/vote"


def vote_fields(voted: bool) -> dict:
    """The vote form's fields (besides the CSRF token): vote, or take the vote back."""
    return {"action": "unvote" if voted else "vote"}


# --- set-up -------------------------------------------------------------------------------------

def add_questions(url: str, count: int) -> dict:
    """``count`` approved questions in the demo conference's afternoon Q&A session."""
    from sqlalchemy import select

    from confapp.extensions import db
    from confapp.models import AgendaItem, Category, QASession, Question
    from confapp.models.base import utcnow
    from confapp.services import qa

    app = bench_app(url)
    rng = random.Random(9)
    categories = list(Category)
    with app.app_context():
        qa_session = db.session.scalar(select(QASession).join(AgendaItem).where(
            AgendaItem.title == SESSION_TITLE))
        event = qa_session.agenda_item.event
        for n in range(count):
            question = qa.ask(db.session, qa_session, qa.Asker(
                participant_key=f"c:bench-asker-{n}", name=f"Deltager {n}",
                organisation=f"Jobcenter {n % 17}", category=rng.choice(categories)),
                f"Spørgsmål nummer {n}: hvordan får vi flere ledige i job i kommune {n % 98}?",
                utcnow())
            if question.status == "pending":
                qa.approve(db.session, question, "bench")
        db.session.commit()
        ids = list(db.session.scalars(select(Question.id).where(
            Question.session_id == qa_session.id, Question.status.in_(qa.asking.VOTABLE))))
        result = {"code": event.qa_code, "session": qa_session.id, "questions": ids}
        db.session.remove()
        db.engine.dispose()
    return result


# --- clients ------------------------------------------------------------------------------------

def poller(port: int, paths: dict, interval: float, use_etag: bool, barrier, stop_at, results,
           lock) -> None:
    """One participant: open the page once, then poll the live endpoint every ``interval``."""
    browser = Browser(port)
    latencies: list[float] = []
    statuses: Counter = Counter()
    try:
        status, _ = browser.get(paths["page"])
        if status != 200:
            raise RuntimeError(f"GET {paths['page']}: HTTP {status}")
        browser.close()
        etag = None
        barrier.wait()
        next_poll = time.monotonic() + random.uniform(0, interval)
        while True:
            pause = next_poll - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            if time.monotonic() >= stop_at.value:
                break
            headers = {"If-None-Match": etag} if (etag and use_etag) else {}
            begin = time.perf_counter()
            try:
                status, _, received = browser.exchange("GET", paths["live"], headers=headers)
            except (OSError, http.client.HTTPException) as error:
                statuses[type(error).__name__] += 1
            else:
                latencies.append((time.perf_counter() - begin) * 1000)
                statuses[str(status)] += 1
                etag = received.get("etag", etag)
            browser.close()
            next_poll += interval
    except (OSError, http.client.HTTPException, RuntimeError, threading.BrokenBarrierError) as e:
        statuses[f"client failed: {e!r}"] += 1
        barrier.abort()
    with lock:
        results.append((latencies, statuses))


def voter(port: int, paths: dict, questions: list[int], rate: float, barrier, stop_at, results,
          lock, seed: int) -> None:
    """Another participant voting ``rate`` times a second, toggling its vote on a repeat."""
    rng = random.Random(seed)
    browser = Browser(port)
    latencies: list[float] = []
    statuses: Counter = Counter()
    mine: set[int] = set()
    try:
        status, body = browser.get(paths["page"])
        if status != 200:
            raise RuntimeError(f"GET {paths['page']}: HTTP {status}")
        start = body.index(CSRF_MARKER) + len(CSRF_MARKER)
        token = body[start:body.index(b'"', start)].decode()
        browser.close()  # idle until the start: the server would close it meanwhile
        barrier.wait()
        next_vote = time.monotonic() + rng.uniform(0, 1 / rate)
        while True:
            pause = next_vote - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            if time.monotonic() >= stop_at.value:
                break
            question = rng.choice(questions)
            fields = {**vote_fields(question in mine), "csrf_token": token}
            begin = time.perf_counter()
            try:
                status, _, _ = browser.post_form(paths["vote"].format(question=question), fields)
            except (OSError, http.client.HTTPException) as error:
                statuses[type(error).__name__] += 1
            else:
                latencies.append((time.perf_counter() - begin) * 1000)
                statuses[str(status)] += 1
                if status in (302, 303):
                    mine ^= {question}
            browser.close()  # a person votes now and then: a fresh connection each time
            next_vote += 1 / rate
    except (OSError, http.client.HTTPException, RuntimeError, ValueError,
            threading.BrokenBarrierError) as error:
        statuses[f"client failed: {error!r}"] += 1
        barrier.abort()
    with lock:
        results.append((latencies, statuses))


def client_process(kind: str, count: int, offset: int, args_for_thread: dict, barrier, stop_at,
                   queue) -> None:
    """``count`` client threads of ``kind`` in one process; their reports go to ``queue``."""
    results: list = []
    lock = threading.Lock()
    threads = []
    for n in range(count):
        if kind == "poll":
            target, extra = poller, (args_for_thread["interval"], args_for_thread["use_etag"])
        else:
            target, extra = voter, (args_for_thread["questions"], args_for_thread["rate"])
        base = (args_for_thread["port"], args_for_thread["paths"], *extra, barrier, stop_at,
                results, lock)
        threads.append(threading.Thread(
            target=target, args=base + ((offset + n,) if kind == "vote" else ()), daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies = [ms for report in results for ms in report[0]]
    statuses: Counter = Counter()
    for report in results:
        statuses.update(report[1])
    queue.put((kind, latencies, dict(statuses)))


def run_phase(port: int, paths: dict, *, pollers: int, poll_processes: int, voters: int,
              votes_per_s: float, questions: list[int], seconds: float, interval: float,
              use_etag: bool, cpu_roots: dict[str, int]) -> dict:
    """One timed run: clients start together, stop after ``seconds``; CPU over that span."""
    context = multiprocessing.get_context("fork")
    groups = []
    if pollers:
        shares = [pollers // poll_processes + (1 if i < pollers % poll_processes else 0)
                  for i in range(poll_processes)]
        groups += [("poll", share) for share in shares if share]
    if voters:
        groups.append(("vote", voters))
    threads_total = sum(count for _, count in groups)
    barrier = context.Barrier(threads_total + 1)
    stop_at = context.Value("d", float("inf"))
    queue = context.Queue()
    common = {"port": port, "paths": paths, "interval": interval, "use_etag": use_etag,
              "questions": questions, "rate": votes_per_s / max(1, voters)}
    processes = []
    offset = 0
    for kind, count in groups:
        processes.append(context.Process(target=client_process, args=(
            kind, count, offset, common, barrier, stop_at, queue)))
        offset += count
    for process in processes:
        process.start()
    try:
        barrier.wait(300)
    except threading.BrokenBarrierError:
        pass
    cpu_before = {name: tree_cpu_seconds(pid) for name, pid in cpu_roots.items()}
    started = time.monotonic()
    stop_at.value = started + seconds
    reports = [queue.get(timeout=seconds + 300) for _ in processes]
    elapsed = time.monotonic() - started
    cpu = {name: tree_cpu_seconds(pid) - cpu_before[name] for name, pid in cpu_roots.items()}
    for process in processes:
        process.join(60)
    out: dict = {"cpu": cpu, "seconds": elapsed}
    for kind in ("poll", "vote"):
        latencies = sorted(ms for k, ms_list, _ in reports if k == kind for ms in ms_list)
        statuses: Counter = Counter()
        for k, _, counted in reports:
            if k == kind:
                statuses.update(counted)
        out[kind] = {"latencies": latencies, "statuses": statuses}
    return out


def errors_in(phase: dict) -> int:
    """Responses that are not what a working page gives, and client failures."""
    fine = {"poll": {"200", "304"}, "vote": {"302", "303"}}
    return sum(n for kind in ("poll", "vote") for status, n in phase[kind]["statuses"].items()
               if status not in fine[kind])


def describe(name: str, phase: dict) -> str:
    parts = [f"{name:15} {phase['seconds']:5.1f} s"]
    for kind in ("poll", "vote"):
        latencies = phase[kind]["latencies"]
        if latencies:
            parts.append(f"{len(latencies)} {kind}s ({len(latencies) / phase['seconds']:.1f}/s) "
                         f"p50 {percentile(latencies, 50):.1f} p95 "
                         f"{percentile(latencies, 95):.1f} ms {dict(phase[kind]['statuses'])}")
    parts.append("CPU s " + ", ".join(f"{k} {v:.2f}" for k, v in phase["cpu"].items()))
    return "; ".join(parts)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_server_arguments(parser, default_db="postgresql",
                         database_help="use this database (migrated, demo added)")
    parser.add_argument("--clients", type=int, default=300, help="participants polling")
    parser.add_argument("--poll-processes", type=int, default=4)
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between polls")
    parser.add_argument("--seconds", type=float, default=60.0, help="the main run")
    parser.add_argument("--calibrate", type=float, default=15.0,
                        help="seconds of each calibration run (0: none)")
    parser.add_argument("--votes-per-s", type=float, default=20.0)
    parser.add_argument("--voters", type=int, default=20)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--py-spy", metavar="FILE",
                        help="record the server during the main run (speedscope JSON)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    workers, threads = prepare_server(args, __file__, argv)
    tmp = Path(tempfile.mkdtemp(prefix="confapp-qa-live-"))
    try:
        url = args.database_url or f"sqlite:///{tmp / 'qa.sqlite3'}"
        load_demo(url)
        world = add_questions(url, args.questions)
        paths = {"page": PAGE.format(**world), "live": LIVE.format(**world),
                 "vote": VOTE.format(code=world["code"], session=world["session"],
                                     question="{question}")}
        print(f"database: {args.db}; {len(world['questions'])} questions in session "
              f"{world['session']} ({paths['page']}); gunicorn {workers}x{threads} gthread; "
              f"{args.clients} participants polling every {args.interval} s, "
              f"{args.votes_per_s} votes/s from {args.voters} others", flush=True)
        cpu_roots_extra = {}
        if args.db == "postgresql" and (postmaster := postmaster_pid(url)):
            cpu_roots_extra["postgresql"] = postmaster
        server = ServerProcess({"FLASK_SQLALCHEMY_DATABASE_URI": url,
                                **dict(e.split("=", 1) for e in args.env)},
                               workers=workers, threads=threads, app=args.app)
        with server:
            wait_until_idle(server.process.pid)
            roots = {"gunicorn": server.process.pid, **cpu_roots_extra}
            common = {"poll_processes": args.poll_processes, "questions": world["questions"],
                      "interval": args.interval, "cpu_roots": roots}
            phases = {}
            if args.calibrate:
                phases["polls, no change"] = run_phase(
                    server.port, paths, pollers=args.clients, voters=0, votes_per_s=0,
                    seconds=args.calibrate, use_etag=True, **common)
                phases["polls, all new"] = run_phase(
                    server.port, paths, pollers=args.clients, voters=0, votes_per_s=0,
                    seconds=args.calibrate, use_etag=False, **common)
                phases["votes only"] = run_phase(
                    server.port, paths, pollers=0, voters=args.voters,
                    votes_per_s=args.votes_per_s, seconds=args.calibrate, use_etag=True,
                    **common)
                for name, phase in phases.items():
                    print(describe(name, phase), flush=True)
            spy = start_py_spy(server, args.py_spy) if args.py_spy else None
            try:
                main_run = run_phase(
                    server.port, paths, pollers=args.clients, voters=args.voters,
                    votes_per_s=args.votes_per_s, seconds=args.seconds, use_etag=True, **common)
            finally:
                if spy is not None:
                    stop_py_spy(spy)
            print(describe("main run", main_run), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def cpu_ms(phase: dict, kind: str) -> float:
        count = len(phase[kind]["latencies"])
        return phase["cpu"]["gunicorn"] * 1000 / count if count else 0.0

    polls = main_run["poll"]["latencies"]
    votes = main_run["vote"]["latencies"]
    not_modified = main_run["poll"]["statuses"].get("304", 0)
    summary = {
        "clients": args.clients,
        "seconds": round(main_run["seconds"], 1),
        "polls": len(polls),
        "poll_p50_ms": round(percentile(polls, 50), 1),
        "poll_p95_ms": round(percentile(polls, 95), 1),
        "votes": len(votes),
        "votes_per_s": round(len(votes) / main_run["seconds"], 1),
        "vote_p95_ms": round(percentile(votes, 95), 1),
        "not_modified_share": round(not_modified / max(1, len(polls)), 3),
    }
    if phases:
        vote_cost = cpu_ms(phases["votes only"], "vote")
        main_cpu = main_run["cpu"]["gunicorn"] * 1000
        summary["server_cpu_ms_per_poll"] = round(
            (main_cpu - vote_cost * len(votes)) / max(1, len(polls)), 2)
        summary["cpu_ms_304_poll"] = round(cpu_ms(phases["polls, no change"], "poll"), 2)
        summary["cpu_ms_changed_poll"] = round(cpu_ms(phases["polls, all new"], "poll"), 2)
        summary["cpu_ms_vote"] = round(vote_cost, 2)
    else:
        summary["server_cpu_ms_per_request"] = round(
            main_run["cpu"]["gunicorn"] * 1000 / max(1, len(polls) + len(votes)), 2)
    if "postgresql" in main_run["cpu"]:
        summary["postgresql_cpu_ms_per_request"] = round(
            main_run["cpu"]["postgresql"] * 1000 / max(1, len(polls) + len(votes)), 2)
    errors = errors_in(main_run) + sum(errors_in(p) for p in phases.values())
    missed = []
    if summary["poll_p95_ms"] >= TARGET_POLL_P95_MS:
        missed.append(f"poll p95 {summary['poll_p95_ms']} >= {TARGET_POLL_P95_MS} ms")
    if summary["vote_p95_ms"] >= TARGET_VOTE_P95_MS:
        missed.append(f"vote p95 {summary['vote_p95_ms']} >= {TARGET_VOTE_P95_MS} ms")
    print("targets: " + ("all met" if not missed and not errors else
                         "missed: " + "; ".join(missed + ([f"{errors} errors"] if errors else []))))
    summary["errors"] = errors
    print(json.dumps(summary))
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
