"""The scheduler process: `flask --app wsgi scheduler`, never inside web workers.

Each job runs in an application context, calls one service function of `now`
and commits once. Later features register their jobs in JOBS.
"""
from __future__ import annotations

import logging
import signal
from datetime import timedelta

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import current_app

from peer_support.db import utcnow
from peer_support.extensions import db

log = logging.getLogger(__name__)


def purge_sign_in_records() -> None:
    """Forget old sign-in attempts and ended sessions (the audit log keeps the history)."""
    from peer_support.auth.services import purge_expired

    attempts, sessions = purge_expired(now=utcnow(), keep_attempts=timedelta(days=30),
                                       keep_sessions=timedelta(days=90))
    db.session.commit()
    log.info("purged %d sign-in attempts and %d ended sessions", attempts, sessions)


def evaluate_nudges() -> None:
    """Every nudge rule as of now, under the database lock (nudges/engine.py commits once)."""
    from peer_support.nudges.engine import run_evaluation

    created = run_evaluation(utcnow())
    if created is not None:
        log.info("created %d nudges", len(created))


def mail_nudges() -> None:
    """The nudge e-mails due now, under their own database lock (nudges/delivery.py commits per mail)."""
    from peer_support.nudges.delivery import run_delivery

    report = run_delivery(utcnow())
    if report is not None:
        log.info("sent %d nudge mails about %d nudges (%d failed)", report.mails, report.nudges, report.failures)


def back_up_database() -> None:
    """The daily backup into BACKUP_DIR with rotation (operations/backup.py); once per day even if restarted."""
    from peer_support.operations.backup import run_daily_backup

    run_daily_backup(utcnow())


def apply_retention() -> None:
    """Anonymise the people past the retention period (privacy/retention.py, under its own lock, one commit)."""
    from peer_support.privacy.retention import retention_job

    retention_job()


def feedback_invitations() -> None:
    """Questionnaire invitations due, their mails and reminders, and cancellations (feedback/invitations.py,
    under its own database lease, one commit)."""
    from peer_support.feedback.invitations import run_job

    report = run_job(utcnow())
    if report is not None:
        log.info("feedback invitations: %d created, %d sent, %d reminded, %d cancelled", report.created,
                 report.sent, report.reminded, report.cancelled)


def snapshot_reports() -> None:
    """The dashboard's monthly contact-gap snapshot (reports/snapshots.py, under its own lock, one commit)."""
    from peer_support.reports.snapshots import snapshot_job

    snapshot_job()


def snapshot_time(config) -> dict:
    from peer_support.reports.snapshots import SNAPSHOT_HOUR

    return {"hour": SNAPSHOT_HOUR, "minute": 0}


def backup_time(config) -> dict:
    return {"hour": config["BACKUP_HOUR"], "minute": 0}


# (job id, function, trigger, trigger arguments: a dict, or a function of the app's config giving one)
JOBS = [
    ("auth.purge_sign_in_records", purge_sign_in_records, "interval", {"hours": 6}),
    # Half-hourly: a threshold passed is seen within 30 minutes, and a rerun costs little (set-based, keyed).
    ("nudges.evaluate", evaluate_nudges, "interval", {"minutes": 30}),
    # Every quarter of an hour: an immediate mail waits at most that long, a digest goes in its hour.
    ("nudges.mail", mail_nudges, "interval", {"minutes": 15}),
    # Half-hourly, like the nudges: questionnaire invitations due, their mails, reminders and cancellations.
    ("feedback.invitations", feedback_invitations, "interval", {"minutes": 30}),
    # Daily at BACKUP_HOUR (site time); also at start, where it does nothing if today's backup exists.
    ("operations.backup", back_up_database, "cron", backup_time),
    # Daily at night (site time): people past the retention period are anonymised.
    ("privacy.retention", apply_retention, "cron", {"hour": 3, "minute": 30}),
    # Nightly (site time): the dashboard's contact-gap snapshot; also at start (it only recomputes a few months).
    ("reports.snapshot", snapshot_reports, "cron", snapshot_time),
]


def build_scheduler(app) -> BlockingScheduler:
    from peer_support.operations.jobs import recorded_run

    scheduler = BlockingScheduler(timezone=app.config["PEER_SUPPORT_TIMEZONE"])

    def in_app_context(job_id, function):
        def run():
            with app.app_context():
                try:
                    with recorded_run(job_id):  # job_run: last start, success, failure (/healthz, `check`)
                        function()
                except Exception:
                    db.session.rollback()
                    log.exception("job %s failed", function.__name__)
                    raise
                finally:
                    db.session.remove()
        run.__name__ = function.__name__
        return run

    for job_id, function, trigger, arguments in JOBS:
        arguments = arguments(app.config) if callable(arguments) else arguments
        # A late or missed run happens once, never twice at a time.
        scheduler.add_job(in_app_context(job_id, function), trigger, id=job_id, name=job_id, replace_existing=True,
                          next_run_time=utcnow(), coalesce=True, max_instances=1, misfire_grace_time=300,
                          **arguments)
    return scheduler


@click.command("scheduler")
def scheduler_command():
    """Run the scheduled jobs until stopped (one such process per site)."""
    from peer_support.operations.logs import configure_app_logging

    app = current_app._get_current_object()
    configure_app_logging(app, logging.INFO)  # LOG_FORMAT: plain text or JSON lines, as the web app
    scheduler = build_scheduler(app)
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    click.echo(f"scheduler started with {len(scheduler.get_jobs())} jobs")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
