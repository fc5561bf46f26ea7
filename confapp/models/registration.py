"""Registrations for events, their workshop choices and their history."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from confapp.models.base import Base, UTCDateTime, enum_type, utcnow
from confapp.models.event import AgendaItem, Event


class RegistrationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class Category(enum.StrEnum):
    """Stakeholder categories (målgrupper) used by registrations and statistics."""

    JOBCENTRE = "jobcentre"
    MUNICIPALITY_POLITICIAN = "municipality_politician"
    MUNICIPALITY_ADMINISTRATION = "municipality_administration"
    LBR_RAR = "lbr_rar"
    A_KASSE = "a_kasse"
    EDUCATION = "education"
    UNION = "union"
    EMPLOYER_ORG = "employer_org"
    AGENCY = "agency"
    COMPANY = "company"
    PRESS = "press"
    OTHER = "other"


class RegistrationSource(enum.StrEnum):
    ONLINE = "online"
    ORGANISER = "organiser"
    WALK_IN = "walk_in"


class Registration(Base):
    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("event_id", "email"),
        Index("ix_registrations_waitlist", "event_id", "status", "waitlisted_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    status: Mapped[RegistrationStatus] = mapped_column(enum_type(RegistrationStatus))
    source: Mapped[RegistrationSource] = mapped_column(
        enum_type(RegistrationSource), default=RegistrationSource.ONLINE)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    # Stored lower-cased: the unique constraint then means one registration per address.
    email: Mapped[str] = mapped_column(String(254))
    organisation: Mapped[str] = mapped_column(String(200))
    category: Mapped[Category] = mapped_column(enum_type(Category))
    job_title: Mapped[str] = mapped_column(String(200))
    dietary_needs: Mapped[str] = mapped_column(Text, default="")
    accessibility_needs: Mapped[str] = mapped_column(Text, default="")
    consent_participant_list: Mapped[bool] = mapped_column(default=False)
    consent_photos: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str] = mapped_column(String(5), default="da")
    # Random per registration; the personal link is an HMAC over it. New nonce = old links die.
    token_nonce: Mapped[str | None] = mapped_column(String(32))
    # Bumped on every change the person is told about; part of mail idempotency keys.
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    badge_printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    needs_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    event: Mapped[Event] = relationship()
    workshop_choices: Mapped[list["WorkshopChoice"]] = relationship(
        back_populates="registration", cascade="all, delete-orphan", lazy="selectin")
    history: Mapped[list["RegistrationHistory"]] = relationship(
        back_populates="registration", cascade="all, delete-orphan",
        order_by="RegistrationHistory.id")

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def workshops(self) -> list[AgendaItem]:
        return sorted((c.agenda_item for c in self.workshop_choices), key=lambda i: i.starts_at)


class WorkshopChoice(Base):
    """A registrant's workshop; ``holds_seat`` says whether a workshop seat is claimed for it."""

    __tablename__ = "workshop_choices"
    __table_args__ = (UniqueConstraint("registration_id", "agenda_item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    agenda_item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True)
    holds_seat: Mapped[bool] = mapped_column(default=False)

    registration: Mapped[Registration] = relationship(back_populates="workshop_choices")
    agenda_item: Mapped[AgendaItem] = relationship(lazy="joined")


class RegistrationHistory(Base):
    __tablename__ = "registration_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    action: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(254), default="")
    detail: Mapped[str] = mapped_column(Text, default="")

    registration: Mapped[Registration] = relationship(back_populates="history")
