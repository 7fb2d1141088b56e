"""A lease on a scheduled job, held in the database so that two scheduler processes never run it at once.

acquire() inserts the job's row if it is missing, then takes the lease with ONE conditional UPDATE
(free, expired, or already ours): the database decides, so it holds on SQLite (writes are serialised
by BEGIN IMMEDIATE) and on PostgreSQL (the second UPDATE waits for the first and re-reads the row)
alike. A holder that crashed keeps the lease only until it runs out.

Each step runs in its own short transaction on its own connection, committed at once: the lease
must be visible to other processes before the job's work begins, and must not be rolled back with
that work when it fails.
"""
from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from peer_support.extensions import db
from peer_support.nudges.models import JobLock

job_lock = JobLock.__table__
log = logging.getLogger(__name__)


def new_holder() -> str:
    """A name for one attempt to run a job: the machine, the process and a random part (threads differ)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:120]


def _insert_if_missing(dialect_name: str, name: str):
    insert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    return insert(job_lock).values(name=name, holder=None, locked_until=None).on_conflict_do_nothing(
        index_elements=[job_lock.c.name])


def acquire(name: str, holder: str, now: datetime, lease: timedelta) -> bool:
    """Take the lease on `name` until now + lease if it is free, expired or already held by `holder`."""
    with db.engine.begin() as connection:
        connection.execute(_insert_if_missing(connection.dialect.name, name))
    with db.engine.begin() as connection:
        taken = connection.execute(
            sa.update(job_lock)
            .where(job_lock.c.name == name,
                   sa.or_(job_lock.c.locked_until.is_(None), job_lock.c.locked_until < now,
                          job_lock.c.holder == holder))
            .values(holder=holder, locked_until=now + lease))
    return taken.rowcount == 1


def release(name: str, holder: str) -> bool:
    """Give the lease back, if `holder` still has it (after it expired, someone else may)."""
    with db.engine.begin() as connection:
        released = connection.execute(
            sa.update(job_lock).where(job_lock.c.name == name, job_lock.c.holder == holder)
            .values(holder=None, locked_until=None))
    return released.rowcount == 1


def run_locked(name: str, lease: timedelta, work, *, holder: str | None = None):
    """work() under this job's lease, committed once; None (nothing done) when another live holder has it.

    Starts outside a transaction: on SQLite this session's open transaction would hold the write lock that
    acquire()'s own connection waits for, and the one commit must not carry the caller's changes."""
    from peer_support.db import utcnow

    if db.session().in_transaction():
        raise RuntimeError(f"{name} must start outside a transaction: commit or roll back first")
    holder = holder or new_holder()
    # The lease runs on the wall clock, not on the job's `now`: a run "as of" another time (a CLI's --at)
    # must neither take the lock for months nor find it always expired.
    if not acquire(name, holder, utcnow(), lease):
        log.info("%s skipped: its lock is held by another process", name)
        return None
    try:
        result = work()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        release(name, holder)
    return result
