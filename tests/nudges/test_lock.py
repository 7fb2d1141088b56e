"""The job lock: a lease in the database, taken by one conditional UPDATE, on SQLite and PostgreSQL."""
import logging
import threading
from datetime import timedelta

import sqlalchemy as sa

from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.nudges.engine import LOCK_NAME, run_evaluation
from peer_support.nudges import lock
from peer_support.nudges.lock import acquire, new_holder, release
from peer_support.nudges.models import JobLock, Nudge
from tests.nudges.conftest import EVAL

LEASE = timedelta(minutes=15)


def holder_of(name: str) -> str | None:
    """Read on a connection of its own: what other processes see."""
    with db.engine.connect() as connection:
        return connection.execute(sa.select(JobLock.holder).where(JobLock.name == name)).scalar()


def test_a_lease_is_taken_renewed_refused_and_taken_over_when_it_runs_out(app):
    now = utcnow()
    assert acquire("job", "first", now, LEASE)
    assert not acquire("job", "second", now + timedelta(minutes=14), LEASE)
    assert acquire("job", "first", now + timedelta(minutes=10), LEASE)  # the holder renews its lease ...
    assert not acquire("job", "second", now + timedelta(minutes=20), LEASE)  # ... which now runs to 25 minutes
    assert acquire("job", "second", now + timedelta(minutes=26), LEASE)
    assert holder_of("job") == "second"
    assert acquire("other job", "first", now, LEASE)  # one lease per job


def test_release_is_for_the_holder_only(app):
    now = utcnow()
    assert acquire("job", "first", now, LEASE)
    assert not release("job", "second")
    assert not acquire("job", "second", now, LEASE)
    assert release("job", "first")
    assert holder_of("job") is None
    assert acquire("job", "second", now, LEASE)


def test_the_lease_is_committed_at_once_and_survives_a_rollback_of_the_session(app):
    assert acquire("job", "first", utcnow(), LEASE)
    db.session.rollback()
    assert holder_of("job") == "first"


def test_two_holders_racing_for_a_free_lease_one_gets_it(app):
    for round_ in range(5):
        name, now = f"race {round_}", utcnow()
        barrier, outcomes = threading.Barrier(2), {}

        # The threads are joined before the loop moves on: the closure reads this round's values.
        def take(holder):
            with app.app_context():
                barrier.wait(30)  # noqa: B023 - joined within this round
                outcomes[holder] = acquire(name, holder, now, LEASE)  # noqa: B023 - joined within this round

        threads = [threading.Thread(target=take, args=(holder,)) for holder in ("a", "b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(outcomes.values()) == [False, True], outcomes
        assert holder_of(name) == next(holder for holder, taken in outcomes.items() if taken)


def test_holders_are_distinct_per_attempt(app):
    assert new_holder() != new_holder()


def test_an_evaluation_does_nothing_while_another_process_holds_the_lock(app, every_rule, caplog, monkeypatch):
    every_rule()
    # Alembic's logging set-up (the test database's migration) disables the loggers that existed before it.
    monkeypatch.setattr(logging.getLogger("peer_support.nudges.lock"), "disabled", False)
    assert acquire(LOCK_NAME, "scheduler on another machine", utcnow(), LEASE)
    with caplog.at_level(logging.INFO, logger="peer_support.nudges.lock"):
        assert run_evaluation(EVAL) is None
    assert "held by another process" in caplog.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Nudge)) == 0
    db.session.commit()
    assert holder_of(LOCK_NAME) == "scheduler on another machine"  # not released by the one that gave up


def test_the_lease_follows_the_clock_not_the_evaluated_instant(app, monkeypatch):
    """An evaluation "as of" last spring holds the lock for the next minutes, not until last spring."""
    taken, real_acquire = [], lock.acquire

    def recording(name, holder, now, lease):
        taken.append((name, now, lease))
        return real_acquire(name, holder, now, lease)

    monkeypatch.setattr(lock, "acquire", recording)
    before = utcnow()
    assert run_evaluation(EVAL) == []
    [(name, now, lease)] = taken
    assert name == LOCK_NAME and before <= now <= utcnow() and lease == LEASE
    assert holder_of(LOCK_NAME) is None
