"""Questions and answers on agenda items: sessions, questions, votes and the edit log."""

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from confapp.models.base import Base, UTCDateTime, enum_type, utcnow
from confapp.models.event import AgendaItem
from confapp.models.registration import Category


class QAAudience(enum.StrEnum):
    """Who may ask and vote in a session."""

    REGISTRANTS = "registrants"  # through their personal link
    ANYONE = "anyone"  # anyone with the event's Q&A link


class QuestionStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    ANSWERED = "answered"
    MERGED = "merged"


class QASession(Base):
    """Q&A turned on for one agenda item, with its settings and the question on stage now."""

    __tablename__ = "qa_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="CASCADE"), unique=True)
    # None means the default: open from publication, closed when the item ends.
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The live "stop new questions" / "reopen" switch.
    accepting: Mapped[bool] = mapped_column(default=True, server_default=true())
    premoderated: Mapped[bool] = mapped_column(default=True, server_default=true())
    anonymous_allowed: Mapped[bool] = mapped_column(default=True, server_default=true())
    audience: Mapped[QAAudience] = mapped_column(
        enum_type(QAAudience, 20), default=QAAudience.ANYONE)
    # The one question "on stage now"; a column, so pinning another replaces it in one UPDATE.
    pinned_question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="SET NULL", use_alter=True))
    # Bumped by every change to the session or its questions (services/qa/revision.py): the
    # live pages' ETag, so a poll that finds nothing new reads this one row.
    revision: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    agenda_item: Mapped[AgendaItem] = relationship(lazy="joined")


class Question(Base):
    __tablename__ = "questions"
    __table_args__ = (
        CheckConstraint("vote_count >= 0", name="vote_count_not_negative"),
        # The same text twice from one participant (a double submit) is one question.
        UniqueConstraint("session_id", "participant_key", "text"),
        Index("ix_questions_session_status", "session_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("qa_sessions.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(500))
    author_name: Mapped[str | None] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[Category | None] = mapped_column(enum_type(Category))
    anonymous: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Only to tell the asker what happened to the question; purged with registration data.
    email: Mapped[str | None] = mapped_column(String(254))
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL"), index=True)
    # The asker's voting identity: "r:<registration id>" or "c:<random cookie id>".
    participant_key: Mapped[str] = mapped_column(String(80))
    # The language the asker wrote in: mails about the question are sent in it.
    locale: Mapped[str] = mapped_column(String(5), default="da", server_default="da")
    status: Mapped[QuestionStatus] = mapped_column(
        enum_type(QuestionStatus, 20), default=QuestionStatus.PENDING)
    flagged: Mapped[bool] = mapped_column(default=False, server_default=false())
    reject_reason: Mapped[str | None] = mapped_column(Text)  # never shown publicly
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="SET NULL"))
    # Denormalised count of question_votes; changed only by SQL expressions.
    vote_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # Bumped by every moderation step: conditional UPDATEs let one of two moderators win.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    answer_text: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(200))
    answer_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    moderated_by: Mapped[str | None] = mapped_column(String(254))

    qa_session: Mapped[QASession] = relationship(foreign_keys=[session_id])
    edits: Mapped[list["QuestionEdit"]] = relationship(
        back_populates="question", cascade="all, delete-orphan", order_by="QuestionEdit.id")


class QuestionVote(Base):
    __tablename__ = "question_votes"
    # One vote per participant per question: the database decides, not a check in Python.
    __table_args__ = (UniqueConstraint("question_id", "participant_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    participant_key: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class QuestionEdit(Base):
    """A moderator's correction of a question; the original stays visible to moderators."""

    __tablename__ = "question_edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    old_text: Mapped[str] = mapped_column(String(500))
    new_text: Mapped[str] = mapped_column(String(500))
    editor: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    question: Mapped[Question] = relationship(back_populates="edits")
