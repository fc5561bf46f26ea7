"""All models, imported here so Alembic and the app see the whole schema."""

from confapp.models.base import Base
from confapp.models.event import AgendaItem, AgendaItemKind, Event, EventKind
from confapp.models.outbox import MailStatus, OutboxMail
from confapp.models.registration import (
    Category,
    Registration,
    RegistrationHistory,
    RegistrationSource,
    RegistrationStatus,
    WorkshopChoice,
)
from confapp.models.user import Role, User, UserRole

__all__ = [
    "AgendaItem",
    "AgendaItemKind",
    "Base",
    "Category",
    "Event",
    "EventKind",
    "MailStatus",
    "OutboxMail",
    "Registration",
    "RegistrationHistory",
    "RegistrationSource",
    "RegistrationStatus",
    "Role",
    "User",
    "UserRole",
    "WorkshopChoice",
]
