"""Staff accounts and their roles."""

import enum
import hmac
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from confapp.models.base import Base, UTCDateTime, enum_type, utcnow


class Role(enum.StrEnum):
    ADMINISTRATOR = "administrator"
    ORGANISER = "organiser"
    CHAIR = "chair"
    VICE_CHAIR = "vice_chair"


# The password hash of an account that has none yet: no password ever matches it.
NO_PASSWORD = "!"


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Part of every session and remember-me cookie; a new one ends them all (logout, new
    # password, new roles, deactivation).
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    # The language of the mails the account gets (set-password links).
    locale: Mapped[str] = mapped_column(String(5), default="da", server_default="da")

    role_rows: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> set[Role]:
        return {row.role for row in self.role_rows}

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    @property
    def has_password(self) -> bool:
        """False for an account made without one, until its set-password link is used."""
        return self.password_hash != NO_PASSWORD

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        """What the session and the remember-me cookie hold: Flask-Login's alternative id."""
        return f"{self.id}:{self.session_token}"

    def session_token_matches(self, token: str) -> bool:
        return hmac.compare_digest(self.session_token.encode(), token.encode())


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_type(Role, 20))

    user: Mapped[User] = relationship(back_populates="role_rows")


class PasswordLink(Base):
    """A mailed set-password link: only a hash of its token is kept; used once, then deleted."""

    __tablename__ = "password_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the token (hex): the link in the mail cannot be rebuilt from the database.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
