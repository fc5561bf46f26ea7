"""The live lists' shared part, rendered at most once per ``QA_LIVE_CACHE_SECONDS`` per worker.

Measured (bench/qa_live.py, 200 questions, 20 votes/s): a changed poll that renders the list
costs ~17 ms of server CPU, and with votes arriving all the time nearly every poll is a
changed one, so 300 participants polling every 3 s saturate two cores. Everything in the list
but the viewer's own votes, own unpublished questions and CSRF token is the same for everyone
who sees it in the same order, language and voting right, so that part is rendered once and
kept for half a second (cachetools' TTLCache, per app in each process: no state is shared
between app servers, each renders its own copy). A poll within that half second gets the kept
copy, though it may be a vote or two behind: with qa_live.js polling every 2.5 s a change
still shows within 3 s. The viewer's part is added per request (views.py). 0 turns it off.
"""

import threading
from dataclasses import dataclass

from cachetools import TTLCache
from flask import current_app

MAX_ENTRIES = 512  # sessions x orders x languages x voting right x personal links


@dataclass(frozen=True)
class Rendered:
    revision: int  # the session's revision the HTML shows
    html: str


class LiveCache:
    def __init__(self, seconds: float):
        self._cache: TTLCache | None = TTLCache(MAX_ENTRIES, seconds) if seconds > 0 else None
        self._lock = threading.Lock()  # TTLCache is not thread-safe; gthread runs threads

    def kept(self, key: tuple) -> Rendered | None:
        """The rendering kept for ``key`` if it is younger than the TTL, whatever revision it
        shows."""
        if self._cache is None:
            return None
        with self._lock:
            return self._cache.get(key)

    def keep(self, key: tuple, rendered: Rendered) -> None:
        """Keep a new rendering (two threads may both have rendered one: either is right)."""
        if self._cache is not None:
            with self._lock:
                self._cache[key] = rendered


def live_cache() -> LiveCache:
    """This app's cache (created on first use, so each app, e.g. each test's, has its own)."""
    cache = current_app.extensions.get("qa_live_cache")
    if cache is None:
        cache = current_app.extensions.setdefault(
            "qa_live_cache", LiveCache(current_app.config["QA_LIVE_CACHE_SECONDS"]))
    return cache
