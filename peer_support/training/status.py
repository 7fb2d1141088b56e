"""Where a worker stands: expiry dates, renewal windows, and the status of many workers in one query.

A renewable item completed on day D with a validity of M months expires on
D + M months (the day is clamped to the month's end). It is valid before the
renewal window; "renewal due" from `renewal_notice_days` days before its expiry
date; from the expiry date itself, "in grace" for `grace_days` days; "expired"
after that. The same boundaries are written once in Python (renewal_state) and
once in SQL (training_status); a test checks they agree.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from peer_support.extensions import db
from peer_support.peers.models import PeerProfile
from peer_support.training.models import TrainingProgramme, TrainingRecord

VALID = "valid"
RENEWAL_DUE = "renewal_due"
IN_GRACE = "in_grace"
EXPIRED = "expired"
# A record whose programme was completed again later, with a later expiry date.
RENEWED = "renewed"


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, the day clamped to the month's end (31 Jan + 1 month = 28 or 29 Feb)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month_index = divmod(index, 12)
    last_day = calendar.monthrange(year, month_index + 1)[1]
    return date(year, month_index + 1, min(day.day, last_day))


def expiry_date(completed_on: date | None, validity_months: int | None) -> date | None:
    """When a completed item stops being valid; None when it never needs renewing."""
    if completed_on is None or not validity_months:
        return None
    return add_months(completed_on, validity_months)


def renewal_state(expires_on: date | None, *, notice_days: int, grace_days: int, today: date) -> str | None:
    """valid, renewal_due, in_grace or expired on `today`; None when nothing expires."""
    if expires_on is None:
        return None
    days_left = (expires_on - today).days
    if days_left > notice_days:
        return VALID
    if days_left > 0:
        return RENEWAL_DUE
    if -days_left < grace_days:
        return IN_GRACE
    return EXPIRED


def grace_ends_on(expires_on: date | None, grace_days: int) -> date | None:
    """The last day of the grace period (None without one)."""
    if expires_on is None or grace_days <= 0:
        return None
    return expires_on + timedelta(days=grace_days - 1)


class days_until(FunctionElement):
    """SQL: whole days from `today` to a date column (negative once the date is past)."""

    type = sa.Integer()
    inherit_cache = True
    name = "days_until"


@compiles(days_until, "sqlite")
def _days_until_sqlite(element, compiler, **kw):
    day, today = list(element.clauses)
    return (f"CAST(julianday({compiler.process(day, **kw)}) - julianday({compiler.process(today, **kw)})"
            " AS INTEGER)")


@compiles(days_until)
def _days_until_postgresql(element, compiler, **kw):
    # PostgreSQL: subtracting two dates gives a number of days.
    day, today = list(element.clauses)
    return f"({compiler.process(day, **kw)} - CAST({compiler.process(today, **kw)} AS DATE))"


@dataclass(frozen=True)
class TrainingStatus:
    profile_id: int
    # A completed initial qualification that is not past its grace period.
    qualified: bool
    # Hours of ongoing training completed in the calendar year (by completion date).
    ongoing_hours: Decimal
    # Renewable programmes, counted once each (the latest completion): how many need attention.
    renewal_due: int
    in_grace: int
    expired: int

    @property
    def needs_renewal(self) -> int:
        return self.renewal_due + self.in_grace + self.expired


def training_status(profile_ids, year: int, today: date) -> dict[int, TrainingStatus]:
    """The training status of several workers at once, in one SQL query (for rosters). `profile_ids` are ids,
    or a SELECT of them (a list of hundreds, written four times in the query, cost more than the query itself)."""
    if isinstance(profile_ids, sa.Select):
        ids = profile_ids
    else:
        ids = sorted({int(profile_id) for profile_id in profile_ids})
        if not ids:
            return {}
    record, programme = TrainingRecord, TrainingProgramme
    completed = record.status == "completed"
    on_day = sa.literal(today, sa.Date())

    # Only the latest completion of each renewable programme counts: an older one was renewed.
    latest = (
        sa.select(record.profile_id, record.programme_id, sa.func.max(record.expires_on).label("expires_on"))
        .where(completed, record.expires_on.is_not(None), record.profile_id.in_(ids))
        .group_by(record.profile_id, record.programme_id)
        .subquery("latest")
    )
    days_left = days_until(latest.c.expires_on, on_day)

    def count(condition):
        return sa.func.sum(sa.case((condition, 1), else_=0))

    renewals = (
        sa.select(latest.c.profile_id,
                  count(sa.and_(days_left > 0, days_left <= programme.renewal_notice_days)).label("due"),
                  count(sa.and_(days_left <= 0, days_left > -programme.grace_days)).label("grace"),
                  count(days_left <= -programme.grace_days).label("expired"))
        .join(programme, programme.id == latest.c.programme_id)
        .group_by(latest.c.profile_id)
        .subquery("renewals")
    )
    hours = (
        sa.select(record.profile_id, sa.func.sum(record.hours).label("hours"))
        .join(programme, programme.id == record.programme_id)
        .where(completed, programme.kind == "ongoing", record.profile_id.in_(ids),
               record.ends_on >= date(year, 1, 1), record.ends_on <= date(year, 12, 31))
        .group_by(record.profile_id)
        .subquery("hours")
    )
    qualified = (
        sa.select(record.profile_id, sa.func.count().label("n"))
        .join(programme, programme.id == record.programme_id)
        .where(completed, programme.kind == "initial_qualification", record.profile_id.in_(ids),
               sa.or_(record.expires_on.is_(None), days_until(record.expires_on, on_day) > -programme.grace_days))
        .group_by(record.profile_id)
        .subquery("qualified")
    )
    rows = db.session.execute(
        sa.select(PeerProfile.id,
                  sa.func.coalesce(qualified.c.n, 0),
                  sa.func.coalesce(hours.c.hours, 0),
                  sa.func.coalesce(renewals.c.due, 0),
                  sa.func.coalesce(renewals.c.grace, 0),
                  sa.func.coalesce(renewals.c.expired, 0))
        .outerjoin(qualified, qualified.c.profile_id == PeerProfile.id)
        .outerjoin(hours, hours.c.profile_id == PeerProfile.id)
        .outerjoin(renewals, renewals.c.profile_id == PeerProfile.id)
        .where(PeerProfile.id.in_(ids))
    )
    return {
        profile_id: TrainingStatus(
            profile_id=profile_id, qualified=bool(n_qualified),
            ongoing_hours=Decimal(str(total_hours)).quantize(Decimal("0.1")),
            renewal_due=int(due), in_grace=int(grace), expired=int(expired),
        )
        for profile_id, n_qualified, total_hours, due, grace, expired in rows
    }
