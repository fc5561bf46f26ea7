"""Staff accounts: creation, passwords and set-password links, roles, deactivation, login check.

Every change to an account is recorded in the audit log with the actor the caller names (an
administrator, ``audit.CLI`` for the command line, ``audit.SYSTEM`` when none is named).

One rule holds under concurrency: there is always an active administrator. Whoever demotes or
deactivates an administrator first locks every administrator's row (``_lock_administrators``),
so two administrators removing each other at the same moment take turns, and the second one
sees what the first left.
"""

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from confapp.models import AuditAction, PasswordLink, Role, User, UserRole
from confapp.models.base import utcnow
from confapp.models.user import NO_PASSWORD, new_session_token
from confapp.services import ConfappError, audit
from confapp.services.audit import SYSTEM, Actor
from confapp.services.outbox import NewMail, enqueue

MIN_PASSWORD_LENGTH = 10
PASSWORD_LINK_HOURS = 48
LOCALES = ("da", "en")


@cache
def _dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so both failures take the same time.

    Made on first use, not at import: scrypt costs ~0.1 s, on every worker's start otherwise."""
    return generate_password_hash("not-a-real-password")


class UserError(ConfappError):
    message = _l("The account could not be changed.")
    field: str | None = None


class UserExists(UserError):
    field = "email"
    message = _l("There is already an account with this e-mail address.")


class UnknownUser(UserError):
    message = _l("There is no account with this e-mail address.")


class WeakPassword(UserError):
    field = "password"
    message = _l("The password must have at least %(num)d characters.", num=MIN_PASSWORD_LENGTH)


class LastAdministrator(UserError):
    message = _l("This is the last active administrator. Make someone else an administrator "
                 "first.")


class InvalidPasswordLink(UserError):
    message = _l("This link is not valid. It may have expired or been used already. Ask an "
                 "administrator to send you a new one.")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def all_users(session: Session) -> list[User]:
    """Every account, active ones first, by name."""
    return list(session.scalars(select(User).order_by(User.active.desc(), User.name, User.id)))


def _check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"password must have at least {MIN_PASSWORD_LENGTH} characters")


def _roles_text(roles: set[Role]) -> str:
    return ",".join(sorted(role.value for role in roles))


def create_user(
    session: Session, email: str, password: str | None, roles: set[Role], name: str = "", *,
    locale: str = "da", actor: Actor = SYSTEM,
) -> User:
    """Create an account with the given roles; without a password it gets one through a link."""
    if find_user(session, email):
        raise UserExists(email)
    if password is not None:
        _check_password_strength(password)
    user = User(
        email=normalise_email(email),
        name=name.strip() or normalise_email(email).split("@")[0],
        password_hash=NO_PASSWORD if password is None else generate_password_hash(password),
        locale=locale if locale in LOCALES else "da",
    )
    user.role_rows = [UserRole(role=role) for role in sorted(roles)]
    session.add(user)
    session.flush()
    audit.record(session, actor, AuditAction.USER_CREATED, user.email, "", _roles_text(roles))
    return user


def update_profile(session: Session, user: User, name: str, locale: str, *,
                   actor: Actor = SYSTEM) -> None:
    """Change the name shown for an account and the language of its mails."""
    name = name.strip()
    if name and name != user.name:
        audit.record(session, actor, AuditAction.USER_RENAMED, user.email, user.name, name)
        user.name = name
    if locale in LOCALES and locale != user.locale:
        audit.record(session, actor, AuditAction.LOCALE_CHANGED, user.email, user.locale, locale)
        user.locale = locale
    session.flush()


def _store_password(session: Session, user: User, password: str, actor: Actor) -> None:
    _check_password_strength(password)
    user.password_hash = generate_password_hash(password)
    session.execute(delete(PasswordLink).where(PasswordLink.user_id == user.id))
    end_sessions(session, user)
    audit.record(session, actor, AuditAction.PASSWORD_SET, user.email)


def set_password(session: Session, email: str, password: str, *,
                 actor: Actor = SYSTEM) -> User:
    """Set a new password; every session and remember-me cookie of the account ends."""
    user = find_user(session, email)
    if user is None:
        raise UnknownUser(email)
    _store_password(session, user, password, actor)
    return user


def _lock_administrators(session: Session) -> None:
    """Lock every administrator's row, in id order, until the transaction ends.

    PostgreSQL: a second transaction removing an administrator waits here for the first, and its
    next statement counts what the first one left. FOR NO KEY UPDATE, so that inserting rows that
    refer to a user (audit entries) is not blocked. SQLite: write requests already run one at a
    time (BEGIN IMMEDIATE), and SQLAlchemy leaves the clause out.
    """
    administrators = select(UserRole.user_id).where(UserRole.role == Role.ADMINISTRATOR)
    session.execute(select(User.id).where(User.id.in_(administrators)).order_by(User.id)
                    .with_for_update(key_share=True))


def _keep_an_administrator(session: Session, user: User) -> None:
    """Refuse to take ``user`` out of the administrators when no other active one is left."""
    others = session.scalar(
        select(func.count(User.id)).join(UserRole)
        .where(UserRole.role == Role.ADMINISTRATOR, User.active.is_(True), User.id != user.id))
    if not others:
        raise LastAdministrator(user.email)


def set_user_roles(session: Session, user: User, roles: set[Role], *,
                   actor: Actor = SYSTEM) -> User:
    """Replace the account's roles; a change ends its sessions, so they log in to the new ones.

    Raises LastAdministrator when this would leave no active administrator.
    """
    _lock_administrators(session)
    session.refresh(user)  # as it is now, after any change committed while we waited
    old = user.roles
    if roles == old:
        return user
    if Role.ADMINISTRATOR in old and Role.ADMINISTRATOR not in roles and user.active:
        _keep_an_administrator(session, user)
    keep = [row for row in user.role_rows if row.role in roles]
    added = [UserRole(role=role) for role in sorted(roles - {row.role for row in keep})]
    user.role_rows = keep + added
    end_sessions(session, user)
    audit.record(session, actor, AuditAction.ROLES_CHANGED, user.email, _roles_text(old),
                 _roles_text(roles))
    return user


