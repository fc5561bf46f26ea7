"""Login throttling: failed attempts, counted per account and per client address.

Three limits, kept in the rate limiter's storage (``RATELIMIT_STORAGE_URI``: Redis when several
app processes run, so every worker counts in the same place):

- ``LOGIN_RATE_LIMIT`` per client address and account: a person mistyping, or one attacker.
  A colleague at the same office address has a counter of their own.
- ``LOGIN_ADDRESS_RATE_LIMIT`` per address over all accounts: credential stuffing.
- ``LOGIN_ACCOUNT_RATE_LIMIT`` per account over all addresses, in growing windows: an attack
  from many addresses meets a short, growing delay, never a permanent lock.

An attempt is counted by an atomic increment *before* the password is checked, so concurrent
attempts on several workers cannot all pass a check and count afterwards; a successful login
gives its counts back, so only failures add up. A refused attempt counts only towards the limit
that refused it: hammering a closed door does not lengthen the account's delay. Counters are
fixed windows that start with the first failure; keys hold an HMAC of the e-mail address.
"""

import hashlib
import hmac
import math
import time
from dataclasses import dataclass, field

from flask import current_app
from limits import RateLimitItem, parse_many
from limits.strategies import FixedWindowRateLimiter

from confapp.extensions import limiter
from confapp.services.users import normalise_email


class TooManyAttempts(Exception):
    """The attempt was refused without checking the password; try again after ``retry_after``."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


class CountersUnavailable(Exception):
    """The limiter's storage (Redis) did not answer: logins wait rather than go uncounted."""


@dataclass
class Attempt:
    """The counters one login attempt incremented, to give back when it succeeds."""

    counted: list[tuple[RateLimitItem, tuple[str, ...]]] = field(default_factory=list)


def admit(address: str, email: str) -> Attempt:
    """Count a login attempt from ``address`` for ``email``; raise TooManyAttempts if over a limit."""
    attempt = Attempt()
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return attempt
    counter = _counter()
    try:
        for item, identifiers in _limits(address, email):
            if counter.hit(item, *identifiers):
                attempt.counted.append((item, identifiers))
                continue
            reset_at = counter.get_window_stats(item, *identifiers).reset_time
            forgive(attempt)
            raise TooManyAttempts(max(1, math.ceil(reset_at - time.time())))
    except TooManyAttempts:
        raise
    except Exception as error:  # redis down or unreachable: fail closed, with a page that says so
        current_app.logger.exception("login counters unavailable")
        raise CountersUnavailable() from error
    return attempt


def forgive(attempt: Attempt) -> None:
    """Give back what ``attempt`` counted: the login succeeded, or another limit refused it."""
    if attempt.counted:
        counter = _counter()
        for item, identifiers in attempt.counted:
            counter.hit(item, *identifiers, cost=-1)
        attempt.counted.clear()


def _counter() -> FixedWindowRateLimiter:
    # Always fixed windows, whatever RATELIMIT_STRATEGY says: only they can give a count back.
    return FixedWindowRateLimiter(limiter.storage)


def _limits(address: str, email: str):
    config = current_app.config
    prefix = config.get("RATELIMIT_KEY_PREFIX", "")
    account = hmac.new(current_app.secret_key.encode(), normalise_email(email).encode(),
                       hashlib.sha256).hexdigest()[:32]
    scopes = (
        (config["LOGIN_RATE_LIMIT"], ("login-address-account", address, account)),
        (config["LOGIN_ADDRESS_RATE_LIMIT"], ("login-address", address)),
        (config["LOGIN_ACCOUNT_RATE_LIMIT"], ("login-account", account)),
    )
    for limits, identifiers in scopes:
        for item in parse_many(limits):
            yield item, (prefix, *identifiers)
