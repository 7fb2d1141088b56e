"""The scheduler process: jobs configured once, each one safe to run again."""
from datetime import timedelta

import sqlalchemy as sa

from peer_support.auth.models import AuthSession, LoginAttempt
from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.scheduler import build_scheduler, evaluate_nudges, purge_sign_in_records


def test_jobs_have_fixed_ids_and_never_pile_up(app):
    scheduler = build_scheduler(app)
    jobs = scheduler.get_jobs()
    assert [job.id for job in jobs] == ["auth.purge_sign_in_records", "nudges.evaluate", "nudges.mail",
                                        "feedback.invitations", "operations.backup", "privacy.retention",
                                        "reports.snapshot"]
    for job in jobs:
        assert job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time == 300
    backup = scheduler.get_job("operations.backup")
    assert {field.name: str(field) for field in backup.trigger.fields}["hour"] == str(app.config["BACKUP_HOUR"])
    intervals = {job.id: job.trigger.interval for job in jobs if hasattr(job.trigger, "interval")}
    assert intervals == {"auth.purge_sign_in_records": timedelta(hours=6),
                         "nudges.evaluate": timedelta(minutes=30),
                         "nudges.mail": timedelta(minutes=15),
                         "feedback.invitations": timedelta(minutes=30)}


def test_the_nudge_job_evaluates_as_of_now_and_commits(app):
    from peer_support.nudges.models import Nudge
    from peer_support.timezones import local_today
    from tests.triage.conftest import new_referral

    hold = new_referral(status="on_hold", review_on=local_today())
    evaluate_nudges()
    evaluate_nudges()  # the next half hour: nothing new
    db.session.rollback()  # what the job committed stays
    assert [(n.rule, n.subject_id, n.status) for n in db.session.scalars(sa.select(Nudge))] == [
        ("hold_review", hold.id, "open")]


def test_purge_forgets_old_attempts_and_ended_sessions_only(app, make_account):
    account = make_account("staff")
    now = utcnow()
    db.session.add_all([
        LoginAttempt(email="a@example.org", ip="10.0.0.1", at=now - timedelta(days=31), succeeded=False),
        LoginAttempt(email="a@example.org", ip="10.0.0.1", at=now - timedelta(days=1), succeeded=False),
        AuthSession(token_hash="old", account_id=account.id, created_at=now - timedelta(days=100),
                    last_seen_at=now - timedelta(days=100), ended_at=now - timedelta(days=91)),
        AuthSession(token_hash="open", account_id=account.id, created_at=now, last_seen_at=now),
    ])
    db.session.commit()
    purge_sign_in_records()
    purge_sign_in_records()  # a second run finds nothing more to do
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)) == 1
    assert list(db.session.scalars(sa.select(AuthSession.token_hash))) == ["open"]