def set_roles(session: Session, email: str, roles: set[Role], *, actor: Actor = SYSTEM) -> User:
    """``set_user_roles`` for the account with this e-mail address (the CLI's way in)."""
    user = find_user(session, email)
    if user is None:
        raise UnknownUser(email)
    return set_user_roles(session, user, roles, actor=actor)


def deactivate(session: Session, user: User, *, actor: Actor = SYSTEM) -> User:
    """Close the account: it cannot log in, its sessions and set-password links end.

    Raises LastAdministrator when this would leave no active administrator.
    """
    _lock_administrators(session)
    session.refresh(user)
    if not user.active:
        return user
    if Role.ADMINISTRATOR in user.roles:
        _keep_an_administrator(session, user)
    user.active = False
    session.execute(delete(PasswordLink).where(PasswordLink.user_id == user.id))
    end_sessions(session, user)
    audit.record(session, actor, AuditAction.USER_DEACTIVATED, user.email, "active", "inactive")
    return user


def reactivate(session: Session, user: User, *, actor: Actor = SYSTEM) -> User:
    """Open a closed account again, with its old password and roles."""
    if user.active:
        return user
    user.active = True
    end_sessions(session, user)
    audit.record(session, actor, AuditAction.USER_REACTIVATED, user.email, "inactive", "active")
    return user


def end_sessions(session: Session, user: User) -> None:
    """End every session and remember-me cookie of ``user``, on every device.

    Both hold the user's current session token (``User.get_id``); a new token makes them
    all unknown to the login manager.
    """
    user.session_token = new_session_token()
    session.flush()


# --- Set-password links ---------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def password_link_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/auth/set-password/{token}"


def send_password_link(session: Session, user: User, *, base_url: str, council_name: str,
                       hours: int = PASSWORD_LINK_HOURS, actor: Actor = SYSTEM,
                       now: datetime | None = None) -> PasswordLink:
    """Mail ``user`` a link to choose a password, valid once for ``hours``; older links end.

    The token (256 random bits) is only in the mail; the database keeps its SHA-256.
    """
    if not user.active:
        raise InvalidPasswordLink(user.email)
    now = now or utcnow()
    session.execute(delete(PasswordLink).where(
        (PasswordLink.user_id == user.id) | (PasswordLink.expires_at <= now)))
    token = secrets.token_urlsafe(32)
    link = PasswordLink(user_id=user.id, token_hash=_token_hash(token), created_at=now,
                        expires_at=now + timedelta(hours=hours))
    session.add(link)
    session.flush()
    with force_locale(user.locale or "da"):
        context = {"user": user, "link": password_link_url(base_url, token),
                   "expires_at": link.expires_at, "hours": hours}
        subject = _("Choose your password for %(council)s", council=council_name)
        body_text = render_template("mail/password_link.txt", **context)
        body_html = render_template("mail/password_link.html", **context)
    # Keyed by the token's hash: a row id may come again after the row is deleted (SQLite).
    enqueue(session, NewMail(
        idempotency_key=f"password_link:{link.token_hash}", kind="password_link",
        to_address=user.email, subject=subject, body_text=body_text, body_html=body_html))
    audit.record(session, actor, AuditAction.PASSWORD_LINK_SENT, user.email, "",
                 link.expires_at.isoformat(timespec="minutes"))
    return link


def _live_link(session: Session, token: str, now: datetime) -> PasswordLink | None:
    # Anything else in the URL is not one of our tokens (43 characters of base64url).
    if not token or len(token) > 100:
        return None
    link = session.scalar(select(PasswordLink).where(PasswordLink.token_hash == _token_hash(token)))
    if link is None or link.expires_at <= now or not link.user.active:
        return None
    return link


def pending_password_links(session: Session, user_id: int | None = None,
                           now: datetime | None = None) -> dict[int, datetime]:
    """Account id → when its unused set-password link expires (of one account, or all)."""
    statement = select(PasswordLink.user_id, PasswordLink.expires_at).where(
        PasswordLink.expires_at > (now or utcnow()))
    if user_id is not None:
        statement = statement.where(PasswordLink.user_id == user_id)
    return dict(session.execute(statement).all())


def password_link_user(session: Session, token: str, now: datetime | None = None) -> User | None:
    """The account a set-password link is for, while the link is valid; else None."""
    link = _live_link(session, token, now or utcnow())
    return link.user if link else None


def use_password_link(session: Session, token: str, password: str,
                      now: datetime | None = None) -> User:
    """Set the password through a mailed link: the link (and any other of the account's) ends,
    and so does every session of the account.

    Raises InvalidPasswordLink (unknown, expired, used, or the account closed) or WeakPassword.
    """
    now = now or utcnow()
    link = _live_link(session, token, now)
    if link is None:
        raise InvalidPasswordLink()
    _check_password_strength(password)
    user = link.user
    # Used once: of two submissions at the same moment (or a deactivation), only one deletes it.
    used = session.execute(delete(PasswordLink).where(
        PasswordLink.id == link.id, PasswordLink.expires_at > now)).rowcount
    if used != 1:
        raise InvalidPasswordLink()
    _store_password(session, user, password, Actor.of(user))
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user if e-mail and password match an active account, else None (no hint which)."""
    user = find_user(session, email)
    if user is None or not user.has_password:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user
