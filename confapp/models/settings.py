"""Site settings kept in the database, and the audit log of administrators' changes."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from confapp.models.base import Base, UTCDateTime, enum_type, utcnow


class SiteSetting(Base):
    """One setting an administrator changed; a setting without a row has its configured default."""

    __tablename__ = "site_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuditAction(enum.StrEnum):
    SETTING_CHANGED = "setting_changed"
    USER_CREATED = "user_created"
    USER_RENAMED = "user_renamed"
    ROLES_CHANGED = "roles_changed"
    LOCALE_CHANGED = "locale_changed"
    USER_DEACTIVATED = "user_deactivated"
    USER_REACTIVATED = "user_reactivated"
    PASSWORD_LINK_SENT = "password_link_sent"
    PASSWORD_SET = "password_set"


class AuditEntry(Base):
    """Who changed what, when, from which value to which: kept when the actor's account goes."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                 index=True)
    # The actor as shown, stored as it was: "Mette Kjær <mette@example.dk>", or "cli".
    actor: Mapped[str] = mapped_column(String(300))
    action: Mapped[AuditAction] = mapped_column(enum_type(AuditAction, 30))
    # What was changed: a setting's name, or an account's e-mail address.
    subject: Mapped[str] = mapped_column(String(254))
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")
