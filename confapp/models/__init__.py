"""All models, imported here so Alembic and the app see the whole schema."""

from confapp.models.base import Base
from confapp.models.event import AgendaItem, AgendaItemKind, Event, EventKind
from confapp.models.user import Role, User, UserRole

__all__ = [
    "AgendaItem",
    "AgendaItemKind",
    "Base",
    "Event",
    "EventKind",
    "Role",
    "User",
    "UserRole",
]
