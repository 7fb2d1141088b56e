"""Dashboard figures of the programme's activity (issue 8): referrals, the wait for a first meeting,
accompaniments, meetings by format, topics, caseload against capacity and the contact gap.

Each function takes Filters and returns a Table computed by aggregate SQL, in a constant number of statements
whatever the amount of data (tests/reports/test_metrics_activity.py counts them):

new_referrals_by_month          1 statement
time_to_first_meeting           1 statement
active_accompaniments           1 statement
meetings_by_month_and_format    1 statement
topics_addressed                1 statement
caseload_against_capacity       1 statement
contact_gap_share               1 statement from the nightly snapshot, + 2 or 3 for months computed live
                                (reports/snapshots.gap_shares)

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
from peer_support.meetings.models import Meeting, MeetingParticipant, MeetingTopic, meeting_topic_link
from peer_support.nudges.measures import hours_between, status_spans
from peer_support.nudges.rules import TOOK_PART
from peer_support.peers.labels import FORMAT_LABELS
from peer_support.peers.models import MEETING_FORMATS, PeerProfile
from peer_support.referrals.models import Referral
from peer_support.reports.snapshots import gap_shares
from peer_support.reports.tables import Column, Filters, Table
from peer_support.timezones import local_today, start_of_local_day
from peer_support.units.models import account_unit

# A worker's caseload, as triage and the roster count it against their capacity.
CASELOAD_STATUSES = ("accepted", "active")


# --- Shared helpers ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Month:
    number: int
    first_day: date
    start: datetime     # UTC: local midnight starting the month, or the period's first day
    end: datetime       # UTC: local midnight ending the month, or the period's last day (the month's instant)


def _months(filters: Filters) -> list[_Month]:
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


def _month_number(column, months: list[_Month]) -> sa.ColumnElement[int]:
    """SQL: the number of the month a moment falls in (the caller keeps the moment within the period).
    A CASE over the months' ends rather than a join, so the rows are read once whatever the months."""
    return sa.case(*((column < month.end, month.number) for month in months[:-1]), else_=months[-1].number)


def _percent(part: int | float, whole: int | float) -> float | None:
    """part / whole as a percentage with one decimal; None when the whole is 0."""
    return round(100.0 * part / whole, 1) if whole else None


def _days(value) -> float | None:
    return None if value is None else round(float(value), 1)


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
    months = _months(filters)
    month_no = _month_number(Referral.created_at, months)
    from_staff = sa.func.coalesce(sa.func.sum(sa.case((Referral.source == "staff", 1), else_=0)), 0)
    rows = db.session.execute(
        sa.select(month_no.label("month_no"), from_staff.label("staff"), sa.func.count().label("total"))
        .where(Referral.created_at >= months[0].start, Referral.created_at < months[-1].end,
               *_referral_filters(filters))
        .group_by(month_no)).all()
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
    percentile (nearest rank) of the days from the referral to that meeting."""
    months = _months(filters)
    start, end = months[0].start, months[-1].end
    # The first meeting held with the person by the referral's worker since the referral was made ("+ 0":
    # looked up from the person's few meetings, as nudges/rules.py explains).
    first = (sa.select(Referral.created_at, sa.func.min(Meeting.starts_at).label("first_at"))
             .join(MeetingParticipant, MeetingParticipant.service_user_id == Referral.service_user_id)
             .join(Meeting, Meeting.id == MeetingParticipant.meeting_id)
             .where(MeetingParticipant.status.in_(TOOK_PART), Meeting.status == "held",
                    Meeting.peer_profile_id + 0 == Referral.peer_profile_id,
                    Meeting.starts_at >= Referral.created_at, Referral.created_at < end,
                    *_referral_filters(filters))
             .group_by(Referral.id, Referral.created_at).subquery("first_meetings"))
    days = (hours_between(first.c.first_at, first.c.created_at) / 24.0).label("days")
    ranked = (sa.select(days, sa.func.row_number().over(order_by=days).label("rn"),
                        sa.func.count().over().label("n"))
              .where(first.c.first_at >= start, first.c.first_at < end).subquery("ranked"))
    rn, n = ranked.c.rn, ranked.c.n

    def nearest_rank(tenths: int):
        # The smallest rank k with k / n >= p: p·n <= k < p·n + 1, in integers (p = tenths / 10).
        return sa.func.max(sa.case((sa.and_(10 * rn >= tenths * n, 10 * (rn - 1) < tenths * n), ranked.c.days)))

    row = db.session.execute(
        sa.select(sa.func.count().label("referrals"), nearest_rank(5).label("median"),
                  nearest_rank(9).label("p90"))).one()
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
        rows=((int(row.referrals), _days(row.median), _days(row.p90)),), chart="none")


# --- Active accompaniments --------------------------------------------------------------------------

def active_accompaniments(filters: Filters) -> Table:
    """Accompaniments active at the end of each month, rebuilt from the referrals' history."""
    months = _months(filters)
    spans = status_spans(("active",), unit_id=filters.unit_id, peer_profile_id=filters.peer_profile_id)
    instants = _instants(months)
    rows = dict(db.session.execute(
        sa.select(instants.c.month_no, sa.func.count())
        .select_from(instants)
        .join(spans, sa.and_(spans.c.since < instants.c.instant,
                             sa.or_(spans.c.until.is_(None), spans.c.until >= instants.c.instant)))
        .group_by(instants.c.month_no)).all())
    return Table(
        key="active_accompaniments",
        title=gettext("Active accompaniments"),
        description=gettext(
            "Accompaniments active at the end of each month (or at the end of the period's last day), as the "
            "referrals' history shows them: on hold or closed at that moment, they do not count. The unit "
            "and the peer worker are the referral's, as they are now."),
        columns=(_month_column(), Column("active", gettext("Active accompaniments"))),
        rows=tuple((month.first_day, int(rows.get(month.number, 0))) for month in months),
        chart="line", x="month", series=("active",))


