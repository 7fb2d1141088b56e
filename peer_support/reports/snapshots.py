"""The contact gap's monthly snapshot (issue 8 at scale): computed at night, read by the dashboard.

The contact-gap share (nudges/measures.py: its meaning is kept unchanged) looks up the last meeting of every
active accompaniment at each month's end: about a second per month on the large bench data set, too slow for a
page. So a nightly job stores each month's counts in `contact_gap_month` (reports/models.py), per unit and peer
worker of the referral, and the dashboard adds them up in one statement:

- every night (SNAPSHOT_HOUR, site time), the current month as of the end of yesterday and the REFRESH_MONTHS - 1
  full months before it are recomputed (meetings are often logged a few days late), and any full month missing
  from the snapshot within BACKFILL_MONTHS (since the first step of a referral's history) is filled in;
- gap_shares() reads a month from the snapshot when it was computed for the month's end wanted (its last day,
  or the period's end), and the current month "as of last night" (the row computed as of yesterday) when the
  period ends today or later; any other month (no snapshot yet, a period ending in the middle of a past
  month, a month still to come) is computed live, all of them in one call of measures.gap_counts.

Statements: gap_shares 1 (the snapshot) + 0 or 2-3 (the months computed live); the job 2 + 3 per month.
What a snapshot cannot see: a change made after it was computed (a meeting logged late beyond the refreshed
months, a threshold or a follow-up choice changed) shows in an older month only when it is recomputed
(`flask --app wsgi reports snapshot --months N`); the unit and peer worker are the referral's when computed.
The same run counts the feedback forms' answers (feedback/tallies.py), read by their results pages.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.feedback.models import FeedbackAnswer, FeedbackForm, FeedbackResponse, FormQuestion
from peer_support.feedback.tallies import CARE_CLASSES, compute_tallies, consent_class
from peer_support.nudges import lock
from peer_support.meetings import last_meetings
from peer_support.meetings.models import TOOK_PART, Meeting, MeetingParticipant, meeting_topic_link
from peer_support.nudges.measures import GapShare, _months, gap_counts, hours_between, month_ending, status_spans
from peer_support.referrals.models import Referral, ReferralEvent
from peer_support.reports.models import (ActivityMonth, CaseloadMonth, ContactGapMonth, FirstMeetingMonth,
                                         LikertMonth, MeetingMonth, TopicMonth)
from peer_support.research.models import ResearchConsent
from peer_support.timezones import local_date, start_of_local_day
from peer_support.triage.services import CASELOAD_STATUSES

log = logging.getLogger(__name__)

LOCK_NAME = "reports.snapshot"
LEASE = timedelta(hours=2)
# Recomputed every night: the current month (to yesterday) and the full months before it.
REFRESH_MONTHS = 3
# Full months missing from the snapshot are filled in this far back.
BACKFILL_MONTHS = 36
# Site time: after midnight, so that "yesterday" is complete, and away from the 03:30 retention run.
SNAPSHOT_HOUR = 2


# --- reading ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SnapshotShares:
    shares: list[GapShare]
    from_snapshot: int          # how many months were read from the snapshot (the others computed live)


def gap_shares(starts_on: date, ends_on: date, unit_id: int | None = None, *, peer_profile_id: int | None = None,
               today: date) -> SnapshotShares:
    """measures.contact_gap_share_by_month's figures, from the snapshot where it has them (see the module)."""
    if starts_on > ends_on:
        raise ValueError("the period ends before it starts")
    months = _months(starts_on, ends_on)
    yesterday = today - timedelta(days=1)
    # The day each month is read as of: its own last day, or yesterday for the current month (on the 1st,
    # yesterday's row is the previous month's: the same instant, last midnight). Future months: live.
    as_of = {month.number: month.last_day if month.last_day < today else yesterday
             for month in months if month.first_day <= today}

    snap = ContactGapMonth
    keep = sa.and_(sa.true(), *([snap.unit_id == unit_id] if unit_id is not None else []),
                   *([snap.peer_profile_id == peer_profile_id] if peer_profile_id is not None else []))
    rows = db.session.execute(
        sa.select(snap.month, snap.last_day,
                  sa.func.coalesce(sa.func.sum(sa.case((keep, snap.active), else_=0)), 0).label("active"),
                  sa.func.coalesce(sa.func.sum(sa.case((keep, snap.over_threshold), else_=0)), 0).label("over"))
        .where(snap.month.in_(sorted({day.replace(day=1) for day in as_of.values()})))
        .group_by(snap.month, snap.last_day)).all()
    by_day = {row.last_day: (int(row.active), int(row.over)) for row in rows}
    stored = {number: by_day[day] for number, day in as_of.items() if day in by_day}
    live = [month for month in months if month.number not in stored]
    computed = {row.month_no: (int(row.active), int(row.over or 0))
                for row in gap_counts(live, unit_id, peer_profile_id=peer_profile_id)}
    shares = []
    for month in months:
        active, over = stored.get(month.number) or computed.get(month.number, (0, 0))
        shares.append(GapShare(month.first_day, active, over, over / active if active else None))
    return SnapshotShares(shares, len(stored))


