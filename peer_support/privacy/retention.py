"""Retention: people whose accompaniment closed longer ago than the coordinator's setting are anonymised.

A person is due when their data is not anonymised yet, no legal hold is set, they have no open referral and
no planned meeting, and nothing happened to them for more than `retention_years`: every referral closed
before the cut-off, no meeting of theirs since, and their record itself older than that (a person never
referred is due N years after their record was created). The cut-off is `now` minus N calendar years;
exactly N years is not yet "more than" N.

The dry run and the run share one query, so the report lists exactly who the run anonymises.
`flask --app wsgi retention run [--dry-run] [--at ISO-8601]`; the scheduler runs it daily.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from peer_support.audit.services import record
from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.meetings.models import Meeting, MeetingParticipant
from peer_support.nudges import lock
from peer_support.nudges.commands import Instant, as_utc
from peer_support.people.models import ServiceUser, service_user_unit
from peer_support.privacy.anonymise import anonymise
from peer_support.privacy.settings import current_settings
from peer_support.referrals.models import Referral
from peer_support.units.models import Unit

log = logging.getLogger(__name__)

LOCK_NAME = "privacy.retention"
LEASE = timedelta(hours=1)


@dataclass(frozen=True)
class DuePerson:
    id: int
    code: str
    unit_codes: tuple[str, ...]
    # When their last accompaniment closed; None for a person never referred (then: created_at).
    closed_at: datetime | None
    created_at: datetime


def cutoff(now: datetime, years: int) -> datetime:
    """`now` minus whole calendar years (29 February becomes the 28th)."""
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, day=28)


def _due_conditions(before: datetime) -> list:
    person = ServiceUser.id
    recent_or_open_referral = sa.exists().where(
        Referral.service_user_id == person,
        sa.or_(Referral.status != "closed", Referral.status_changed_at >= before))
    planned_or_recent_meeting = sa.exists().where(
        MeetingParticipant.service_user_id == person, MeetingParticipant.status != "cancelled",
        Meeting.id == MeetingParticipant.meeting_id,
        sa.or_(Meeting.status == "planned", Meeting.starts_at >= before))
    return [ServiceUser.anonymised_at.is_(None), ServiceUser.legal_hold.is_(False), ServiceUser.created_at < before,
            ~recent_or_open_referral, ~planned_or_recent_meeting]


def due_people(now: datetime, years: int | None = None) -> list[DuePerson]:
    """Who a retention run at `now` would anonymise (the dry run), oldest closing first."""
    before = cutoff(now, years if years is not None else current_settings().retention_years)
    conditions = _due_conditions(before)
    last_closed = (sa.select(sa.func.max(Referral.status_changed_at))
                   .where(Referral.service_user_id == ServiceUser.id).scalar_subquery())
    rows = db.session.execute(
        sa.select(ServiceUser.id, ServiceUser.code, ServiceUser.created_at, last_closed.label("closed_at"))
        .where(*conditions).order_by(ServiceUser.id)).all()
    units: dict[int, list[str]] = {}
    for person_id, unit_code in db.session.execute(
            sa.select(service_user_unit.c.service_user_id, Unit.code)
            .join(Unit, Unit.id == service_user_unit.c.unit_id)
            .where(service_user_unit.c.service_user_id.in_(sa.select(ServiceUser.id).where(*conditions)))
            .order_by(Unit.code)):
        units.setdefault(person_id, []).append(unit_code)
    due = [DuePerson(id=row.id, code=row.code, unit_codes=tuple(units.get(row.id, ())), closed_at=row.closed_at,
                     created_at=row.created_at) for row in rows]
    return sorted(due, key=lambda p: (p.closed_at or p.created_at, p.id))


def run_retention(now: datetime, *, actor=None, actor_label: str | None = None) -> list[DuePerson] | None:
    """Anonymise everyone due at `now`, under the job's database lock, audited, committed once.

    Returns who was anonymised (their codes as they were), or None when another run holds the lock."""
    def anonymise_due() -> list[DuePerson]:
        years = current_settings().retention_years
        due = due_people(now, years)
        for entry in due:
            anonymise(db.session.get(ServiceUser, entry.id), how="retention", actor=actor, now=now)
        record("privacy.retention_run", actor=actor, actor_label=actor_label, now=now,
               details={"count": len(due), "retention_years": years, "people": [entry.id for entry in due]})
        return due

    return lock.run_locked(LOCK_NAME, LEASE, anonymise_due)


def retention_job() -> None:
    """The scheduler's daily run."""
    done = run_retention(utcnow(), actor_label="scheduler")
    if done is not None:
        log.info("retention: anonymised %d people", len(done))


retention_command = AppGroup("retention", help="Retention of closed accompaniments' identifying data.")


@retention_command.command("run")
@click.option("--dry-run", is_flag=True, help="List who would be anonymised; change nothing.")
@click.option("--at", "at", type=Instant(), default=None,
              help="As of this time (ISO-8601; without an offset, the site's local time). Default: now.")
def run_command(dry_run: bool, at: datetime | None):
    """Anonymise the people past the retention period; print their codes, then how many."""
    now = as_utc(at) if at is not None else utcnow()
    if dry_run:
        due = due_people(now)
        db.session.rollback()
    else:
        due = run_retention(now, actor_label="command line")
        if due is None:
            click.echo(f"another retention run is in progress (lock {LOCK_NAME} held): nothing done", err=True)
            raise click.exceptions.Exit(1)
    for entry in due:
        click.echo(entry.code)
    click.echo(f"{'would anonymise' if dry_run else 'anonymised'} {len(due)} people")
