"""The programme's measures (nudges/measures.py) on small data sets whose figures are worked out by hand.

Times are Paris local times (conftest.paris), stored in UTC.
"""
from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest

from peer_support.extensions import db
from peer_support.nudges.measures import GapShare, RuleMeasures, contact_gap_share_by_month, nudge_measures
from peer_support.nudges.models import RULES, Nudge
from peer_support.referrals.models import Referral, ReferralEvent
from tests.helpers import counted_statements
from tests.nudges.conftest import paris, person_choosing, set_threshold

_subjects = itertools.count(1)


# --- nudge_measures -------------------------------------------------------------------------------

def add_nudge(rule: str, created, status: str = "open", *, acted_after_hours: float | None = None, unit=None,
              escalated: bool = False, audience: str = "worker") -> None:
    acted_at = created + timedelta(hours=acted_after_hours) if acted_after_hours is not None else None
    db.session.add(Nudge(rule=rule, subject_type="nudge" if rule == "escalation" else "referral",
                         subject_id=next(_subjects), period="p", audience=audience, unit_id=unit.id if unit else None,
                         due_on=created.date(), details={}, status=status, created_at=created, acted_at=acted_at,
                         escalated_at=created + timedelta(days=5) if escalated else None))


@pytest.fixture
def nudge_data(app, cl3r, ts2a):
    """March 2026. make(copies) adds `copies` times the same nudges (for the statement count)."""
    def make(copies: int = 1) -> None:
        for _ in range(copies):
            # contact_gap, CL3R: acted on after 2, 10 (dismissed), 4 and 30 hours (an even count); one
            # resolved itself; one still open and escalated; one snoozed (waiting, not acted on).
            add_nudge("contact_gap", paris(2026, 3, 2, 9), "done", acted_after_hours=2, unit=cl3r)
            add_nudge("contact_gap", paris(2026, 3, 3, 9), "dismissed", acted_after_hours=10, unit=cl3r)
            add_nudge("contact_gap", paris(2026, 3, 10, 9), "done", acted_after_hours=4, unit=cl3r)
            # Across the change to summer time (29 March): 30 real hours, UTC arithmetic.
            add_nudge("contact_gap", paris(2026, 3, 28, 9), "done", acted_after_hours=30, unit=cl3r)
            add_nudge("contact_gap", paris(2026, 3, 11, 9), "resolved", unit=cl3r)
            add_nudge("contact_gap", paris(2026, 3, 12, 9), "open", unit=cl3r, escalated=True)
            add_nudge("contact_gap", paris(2026, 3, 13, 9), "snoozed", unit=cl3r)
            # first_meeting, TS2A: acted on after 1, 5 and 48 hours (an odd count), the 48-hour one
            # after being escalated; one open.
            add_nudge("first_meeting", paris(2026, 3, 4, 9), "done", acted_after_hours=5, unit=ts2a)
            add_nudge("first_meeting", paris(2026, 3, 5, 9), "done", acted_after_hours=1, unit=ts2a)
            add_nudge("first_meeting", paris(2026, 3, 6, 9), "done", acted_after_hours=48, unit=ts2a,
                      escalated=True)
            add_nudge("first_meeting", paris(2026, 3, 20, 9), "open", unit=ts2a)
            # The escalation of the open contact_gap nudge, to the coordination, CL3R.
            add_nudge("escalation", paris(2026, 3, 17, 9), "open", unit=cl3r, audience="coordination")
            # triage_delay, no unit: the local period's edges. 1 March 00:30 in Paris is 28 February 23:30
            # UTC: inside. 28 February 23:30 and 1 April 00:30 in Paris: outside.
            add_nudge("triage_delay", paris(2026, 3, 1, 0, 30), "open", audience="coordination")
            add_nudge("triage_delay", paris(2026, 2, 28, 23, 30), "done", acted_after_hours=1,
                      audience="coordination")
            add_nudge("triage_delay", paris(2026, 4, 1, 0, 30), "done", acted_after_hours=1,
                      audience="coordination")
        db.session.commit()

    return make


def by_rule(measures: list[RuleMeasures]) -> dict[str, RuleMeasures]:
    assert [m.rule for m in measures] == list(RULES)  # every rule, in order
    return {m.rule: m for m in measures}