def _instants(months: list[_Month]):
    return sa.values(sa.column("month_no", sa.Integer), sa.column("instant", Meeting.starts_at.type),
                     name="instants").data([(month.number, month.end) for month in months]).cte("instants")


# --- Meetings ---------------------------------------------------------------------------------------

def meetings_by_month_and_format(filters: Filters) -> Table:
    """Meetings held in each month of the period, per format, and their total minutes."""
    months = _months(filters)
    month_no = _month_number(Meeting.starts_at, months)
    rows = db.session.execute(
        sa.select(month_no.label("month_no"), Meeting.format, sa.func.count().label("meetings"),
                  sa.func.sum(Meeting.duration_minutes).label("minutes"))
        .where(Meeting.status == "held", Meeting.starts_at >= months[0].start, Meeting.starts_at < months[-1].end,
               *_meeting_filters(filters))
        .group_by(month_no, Meeting.format)).all()
    counts = {(row.month_no, row.format): (int(row.meetings), int(row.minutes or 0)) for row in rows}
    table_rows = []
    for month in months:
        by_format = [counts.get((month.number, fmt), (0, 0)) for fmt in MEETING_FORMATS]
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
        rows=tuple(table_rows), chart="stacked_bar", x="month", series=MEETING_FORMATS)


def topics_addressed(filters: Filters) -> Table:
    """Meetings held in the period per topic, the most addressed first."""
    months = _months(filters)
    held = (sa.select(meeting_topic_link.c.topic_id, sa.func.count().label("meetings"))
            .join(Meeting, Meeting.id == meeting_topic_link.c.meeting_id)
            .where(Meeting.status == "held", Meeting.starts_at >= months[0].start,
                   Meeting.starts_at < months[-1].end, *_meeting_filters(filters))
            .group_by(meeting_topic_link.c.topic_id).subquery("held"))
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
        rows=tuple((row.name, int(row.meetings)) for row in rows), chart="bar", x="topic", series=("meetings",))


# --- Caseload against capacity ----------------------------------------------------------------------

def caseload_against_capacity(filters: Filters) -> Table:
    """Per active peer worker: the people in their caseload at the end of the period against their capacity."""
    instant = _months(filters)[-1].end
    spans = status_spans(CASELOAD_STATUSES)
    caseload = (sa.select(Referral.peer_profile_id, sa.func.count().label("people"))
                .select_from(spans).join(Referral, Referral.id == spans.c.referral_id)
                .where(spans.c.since < instant, sa.or_(spans.c.until.is_(None), spans.c.until >= instant))
                .group_by(Referral.peer_profile_id).subquery("caseload"))
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
        rows=tuple(table_rows), chart="bar", x="worker", series=("caseload", "capacity"))


# --- The contact gap --------------------------------------------------------------------------------

def contact_gap_share(filters: Filters) -> Table:
    """Per month, the share of active accompaniments whose contact gap was longer than their threshold."""
    snapshot = gap_shares(filters.starts_on, filters.ends_on, filters.unit_id,
                          peer_profile_id=filters.peer_profile_id, today=local_today())
    shares = snapshot.shares
    notes = (gettext("Past months are read from a snapshot computed every night (the last three months are "
                     "recomputed each night), and the current month is counted as of the end of yesterday: a "
                     "meeting logged today shows tomorrow. The unit and the peer worker are the referral's "
                     "when the month was computed."),) if snapshot.from_snapshot else ()
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
