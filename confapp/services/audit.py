"""The audit log: who changed which setting or account, when, and from what to what.

Both the settings and the accounts services write here; administrators read it page by page.
"""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from confapp.models import AuditAction, AuditEntry, User
from confapp.services.registration_queries import Page

PER_PAGE = 50


@dataclass(frozen=True)
class Actor:
    """Who makes a change: an account (kept by name, so the entry outlives it) or a tool."""

    label: str
    user_id: int | None = None

    @classmethod
    def of(cls, user: User) -> "Actor":
        return cls(label=f"{user.name} <{user.email}>"[:300], user_id=user.id)


CLI = Actor("cli")
# Changes made by code that names no actor: the demo loader, tests.
SYSTEM = Actor("system")


def record(session: Session, actor: Actor, action: AuditAction, subject: str,
           old: str = "", new: str = "") -> AuditEntry:
    """Add one entry to the log (in the caller's transaction)."""
    entry = AuditEntry(actor_id=actor.user_id, actor=actor.label, action=action,
                       subject=subject[:254], old_value=old, new_value=new)
    session.add(entry)
    session.flush()
    return entry


def entries_page(session: Session, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of the log, newest first; a page number past the end shows the last page."""
    total = session.scalar(select(func.count(AuditEntry.id))) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    items = list(session.scalars(
        select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total)