def test_nudge_measures_per_rule(nudge_data):
    nudge_data()
    measures = by_rule(nudge_measures(date(2026, 3, 1), date(2026, 3, 31)))

    # contact_gap: 7 created; acted on: 2 done + 1 dismissed + 1 done = 4 (the snoozed one is waiting);
    # hours sorted 2, 4, 10, 30: even count, median (4 + 10) / 2 = 7.
    assert measures["contact_gap"] == RuleMeasures("contact_gap", created=7, acted_on=4, median_hours_to_act=7.0,
                                                   resolved=1, escalated=1, waiting=2)
    # first_meeting: 4 created, 3 acted on; hours sorted 1, 5, 48: odd count, median 5.
    assert measures["first_meeting"] == RuleMeasures("first_meeting", created=4, acted_on=3,
                                                     median_hours_to_act=5.0, resolved=0, escalated=1, waiting=1)
    assert measures["escalation"] == RuleMeasures("escalation", 1, 0, None, 0, 0, 1)
    # Only the nudge of 1 March 00:30 (Paris) is in March.
    assert measures["triage_delay"] == RuleMeasures("triage_delay", 1, 0, None, 0, 0, 1)
    assert measures["hold_review"] == RuleMeasures("hold_review", 0, 0, None, 0, 0, 0)


def test_nudge_measures_period_edges_in_local_time(nudge_data):
    nudge_data()
    # February: only the nudge of 28 February 23:30 (Paris), acted on after 1 hour.
    february = by_rule(nudge_measures(date(2026, 2, 1), date(2026, 2, 28)))
    assert february["triage_delay"] == RuleMeasures("triage_delay", 1, 1, 1.0, 0, 0, 0)
    assert sum(m.created for m in february.values()) == 1
    # 1 April only: the nudge of 1 April 00:30 (Paris), which is still 31 March in UTC.
    april = by_rule(nudge_measures(date(2026, 4, 1), date(2026, 4, 1)))
    assert april["triage_delay"] == RuleMeasures("triage_delay", 1, 1, 1.0, 0, 0, 0)
    # Part of March: 2 to 10 March holds contact_gap's 2, 10 and 4 hours (median 4, odd) and
    # first_meeting's 5, 1 and 48 hours (median 5) but the latter's open one of 20 March.
    part = by_rule(nudge_measures(date(2026, 3, 2), date(2026, 3, 10)))
    assert part["contact_gap"] == RuleMeasures("contact_gap", 3, 3, 4.0, 0, 0, 0)
    assert part["first_meeting"] == RuleMeasures("first_meeting", 3, 3, 5.0, 0, 1, 0)


def test_nudge_measures_by_unit(nudge_data, cl3r, ts2a):
    nudge_data()
    march = (date(2026, 3, 1), date(2026, 3, 31))
    in_cl3r = by_rule(nudge_measures(*march, unit_id=cl3r.id))
    # CL3R: contact_gap and the escalation only (first_meeting is TS2A's, triage_delay has no unit).
    assert in_cl3r["contact_gap"].created == 7 and in_cl3r["contact_gap"].median_hours_to_act == 7.0
    assert in_cl3r["escalation"].created == 1
    assert in_cl3r["first_meeting"] == RuleMeasures("first_meeting", 0, 0, None, 0, 0, 0)
    assert in_cl3r["triage_delay"].created == 0
    in_ts2a = by_rule(nudge_measures(*march, unit_id=ts2a.id))
    assert in_ts2a["first_meeting"] == RuleMeasures("first_meeting", 4, 3, 5.0, 0, 1, 1)
    assert sum(m.created for m in in_ts2a.values()) == 4


def test_nudge_measures_fractional_hours(app, cl3r):
    # 90 minutes and 45 minutes: median (1.5 + 0.75) / 2 = 1.125, given with two decimals: 1.12 or 1.13
    # (binary floating point decides the half); check the unrounded mean is within the rounding.
    add_nudge("hold_review", paris(2026, 3, 2, 9), "done", acted_after_hours=1.5, audience="coordination")
    add_nudge("hold_review", paris(2026, 3, 3, 9), "dismissed", acted_after_hours=0.75, audience="coordination")
    db.session.commit()
    measures = by_rule(nudge_measures(date(2026, 3, 1), date(2026, 3, 31)))
    assert measures["hold_review"].median_hours_to_act == pytest.approx(1.125, abs=0.006)


def test_nudge_measures_refuse_a_reversed_period(app):
    with pytest.raises(ValueError):
        nudge_measures(date(2026, 3, 31), date(2026, 3, 1))


# --- contact_gap_share_by_month -------------------------------------------------------------------

