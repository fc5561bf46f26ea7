"""The council's public question box (Spørg Rådet): messages, their answers and publication."""

import enum
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from confapp.models.base import Base, UTCDateTime, enum_type, utcnow
from confapp.models.user import User

SUBJECT_MAX = 200
TEXT_MAX = 3000
NAME_MAX = 200
TOPIC_MAX = 80
# Lower-case letters and digits without look-alikes (0/o, 1/l/i): easy to read out or type.
_SLUG_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_public_slug() -> str:
    """A random, stable URL part: reveals neither the subject nor how many messages there are."""
    return "".join(secrets.choice(_SLUG_ALPHABET) for _ in range(10))


class BoxKind(enum.StrEnum):
    QUESTION = "question"
    SUGGESTION = "suggestion"
    COMMENT = "comment"


class BoxStatus(enum.StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    PUBLISHED = "published"
    CLOSED = "closed"  # closed without an answer


OPEN_STATUSES = (BoxStatus.NEW, BoxStatus.IN_PROGRESS)


class BoxMessage(Base):
    __tablename__ = "box_messages"
    __table_args__ = (
        Index("ix_box_messages_inbox", "status", "created_at"),
        Index("ix_box_messages_published", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[BoxKind] = mapped_column(enum_type(BoxKind, 20))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    text: Mapped[str] = mapped_column(Text)
    # Name and e-mail are optional; both are cleared by erasure and by the retention purge.
    name: Mapped[str | None] = mapped_column(String(NAME_MAX))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    consent_publish: Mapped[bool] = mapped_column(default=False)
    show_name: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str] = mapped_column(String(5), default="da")
    status: Mapped[BoxStatus] = mapped_column(enum_type(BoxStatus, 20), default=BoxStatus.NEW)
    assigned_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    topic: Mapped[str | None] = mapped_column(String(TOPIC_MAX))
    answer_text: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reply_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    personal_data_cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    public_slug: Mapped[str] = mapped_column(String(20), unique=True, default=new_public_slug)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Bumped by every change; staff updates are conditional on it, so two at once: one wins.
    version: Mapped[int] = mapped_column(default=1)

    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    @property
    def public_name(self) -> str | None:
        """The asker's name as the public page may show it: only if they ticked "show my name"."""
        return self.name if self.show_name and self.name else None
