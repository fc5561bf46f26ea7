"""Engine settings that make SQLite behave under concurrent writers.

PostgreSQL needs nothing here. On SQLite every connection gets foreign keys,
WAL journaling and a busy timeout, and write transactions start with
``BEGIN IMMEDIATE`` so that two writers queue for the lock instead of one of
them failing with "database is locked" when it upgrades a read lock.
"""

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_busy_timeout_ms = 30_000


def configure(busy_timeout_ms: int) -> None:
    global _busy_timeout_ms
    _busy_timeout_ms = busy_timeout_ms


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record) -> None:
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    # Let SQLAlchemy, not the driver, decide when a transaction begins.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={int(_busy_timeout_ms)}")
    cursor.close()
    # SQLite's own lower() folds only ASCII; searches for "øster" must find "Østergaard".
    dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn) -> None:
    if conn.dialect.name != "sqlite":
        return
    if has_request_context():
        immediate = request.method not in READ_ONLY_METHODS
    else:
        # CLI commands and workers write; a test's own session only reads around requests.
        immediate = conn.get_execution_options().get("sqlite_outside_request", "immediate") == (
            "immediate"
        )
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
