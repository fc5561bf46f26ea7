"""Staff accounts: creation, passwords, roles and the login check."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from confapp.models import Role, User, UserRole
from confapp.services import ConfappError

MIN_PASSWORD_LENGTH = 10
# Verified against when the e-mail is unknown, so both failures take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


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
    user = find_user(session, email)
    if user is None:
        raise UnknownUser(email)
    _check_password_strength(password)
    user.password_hash = generate_password_hash(password)
    session.flush()
    return user


def set_roles(session: Session, email: str, roles: set[Role]) -> User:
    user = find_user(session, email)
    if user is None:
        raise UnknownUser(email)
    keep = [row for row in user.role_rows if row.role in roles]
    added = [UserRole(role=role) for role in sorted(roles - {row.role for row in keep})]
    user.role_rows = keep + added
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user if e-mail and password match an active account, else None (no hint which)."""
    user = find_user(session, email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user
