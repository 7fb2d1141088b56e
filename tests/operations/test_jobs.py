"""Scheduled job runs recorded in job_run, and the scheduler's health on /healthz."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from peer_support.auth.models import LoginAttempt
from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.operations.jobs import (failing_jobs, record_failure, record_start, record_success, recorded_run,
                                          scheduler_health)
from peer_support.operations.models import JobRun


def job_run(job_id: str) -> JobRun | None:
    db.session.expire_all()
    return db.session.get(JobRun, job_id)


def attempts() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt))


def test_a_successful_run_records_its_start_success_and_duration(app):
    before = utcnow()
    with recorded_run("test.job"):
        db.session.add(LoginAttempt(email="a@example.org", ip="10.0.0.1", at=utcnow(), succeeded=False))
        db.session.commit()
    run = job_run("test.job")
    assert before <= run.last_started_at <= run.last_success_at <= utcnow()
    assert run.last_duration_ms >= 0
    assert run.last_failure_at is None and run.last_error is None
    assert attempts() == 1


def test_a_failed_run_keeps_the_error_class_not_its_message_and_outlives_the_rollback(app):
    with recorded_run("test.job"):
        pass
    succeeded_at = job_run("test.job").last_success_at
    with pytest.raises(ValueError):
        with recorded_run("test.job"):
            db.session.add(LoginAttempt(email="jeanne.dupont@example.org", ip="10.0.0.1", at=utcnow(),
                                        succeeded=False))
            db.session.flush()  # written, not committed: the job's rollback takes it away
            raise ValueError("could not remind Jeanne Dupont")
    db.session.rollback()
    run = job_run("test.job")
    assert run.last_error == "ValueError"
    assert run.last_failure_at > succeeded_at and run.last_success_at == succeeded_at
    assert attempts() == 0
    assert [job.job_id for job in failing_jobs()] == ["test.job"]


def test_a_library_error_is_named_with_its_module(app):
    now = utcnow()
    record_start("test.job", now)
    record_failure("test.job", sa.exc.OperationalError("SELECT 1", {"name": "Jeanne"}, Exception("gone")),
                   started_at=now, now=now + timedelta(seconds=2))
    run = job_run("test.job")
    assert run.last_error == "sqlalchemy.exc.OperationalError"
    assert run.last_duration_ms == 2000


def test_a_success_after_a_failure_clears_the_failing_list_but_keeps_the_last_failure(app):
    now = utcnow()
    record_failure("test.job", RuntimeError(), started_at=now, now=now)
    record_success("test.job", started_at=now, now=now + timedelta(minutes=1))
    assert failing_jobs() == []
    assert job_run("test.job").last_error == "RuntimeError"


def test_the_schedulers_job_wrapper_records_each_run(app, monkeypatch):
    from peer_support import scheduler as scheduler_module

    def fails():
        raise KeyError("a person's name")

    monkeypatch.setattr(scheduler_module, "JOBS", [
        ("auth.purge_sign_in_records", scheduler_module.purge_sign_in_records, "interval", {"hours": 6}),
        ("test.fails", fails, "interval", {"hours": 6}),
    ])
    jobs = {job.id: job for job in scheduler_module.build_scheduler(app).get_jobs()}
    db.session.commit()  # the test's own transaction ends, as between two scheduler runs
    jobs["auth.purge_sign_in_records"].func()
    with pytest.raises(KeyError):
        jobs["test.fails"].func()
    purge, failed = job_run("auth.purge_sign_in_records"), job_run("test.fails")
    assert purge.last_success_at is not None and purge.last_failure_at is None
    assert failed.last_success_at is None and failed.last_error == "KeyError"


def test_scheduler_health_is_stale_when_no_job_ever_succeeded_or_too_long_ago(app):
    now = utcnow()
    assert scheduler_health(now, timedelta(minutes=90)).stale is True
    db.session.rollback()  # (on SQLite the records below would wait for this read's transaction)
    record_success("a", started_at=now - timedelta(hours=3), now=now - timedelta(hours=3))
    record_success("b", started_at=now - timedelta(minutes=100), now=now - timedelta(minutes=100))
    record_failure("c", RuntimeError(), started_at=now, now=now)  # a failure is not a sign of life
    health = scheduler_health(now, timedelta(minutes=90))
    assert health.last_success_at == now - timedelta(minutes=100) and health.stale is True
    assert scheduler_health(now, timedelta(minutes=120)).stale is False


def test_healthz_when_the_scheduler_never_ran(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "scheduler": {"last_success_at": None, "stale": True}}


def test_healthz_shows_a_fresh_scheduler_without_any_job_detail(client):
    now = utcnow().replace(microsecond=0)
    record_success("nudges.evaluate", started_at=now - timedelta(minutes=10), now=now - timedelta(minutes=10))
    record_failure("nudges.mail", ValueError("Jeanne Dupont"), started_at=now, now=now)
    response = client.get("/healthz")  # public: nobody signed in
    assert response.status_code == 200
    expected = (now - timedelta(minutes=10)).isoformat().replace("+00:00", "Z")
    assert response.get_json() == {"status": "ok", "scheduler": {"last_success_at": expected, "stale": False}}
    body = response.get_data(as_text=True)
    assert "ValueError" not in body and "nudges" not in body


@pytest.mark.parametrize("app_config", [{"SCHEDULER_STALE_AFTER_MINUTES": 60}])
def test_healthz_calls_the_scheduler_stale_after_the_configured_time_and_stays_ok(client, app_config):
    now = utcnow()
    record_success("nudges.evaluate", started_at=now, now=now - timedelta(minutes=61))
    response = client.get("/healthz")
    assert response.status_code == 200
    payload = response.get_json()
    assert payload["status"] == "ok" and payload["scheduler"]["stale"] is True
    assert payload["scheduler"]["last_success_at"] is not None


def test_healthz_stays_ok_when_the_database_answers_but_job_runs_cannot_be_read(client, monkeypatch):
    from peer_support.main import views

    def refuse(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT", {}, Exception("no such table: job_run"))

    monkeypatch.setattr(views, "scheduler_health", refuse)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "scheduler": {"last_success_at": None, "stale": True}}
