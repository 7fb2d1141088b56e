"""The peer worker's own dashboard (issue 8): where they stand today, and their meetings month by month.

my_figures             3 statements (the worker's own counts and dates in one SELECT of scalar subqueries;
                       supervision/services.supervision_status; training/status.training_status)
my_meetings_by_month   1 statement (the months travel as a small VALUES table, as in nudges/measures.py)
Both are aggregate SQL: their statement count does not depend on the amount of data.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import format_date, gettext

from peer_support.db import UTCDateTime
from peer_support.extensions import db
from peer_support.meetings.models import Meeting
from peer_support.meetings.services import CASELOAD_STATUSES
from peer_support.nudges.models import Nudge
from peer_support.referrals.models import Referral
from peer_support.reports.tables import Column, Filters, Table
from peer_support.supervision.models import SupervisionSession, supervision_attendee
from peer_support.supervision.services import supervision_status
from peer_support.timezones import local_date, start_of_local_day
from peer_support.training.models import ProgrammeRequirements, TrainingRecord
from peer_support.training.status import training_status

# ProgrammeRequirements' default, used while the coordinator has not saved the requirements.
DEFAULT_REQUIRED_HOURS = 14


@dataclass(frozen=True)
class MyFigures:
    today: date
    # People accompanied now: accepted or active referrals held by the worker (as the roster counts them).
    people_accompanied: int
    # Meetings held this (local) month, and their total duration.
    meetings_this_month: int
    minutes_this_month: int
    # Nudges addressed to the worker and waiting (status open; the model has no urgency, snoozed ones wait
    # out of sight until their date).
    open_nudges: int
    # The next supervision session already recorded after today, if any.
    next_supervision_on: date | None
    # The last day that keeps supervision within the programme's interval; overdue once today is past it.
    supervision_due_on: date
    supervision_overdue: bool
    # Ongoing training hours completed this calendar year, against the hours a year required.
    training_hours: float
    required_hours: int
    # Renewable trainings needing attention (renewal window open, in grace or expired), and the earliest
    # expiry date still to come among the worker's current renewable trainings.
    trainings_to_renew: int
    next_renewal_on: date | None
    # A completed initial qualification, not past its grace period.
    qualified: bool

    @property
    def hours_missing(self) -> float:
        return round(max(self.required_hours - self.training_hours, 0.0), 1)

    @property
    def supervision_overdue_since(self) -> date | None:
        """The first day supervision was overdue (the day after supervision_due_on), or None."""
        return self.supervision_due_on + timedelta(days=1) if self.supervision_overdue else None


def _first_of_next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _count(entity, *conditions):
    return sa.select(sa.func.count()).select_from(entity).where(*conditions).scalar_subquery()


def my_figures(profile, *, today: date) -> MyFigures:
    """A worker's figures as of `today` (a local date): caseload, this month's meetings, open nudges,
    supervision and training due. `profile` is a PeerProfile (its id and account_id are used)."""
    month_start = start_of_local_day(today.replace(day=1))
    month_end = start_of_local_day(_first_of_next_month(today))
    tomorrow = start_of_local_day(today + timedelta(days=1))
    held_this_month = (Meeting.peer_profile_id == profile.id, Meeting.status == "held",
                       Meeting.starts_at >= month_start, Meeting.starts_at < month_end)
    # The latest expiry of each renewable programme the worker completed: an older one was renewed.
    latest = (sa.select(sa.func.max(TrainingRecord.expires_on).label("expires_on"))
              .where(TrainingRecord.profile_id == profile.id, TrainingRecord.status == "completed",
                     TrainingRecord.expires_on.is_not(None))
              .group_by(TrainingRecord.programme_id).subquery("latest"))
    row = db.session.execute(sa.select(
        _count(Referral, Referral.peer_profile_id == profile.id, Referral.status.in_(CASELOAD_STATUSES))
        .label("people"),
        _count(Meeting, *held_this_month).label("meetings"),
        sa.select(sa.func.coalesce(sa.func.sum(Meeting.duration_minutes), 0)).where(*held_this_month)
        .scalar_subquery().label("minutes"),
        _count(Nudge, Nudge.account_id == profile.account_id, Nudge.status == "open").label("open_nudges"),
        sa.select(sa.func.min(SupervisionSession.held_at))
        .join(supervision_attendee, supervision_attendee.c.session_id == SupervisionSession.id)
        .where(supervision_attendee.c.profile_id == profile.id, SupervisionSession.held_at >= tomorrow)
        .scalar_subquery().label("next_session"),
        sa.select(sa.func.min(latest.c.expires_on)).where(latest.c.expires_on >= today)
        .scalar_subquery().label("next_renewal"),
        sa.select(ProgrammeRequirements.ongoing_training_hours_per_year).where(ProgrammeRequirements.id == 1)
        .scalar_subquery().label("required"),
    )).one()
    supervision = supervision_status([profile.id], today)[profile.id]
    training = training_status([profile.id], today.year, today)[profile.id]
    return MyFigures(
        today=today,
        people_accompanied=int(row.people),
        meetings_this_month=int(row.meetings),
        minutes_this_month=int(row.minutes or 0),
        open_nudges=int(row.open_nudges),
        next_supervision_on=local_date(row.next_session) if row.next_session else None,
        supervision_due_on=supervision.due_on,
        supervision_overdue=supervision.overdue,
        training_hours=float(training.ongoing_hours),
        required_hours=DEFAULT_REQUIRED_HOURS if row.required is None else int(row.required),
        trainings_to_renew=training.needs_renewal,
        next_renewal_on=row.next_renewal,
        qualified=training.qualified,
    )


# --- Meetings month by month --------------------------------------------------------------------------

@dataclass(frozen=True)
class _Month:
    number: int
    first_day: date
    starts: datetime  # UTC: local midnight starting the month, or starting the period within it
    ends: datetime    # UTC: local midnight ending the month, or ending the period within it


def _months(starts_on: date, ends_on: date) -> list[_Month]:
    if starts_on > ends_on:
        raise ValueError("the period ends before it starts")
    months = []
    first = starts_on.replace(day=1)
    while first <= ends_on:
        following = _first_of_next_month(first)
        months.append(_Month(len(months), first, start_of_local_day(max(first, starts_on)),
                             start_of_local_day(min(following, ends_on + timedelta(days=1)))))
        first = following
    return months


def my_meetings_by_month(profile, filters: Filters) -> Table:
    """The meetings the worker held each month of the period, and their minutes: one statement.

    The unit and worker filters do not apply (the figures are this worker's own)."""
    months = _months(filters.starts_on, filters.ends_on)
    month_table = sa.values(sa.column("month_no", sa.Integer), sa.column("starts", UTCDateTime()),
                            sa.column("ends", UTCDateTime()), name="months"
                            ).data([(m.number, m.starts, m.ends) for m in months]).cte("months")
    found = {month_no: (int(meetings), int(minutes or 0)) for month_no, meetings, minutes in db.session.execute(
        sa.select(month_table.c.month_no, sa.func.count(Meeting.id), sa.func.sum(Meeting.duration_minutes))
        .select_from(month_table)
        .outerjoin(Meeting, sa.and_(Meeting.peer_profile_id == profile.id, Meeting.status == "held",
                                    Meeting.starts_at >= month_table.c.starts, Meeting.starts_at < month_table.c.ends))
        .group_by(month_table.c.month_no))}
    rows = tuple((m.first_day, *found.get(m.number, (0, 0))) for m in months)
    meetings = sum(row[1] for row in rows)
    minutes = sum(row[2] for row in rows)
    description = " ".join((
        gettext("Meetings held each month from %(start)s to %(end)s, and their total duration in minutes.",
                start=format_date(filters.starts_on, "long"), end=format_date(filters.ends_on, "long")),
        gettext("In all: %(meetings)d meetings, %(minutes)d minutes.", meetings=meetings, minutes=minutes),
    ))
    return Table(
        key="my_meetings_by_month",
        title=gettext("Meetings held by month"),
        description=description,
        columns=(
            Column("month", gettext("Month"), "month"),
            Column("meetings", gettext("Meetings held")),
            Column("minutes", gettext("Minutes")),
        ),
        rows=rows,
        chart="bar",
        x="month",
        series=("meetings",),
    )
