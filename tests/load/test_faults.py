"""Faults (issue 9): a web worker killed (kill -9) in the middle of the writes, and the nudge evaluation killed in the
middle of its run; afterwards the database passes its integrity checks, no acknowledged write is lost, nothing is
written twice, no nudge is duplicated or missing.

tests/nudges/test_engine.py kills a forked evaluation from inside (a rule that exits); here the real command runs
in its own process and is killed from outside, by the signal an operator or the OOM killer would send.
"""
from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess  # nosec B404 - runs the flask command of our own virtualenv, no shell
import sys
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from peer_support import PROJECT_ROOT
from peer_support.db import utcnow
from peer_support.demo import DEFAULT_PASSWORD, load_demo_data
from peer_support.extensions import db
from peer_support.nudges.engine import LOCK_NAME, evaluate, run_evaluation
from peer_support.nudges.models import JobLock, Nudge
from tests.load.checks import (
    assert_answers_clean,
    assert_database_intact,
    assert_every_write_stored_once,
    assert_referrals_consistent,
    baseline,
)
from tests.load.conftest import LOAD_SECONDS, WORKERS, prepare_programme, server_environment, server_problems
from tests.load.traffic import run_load

pytestmark = pytest.mark.load

FAULT_SECONDS = min(15.0, LOAD_SECONDS)
FLASK = os.path.join(os.path.dirname(sys.executable), "flask")


# --- A web worker ---------------------------------------------------------------------------------------

def test_a_worker_killed_in_the_middle_of_the_writes_loses_no_acknowledged_write(app, gunicorn):
    programme = prepare_programme(seconds=FAULT_SECONDS)
    before = baseline()
    server = gunicorn()
    workers = server.wait_for_workers()
    killed = {}

    def kill_a_worker(journal):
        # Once the run is under way (a third of it gone and writes acknowledged, or half of it gone), one worker
        # dies without warning.
        def under_way() -> float:
            return (time.monotonic() - journal.started) / FAULT_SECONDS

        while not (under_way() > 1 / 3 and any(w.acknowledged for w in journal.writes) or under_way() > 1 / 2):
            time.sleep(0.05)
        victim = random.Random(2019).choice(sorted(workers))
        os.kill(victim, signal.SIGKILL)
        killed.update(pid=victim, at=time.monotonic())
        killed["replacements"] = server.wait_for_workers(WORKERS, other_than={victim}) - workers

    journal = run_load(server.base_url, programme.plans, seconds=FAULT_SECONDS, password=DEFAULT_PASSWORD,
                       during=kill_a_worker)
    server.stop()
    print(journal.summary())

    # The master noticed and started another worker; the others went on answering and acknowledging writes.
    assert f"Worker (pid:{killed['pid']}) was sent SIGKILL" in server.log()
    assert len(killed["replacements"]) == 1
    assert [w for w in journal.writes if w.acknowledged and w.at > killed["at"]], journal.summary()
    # Only what the killed worker was answering went unanswered (a sync worker answers one request at a time).
    assert_answers_clean(journal, allowed_no_answer=1)
    problems = server_problems(server, expected=(f"Worker (pid:{killed['pid']}) was sent SIGKILL",))
    assert not problems, problems[:20]

    assert_every_write_stored_once(journal, programme, before)
    assert_referrals_consistent()
    assert_database_intact()


# --- The nudge evaluation ---------------------------------------------------------------------------------

def _nudge_keys() -> set[tuple]:
    """The stored nudges' keys (the read's transaction ended: on SQLite it holds the write lock)."""
    rows = db.session.execute(sa.select(Nudge.rule, Nudge.subject_type, Nudge.subject_id, Nudge.period,
                                        Nudge.audience)).all()
    db.session.commit()
    assert len(rows) == len(set(rows)), "a nudge stored twice"
    return {tuple(row) for row in rows}


def _lease_holder(connection) -> str | None:
    return connection.execute(sa.select(JobLock.holder).where(JobLock.name == LOCK_NAME)).scalar()


def _evaluation_is_writing(engine, connection) -> bool:
    """The evaluation's transaction is open and writing. SQLite: it holds the write lock (BEGIN IMMEDIATE from
    here is refused at once). PostgreSQL: another session holds the nudge table for writing."""
    if engine.dialect.name == "sqlite":
        probe = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            probe.close()
    return bool(connection.execute(sa.text(
        "SELECT count(*) FROM pg_locks JOIN pg_class ON pg_class.oid = pg_locks.relation WHERE "
        "pg_class.relname = 'nudge' AND pg_locks.mode = 'RowExclusiveLock' AND pg_locks.pid <> pg_backend_pid()"
    )).scalar())


def _nudges_run(at: str, environment: dict, **kwargs):
    return subprocess.Popen([FLASK, "--app", "wsgi", "nudges", "run", "--at", at], cwd=PROJECT_ROOT,  # nosec B603
                            env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def test_the_nudge_evaluation_killed_mid_way_is_done_whole_and_once_when_its_lease_runs_out(app, tmp_path):
    load_demo_data(size="small", seed=2019, password=DEFAULT_PASSWORD)
    db.session.commit()
    # Weeks later, contacts are overdue, proposals unanswered, trainings due: many nudges at once.
    at = (utcnow() + timedelta(days=60)).replace(microsecond=0)
    assert _nudge_keys() == set()
    # What a clean, uninterrupted evaluation of the same data at the same instant creates (then undone).
    expected = {(r.rule, r.subject_type, r.subject_id, r.period, r.audience) for r in evaluate(at)}
    db.session.rollback()
    assert len(expected) >= 10, expected

    environment = server_environment(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=sa.pool.NullPool)
    child = _nudges_run(at.isoformat(), environment)
    try:
        with engine.connect() as connection:
            while not (_lease_holder(connection) and _evaluation_is_writing(engine, connection)):
                connection.rollback()
                assert child.poll() is None, f"the evaluation ended before it could be killed: {child.communicate()}"
                time.sleep(0.002)
            holder = _lease_holder(connection)
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
        engine.dispose()
    assert child.returncode == -signal.SIGKILL
    assert f":{child.pid}:" in holder

    # Killed before its one commit: nothing of it is stored, and the dead process's lease still runs.
    assert _nudge_keys() == set()
    assert run_evaluation(at) is None
    # Fifteen minutes later the lease has run out (its end moved back here, instead of waiting) ...
    db.session.execute(sa.update(JobLock).where(JobLock.name == LOCK_NAME)
                       .values(locked_until=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    # ... and the next run, through the same command, creates exactly what the clean evaluation did.
    rerun = _nudges_run(at.isoformat(), environment)
    output, errors = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, errors[-3000:]
    lines = output.splitlines()
    assert lines[-1] == f"created {len(expected)} nudges"
    printed = {tuple(line.replace(" period ", " ").replace(" audience ", " ").split()) for line in lines[:-1]}
    assert printed == {(rule, kind, str(subject), period, audience)
                       for rule, kind, subject, period, audience in expected}
    assert _nudge_keys() == expected
    assert db.session.scalar(sa.select(JobLock.holder).where(JobLock.name == LOCK_NAME)) is None
    assert_database_intact()
