"""Measures of the programme (issue 6): how the nudges are used, and how often the contact gap is overdue.

Service functions for the dashboard (issue 8), which charts them. Every figure is computed by aggregate
SQL on SQLite and PostgreSQL alike: no row is loaded into Python to be counted, and each function issues
a constant number of statements whatever the amount of data (tests/nudges/test_measures.py counts them):

nudge_measures                 1 statement
contact_gap_share_by_month     2 statements with a unit, 3 without (unit ids, thresholds, the measure)

Periods are given as local (site) dates, both ends included, as everywhere in the app.

nudge_measures: the nudges CREATED in the period (created_at), per rule, and what became of them so far.
- acted on: marked done or dismissed by a person (status done/dismissed, acted_at set). A snooze is not
  acting: a snoozed nudge counts as "waiting" until someone marks it done or dismisses it, and its time to
  act runs until then (the snooze included). A nudge that resolved itself is not acted on, even if it had
  been snoozed first.
- median hours to act: the median of acted_at - created_at over the acted-on nudges, in hours (two
  decimals); None when none was acted on. Computed in SQL with row_number() and count() windows (both
  engines have them): the middle row of an odd count, the mean of the two middle rows of an even one.
- resolved: closed by the evaluation itself, the situation having ended (status resolved).
- escalated: raised to the coordination by rule 8 (escalated_at set), whatever became of it afterwards.
- waiting: still open or snoozed. created = acted_on + resolved + waiting.
A nudge that resolved itself and was raised again (same key, engine.py) has its created_at reset to the
moment it came back: it counts in the period of that moment, once.

contact_gap_share_by_month: for each month of the period, the share of the accompaniments active at the
end of that month whose contact gap was longer than their threshold (rule 1's indicator, the frame's own):
- the instant: local midnight ending the month, or ending `ends_on` when the period stops within the month
  (so a current month reads "as of ends_on", not as of a future date). "Today" at that instant is the
  month's last day (or ends_on).
- active: the referral's status just before the instant, rebuilt from its history (ReferralEvent: the last
  step before the instant, ordered by `at` then id, went to "active"). An accompaniment on hold or closed
  at the instant does not count, even if active before or after.
- the gap: from the last meeting held before the instant that the person took part in (enrolled or
  attended) with the referral's worker, as rule 1 finds it; with no such meeting, from the acceptance
  (Referral.accepted_at, or the moment it became active if accepted_at is unset or later than the instant).
- over the threshold: as rule 1 decides a nudge is due, on local dates: the instant's day >= last
  meeting's day + N days, where N follows the person's follow-up choice and the referral's unit
  (contact_gap.contact_me_again / i_will_get_in_touch / no_choice, the unit's value, else the programme's,
  else the default: thresholds.effective_thresholds, the same call the evaluation makes). With "contact
  me again" and a last meeting whose follow-up intention set a date ("next meeting by"), that date is the
  frame: over once the instant's day has reached it.
- unlike rule 1, a meeting planned at the instant does not cancel the gap: the measure is the gap itself,
  not whether a nudge was due (when a meeting was planned is not kept historically anyway).
Limitations: the person's follow-up choice, the referral's unit, worker and acceptance, a meeting's
status and the thresholds are read as they are NOW, not as they were at each instant (none of them is
kept historically); changing a choice or a threshold restates past months. Months with no active
accompaniment give share None (no division by zero).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from peer_support.db import UTCDateTime
from peer_support.extensions import db
from peer_support.meetings.models import TOOK_PART, Meeting, MeetingParticipant
from peer_support.nudges.models import RULES, Nudge
from peer_support.nudges.rules import CONTACT_GAP_THRESHOLDS
from peer_support.nudges.thresholds import effective_thresholds
from peer_support.people.models import ServiceUser
from peer_support.referrals.models import Referral, ReferralEvent
from peer_support.timezones import start_of_local_day
from peer_support.units.models import Unit

ACTED = ("done", "dismissed")
WAITING = ("open", "snoozed")
# Referrals without a unit take the programme's thresholds: key 0 (ids start at 1).
NO_UNIT = 0
# The follow-up choices with their own threshold; anything else (no choice) is keyed "".
CHOICES = tuple(choice for choice in CONTACT_GAP_THRESHOLDS if choice is not None)
NO_CHOICE = ""


# --- Rule by rule ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class RuleMeasures:
    rule: str
    created: int
    acted_on: int
    median_hours_to_act: float | None
    resolved: int
    escalated: int
    waiting: int


class hours_between(FunctionElement):
    """SQL: hours (with fractions) from `earlier` to `later`, two timestamps."""

    type = sa.Float()
    inherit_cache = True
    name = "hours_between"


@compiles(hours_between, "sqlite")
def _hours_between_sqlite(element, compiler, **kw):
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 24.0)"


@compiles(hours_between)
def _hours_between_postgresql(element, compiler, **kw):
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 3600.0)"


def _period(starts_on: date, ends_on: date) -> tuple[datetime, datetime]:
    """The UTC moments bounding local dates starts_on..ends_on (both included): [start, end)."""
    if starts_on > ends_on:
        raise ValueError("the period ends before it starts")
    return start_of_local_day(starts_on), start_of_local_day(ends_on + timedelta(days=1))


def _count_if(condition) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def nudge_measures(starts_on: date, ends_on: date, unit_id: int | None = None, *,
                   peer_profile_id: int | None = None) -> list[RuleMeasures]:
    """Per rule (models.RULES order, every rule listed), the nudges created from starts_on to ends_on
    (local dates, included) in the unit (its nudges' unit_id) or the whole programme, and about one peer
    worker if given (its nudges' peer_profile_id): ONE statement."""
    start, end = _period(starts_on, ends_on)
    conditions = [Nudge.created_at >= start, Nudge.created_at < end]
    if unit_id is not None:
        conditions.append(Nudge.unit_id == unit_id)
    if peer_profile_id is not None:
        conditions.append(Nudge.peer_profile_id == peer_profile_id)
    acted = sa.and_(Nudge.status.in_(ACTED), Nudge.acted_at.is_not(None))

    counts = (sa.select(Nudge.rule, sa.func.count().label("created"), _count_if(acted).label("acted_on"),
                        _count_if(Nudge.status == "resolved").label("resolved"),
                        _count_if(Nudge.escalated_at.is_not(None)).label("escalated"),
                        _count_if(Nudge.status.in_(WAITING)).label("waiting"))
              .where(*conditions).group_by(Nudge.rule).subquery("counts"))
    hours = hours_between(Nudge.acted_at, Nudge.created_at)
    ranked = (sa.select(Nudge.rule, hours.label("hours"),
                        sa.func.row_number().over(partition_by=Nudge.rule, order_by=(hours, Nudge.id)).label("rn"),
                        sa.func.count().over(partition_by=Nudge.rule).label("n"))
              .where(*conditions, acted).subquery("ranked"))
    # The middle row(s): 2·rn in [n, n + 2] is rn = (n + 1)/2 for an odd n, rn = n/2 and n/2 + 1 for an even n.
    medians = (sa.select(ranked.c.rule, sa.func.avg(ranked.c.hours).label("median"))
               .where((2 * ranked.c.rn).between(ranked.c.n, ranked.c.n + 2))
               .group_by(ranked.c.rule).subquery("medians"))
    rows = db.session.execute(
        sa.select(counts, medians.c.median).outerjoin(medians, medians.c.rule == counts.c.rule)).all()

    found = {row.rule: row for row in rows}
    result = []
    for rule in RULES:
        row = found.get(rule)
        if row is None:
            result.append(RuleMeasures(rule, 0, 0, None, 0, 0, 0))
            continue
        median = None if row.median is None else round(float(row.median), 2)
        result.append(RuleMeasures(rule, row.created, row.acted_on, median, row.resolved, row.escalated,
                                   row.waiting))
    return result


# --- The contact gap, month by month --------------------------------------------------------------

@dataclass(frozen=True)
class GapShare:
    month: date            # the first day of the month
    active: int            # accompaniments active at the month's instant
    over_threshold: int    # of which the contact gap was longer than their threshold
    share: float | None    # over_threshold / active; None when nothing was active


@dataclass(frozen=True)
class _Month:
    number: int
    first_day: date
    last_day: date         # "today" at the instant: the month's last day, or ends_on
    instant: datetime      # local midnight after last_day, in UTC


def _months(starts_on: date, ends_on: date) -> list[_Month]:
    months = []
    first = starts_on.replace(day=1)
    while first <= ends_on:
        following = (first + timedelta(days=32)).replace(day=1)
        last_day = min(following - timedelta(days=1), ends_on)
        months.append(_Month(len(months), first, last_day, start_of_local_day(last_day + timedelta(days=1))))
        first = following
    return months


def _threshold_rows(unit_id: int | None) -> list[tuple[int, str, int]]:
    """(unit key, choice key, days) for every unit and choice, from thresholds.effective_thresholds."""
    unit_ids = [unit_id] if unit_id is not None else list(db.session.scalars(sa.select(Unit.id)))
    thresholds = effective_thresholds(unit_ids)
    rows = []
    for unit in [None, *unit_ids]:
        for choice, name in CONTACT_GAP_THRESHOLDS.items():
            days = thresholds.get((name, unit), thresholds[(name, None)])
            rows.append((NO_UNIT if unit is None else unit, NO_CHOICE if choice is None else choice, days))
    return rows


def status_spans(statuses, *, unit_id: int | None = None, peer_profile_id: int | None = None):
    """CTE (referral_id, since, until): the steps of the referrals' history into one of `statuses`,
    each holding from its `at` until the next step's (ordered by `at` then id; until is None while it
    holds). Of one unit or one worker (the referral's, as they are now) when given.

    The next step is looked up for these steps only (ix_referral_event_referral_id), rather than a
    lead() window over the whole history: the window sorts every event, the largest cost of the measure."""
    following = sa.orm.aliased(ReferralEvent, name="following")
    until = (sa.select(sa.func.min(following.at))
             .where(following.referral_id == ReferralEvent.referral_id,
                    sa.or_(following.at > ReferralEvent.at,
                           sa.and_(following.at == ReferralEvent.at, following.id > ReferralEvent.id)))
             .correlate(ReferralEvent).scalar_subquery())
    query = (sa.select(ReferralEvent.referral_id, ReferralEvent.at.label("since"), until.label("until"))
             .where(ReferralEvent.to_status.in_(statuses)))
    if unit_id is not None or peer_profile_id is not None:
        query = query.join(Referral, Referral.id == ReferralEvent.referral_id)
        if unit_id is not None:
            query = query.where(Referral.unit_id == unit_id)
        if peer_profile_id is not None:
            query = query.where(Referral.peer_profile_id == peer_profile_id)
    # Computed once, not again for each month it is matched against (SQLite would flatten it otherwise).
    return query.cte("spans").prefix_with("MATERIALIZED")


def contact_gap_share_by_month(starts_on: date, ends_on: date, unit_id: int | None = None, *,
                               peer_profile_id: int | None = None) -> list[GapShare]:
    """For each month from starts_on to ends_on (local dates, included): the accompaniments active at its
    end, and how many had a contact gap longer than their threshold (see the module's docstring); those of
    one unit or one peer worker (the referral's, as they are now) when given."""
    if starts_on > ends_on:
        raise ValueError("the period ends before it starts")
    months = _months(starts_on, ends_on)
    found = {row.month_no: row for row in gap_counts(months, unit_id, peer_profile_id=peer_profile_id)}
    result = []
    for month in months:
        row = found.get(month.number)
        active, over_threshold = (row.active, int(row.over or 0)) if row is not None else (0, 0)
        result.append(GapShare(month.first_day, active, over_threshold,
                               over_threshold / active if active else None))
    return result


def month_ending(last_day: date, number: int = 0) -> _Month:
    """The month of `last_day`, measured at the end of that day (its instant: the next local midnight)."""
    return _Month(number, last_day.replace(day=1), last_day, start_of_local_day(last_day + timedelta(days=1)))


def gap_counts(months: list[_Month], unit_id: int | None = None, *, peer_profile_id: int | None = None,
               by_owner: bool = False) -> list:
    """Rows (month_no, active, over) for the given months (numbered, each measured at its instant), with
    the referral's unit_id and peer_profile_id as well when by_owner (one row per month and pair then):
    the measure's ONE big statement, after the unit ids and thresholds (1 or 2 statements).

    The thresholds (per unit and choice) and each month's cutoffs (the moment before which the last
    meeting must lie for N days to have passed by the month's last local day) are worked out in Python
    from thresholds.effective_thresholds and travel as two small VALUES tables: their size follows the
    number of units and months, never the data."""
    if not months:
        return []
    threshold_rows = _threshold_rows(unit_id)
    distinct_days = sorted({days for _unit, _choice, days in threshold_rows})

    month_table = sa.values(sa.column("month_no", sa.Integer), sa.column("instant", UTCDateTime()),
                            sa.column("last_day", sa.Date), name="months"
                            ).data([(m.number, m.instant, m.last_day) for m in months]).cte("months")
    threshold_table = sa.values(sa.column("unit_key", sa.Integer), sa.column("choice_key", sa.String),
                                sa.column("days", sa.Integer), name="gap_thresholds"
                                ).data(threshold_rows).cte("gap_thresholds")
    # Over N days by the last day D <=> last meeting's local day <= D - N <=> it began before local
    # midnight starting D - N + 1.
    cutoff_table = sa.values(sa.column("month_no", sa.Integer), sa.column("days", sa.Integer),
                             sa.column("cutoff", UTCDateTime()), name="gap_cutoffs"
                             ).data([(m.number, days, start_of_local_day(m.last_day - timedelta(days=days - 1)))
                                     for m in months for days in distinct_days]).cte("gap_cutoffs")

    spans = status_spans(("active",), unit_id=unit_id, peer_profile_id=peer_profile_id)
    active_at_instant = sa.and_(spans.c.since < month_table.c.instant,
                                sa.or_(spans.c.until.is_(None), spans.c.until >= month_table.c.instant))

    # The last meeting held before the instant with the referral's worker, the person having taken part
    # (as rules.contact_gap finds it; "+ 0" for the same reason as there: SQLite would otherwise walk
    # every meeting of the worker instead of the person's few).
    last_held = (sa.select(Meeting.id)
                 .join(MeetingParticipant, MeetingParticipant.meeting_id == Meeting.id)
                 .where(MeetingParticipant.service_user_id == Referral.service_user_id,
                        MeetingParticipant.status.in_(TOOK_PART),
                        Meeting.peer_profile_id + 0 == Referral.peer_profile_id,
                        Meeting.status == "held", Meeting.starts_at < month_table.c.instant)
                 .order_by(Meeting.starts_at.desc(), Meeting.id.desc()).limit(1)
                 .correlate(Referral, month_table).scalar_subquery())
    last = sa.orm.aliased(Meeting, name="last_meeting")
    choice_key = sa.case((ServiceUser.follow_up_choice.in_(CHOICES), ServiceUser.follow_up_choice),
                         else_=sa.literal(NO_CHOICE))
    accepted = sa.case((Referral.accepted_at < month_table.c.instant, Referral.accepted_at), else_=spans.c.since)
    worker_set_date = sa.and_(choice_key == "contact_me_again", last.follow_up_intention == "next_meeting_by",
                              last.follow_up_by.is_not(None))
    over = sa.case((worker_set_date, sa.case((last.follow_up_by <= month_table.c.last_day, 1), else_=0)),
                   (sa.func.coalesce(last.starts_at, accepted) < cutoff_table.c.cutoff, 1),
                   else_=0)
    groups = [month_table.c.month_no] + ([Referral.unit_id, Referral.peer_profile_id] if by_owner else [])
    return db.session.execute(
        sa.select(*groups, sa.func.count().label("active"), sa.func.sum(over).label("over"))
        .select_from(month_table)
        .join(spans, active_at_instant)
        .join(Referral, Referral.id == spans.c.referral_id)
        .outerjoin(ServiceUser, ServiceUser.id == Referral.service_user_id)
        .join(threshold_table, sa.and_(threshold_table.c.unit_key == sa.func.coalesce(Referral.unit_id, NO_UNIT),
                                       threshold_table.c.choice_key == choice_key))
        .join(cutoff_table, sa.and_(cutoff_table.c.month_no == month_table.c.month_no,
                                    cutoff_table.c.days == threshold_table.c.days))
        .outerjoin(last, last.id == last_held)
        .group_by(*groups)).all()
