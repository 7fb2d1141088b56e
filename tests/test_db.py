"""The UTC column type and the SQLite tuning of DESIGN.md §3."""
import threading
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


def test_concurrent_read_then_write_transactions_do_not_fail(app):
    """Two workers that each read, then write, at the same moment: both succeed.

    With SQLite's deferred transactions the second would fail with "database
    is locked" (its read snapshot cannot be upgraded); BEGIN IMMEDIATE makes it
    wait instead. PostgreSQL handles this natively.
    """
    barrier = threading.Barrier(4)
    errors = []

    def worker(n):
        with app.app_context():
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