# --- computing --------------------------------------------------------------------------------------

def month_end(first_day: date) -> date:
    return (first_day + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def previous_month(first_day: date) -> date:
    return (first_day - timedelta(days=1)).replace(day=1)


def refresh_days(today: date, months: int = REFRESH_MONTHS) -> list[date]:
    """The last days of the months to recompute as of `today`: yesterday, then the ends of the full months
    before yesterday's month (`months` in all, most recent first)."""
    yesterday = today - timedelta(days=1)
    days, first = [yesterday], yesterday.replace(day=1)
    while len(days) < months:
        first = previous_month(first)
        days.append(month_end(first))
    return days


def compute_month(last_day: date, now: datetime) -> int:
    """Replace the snapshot of last_day's month by the measure as of the end of last_day; the rows written."""
    first_day = last_day.replace(day=1)
    rows = gap_counts([month_ending(last_day)], by_owner=True)
    db.session.execute(sa.delete(ContactGapMonth).where(ContactGapMonth.month == first_day))
    values = [{"unit_id": row.unit_id, "peer_profile_id": row.peer_profile_id, "active": row.active,
               "over_threshold": int(row.over or 0)} for row in rows]
    if not any(v["unit_id"] is None and v["peer_profile_id"] is None for v in values):
        values.append({"unit_id": None, "peer_profile_id": None, "active": 0, "over_threshold": 0})  # the marker
    db.session.execute(sa.insert(ContactGapMonth.__table__),  # Core: one executemany, None kept
                       [{**v, "month": first_day, "last_day": last_day, "computed_at": now} for v in values])
    return len(values)


def take_snapshot(now: datetime, months: int = REFRESH_MONTHS) -> list[date]:
    """Recompute the last `months` months as of the end of yesterday (site time) and fill in the full
    months missing within BACKFILL_MONTHS; the caller commits. Returns the last days computed."""
    today = local_date(now)
    days = refresh_days(today, months)
    first_step = db.session.scalar(sa.select(sa.func.min(ReferralEvent.at)))
    if first_step is not None:
        earliest = max(local_date(first_step).replace(day=1),
                       (today.replace(day=1) - timedelta(days=31 * BACKFILL_MONTHS)).replace(day=1))
        # A month counts as present when both snapshots hold it (the activity tables lose their months when
        # they gain a table: migration 0012).
        present = (set(db.session.scalars(sa.select(ContactGapMonth.month).distinct()))
                   & set(db.session.scalars(sa.select(ActivityMonth.month))))
        first = days[-1].replace(day=1)
        while True:
            first = previous_month(first)
            if first < earliest:
                break
            if first not in present:
                days.append(month_end(first))
    else:
        days = []  # no referral yet: nothing to measure
    for last_day in days:
        compute_month(last_day, now)
    compute_activity(days, now)
    compute_tallies(now)
    last_meetings.rebuild(db.session.connection())  # mends what a write the session hook missed could have left
    return days


def run_snapshot(now: datetime, months: int = REFRESH_MONTHS) -> list[date] | None:
    """take_snapshot under the job's database lock, committed once; None when another run holds the lock."""
    return lock.run_locked(LOCK_NAME, LEASE, lambda: take_snapshot(now, months))


def snapshot_job() -> None:
    """The scheduler's nightly run."""
    days = run_snapshot(utcnow())
    if days is not None:
        log.info("contact gap snapshot: %d months computed", len(days))


# --- the activity tables: first meetings, meetings by format, topics ----------------------------------

class tenths(FunctionElement):
    """SQL: a non-negative number x 10 rounded half up to an integer, the same on SQLite and PostgreSQL."""

    type = sa.Integer()
    inherit_cache = True
    name = "tenths"


@compiles(tenths, "sqlite")
def _tenths_sqlite(element, compiler, **kw):
    return f"CAST({compiler.process(element.clauses, **kw)} * 10.0 + 0.5 AS INTEGER)"


@compiles(tenths)
def _tenths_postgresql(element, compiler, **kw):
    return f"CAST(FLOOR({compiler.process(element.clauses, **kw)} * 10.0 + 0.5) AS INTEGER)"


def first_meetings(created_before: datetime, conditions=()) -> sa.Subquery:
    """Per referral made before `created_before`: its first meeting held with the person by the referral's
    worker since the referral was made ("+ 0": looked up from the person's few meetings, as nudges/rules.py
    explains); columns unit_id, peer_profile_id, first_at and days_tenths (the days waited, x 10, rounded)."""
    first = (sa.select(Referral.unit_id, Referral.peer_profile_id, Referral.created_at,
                       sa.func.min(Meeting.starts_at).label("first_at"))
             .join(MeetingParticipant, MeetingParticipant.service_user_id == Referral.service_user_id)
             .join(Meeting, Meeting.id == MeetingParticipant.meeting_id)
             .where(MeetingParticipant.status.in_(TOOK_PART), Meeting.status == "held",
                    Meeting.peer_profile_id + 0 == Referral.peer_profile_id,
                    Meeting.starts_at >= Referral.created_at, Referral.created_at < created_before, *conditions)
             .group_by(Referral.id, Referral.unit_id, Referral.peer_profile_id, Referral.created_at)
             .subquery("first_meetings"))
    return (sa.select(first.c.unit_id, first.c.peer_profile_id, first.c.first_at,
                      tenths(hours_between(first.c.first_at, first.c.created_at) / 24.0).label("days_tenths"))
            .subquery("first_meeting_days"))


def month_of(column, ranges: list[tuple[date, datetime, datetime]]) -> sa.ColumnElement:
    """SQL: the month (its first day) whose [start, end) range holds the moment; NULL outside them all."""
    return sa.case(*((sa.and_(column >= start, column < end), sa.literal(first, sa.Date))
                     for first, start, end in ranges), else_=sa.null())


def likert_answers(*columns) -> sa.Select:
    """SELECT `columns` over the answers to scale questions that the care team may count: every answer but
    those whose research consent was withdrawn without agreeing to keep them in care use (the care team's
    classes of feedback/tallies.py, as the results page counts them; anonymous answers always count)."""
    usable = sa.or_(FeedbackForm.privacy == "anonymous", consent_class().in_(CARE_CLASSES))
    return (sa.select(*columns).select_from(FeedbackResponse)
            .join(FeedbackForm, FeedbackForm.id == FeedbackResponse.form_id)
            .outerjoin(ResearchConsent, ResearchConsent.id == FeedbackResponse.research_consent_id)
            .join(FeedbackAnswer, FeedbackAnswer.response_id == FeedbackResponse.id)
            .join(FormQuestion, FormQuestion.id == FeedbackAnswer.question_id)
            .where(usable, FormQuestion.kind == "likert", FeedbackAnswer.number_value.is_not(None)))


def caseloads_at(ranges: list[tuple[date, datetime, datetime]]) -> sa.Select:
    """SELECT (month, peer_profile_id, people): per (month, _start, end) range, the people in each worker's
    caseload at `end`, from the referrals' history (the referral's worker as it is now)."""
    spans = status_spans(CASELOAD_STATUSES)
    instants = (sa.values(sa.column("month", sa.Date), sa.column("instant", Meeting.starts_at.type), name="instants")
                .data([(first, end) for first, _start, end in ranges]).cte("instants"))
    return (sa.select(instants.c.month, Referral.peer_profile_id, sa.func.count().label("people"))
            .select_from(spans)
            .join(instants, sa.and_(spans.c.since < instants.c.instant,
                                    sa.or_(spans.c.until.is_(None), spans.c.until >= instants.c.instant)))
            .join(Referral, Referral.id == spans.c.referral_id)
            .group_by(instants.c.month, Referral.peer_profile_id))


def stored_caseload_month(ends_on: date, today: date) -> date | None:
    """The month of caseload_month holding the caseloads at the end of `ends_on` (or of yesterday when the
    period reaches today), if the night computed it as of that day (1 statement)."""
    as_of = ends_on if ends_on < today else today - timedelta(days=1)
    month = as_of.replace(day=1)
    found = db.session.scalar(sa.select(ActivityMonth.last_day).where(ActivityMonth.month == month))
    return month if found == as_of else None


def activity_ranges(days: list[date]) -> list[tuple[date, datetime, datetime]]:
    """(month, start, end) in UTC for each last day: the month from its first local midnight to the end of
    that day."""
    return [(day.replace(day=1), start_of_local_day(day.replace(day=1)), start_of_local_day(day + timedelta(days=1)))
            for day in days]


def compute_activity(days: list[date], now: datetime) -> None:
    """Replace the activity tables' months of `days` by the figures as of the end of each day (7 statements
    whatever the number of months: each table is filled by one INSERT ... SELECT)."""
    if not days:
        return
    ranges = activity_ranges(days)
    months = [first for first, _start, _end in ranges]
    for table in (ActivityMonth, FirstMeetingMonth, MeetingMonth, TopicMonth, LikertMonth, CaseloadMonth):
        db.session.execute(sa.delete(table).where(table.month.in_(months)))
    latest = max(end for _first, _start, end in ranges)

    first = first_meetings(latest)
    month = month_of(first.c.first_at, ranges).label("month")
    by_days = (sa.select(month, first.c.unit_id, first.c.peer_profile_id, first.c.days_tenths,
                         sa.func.count().label("referrals"))
               .where(month.is_not(None))
               .group_by(month, first.c.unit_id, first.c.peer_profile_id, first.c.days_tenths))
    db.session.execute(sa.insert(FirstMeetingMonth).from_select(
        ["month", "unit_id", "peer_profile_id", "days_tenths", "referrals"], by_days))

    month = month_of(Meeting.starts_at, ranges).label("month")
    held = [Meeting.status == "held", Meeting.starts_at < latest, month.is_not(None)]
    by_format = (sa.select(month, Meeting.peer_profile_id, Meeting.format, sa.func.count().label("meetings"),
                           sa.func.coalesce(sa.func.sum(Meeting.duration_minutes), 0).label("minutes"))
                 .where(*held).group_by(month, Meeting.peer_profile_id, Meeting.format))
    db.session.execute(sa.insert(MeetingMonth).from_select(
        ["month", "peer_profile_id", "format", "meetings", "minutes"], by_format))
    by_topic = (sa.select(month, Meeting.peer_profile_id, meeting_topic_link.c.topic_id,
                          sa.func.count().label("meetings"))
                .join(meeting_topic_link, meeting_topic_link.c.meeting_id == Meeting.id)
                .where(*held).group_by(month, Meeting.peer_profile_id, meeting_topic_link.c.topic_id))
    db.session.execute(sa.insert(TopicMonth).from_select(["month", "peer_profile_id", "topic_id", "meetings"],
                                                         by_topic))
    month = month_of(FeedbackResponse.submitted_at, ranges).label("month")
    by_question = (likert_answers(month, FeedbackResponse.form_id, FormQuestion.key, sa.func.count().label("answers"),
                                  sa.func.sum(FeedbackAnswer.number_value).label("total"))
                   .where(FeedbackResponse.submitted_at >= min(start for _first, start, _end in ranges),
                          FeedbackResponse.submitted_at < latest, month.is_not(None))
                   .group_by(month, FeedbackResponse.form_id, FormQuestion.key))
    db.session.execute(sa.insert(LikertMonth).from_select(["month", "form_id", "question_key", "answers", "total"],
                                                          by_question))
    db.session.execute(sa.insert(CaseloadMonth).from_select(["month", "peer_profile_id", "people"],
                                                            caseloads_at(ranges)))
    db.session.execute(sa.insert(ActivityMonth.__table__),
                       [{"month": day.replace(day=1), "last_day": day, "computed_at": now} for day in days])


def stored_activity_months(starts_on: date, ends_on: date, today: date) -> dict[date, datetime]:
    """The months of the period readable from the activity tables, with the instant each was computed (1
    statement): those the period covers from their first day, computed as of their last day (or of the
    period's end within them), or, for the current month when the period reaches today, as of yesterday."""
    yesterday = today - timedelta(days=1)
    wanted = {}
    first = starts_on.replace(day=1)
    while first <= ends_on:
        cut = min(month_end(first), ends_on)
        as_of = cut if cut < today else yesterday
        if first >= starts_on and as_of >= first:
            wanted[first] = as_of
        first = month_end(first) + timedelta(days=1)
    if not wanted:
        return {}
    rows = db.session.execute(sa.select(ActivityMonth.month, ActivityMonth.last_day, ActivityMonth.computed_at)
                              .where(ActivityMonth.month.in_(sorted(wanted)))).all()
    return {row.month: row.computed_at for row in rows if wanted[row.month] == row.last_day}


def likert_months_withdrawn_since(stored: dict[date, datetime]) -> set[date]:
    """The stored months holding an answer whose research consent was withdrawn (without care use) after the
    month was computed: likert_month still counts it, so these months are counted live (1 statement)."""
    if not stored:
        return set()
    rows = db.session.execute(
        sa.select(FeedbackResponse.submitted_at, ResearchConsent.withdrawn_at)
        .join(ResearchConsent, ResearchConsent.id == FeedbackResponse.research_consent_id)
        .where(ResearchConsent.withdrawn_at >= min(stored.values()), ResearchConsent.care_use.is_(False)))
    months = set()
    for submitted_at, withdrawn_at in rows:
        month = local_date(submitted_at).replace(day=1)
        if month in stored and withdrawn_at >= stored[month]:
            months.add(month)
    return months


# --- command line -----------------------------------------------------------------------------------

reports_command = AppGroup("reports", help="The dashboard's figures.")


@reports_command.command("snapshot")
@click.option("--months", type=click.IntRange(1, 120), default=REFRESH_MONTHS, show_default=True,
              help="How many months to recompute, the current one (to yesterday) included.")
def snapshot_command(months: int):
    """Recompute the contact gap's monthly snapshot now (as the nightly job does)."""
    db.session.rollback()
    started = utcnow()
    days = run_snapshot(started, months)
    if days is None:
        click.echo(f"another snapshot is being computed (lock {LOCK_NAME} held): nothing done", err=True)
        raise click.exceptions.Exit(1)
    seconds = (utcnow() - started).total_seconds()
    click.echo(f"computed {len(days)} months in {seconds:.1f} s"
               + (f" ({min(days):%Y-%m} to {max(days):%Y-%m})" if days else ""))
