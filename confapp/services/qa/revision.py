"""The live pages' change counter: every write to a session or its questions calls ``touch``.

One UPDATE on the session row, last in each write, so its lock is always taken after the
question rows' locks (the order every other step uses) and two writers cannot deadlock.
"""

import hashlib

from sqlalchemy import update
from sqlalchemy.orm import Session

from confapp.models import QASession


def touch(session: Session, session_id: int) -> None:
    session.execute(update(QASession).where(QASession.id == session_id)
                    .values(revision=QASession.revision + 1)
                    .execution_options(synchronize_session=False))


def live_etag(session_id: int, revision: int, *viewer: str) -> str:
    """A weak ETag for one view of a session at ``revision``, plus whatever else the view
    depends on (where it is seen, the order, the language), so a cached view never crosses to
    another. A digest, not ``hash()``: it must be the same in every worker process."""
    digest = hashlib.blake2b("\x1f".join(viewer).encode(), digest_size=6).hexdigest()
    return f'W/"{session_id}-{revision}-{digest}"'
