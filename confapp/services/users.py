"""Staff accounts: creation, passwords, roles and the login check."""

from functools import cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from confapp.models import Role, User, UserRole
from confapp.models.user import new_session_token
from confapp.services import ConfappError

MIN_PASSWORD_LENGTH = 10


@cache
def _dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so both failures take the same time.

    Made on first use, not at import: scrypt costs ~0.1 s, on every worker's start otherwise."""
    return generate_password_hash("not-a-real-password")


class UserExists(ConfappError):
    pass


class UnknownUser(ConfappError):
    pass


class WeakPassword(ConfappError):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def _check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"password must have at least {MIN_PASSWORD_LENGTH} characters")


def create_user(
    session: Session, email: str, password: str, roles: set[Role], name: str = ""
) -> User:
    """Create an account with a hashed password and the given roles."""
    if find_user(session, email):
        raise UserExists(email)
    _check_password_strength(password)
    user = User(
        email=normalise_email(email),
        name=name or email.split("@")[0],
        password_hash=generate_password_hash(password),
    )
    user.role_rows = [UserRole(role=role) for role in sorted(roles)]
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, email: str, password: str) -> User:
    """Set a new password; every session and remember-me cookie of the account ends."""
    user = find_user(session, email)
    if user is None:
        raise UnknownUser(email)
    _check_password_strength(password)
    user.password_hash = generate_password_hash(password)
    end_sessions(session, user)
    return user


def set_roles(session: Session, email: str, roles: set[Role]) -> User:
    """Replace the account's roles; a change ends its sessions, so they log in to the new ones."""
    user = find_user(session, email)
    if user is None:
        raise UnknownUser(email)
    if roles == user.roles:
        return user
    keep = [row for row in user.role_rows if row.role in roles]
    added = [UserRole(role=role) for role in sorted(roles - {row.role for row in keep})]
    user.role_rows = keep + added
    end_sessions(session, user)
    return user


def end_sessions(session: Session, user: User) -> None:
    """End every session and remember-me cookie of ``user``, on every device.

    Both hold the user's current session token (``User.get_id``); a new token makes them
    all unknown to the login manager.
    """
    user.session_token = new_session_token()
    session.flush()


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user if e-mail and password match an active account, else None (no hint which)."""
    user = find_user(session, email)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user