def accompaniment(person, worker, unit, steps: list[tuple]) -> Referral:
    """A referral with its history: steps = [(moment, to_status), ...]; its status is the last one."""
    referral = Referral(service_user_id=person.id, unit_id=unit.id, source="staff", status=steps[-1][1],
                        peer_profile_id=worker.id, created_at=steps[0][0], status_changed_at=steps[-1][0],
                        accepted_at=next(at for at, status in steps if status in ("accepted", "active")))
    db.session.add(referral)
    db.session.flush()
    previous = None
    for at, status in steps:
        db.session.add(ReferralEvent(referral_id=referral.id, at=at, from_status=previous, to_status=status,
                                     peer_profile_id=worker.id))
        previous = status
    db.session.commit()
    return referral


@pytest.fixture
def gap_data(app, worker, other_worker, held, make_meeting, cl3r, ts2a):
    """Four accompaniments (thresholds: contact me again 10 days, I will get in touch 45, no choice 21,
    and TS2A's own no-choice value of 30). make(copies) repeats them, each copy with new people."""
    set_threshold("contact_gap.no_choice", 30, ts2a)

    def make(copies: int = 1) -> None:
        for _ in range(copies):
            # A, "contact me again", CL3R: active from 5 January; met 10 and 25 January, 20 February (the
            # worker set "next meeting by 25 February"), 25 March.
            a = person_choosing("contact_me_again", name="Alix", units=[cl3r])
            accompaniment(a, worker, cl3r, [(paris(2026, 1, 2), "new"), (paris(2026, 1, 3), "accepted"),
                                            (paris(2026, 1, 5), "active")])
            held(worker, a, paris(2026, 1, 10))
            held(worker, a, paris(2026, 1, 25))
            held(worker, a, paris(2026, 2, 20), follow_up_intention="next_meeting_by",
                 follow_up_by=date(2026, 2, 25))
            held(worker, a, paris(2026, 3, 25))
            # B, "I will get in touch", CL3R: active from 15 December; met 17 December only; on hold from
            # 10 February, active again from 1 March, closed 15 April.
            b = person_choosing("i_will_get_in_touch", name="Bao", units=[cl3r])
            accompaniment(b, worker, cl3r, [(paris(2025, 12, 10), "new"), (paris(2025, 12, 15), "active"),
                                            (paris(2026, 2, 10), "on_hold"), (paris(2026, 3, 1, 9), "active"),
                                            (paris(2026, 4, 15), "closed")])
            held(worker, b, paris(2025, 12, 17))
            # C, no choice, TS2A (30 days): accepted 5 February, active the same day, never met; closed
            # 1 April (10:00).
            c = person_choosing(None, name="Cyd", units=[ts2a])
            accompaniment(c, worker, ts2a, [(paris(2026, 2, 1), "new"), (paris(2026, 2, 5, 10), "accepted"),
                                            (paris(2026, 2, 5, 11), "active"), (paris(2026, 4, 1), "closed")])
            # D, "contact me again", CL3R: active from 1 March; the meetings below do not count: absent
            # from one held 25 March, one only planned 28 March, one held 29 March by another worker.
            d = person_choosing("contact_me_again", name="Dee", units=[cl3r])
            accompaniment(d, worker, cl3r, [(paris(2026, 2, 27), "new"), (paris(2026, 3, 1), "active")])
            held(worker, d, paris(2026, 3, 25), participant_status="absent")
            make_meeting(worker, [d], starts_at=paris(2026, 3, 28), status="planned")
            held(other_worker, d, paris(2026, 3, 29))
            # E, accepted in January but never active: never counted.
            e = person_choosing("contact_me_again", name="Eli", units=[cl3r])
            accompaniment(e, worker, cl3r, [(paris(2026, 1, 2), "new"), (paris(2026, 1, 3), "accepted")])
        db.session.commit()

    return make


def test_contact_gap_share_by_month(gap_data):
    gap_data()
    shares = contact_gap_share_by_month(date(2025, 11, 1), date(2026, 4, 30))
    assert shares == [
        # November: nothing active yet. No division by zero.
        GapShare(date(2025, 11, 1), active=0, over_threshold=0, share=None),
        # 31 December: B only; 31 Dec - 17 Dec = 14 days < 45.
        GapShare(date(2025, 12, 1), 1, 0, 0.0),
        # 31 January: A (31 - 25 = 6 days < 10: no), B (31 Jan - 17 Dec = 45 days >= 45: over, the day rule 1
        # would be due). 1 / 2.
        GapShare(date(2026, 1, 1), 2, 1, 0.5),
        # 28 February: A (8 days < 10, but the worker's date 25 February has passed: over), B on hold, C
        # (28 Feb - 5 Feb = 23 days: over the default 21, not TS2A's 30). 1 / 2.
        GapShare(date(2026, 2, 1), 2, 1, 0.5),
        # 31 March: A (31 - 25 = 6: no), B active again (104 days: over), C (31 Mar - 5 Feb = 54 >= 30:
        # over), D (since acceptance 1 March: 30 >= 10: over; had the absent, planned or other worker's
        # meeting counted, 6, 3 or 2 days: no). 3 / 4.
        GapShare(date(2026, 3, 1), 4, 3, 0.75),
        # 30 April: A (30 Apr - 25 Mar = 36 >= 10: over), B closed 15 April, C closed 1 April, D (60 days:
        # over). 2 / 2.
        GapShare(date(2026, 4, 1), 2, 2, 1.0),
    ]


