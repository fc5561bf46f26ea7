"""All models, imported here so Alembic and the app see the whole schema."""

from confapp.models.base import Base
from confapp.models.event import AgendaItem, AgendaItemKind, Event, EventKind
from confapp.models.outbox import MailStatus, OutboxMail
from confapp.models.qa import (
    QAAudience,
    QASession,
    Question,
    QuestionEdit,
    QuestionStatus,
    QuestionVote,
)
from confapp.models.question_box import BoxKind, BoxMessage, BoxStatus
from confapp.models.registration import (
    Category,
    Registration,
    RegistrationHistory,
    RegistrationSource,
    RegistrationStatus,
    WorkshopChoice,
)
from confapp.models.settings import AuditAction, AuditEntry, SiteSetting
from confapp.models.user import PasswordLink, Role, User, UserRole

__all__ = [
    "AgendaItem",
    "AgendaItemKind",
    "AuditAction",
    "AuditEntry",
    "Base",
    "BoxKind",
    "BoxMessage",
    "BoxStatus",
    "Category",
    "Event",
    "EventKind",
    "MailStatus",
    "OutboxMail",
    "PasswordLink",
    "QAAudience",
    "QASession",
    "Question",
    "QuestionEdit",
    "QuestionStatus",
    "QuestionVote",
    "Registration",
    "RegistrationHistory",
    "RegistrationSource",
    "RegistrationStatus",
    "Role",
    "SiteSetting",
    "User",
    "UserRole",
    "WorkshopChoice",
]
