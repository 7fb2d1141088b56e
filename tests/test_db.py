"""The UTC column type and the SQLite tuning of DESIGN.md §3."""
import sqlite3
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from peer_support.audit.services import record
from peer_support.auth.models import Account
from peer_support.db import utcnow
from peer_support.extensions import db


def test_datetimes_come_back_aware_and_in_utc(app, make_account):
    paris_noon = datetime(2026, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    account = make_account("staff")
    account.last_login_at = paris_noon
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Account, account.id).last_login_at
    assert stored == paris_noon
    assert stored.utcoffset() == timedelta(0) and stored.hour == 10


def test_naive_datetimes_are_refused(app, make_account):
    account = make_account("staff")
    account.last_login_at = datetime(2026, 7, 1, 12, 0)
    with pytest.raises(sa.exc.StatementError):
        db.session.commit()
    db.session.rollback()


def test_defaults_are_computed_at_insert_time_not_import_time(app, make_account):
    before = utcnow()
    account = make_account("staff")
    assert before <= account.created_at <= utcnow()


def test_sqlite_pragmas(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite-specific: this run uses PostgreSQL")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000


@pytest.mark.parametrize("context", ["job", "page"])
def test_concurrent_read_then_write_transactions_do_not_fail(app, context):
    """Four workers (jobs, or GET pages) that each read, then write, at the same moment: all succeed.

    With SQLite's deferred transactions the later ones would fail with "database
    is locked" (their read snapshot cannot be upgraded); a job's BEGIN IMMEDIATE
    makes it wait instead, and a page ends its read snapshot before it writes.
    PostgreSQL handles this natively.
    """
    barrier = threading.Barrier(4)
    errors = []

    def worker(n):
        with app.app_context() if context == "job" else app.test_request_context("/", method="GET"):
            try:
                barrier.wait()
                count = db.session.scalar(sa.text("SELECT count(*) FROM audit_entry"))
                record("test.concurrent", actor_label=f"worker {n} saw {count}")
                db.session.commit()
            except Exception as error:  # collected and reported below
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert db.session.scalar(sa.text("SELECT count(*) FROM audit_entry WHERE action = 'test.concurrent'")) == 4


def _sqlite_file(app) -> str:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite-specific: PostgreSQL's transactions need no choice of lock")
    return db.engine.url.database


def test_a_get_request_reads_while_another_process_writes(app):
    """GET pages start deferred: they read beside a writer's open transaction instead of
    queueing behind it; their own trace (an audit entry) is written once the writer is done,
    although that writer changed the database after the page's snapshot."""
    writer = sqlite3.connect(_sqlite_file(app), isolation_level=None, timeout=15, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO audit_entry (at, action, outcome) VALUES ('2026-12-01 10:00:00', 'test.writer', "
                   "'success')")
    with app.test_request_context("/", method="GET"):
        seen = db.session.scalar(sa.text("SELECT count(*) FROM audit_entry"))  # does not wait for the writer
        record("test.reader", actor_label=f"saw {seen}")
        released = threading.Event()

        def finish_writing():
            time.sleep(0.5)
            released.set()
            writer.execute("COMMIT")

        other = threading.Thread(target=finish_writing)
        other.start()
        db.session.commit()  # waits for the writer's lock, then succeeds
        assert released.is_set()
        other.join()
        db.session.remove()
    writer.close()
    actions = db.session.scalars(sa.text("SELECT action FROM audit_entry ORDER BY id")).all()
    assert actions == ["test.writer", "test.reader"] and seen == 0


def test_a_post_request_takes_the_write_lock_before_reading(app):
    """Anything else (a form posted, a job, a command) reads and writes under one write lock."""
    _sqlite_file(app)
    with app.test_request_context("/", method="POST"):
        db.session.scalar(sa.text("SELECT 1"))
        probe = sqlite3.connect(_sqlite_file(app), isolation_level=None, timeout=0)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            probe.execute("BEGIN IMMEDIATE")
        probe.close()
        db.session.rollback()
    with app.test_request_context("/", method="GET"):
        db.session.scalar(sa.text("SELECT 1"))
        probe = sqlite3.connect(_sqlite_file(app), isolation_level=None, timeout=0)
        probe.execute("BEGIN IMMEDIATE")  # a page that only reads holds no lock
        probe.execute("ROLLBACK")
        probe.close()
        db.session.rollback()


def test_a_savepoint_in_a_get_request_takes_the_write_lock_first(app):
    """A savepoint announces writes: the read snapshot ends before it (ending it inside would release the
    savepoint), even after another process changed the database since the page's first read."""
    path = _sqlite_file(app)
    with app.test_request_context("/", method="GET"):
        seen = db.session.scalar(sa.text("SELECT count(*) FROM audit_entry"))
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("INSERT INTO audit_entry (at, action, outcome) VALUES ('2026-12-01 10:00:00', 'test.other', "
                      "'success')")
        other.close()
        with db.session.begin_nested():
            record("test.in_savepoint", actor_label=f"saw {seen}")
        db.session.commit()
        db.session.remove()
    actions = db.session.scalars(sa.text("SELECT action FROM audit_entry ORDER BY id")).all()
    assert actions == ["test.other", "test.in_savepoint"]


def test_a_forked_worker_gets_its_own_connections(app):
    """gunicorn forks after import: the child must not reuse the parent's pooled connections."""
    import os

    with db.engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
    assert db.engine.pool.checkedin() == 1
    pid = os.fork()
    if pid == 0:  # the child: its pool starts empty, and it can still query
        try:
            fresh_pool = db.engine.pool.checkedin() == 0
            with db.engine.connect() as connection:
                answered = connection.exec_driver_sql("SELECT 1").scalar() == 1
            os._exit(0 if fresh_pool and answered else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    with db.engine.connect() as connection:  # the parent's connection still works
        assert connection.exec_driver_sql("SELECT 1").scalar() == 1
