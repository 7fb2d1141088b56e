"""Declarative base, the UTC datetime column type and the clock.

Every datetime is stored in UTC and comes back timezone-aware, on SQLite and
PostgreSQL alike; local time exists only at display (see i18n.py).
"""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names, so that migrations generated on SQLite and
# PostgreSQL agree and batch migrations can find constraints to alter.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


class UTCDateTime(sa.types.TypeDecorator):
    """A datetime stored as UTC and always returned timezone-aware.

    Naive datetimes are refused: they are the bug this type exists to prevent.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            # SQLite has no time zones: store naive UTC, read it back as UTC.
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def configure_engine(engine, *, busy_timeout_ms: int, reads_first=lambda: False) -> None:
    """Tune SQLite as the design asks; PostgreSQL needs nothing here.

    pysqlite's own transaction handling is switched off so that we choose how
    each transaction starts. A deferred transaction that reads and then writes
    fails with "database is locked" under concurrency, whatever the busy
    timeout, because SQLite cannot upgrade a stale read snapshot; so a
    transaction starts with BEGIN IMMEDIATE (the write lock, held to the end),
    except when `reads_first()` says it belongs to a page that reads and writes
    at most an audit entry or a last-seen time at the end (GET requests). Those
    start deferred, and so read alongside each other and alongside a writer
    (WAL); their first write statement ends the read snapshot and continues in
    a new BEGIN IMMEDIATE transaction. What such a page writes therefore must
    not depend on what it read being still current: a GET changes nothing but
    its own traces (HTTP's "safe" methods).
    """
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):
        deferred = bool(reads_first())
        connection.info[_READING] = deferred
        connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _before_write(connection, cursor, statement, parameters, context, executemany):
        if connection.info.get(_READING) and _writes(statement, context):
            _take_write_lock(connection, cursor)

    @sa.event.listens_for(engine, "savepoint")
    def _before_savepoint(connection, name):
        # A savepoint announces writes, and a write lock cannot be taken inside one.
        if connection.info.get(_READING):
            _take_write_lock(connection, connection.connection.cursor())


_READING = "peer_support.reading"  # key in Connection.info: the transaction is still a deferred read
_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _writes(statement: str, context) -> bool:
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        return True
    return statement.lstrip().upper().startswith(_WRITE_VERBS)


def _take_write_lock(connection, cursor) -> None:
    """End the read snapshot and start a write transaction in its place."""
    connection.info[_READING] = False
    cursor.execute("COMMIT")
    cursor.execute("BEGIN IMMEDIATE")


def dispose_after_fork(engine) -> None:
    """Give each forked worker its own connections (gunicorn forks after import)."""
    import os

    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))


def one_of(column: str, values) -> str:
    """SQL for a CHECK constraint: the column holds one of these values."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class BilingualVocabulary:
    """A coordinator-managed vocabulary entry named in French and in English, retired rather than deleted
    (lived-experience domains, meeting topics)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name_fr: Mapped[str] = mapped_column(sa.String(120), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(120), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def name(self, locale: str) -> str:
        return self.name_fr if locale == "fr" else self.name_en
