"""Site settings: the configured defaults, overridden by what administrators save.

``confapp/config.py`` (and ``instance/config.py``, ``FLASK_*``) give the defaults; a value saved
on the administration page is kept in ``site_settings`` and wins. Pages read the settings once
per database session, that is once per request (``current``); saving records each change in the
audit log.
"""

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from email.utils import parseaddr

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, event, select, text
from sqlalchemy.orm import Session

from confapp.models import AuditAction, SiteSetting
from confapp.models.base import UTCDateTime, utcnow
from confapp.services import ConfappError, audit
from confapp.services.audit import Actor


@dataclass(frozen=True)
class SiteSettings:
    council_name: str
    mail_sender_name: str
    mail_sender_address: str
    privacy_contact: str  # shown on the privacy page; empty: not shown
    retention_days: int  # registrations of past events are anonymised after this many days
    needs_retention_days: int  # dietary and accessibility notes are deleted sooner

    @property
    def mail_sender(self) -> tuple[str, str]:
        """The sender of every mail: (name, address)."""
        return self.mail_sender_name, self.mail_sender_address


SETTING_NAMES = tuple(f.name for f in fields(SiteSettings))
INTEGER_SETTINGS = frozenset({"retention_days", "needs_retention_days"})
REQUIRED_SETTINGS = frozenset({"council_name", "mail_sender_name", "mail_sender_address"})
MAX_LENGTHS = {"council_name": 200, "mail_sender_name": 200, "mail_sender_address": 254,
               "privacy_contact": 300}
# Days: at least one, at most ten years.
MAX_DAYS = 3650

_CACHE_KEY = "confapp.site_settings"


class InvalidSettings(ConfappError):
    """Rule violations keyed by the setting (and form field) they belong to."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


def _configured_sender(sender) -> tuple[str, str]:
    if isinstance(sender, (tuple, list)) and len(sender) == 2:
        return str(sender[0]), str(sender[1])
    name, address = parseaddr(str(sender or ""))
    return name, address


def defaults(config: Mapping) -> SiteSettings:
    """The settings as configured, before anything an administrator saved."""
    name, address = _configured_sender(config.get("MAIL_DEFAULT_SENDER"))
    return SiteSettings(
        council_name=config["COUNCIL_NAME"],
        mail_sender_name=name or config["COUNCIL_NAME"],
        mail_sender_address=address,
        privacy_contact=config.get("PRIVACY_CONTACT") or "",
        retention_days=int(config["RETENTION_DAYS"]),
        needs_retention_days=int(config["NEEDS_RETENTION_DAYS"]),
    )


def _with_saved(base: SiteSettings, saved: Mapping[str, str]) -> SiteSettings:
    values = {}
    for name, value in saved.items():
        if name not in SETTING_NAMES:
            continue  # a setting a later version dropped
        if name in INTEGER_SETTINGS:
            try:
                values[name] = int(value)
            except ValueError:
                continue  # cannot happen through update(); keep the default rather than fail
        else:
            values[name] = value
    return replace(base, **values)


def _load(session: Session, config: Mapping, *, lock: bool = False) -> SiteSettings:
    statement = select(SiteSetting.name, SiteSetting.value)
    if lock:  # PostgreSQL: two administrators saving at once take turns (SQLite: no-op)
        statement = statement.with_for_update()
    settings = _with_saved(defaults(config), dict(session.execute(statement).all()))
    session.info[_CACHE_KEY] = settings
    return settings


def current(session: Session, config: Mapping) -> SiteSettings:
    """The settings in force: read once per session (a request's), then kept on it."""
    return session.info.get(_CACHE_KEY) or _load(session, config)


def forget(session: Session) -> None:
    """Read the settings again next time (after another session saved them)."""
    session.info.pop(_CACHE_KEY, None)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    # What the session read or saved may not be what the database now holds.
    session.info.pop(_CACHE_KEY, None)


def _problems(settings: SiteSettings) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name in REQUIRED_SETTINGS:
        if not getattr(settings, name).strip():
            errors[name] = _l("This field is required.")
    for name, limit in MAX_LENGTHS.items():
        if len(getattr(settings, name)) > limit:
            errors[name] = _l("Use at most %(max)d characters.", max=limit)
    for name in INTEGER_SETTINGS:
        if not 1 <= getattr(settings, name) <= MAX_DAYS:
            errors[name] = _l("Enter a number of days from 1 to %(max)d.", max=MAX_DAYS)
    if "needs_retention_days" not in errors and "retention_days" not in errors \
            and settings.needs_retention_days > settings.retention_days:
        errors["needs_retention_days"] = _l("Dietary and accessibility needs cannot be kept "
                                            "longer than the other personal data.")
    return errors


# The same statement on PostgreSQL and SQLite; a concurrent first save of the same setting
# updates instead of failing on the unique name.
_UPSERT = text(
    "INSERT INTO site_settings (name, value, updated_at) VALUES (:name, :value, :now)"
    " ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at"
).bindparams(bindparam("now", type_=UTCDateTime()))


def update(session: Session, config: Mapping, actor: Actor, values: Mapping[str, object]) -> list[str]:
    """Save the settings in ``values`` that differ from those in force, each with an audit entry.

    Returns the names of the settings that changed. Raises InvalidSettings (nothing saved) when
    a rule is broken: a required setting blank, a number of days out of range, or dietary and
    accessibility needs kept longer than the rest.
    """
    unknown = set(values) - set(SETTING_NAMES)
    if unknown:
        raise ValueError(f"unknown settings: {sorted(unknown)}")
    old = _load(session, config, lock=True)
    cleaned = {name: (value.strip() if isinstance(value, str) else value)
               for name, value in values.items()}
    new = replace(old, **cleaned)
    errors = _problems(new)
    if errors:
        raise InvalidSettings(errors)
    changed = [name for name in SETTING_NAMES
               if name in cleaned and getattr(new, name) != getattr(old, name)]
    now = utcnow()
    for name in changed:
        session.execute(_UPSERT, {"name": name, "value": str(getattr(new, name)), "now": now})
        audit.record(session, actor, AuditAction.SETTING_CHANGED, name,
                     str(getattr(old, name)), str(getattr(new, name)))
    session.info[_CACHE_KEY] = new
    return changed
