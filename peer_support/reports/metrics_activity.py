"""Dashboard figures of the programme's activity (issue 8): referrals, the wait for a first meeting,
accompaniments, meetings by format, topics, caseload against capacity and the contact gap.

Each function takes Filters and returns a Table computed by aggregate SQL, in a constant number of statements
whatever the amount of data (tests/reports/test_metrics_activity.py counts them):

new_referrals_by_month          1 statement
time_to_first_meeting           2 statements: the months stored in the nightly activity tables, the figure
active_accompaniments           1 statement
meetings_by_month_and_format    2 statements (as time_to_first_meeting)
topics_addressed                2 statements (as time_to_first_meeting)
caseload_against_capacity       1 statement
contact_gap_share               1 statement from the nightly snapshot, + 2 or 3 for months computed live
                                (reports/snapshots.gap_shares)

The wait for a first meeting, meetings and topics read the months the nightly job stored (past months, and the
current month as of the end of yesterday, reports/snapshots.py) and compute the others live (a month the
period cuts, one not stored yet), both in the same statement. Days waited are counted in tenths of a day,
rounded half up, live and stored alike: the median and 90th percentile are exact at that precision.

Months are the site's local calendar months, cut to the period (a period starting on 15 March counts March
from the 15th). A month without data gives 0 for counts and None (an empty cell) for medians and shares.
"At the end of a month" is the instant measures.py uses: local midnight ending the month, or ending the
period's last day when the period stops within the month.
Filters: the unit is the referral's unit for referrals and accompaniments, and the peer worker's units
(their account's) for meetings, topics and workers; the peer worker is the referral's worker (as it is now)
or the meeting's. Labels are resolved in the request's language when the function is called. Percentages
are given from 0 to 100 (one decimal).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import get_locale, gettext

from peer_support.auth.models import Account
from peer_support.extensions import db
from peer_support.meetings.models import Meeting, MeetingTopic, meeting_topic_link
from peer_support.peers.labels import FORMAT_LABELS
from peer_support.peers.models import MEETING_FORMATS, PeerProfile
from peer_support.referrals.models import Referral
from peer_support.reports.models import CaseloadMonth, FirstMeetingMonth, MeetingMonth, TopicMonth
from peer_support.reports.snapshots import (caseloads_at, first_meetings, gap_shares, month_of, stored_activity_months,
                                            stored_caseload_month)
from peer_support.reports.tables import Column, Filters, Table
from peer_support.timezones import local_today, start_of_local_day
from peer_support.units.models import account_unit


# --- Shared helpers ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Month:
    number: int
    first_day: date
    start: datetime     # UTC: local midnight starting the month, or the period's first day
    end: datetime       # UTC: local midnight ending the month, or the period's last day (the month's instant)


def period_months(filters: Filters) -> list[_Month]:
    """The local calendar months of the period, each cut to it."""
    if filters.starts_on > filters.ends_on:
        raise ValueError("the period ends before it starts")
    months = []
    first = filters.starts_on.replace(day=1)
    while first <= filters.ends_on:
        following = (first + timedelta(days=32)).replace(day=1)
        months.append(_Month(len(months), first, start_of_local_day(max(first, filters.starts_on)),
                             start_of_local_day(min(following, filters.ends_on + timedelta(days=1)))))
        first = following
    return months


def _percent(part: int | float, whole: int | float) -> float | None:
    """part / whole as a percentage with one decimal; None when the whole is 0."""
    return round(100.0 * part / whole, 1) if whole else None


def _workers_of_unit(unit_id: int) -> sa.Select:
    """The peer profiles whose account belongs to the unit."""
    return (sa.select(PeerProfile.id).join(account_unit, account_unit.c.account_id == PeerProfile.account_id)
            .where(account_unit.c.unit_id == unit_id))


def _referral_filters(filters: Filters) -> list:
    conditions = []
    if filters.unit_id is not None:
        conditions.append(Referral.unit_id == filters.unit_id)
    if filters.peer_profile_id is not None:
        conditions.append(Referral.peer_profile_id == filters.peer_profile_id)
    return conditions


def _meeting_filters(filters: Filters) -> list:
    conditions = []
    if filters.unit_id is not None:
        conditions.append(Meeting.peer_profile_id.in_(_workers_of_unit(filters.unit_id)))
    if filters.peer_profile_id is not None:
        conditions.append(Meeting.peer_profile_id == filters.peer_profile_id)
    return conditions


def _month_column() -> Column:
    return Column("month", gettext("Month"), "month")


# --- New referrals ----------------------------------------------------------------------------------

def new_referrals_by_month(filters: Filters) -> Table:
    """Referrals made in each month of the period, by source: staff, or the person themself."""
    months = period_months(filters)
    from_staff = sa.func.coalesce(sa.func.sum(sa.case((Referral.source == "staff", 1), else_=0)), 0)
    # One aggregate per month, each a range of ix_referral_created_source, rather than one GROUP BY over a
    # computed month: SQLite sorted the year's referrals again for it (26 ms against 4 on the bench data).
    rows = db.session.execute(sa.union_all(*(
        sa.select(sa.literal(month.number).label("month_no"), from_staff.label("staff"), sa.func.count().label("total"))
        .where(Referral.created_at >= month.start, Referral.created_at < month.end, *_referral_filters(filters))
        for month in months))).all()
    found = {row.month_no: row for row in rows}
    table_rows = []
    for month in months:
        row = found.get(month.number)
        staff, total = (int(row.staff), int(row.total)) if row is not None else (0, 0)
        table_rows.append((month.first_day, staff, total - staff, total))
    return Table(
        key="new_referrals_by_month",
        title=gettext("New referrals per month"),
        description=gettext(
            "Referrals made in each month of the period, by source: referred by staff, or asked by the person "
            "themself (from their own space or the public contact form). Months without any referral show 0. "
            "The peer worker filter keeps the referrals now proposed to or accompanied by that worker."),
        columns=(_month_column(), Column("staff", gettext("Referred by staff")),
                 Column("self", gettext("Asked by the person")), Column("total", gettext("Total"))),
        rows=tuple(table_rows), chart="stacked_bar", x="month", series=("staff", "self"))


# --- Time to first meeting --------------------------------------------------------------------------

def time_to_first_meeting(filters: Filters) -> Table:
    """For the referrals whose first meeting was held in the period: how many, and the median and 90th
    percentile (nearest rank) of the days from the referral to that meeting (in tenths of a day)."""
    months = period_months(filters)
    stored, live = stored_and_live(filters, months)
    snap = FirstMeetingMonth
    parts = []
    if stored:
        parts.append(sa.select(snap.days_tenths, snap.referrals)
                     .where(snap.month.in_(sorted(stored)), *_owner_filters(snap, filters)))
    if live:
        first = first_meetings(max(end for _first, _start, end in live), _referral_filters(filters))
        month = month_of(first.c.first_at, live)
        parts.append(sa.select(first.c.days_tenths, sa.literal(1).label("referrals")).where(month.is_not(None)))
    union = sa.union_all(*parts).subquery("waits") if len(parts) > 1 else parts[0].subquery("waits")
    by_days = (sa.select(union.c.days_tenths, sa.func.sum(union.c.referrals).label("n"))
               .group_by(union.c.days_tenths).subquery("by_days"))
    cumulated = (sa.select(by_days.c.days_tenths, by_days.c.n,
                           sa.func.sum(by_days.c.n).over(order_by=by_days.c.days_tenths).label("up_to"),
                           sa.func.sum(by_days.c.n).over().label("total"))
                 .subquery("cumulated"))

    def nearest_rank(tenths: int):
        # The smallest value whose rank k reaches p·n (p = tenths / 10): at least that share waited at most it.
        return sa.func.min(sa.case((10 * cumulated.c.up_to >= tenths * cumulated.c.total, cumulated.c.days_tenths)))

    row = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(cumulated.c.n), 0).label("referrals"),
                  nearest_rank(5).label("median"), nearest_rank(9).label("p90"))).one()
    return Table(
        key="time_to_first_meeting",
        title=gettext("Days from referral to first meeting"),
        description=gettext(
            "For the referrals whose first meeting was held in the period: how many, and the median and the "
            "90th percentile of the days from the referral to that meeting. The first meeting is the first "
            "one held since the referral by its peer worker, the person taking part. Percentiles by nearest "
            "rank: the median is the smallest number of days that at least half of these referrals waited "
            "at most; the 90th percentile, that at least nine in ten waited at most. Empty when no first meeting "
            "was held in the period."),
        columns=(Column("referrals", gettext("Referrals")),
                 Column("median_days", gettext("Median (days)"), "days"),
                 Column("p90_days", gettext("90th percentile (days)"), "days")),
        rows=((int(row.referrals), _tenths(row.median), _tenths(row.p90)),), chart="none",
        notes=_snapshot_notes(stored, referral_owner=True))


def _tenths(value) -> float | None:
    return None if value is None else int(value) / 10


def stored_and_live(filters: Filters, months: list[_Month]):
    """The months read from the nightly activity tables, and (month, start, end) of those computed live."""
    stored = stored_activity_months(filters.starts_on, filters.ends_on, local_today())
    return stored, [(month.first_day, month.start, month.end) for month in months if month.first_day not in stored]


def _owner_filters(snap, filters: Filters, *, worker_units: bool = False) -> list:
    """Conditions on a snapshot table's rows: its unit (or its worker's units now) and its worker."""
    conditions = []
    if filters.unit_id is not None:
        conditions.append(snap.peer_profile_id.in_(_workers_of_unit(filters.unit_id)) if worker_units
                          else snap.unit_id == filters.unit_id)
    if filters.peer_profile_id is not None:
        conditions.append(snap.peer_profile_id == filters.peer_profile_id)
    return conditions


def _snapshot_notes(stored: set, *, referral_owner: bool = False) -> tuple[str, ...]:
    if not stored:
        return ()
    note = gettext("Past months are read from a snapshot computed every night (the last three months are "
                   "recomputed each night), and the current month is counted as of the end of yesterday: a "
                   "meeting logged today shows tomorrow.")
    if referral_owner:
        note += " " + gettext("The unit and the peer worker are the referral's when the month was computed.")
    return (note,)


# --- Active accompaniments --------------------------------------------------------------------------

def active_accompaniments(filters: Filters) -> Table:
    """Accompaniments active at the end of each month, rebuilt from the referrals' history.

    The same count as the contact-gap share's denominator: read with it from the nightly snapshot for the
    months it holds (the current month as of last night), computed live for the others."""
    snapshot = gap_shares(filters.starts_on, filters.ends_on, filters.unit_id,
                          peer_profile_id=filters.peer_profile_id, today=local_today())
    return Table(
        key="active_accompaniments",
        title=gettext("Active accompaniments"),
        description=gettext(
            "Accompaniments active at the end of each month (or at the end of the period's last day), as the "
            "referrals' history shows them: on hold or closed at that moment, they do not count. The unit "
            "and the peer worker are the referral's, as they are now."),
        columns=(_month_column(), Column("active", gettext("Active accompaniments"))),
        rows=tuple((share.month, share.active) for share in snapshot.shares),
        chart="line", x="month", series=("active",), notes=_snapshot_notes(snapshot.from_snapshot, referral_owner=True))


# --- Meetings ---------------------------------------------------------------------------------------

def meetings_by_month_and_format(filters: Filters) -> Table:
    """Meetings held in each month of the period, per format, and their total minutes."""
    months = period_months(filters)
    stored, live = stored_and_live(filters, months)
    snap = MeetingMonth
    parts = []
    if stored:
        parts.append(sa.select(snap.month, snap.format, snap.meetings, snap.minutes)
                     .where(snap.month.in_(sorted(stored)), *_owner_filters(snap, filters, worker_units=True)))
    if live:
        month = month_of(Meeting.starts_at, live)
        parts.append(sa.select(month.label("month"), Meeting.format, sa.literal(1).label("meetings"),
                               sa.func.coalesce(Meeting.duration_minutes, 0).label("minutes"))
                     .where(Meeting.status == "held", Meeting.starts_at >= min(start for _f, start, _e in live),
                            Meeting.starts_at < max(end for _f, _s, end in live), month.is_not(None),
                            *_meeting_filters(filters)))
    union = sa.union_all(*parts).subquery("held") if len(parts) > 1 else parts[0].subquery("held")
    rows = db.session.execute(
        sa.select(union.c.month, union.c.format, sa.func.sum(union.c.meetings).label("meetings"),
                  sa.func.sum(union.c.minutes).label("minutes"))
        .group_by(union.c.month, union.c.format)).all()
    counts = {(_as_date(row.month), row.format): (int(row.meetings), int(row.minutes or 0)) for row in rows}
    table_rows = []
    for month in months:
        by_format = [counts.get((month.first_day, fmt), (0, 0)) for fmt in MEETING_FORMATS]
        table_rows.append((month.first_day, *(n for n, _minutes in by_format),
                           sum(n for n, _minutes in by_format), sum(minutes for _n, minutes in by_format)))
    return Table(
        key="meetings_by_month_and_format",
        title=gettext("Meetings per month, by format"),
        description=gettext(
            "Meetings held in each month of the period, by format, with their total and their minutes "
            "added up (the duration logged). Planned, cancelled and missed meetings do not count. The unit "
            "filter keeps the meetings led by the unit's peer workers (a worker in two units counts in both)."),
        columns=(_month_column(), *(Column(fmt, str(FORMAT_LABELS[fmt])) for fmt in MEETING_FORMATS),
                 Column("total", gettext("Total")), Column("minutes", gettext("Minutes"))),
        rows=tuple(table_rows), chart="stacked_bar", x="month", series=MEETING_FORMATS,
        notes=_snapshot_notes(stored))


def _as_date(value) -> date:
    """A month read back from SQL: a date (PostgreSQL, the snapshot) or ISO text (SQLite's CASE)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def topics_addressed(filters: Filters) -> Table:
    """Meetings held in the period per topic, the most addressed first."""
    months = period_months(filters)
    stored, live = stored_and_live(filters, months)
    snap = TopicMonth
    # A stored month is added up on its own, in its index's topic order: one GROUP BY over the whole period made
    # SQLite sort a year of rows again (13 ms against 6 on the bench data).
    parts = [sa.select(snap.topic_id, sa.func.sum(snap.meetings).label("meetings"))
              .where(snap.month == first_day, *_owner_filters(snap, filters, worker_units=True))
              .group_by(snap.topic_id) for first_day in sorted(stored)]
    if live:
        month = month_of(Meeting.starts_at, live)
        parts.append(sa.select(meeting_topic_link.c.topic_id, sa.literal(1).label("meetings"))
                     .join(Meeting, Meeting.id == meeting_topic_link.c.meeting_id)
                     .where(Meeting.status == "held", Meeting.starts_at >= min(start for _f, start, _e in live),
                            Meeting.starts_at < max(end for _f, _s, end in live), month.is_not(None),
                            *_meeting_filters(filters)))
    union = sa.union_all(*parts).subquery("links") if len(parts) > 1 else parts[0].subquery("links")
    held = (sa.select(union.c.topic_id, sa.func.sum(union.c.meetings).label("meetings"))
            .group_by(union.c.topic_id).subquery("held"))
    name = MeetingTopic.name_fr if str(get_locale()) == "fr" else MeetingTopic.name_en
    meetings = sa.func.coalesce(held.c.meetings, 0)
    rows = db.session.execute(
        sa.select(name.label("name"), meetings.label("meetings"))
        .outerjoin(held, held.c.topic_id == MeetingTopic.id)
        .where(sa.or_(MeetingTopic.is_active, held.c.meetings.is_not(None)))
        .order_by(meetings.desc(), name)).all()
    return Table(
        key="topics_addressed",
        title=gettext("Topics addressed"),
        description=gettext(
            "Meetings held in the period per topic, the most addressed first. A meeting with several topics "
            "counts once for each; a meeting without a topic counts for none. Topics in use that were "
            "addressed in no meeting show 0."),
        columns=(Column("topic", gettext("Topic"), "text"), Column("meetings", gettext("Meetings"))),
        rows=tuple((row.name, int(row.meetings)) for row in rows), chart="bar", x="topic", series=("meetings",),
        notes=_snapshot_notes(stored))


# --- Caseload against capacity ----------------------------------------------------------------------

def caseload_against_capacity(filters: Filters) -> Table:
    """Per active peer worker: the people in their caseload at the end of the period against their capacity,
    read from the nightly caseload_month when it was computed as of that day."""
    stored = stored_caseload_month(filters.ends_on, local_today())
    if stored is not None:
        caseload = (sa.select(CaseloadMonth.peer_profile_id, CaseloadMonth.people)
                    .where(CaseloadMonth.month == stored).subquery("caseload"))
    else:
        caseload = caseloads_at([(filters.ends_on, None, period_months(filters)[-1].end)]).subquery("caseload")
    people = sa.func.coalesce(caseload.c.people, 0)
    query = (sa.select(Account.name, people.label("people"), PeerProfile.max_caseload)
             .join(Account, Account.id == PeerProfile.account_id)
             .outerjoin(caseload, caseload.c.peer_profile_id == PeerProfile.id)
             .where(PeerProfile.status == "active"))
    if filters.unit_id is not None:
        query = query.where(PeerProfile.id.in_(_workers_of_unit(filters.unit_id)))
    if filters.peer_profile_id is not None:
        query = query.where(PeerProfile.id == filters.peer_profile_id)
    rows = db.session.execute(query.order_by(Account.name, PeerProfile.id)).all()
    table_rows = sorted(((row.name, int(row.people), row.max_caseload, _percent(row.people, row.max_caseload))
                         for row in rows), key=lambda r: -(r[3] if r[3] is not None else -1))
    return Table(
        key="caseload_against_capacity",
        title=gettext("Caseload against capacity"),
        description=gettext(
            "For each peer worker whose profile is active: the people in their caseload (accepted or active "
            "accompaniments, as triage counts them) at the end of the period's last day, against the most "
            "they can take on (their maximum caseload), and the share of it used; the fullest first. "
            "The capacity is the one set now. The unit filter keeps the unit's peer workers."),
        columns=(Column("worker", gettext("Peer worker"), "text"), Column("caseload", gettext("Caseload")),
                 Column("capacity", gettext("Capacity")), Column("used", gettext("Capacity used"), "percent")),
        rows=tuple(table_rows), chart="bar", x="worker", series=("caseload", "capacity"),
        notes=_snapshot_notes({stored} if stored else set()))


# --- The contact gap --------------------------------------------------------------------------------

def contact_gap_share(filters: Filters) -> Table:
    """Per month, the share of active accompaniments whose contact gap was longer than their threshold."""
    snapshot = gap_shares(filters.starts_on, filters.ends_on, filters.unit_id,
                          peer_profile_id=filters.peer_profile_id, today=local_today())
    shares = snapshot.shares
    notes = _snapshot_notes(snapshot.from_snapshot, referral_owner=True)
    return Table(
        key="contact_gap_share",
        title=gettext("Accompaniments with too long a contact gap"),
        description=gettext(
            "For each month, the share of the accompaniments active at its end whose last meeting with the "
            "person was longer ago than their threshold (set by the person's follow-up choice and the unit, "
            "or the date the peer worker set for the next meeting): the frame's own indicator, as the "
            "contact-gap nudge finds it. Empty for a month without any active accompaniment. The unit and "
            "the peer worker are the referral's, as they are now."),
        columns=(_month_column(), Column("active", gettext("Active accompaniments")),
                 Column("over_threshold", gettext("Contact gap too long")),
                 Column("share", gettext("Share"), "percent")),
        rows=tuple((s.month, s.active, s.over_threshold, _percent(s.over_threshold, s.active)) for s in shares),
        chart="line", x="month", series=("share",), notes=notes)