def test_contact_gap_share_by_unit(gap_data, cl3r, ts2a):
    gap_data()
    period = (date(2025, 12, 1), date(2026, 4, 30))
    # TS2A: C alone, active in February (23 < 30: no) and March (54: over) only.
    assert [(s.active, s.over_threshold, s.share) for s in contact_gap_share_by_month(*period, unit_id=ts2a.id)] == [
        (0, 0, None), (0, 0, None), (1, 0, 0.0), (1, 1, 1.0), (0, 0, None)]
    # CL3R: the months above without C: December 1/0, January 2/1, February A 1/1, March A B D 3/2, April 2/2.
    assert [(s.active, s.over_threshold) for s in contact_gap_share_by_month(*period, unit_id=cl3r.id)] == [
        (1, 0), (2, 1), (1, 1), (3, 2), (2, 2)]


def test_contact_gap_share_stops_at_the_end_of_the_period(gap_data):
    gap_data()
    # Up to 3 April: April is read as of 3 April, when B was still active (closed 15 April) and C closed.
    # A: 3 Apr - 25 Mar = 9 days < 10: no; B: over; D: 33 days: over. 2 / 3.
    assert contact_gap_share_by_month(date(2026, 4, 1), date(2026, 4, 3)) == [GapShare(date(2026, 4, 1), 3, 2, 2 / 3)]
    # Up to 4 April: A's 10 days are reached (over on the day, as rule 1 is due on the day). 3 / 3.
    assert contact_gap_share_by_month(date(2026, 4, 1), date(2026, 4, 4)) == [GapShare(date(2026, 4, 1), 3, 3, 1.0)]


def test_contact_gap_share_follows_the_programme_threshold(gap_data):
    gap_data()
    # The programme raises "contact me again" to 40 days: on 30 April, A (36 days) is no longer over;
    # D (60 days) still is. 1 / 2.
    set_threshold("contact_gap.contact_me_again", 40)
    assert contact_gap_share_by_month(date(2026, 4, 1), date(2026, 4, 30)) == [GapShare(date(2026, 4, 1), 2, 1, 0.5)]


def test_contact_gap_share_refuses_a_reversed_period(app):
    with pytest.raises(ValueError):
        contact_gap_share_by_month(date(2026, 3, 31), date(2026, 3, 1))


# --- Statement counts -----------------------------------------------------------------------------

def statements_of(call) -> tuple[int, object]:
    db.session.commit()
    with counted_statements() as statements:
        result = call()
    db.session.rollback()
    return len(statements), result


def test_statement_counts_do_not_grow_with_the_data(nudge_data, gap_data, cl3r):
    unit_id = cl3r.id  # read now: after a commit, reading it again would be a statement of its own

    def measure():
        return [statements_of(lambda: nudge_measures(date(2026, 3, 1), date(2026, 3, 31))),
                statements_of(lambda: nudge_measures(date(2026, 3, 1), date(2026, 3, 31), unit_id=unit_id)),
                statements_of(lambda: contact_gap_share_by_month(date(2025, 11, 1), date(2026, 4, 30))),
                statements_of(lambda: contact_gap_share_by_month(date(2025, 11, 1), date(2026, 4, 30),
                                                                 unit_id=unit_id))]

    nudge_data(1)
    gap_data(1)
    once = measure()
    nudge_data(9)
    gap_data(9)
    ten_times = measure()
    counts = [count for count, _result in once]
    assert counts == [count for count, _result in ten_times]
    # Beyond BEGIN (SQLite's BEGIN IMMEDIATE): 1 statement for the nudges; 3 for the gap (unit ids,
    # thresholds, the measure), 2 with a unit (no unit ids to read).
    begin = 1 if db.engine.dialect.name == "sqlite" else 0
    assert counts == [begin + 1, begin + 1, begin + 3, begin + 2]
    # Ten times the data, the same figures tenfold (shares unchanged).
    assert ten_times[0][1][RULES.index("contact_gap")].created == 70
    assert [(s.active, s.over_threshold, s.share) for s in ten_times[2][1]] == [
        (10 * s.active, 10 * s.over_threshold, s.share) for s in once[2][1]]
