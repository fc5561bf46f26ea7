"""Events (conferences and meetings) and their agenda items."""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from confapp.models.base import Base, UTCDateTime, enum_type, utcnow


class EventKind(enum.StrEnum):
    CONFERENCE = "conference"
    REGIONAL_MEETING = "regional_meeting"
    LOCAL_MEETING = "local_meeting"
    THEME_MEETING = "theme_meeting"
    COUNCIL_MEETING = "council_meeting"


class AgendaItemKind(enum.StrEnum):
    TALK = "talk"
    WORKSHOP = "workshop"
    DEBATE = "debate"
    QA = "qa"
    BREAK = "break"
    MEAL = "meal"


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        # Backstop for the conditional UPDATE that claims seats.
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[EventKind] = mapped_column(enum_type(EventKind))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    venue: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int] = mapped_column(default=0)
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    published: Mapped[bool] = mapped_column(default=False, index=True)
    # Confirmed registrations holding a seat; changed only by conditional UPDATEs.
    seats_taken: Mapped[int] = mapped_column(default=0, server_default="0")
    invite_only: Mapped[bool] = mapped_column(default=False, server_default=false())
    access_code: Mapped[str] = mapped_column(String(100), default="", server_default="")
    # The short join code of the event's Q&A (/q/<code>); set when Q&A is first turned on.
    qa_code: Mapped[str | None] = mapped_column(String(6), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    agenda_items: Mapped[list["AgendaItem"]] = relationship(
        back_populates="event",
        cascade="all, delete-orphan",
        order_by="AgendaItem.position",
    )

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.seats_taken)

    @property
    def workshops(self) -> list["AgendaItem"]:
        return [item for item in self.agenda_items if item.kind == AgendaItemKind.WORKSHOP]


class AgendaItem(Base):
    __tablename__ = "agenda_items"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        CheckConstraint(
            "seats_taken >= 0 AND (capacity IS NULL OR seats_taken <= capacity)",
            name="seats_within_capacity",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[AgendaItemKind] = mapped_column(enum_type(AgendaItemKind))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    speakers: Mapped[str] = mapped_column(String(500), default="")
    room: Mapped[str] = mapped_column(String(120), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Workshops may limit their seats; None means no limit of their own.
    capacity: Mapped[int | None] = mapped_column()
    seats_taken: Mapped[int] = mapped_column(default=0, server_default="0")

    event: Mapped[Event] = relationship(back_populates="agenda_items")

    @property
    def seats_left(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.seats_taken)

    def overlaps(self, other: "AgendaItem") -> bool:
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at
