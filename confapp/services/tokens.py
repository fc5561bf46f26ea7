"""Personal-link tokens and signed ticket payloads.

A personal link is ``<registration id>.<HMAC-SHA256(secret key, id and nonce)>``:
256 bits no one can guess without both the app's secret key and the
registration's random nonce in the database. Nothing secret is stored, any mail
can carry the link, and a new nonce (a fresh link, anonymisation) kills old links.

The QR ticket carries no personal data: the event and registration ids, signed.
"""

import base64
import hashlib
import hmac
import secrets

from itsdangerous import BadSignature, Signer

TICKET_PREFIX = "CA1"


def new_nonce() -> str:
    return secrets.token_hex(16)


def _mac(secret_key: str, registration_id: int, nonce: str) -> str:
    digest = hmac.new(secret_key.encode(), f"registration:{registration_id}:{nonce}".encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def personal_token(secret_key: str, registration_id: int, nonce: str) -> str:
    return f"{registration_id}.{_mac(secret_key, registration_id, nonce)}"


def token_registration_id(token: str) -> int | None:
    """The registration id a token claims to be for (not yet verified)."""
    head, _, mac = (token or "").partition(".")
    # isdigit() alone accepts other scripts' digits ("١"); a link is plain ASCII. Ids stop at
    # the database's integer range (PostgreSQL refuses to look up a larger one).
    if head.isascii() and head.isdigit() and len(head) < 12 and mac and int(head) < 2**31:
        return int(head)
    return None


def token_matches(secret_key: str, token: str, registration_id: int, nonce: str | None) -> bool:
    if not nonce:
        return False
    # As bytes: compare_digest refuses str with non-ASCII characters, and a URL may hold any.
    return hmac.compare_digest(token.encode("utf-8", "surrogatepass"),
                               personal_token(secret_key, registration_id, nonce).encode())


def _ticket_signer(secret_key: str) -> Signer:
    return Signer(secret_key, salt="confapp.ticket", sep=".", digest_method=hashlib.sha256)


def ticket_payload(secret_key: str, event_id: int, registration_id: int) -> str:
    """What the QR code says: 'CA1-<event>-<registration>.<signature>'."""
    value = f"{TICKET_PREFIX}-{event_id}-{registration_id}"
    return _ticket_signer(secret_key).sign(value).decode()


class InvalidTicket(ValueError):
    pass


def read_ticket(secret_key: str, payload: str) -> tuple[int, int]:
    """(event id, registration id) from a scanned payload, or InvalidTicket if forged or garbled."""
    payload = (payload or "").strip()
    try:
        value = _ticket_signer(secret_key).unsign(payload).decode()
    except (BadSignature, UnicodeError) as error:
        raise InvalidTicket("bad signature") from error
    parts = value.split("-")
    if len(parts) != 3 or not hmac.compare_digest(parts[0], TICKET_PREFIX):
        raise InvalidTicket("bad format")
    try:
        return int(parts[1]), int(parts[2])
    except ValueError as error:
        raise InvalidTicket("bad ids") from error
