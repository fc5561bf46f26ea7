"""Who a participant is, and the per-participant keys the rate limits count by.

On the open pages (/q/…) a participant is a random id in a signed cookie, issued on the first
visit; through a personal link (/r/<token>/questions/…) it is the registration. A cookie whose
signature does not match is ignored, so a tampered cookie is a fresh identity, never someone
else's: ids are only ever made here, with 128 random bits.
"""

import secrets

from flask import current_app, g, request
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "qa_participant"
COOKIE_PATH = "/q"
_SALT = "qa-participant"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_SALT)


def cookie_id() -> str | None:
    """The id in the request's voting cookie, or None when there is none or it was tampered."""
    raw = request.cookies.get(COOKIE)
    if not raw or len(raw) > 200:
        return None
    try:
        value = _serializer().loads(raw)
    except BadSignature:
        return None
    return value if isinstance(value, str) and 16 <= len(value) <= 64 else None


def participant_cookie_id() -> str:
    """The participant's cookie id; a new one (set on the response) on the first visit."""
    if (known := cookie_id()) is not None:
        return known
    if "qa_new_cookie" not in g:
        g.qa_new_cookie = secrets.token_urlsafe(16)  # 128 bits
    return g.qa_new_cookie


def set_cookie(response):
    """After the request: send a cookie issued during it (HttpOnly, SameSite=Lax)."""
    new = g.pop("qa_new_cookie", None)
    if new is not None:
        response.set_cookie(
            COOKIE, _serializer().dumps(new), path=COOKIE_PATH, httponly=True, samesite="Lax",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
            max_age=current_app.config["QA_COOKIE_DAYS"] * 24 * 3600)
    return response


def limit_key() -> str:
    """What the per-participant rate limits count: the personal link, else the voting cookie,
    else (no cookie yet) the client's address."""
    token = (request.view_args or {}).get("token")
    if token:
        return f"link:{token[:100]}"
    known = cookie_id()
    return f"cookie:{known}" if known else f"address:{get_remote_address()}"
