"""What the scheduler last did, per job: recorded around each run, read by /healthz and `check`.

Each record is written on a connection of its own, in its own short transaction: a job that fails
rolls its session back, and its failure record must outlive that rollback. Call them with db.session's
transaction ended, as recorded_run() does: on SQLite a writer waits for any other open transaction.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.operations.logs import exception_name
from peer_support.operations.models import JobRun

log = logging.getLogger(__name__)


def _write(job_id: str, **values) -> None:
    """Insert or update the job's row, committed at once on a connection apart from db.session."""
    table = JobRun.__table__
    with db.engine.begin() as connection:
        insert = (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(table)
        connection.execute(insert.values(job_id=job_id, **values)
                           .on_conflict_do_update(index_elements=[table.c.job_id], set_=values))


def _duration_ms(started_at: datetime, now: datetime) -> int:
    return max(0, round((now - started_at).total_seconds() * 1000))


def record_start(job_id: str, now: datetime) -> None:
    """A run of the job begins."""
    _write(job_id, last_started_at=now)


def record_success(job_id: str, *, started_at: datetime, now: datetime) -> None:
    """The run begun at `started_at` ended well."""
    _write(job_id, last_success_at=now, last_duration_ms=_duration_ms(started_at, now))


def record_failure(job_id: str, error: BaseException, *, started_at: datetime, now: datetime) -> None:
    """The run begun at `started_at` raised `error`: its class name is kept, never its message."""
    _write(job_id, last_failure_at=now, last_error=exception_name(type(error))[:200],
           last_duration_ms=_duration_ms(started_at, now))


def _safely(record, *args, **kwargs) -> None:
    # A record that cannot be written (database away) must neither stop the job nor hide its own error.
    try:
        record(*args, **kwargs)
    except Exception as error:  # noqa: BLE001
        log.warning("could not record the run of %s (%s)", args[0], exception_name(type(error)))


@contextmanager
def recorded_run(job_id: str):
    """Record the start, then the success or failure, of the job run inside the block (scheduler.py)."""
    started_at = utcnow()
    _safely(record_start, job_id, started_at)
    try:
        yield
    except Exception as error:
        db.session.rollback()  # the job's work goes; its failure record, written apart, stays
        _safely(record_failure, job_id, error, started_at=started_at, now=utcnow())
        raise
    # What the job left uncommitted is not kept (db.session.remove() would drop it too), and on
    # SQLite the record below must not wait behind the session's write lock.
    db.session.rollback()
    _safely(record_success, job_id, started_at=started_at, now=utcnow())


@dataclass(frozen=True)
class SchedulerHealth:
    last_success_at: datetime | None  # the last successful run of any job
    stale: bool  # no job succeeded within the allowed time (or none ever did)

    def as_json(self) -> dict:
        at = self.last_success_at
        return {"last_success_at": at.isoformat(timespec="seconds").replace("+00:00", "Z") if at else None,
                "stale": self.stale}


def scheduler_health(now: datetime, stale_after: timedelta) -> SchedulerHealth:
    """When any scheduled job last succeeded, and whether that is too long ago."""
    last = db.session.scalar(sa.select(sa.func.max(JobRun.last_success_at)))
    return SchedulerHealth(last_success_at=last, stale=last is None or now - last > stale_after)


def failing_jobs() -> list[JobRun]:
    """The jobs whose last run failed (failure after the last success), by id."""
    return list(db.session.scalars(
        sa.select(JobRun)
        .where(JobRun.last_failure_at.is_not(None),
               sa.or_(JobRun.last_success_at.is_(None), JobRun.last_failure_at > JobRun.last_success_at))
        .order_by(JobRun.job_id)))
