"""The activity figures of the dashboard (reports/metrics_activity.py) on a small data set whose values are
worked out by hand. Times are Paris local times (tests.nudges.conftest.paris), stored in UTC; the period is
February and March 2026 (no change of clock inside the measured delays). Labels are read in English
(force_locale), except where a test checks they follow the language.
"""
from __future__ import annotations

from datetime import date

import pytest
from flask_babel import force_locale

from peer_support.auth.models import Account
from peer_support.extensions import db
from peer_support.meetings.models import MeetingTopic
from peer_support.referrals.models import Referral, ReferralEvent
from peer_support.reports import metrics_activity as m
from peer_support.reports.tables import Filters, Table
from tests.helpers import counted_statements
from tests.meetings.conftest import make_meeting, topics  # noqa: F401  (fixtures)
from tests.nudges.conftest import cl3r, paris, ts2a, units  # noqa: F401  (fixtures)
from tests.peers.conftest import make_profile  # noqa: F401  (fixtures)
from tests.triage.conftest import new_person

PERIOD = Filters(date(2026, 2, 1), date(2026, 3, 31))
FEBRUARY, MARCH = date(2026, 2, 1), date(2026, 3, 1)


def english(function, filters: Filters) -> Table:
    with force_locale("en"):
        return function(filters)


def values(table: Table, *keys: str) -> list[tuple]:
    indexes = [[c.key for c in table.columns].index(key) for key in keys]
    return [tuple(row[i] for i in indexes) for row in table.rows]


def accompaniment(person, worker, unit, steps: list[tuple], source: str = "staff") -> Referral:
    """A referral made at the first step's moment, with its history: steps = [(moment, to_status), ...]."""
    referral = Referral(service_user_id=person.id, unit_id=unit.id, source=source, status=steps[-1][1],
                        peer_profile_id=worker.id, created_at=steps[0][0], status_changed_at=steps[-1][0],
                        accepted_at=next((at for at, status in steps if status in ("accepted", "active")), None))
    db.session.add(referral)
    db.session.flush()
    previous = None
    for at, status in steps:
        db.session.add(ReferralEvent(referral_id=referral.id, at=at, from_status=previous, to_status=status,
                                     peer_profile_id=worker.id))
        previous = status
    return referral


@pytest.fixture
def workers(make_profile, cl3r, ts2a):
    """w1 of CL3R (capacity 4), w2 of TS2A (capacity 2), w3 of CL3R on leave (never listed)."""
    return (make_profile(units=[cl3r], max_caseload=4), make_profile(units=[ts2a], max_caseload=2),
            make_profile(units=[cl3r], status="on_leave"))


@pytest.fixture
def activity(workers, cl3r, ts2a, topics, make_meeting):
    """make(copies): the data set below, `copies` times over with new people (the same workers)."""
    w1, w2, _w3 = workers
    daily_life, recovery, stigma = topics

    def held(worker, people, moment, format="individual", minutes=60, participant_status="attended", **fields):
        return make_meeting(worker, people, starts_at=moment, status="held", format=format, minutes=minutes,
                            participant_status=participant_status, **fields)

    def make(copies: int = 1) -> None:
        for _ in range(copies):
            p1, p2, p3, p4, p5, p6, p7 = (new_person(name=n) for n in ("P1", "P2", "P3", "P4", "P5", "P6", "P7"))
            # R1, CL3R, w1, staff: made in January, active 15 January, closed 20 March; first met 25 January.
            accompaniment(p1, w1, cl3r, [(paris(2026, 1, 10), "new"), (paris(2026, 1, 15), "active"),
                                         (paris(2026, 3, 20), "closed")])
            # R2, CL3R, w1, asked by the person 2 February, active 5 February.
            accompaniment(p2, w1, cl3r, [(paris(2026, 2, 2), "new"), (paris(2026, 2, 5), "active")], "self")
            # R3, TS2A, w2, staff, 14 February; accepted 20 February, active 4 March.
            accompaniment(p3, w2, ts2a, [(paris(2026, 2, 14), "new"), (paris(2026, 2, 20), "accepted"),
                                         (paris(2026, 3, 4, 12), "active")])
            # R4, TS2A, w2, the public contact form, 28 February: still new.
            accompaniment(p4, w2, ts2a, [(paris(2026, 2, 28), "new")], "self_public")
            # R5, CL3R, w1, staff, 1 March; active 2 March, on hold 10 March, active again 25 March.
            accompaniment(p5, w1, cl3r, [(paris(2026, 3, 1), "new"), (paris(2026, 3, 2), "active"),
                                         (paris(2026, 3, 10), "on_hold"), (paris(2026, 3, 25), "active")])
            # R6, CL3R: made 1 April 00:30 in Paris (still 31 March in UTC): outside the period.
            accompaniment(p6, w1, cl3r, [(paris(2026, 4, 1, 0, 30), "new")])
            # R7, CL3R, w1, staff, 20 March 10:00; active 21 March.
            accompaniment(p7, w1, cl3r, [(paris(2026, 3, 20), "new"), (paris(2026, 3, 21), "active")])
            db.session.commit()

            held(w1, [p1], paris(2026, 1, 25), topics=[stigma])                     # January: outside
            held(w1, [p1], paris(2026, 2, 10), topics=[daily_life])
            held(w2, [p2], paris(2026, 2, 8), format="phone", minutes=30)          # another worker
            held(w1, [p2], paris(2026, 2, 12), topics=[daily_life, recovery])
            held(w1, [p2], paris(2026, 3, 1), format="video", minutes=45)
            held(w2, [p3], paris(2026, 3, 4), topics=[daily_life, stigma])
            held(w1, [p5], paris(2026, 3, 2, 15), participant_status="absent")      # held, P5 absent
            held(w1, [p5, p1], paris(2026, 3, 3), format="group", minutes=90)
            held(w1, [p7], paris(2026, 3, 31, 11), format="outing", minutes=120)
            make_meeting(w1, [p7], starts_at=paris(2026, 3, 15), status="cancelled", topics=[stigma])
            make_meeting(w1, [p7], starts_at=paris(2026, 3, 30), status="planned")

    return make


# --- new_referrals_by_month --------------------------------------------------------------------------

def test_new_referrals_by_month(activity, cl3r):
    activity()
    table = english(m.new_referrals_by_month, PERIOD)
    assert (table.key, table.chart, table.x, table.series) == ("new_referrals_by_month", "stacked_bar", "month",
                                                               ("staff", "self"))
    # February: R3 staff; R2 (own space) and R4 (public form) asked by the person. March: R5 and R7, staff.
    # R1 (January) and R6 (1 April, local time) are outside.
    assert values(table, "month", "staff", "self", "total") == [(FEBRUARY, 1, 2, 3), (MARCH, 2, 0, 2)]
    # CL3R: R2 in February; R5 and R7 in March.
    in_cl3r = english(m.new_referrals_by_month, Filters(PERIOD.starts_on, PERIOD.ends_on, unit_id=cl3r.id))
    assert values(in_cl3r, "staff", "self") == [(0, 1), (2, 0)]


def test_new_referrals_months_cut_to_the_period(activity, workers):
    activity()
    # 15 February to 1 March: R3 (14 February) and R2 fall out; R4 (28 February) and R5 (1 March) stay.
    table = english(m.new_referrals_by_month, Filters(date(2026, 2, 15), date(2026, 3, 1)))
    assert values(table, "month", "staff", "self") == [(FEBRUARY, 0, 1), (MARCH, 1, 0)]
    # The worker's referrals: w2 holds R3 and R4.
    w2 = workers[1]
    table = english(m.new_referrals_by_month, Filters(PERIOD.starts_on, PERIOD.ends_on, peer_profile_id=w2.id))
    assert values(table, "staff", "self") == [(1, 1), (0, 0)]


# --- time_to_first_meeting ---------------------------------------------------------------------------

def test_time_to_first_meeting(activity):
    activity()
    table = english(m.time_to_first_meeting, PERIOD)
    # First meetings in the period, by the referral's worker, the person taking part:
    # R2 12 Feb - 2 Feb = 10 days (the 8 February call was another worker's); R3 4 Mar - 14 Feb = 18;
    # R5 3 Mar - 1 Mar = 2 (absent from the 2 March meeting); R7 31 Mar 11:00 - 20 Mar 10:00 = 11 days
    # (summer time began 29 March: 10:00 and 11:00 are both 9:00 UTC). R1's first was in January.
    # Sorted 2, 10, 11, 18: n = 4; median rank ceil(0.5·4) = 2 -> 10 (not the mean 10.5);
    # 90th percentile rank ceil(0.9·4) = 4 -> 18.
    assert table.rows == ((4, 10.0, 18.0),)
    assert table.chart == "none"
    # March only: R3 18, R5 2, R7 11 -> sorted 2, 11, 18; median rank 2 -> 11; 90th rank ceil(2.7) = 3 -> 18.
    assert english(m.time_to_first_meeting, Filters(MARCH, date(2026, 3, 31))).rows == ((3, 11.0, 18.0),)


def test_time_to_first_meeting_filters(activity, workers, ts2a):
    activity()
    # TS2A: R3 alone (18 days): median and 90th percentile are that value.
    only_ts2a = Filters(PERIOD.starts_on, PERIOD.ends_on, unit_id=ts2a.id)
    assert english(m.time_to_first_meeting, only_ts2a).rows == ((1, 18.0, 18.0),)
    # w1: R2 10, R5 2, R7 11 -> median rank 2 -> 10; 90th rank 3 -> 11.
    w1 = workers[0]
    assert english(m.time_to_first_meeting, Filters(PERIOD.starts_on, PERIOD.ends_on,
                                                    peer_profile_id=w1.id)).rows == ((3, 10.0, 11.0),)


# --- active_accompaniments ---------------------------------------------------------------------------

def test_active_accompaniments(activity, ts2a):
    activity()
    table = english(m.active_accompaniments, PERIOD)
    # End of February: R1, R2 (R3 only accepted). End of March: R2, R3, R5 (active again 25 March), R7;
    # R1 closed 20 March.
    assert values(table, "month", "active") == [(FEBRUARY, 2), (MARCH, 4)]
    # To 15 March: R1 still active, R2, R3; R5 on hold since 10 March.
    assert values(english(m.active_accompaniments, Filters(MARCH, date(2026, 3, 15))), "active") == [(3,)]
    # TS2A: R3 from 4 March.
    assert values(english(m.active_accompaniments, Filters(PERIOD.starts_on, PERIOD.ends_on, unit_id=ts2a.id)),
                  "active") == [(0,), (1,)]


# --- meetings_by_month_and_format --------------------------------------------------------------------

def test_meetings_by_month_and_format(activity, workers):
    activity()
    table = english(m.meetings_by_month_and_format, PERIOD)
    assert table.series == ("individual", "group", "informal", "phone", "video", "outing")
    keys = ("month", "individual", "group", "informal", "phone", "video", "outing", "total", "minutes")
    # February: individual 10 and 12 Feb (60 + 60), the phone call 8 Feb (30): 3 meetings, 150 minutes.
    # March: individual 2 Mar (held, though P5 was absent) and 4 Mar (60 + 60), the group 3 Mar (90), the
    # video 1 Mar (45), the outing 31 Mar (120): 5 meetings, 375 minutes. The cancelled and the planned
    # meetings do not count, nor 25 January.
    assert values(table, *keys) == [(FEBRUARY, 2, 0, 0, 1, 0, 0, 3, 150), (MARCH, 2, 1, 0, 0, 1, 1, 5, 375)]
    # w2: the phone call in February; 4 March in March.
    w2 = workers[1]
    by_w2 = english(m.meetings_by_month_and_format, Filters(PERIOD.starts_on, PERIOD.ends_on, peer_profile_id=w2.id))
    assert values(by_w2, "total", "minutes") == [(1, 30), (1, 60)]


def test_meetings_by_unit_follow_the_workers_units(activity, ts2a):
    activity()
    # TS2A's worker is w2: the same meetings as above.
    table = english(m.meetings_by_month_and_format, Filters(PERIOD.starts_on, PERIOD.ends_on, unit_id=ts2a.id))
    assert values(table, "phone", "individual", "total", "minutes") == [(1, 0, 1, 30), (0, 1, 1, 60)]


# --- topics_addressed --------------------------------------------------------------------------------

def test_topics_addressed(activity):
    activity()
    db.session.add(MeetingTopic(name_fr="Ancien thème", name_en="Retired topic", is_active=False))
    db.session.commit()
    table = english(m.topics_addressed, PERIOD)
    # Daily life: 10 Feb, 12 Feb, 4 Mar = 3; Recovery and hope: 12 Feb = 1; Stigma: 4 Mar = 1 (25 January
    # is outside, 15 March was cancelled). Ties by name. The retired topic, never addressed, is left out.
    assert table.rows == (("Daily life", 3), ("Recovery and hope", 1), ("Stigma", 1))
    with force_locale("fr"):
        assert m.topics_addressed(PERIOD).rows == (("Vie quotidienne", 3), ("Rétablissement et espoir", 1),
                                                   ("Stigmatisation", 1))


# --- caseload_against_capacity -----------------------------------------------------------------------

def worker_name(profile) -> str:
    return db.session.get(Account, profile.account_id).name


def test_caseload_against_capacity(activity, workers, ts2a):
    activity()
    w1, w2, _on_leave = workers
    table = english(m.caseload_against_capacity, PERIOD)
    # At the end of 31 March: w1 holds R2, R5, R7 (R1 closed): 3 of 4 = 75 %; w2 holds R3: 1 of 2 = 50 %.
    # w3 is on leave: not listed. The fullest first.
    assert table.rows == ((worker_name(w1), 3, 4, 75.0), (worker_name(w2), 1, 2, 50.0))
    # End of February: w1 R1 and R2 (2 of 4: 50 %); w2 R3, accepted 20 February (1 of 2: 50 %).
    february = english(m.caseload_against_capacity, Filters(FEBRUARY, date(2026, 2, 28)))
    assert sorted(february.rows) == sorted([(worker_name(w1), 2, 4, 50.0), (worker_name(w2), 1, 2, 50.0)])
    in_ts2a = english(m.caseload_against_capacity, Filters(PERIOD.starts_on, PERIOD.ends_on, unit_id=ts2a.id))
    assert in_ts2a.rows == ((worker_name(w2), 1, 2, 50.0),)


# --- contact_gap_share -------------------------------------------------------------------------------

def test_contact_gap_share(activity, workers):
    activity()
    table = english(m.contact_gap_share, PERIOD)
    # Nobody chose a follow-up: the programme's 21 days for everyone.
    # End of February: R1 (28 Feb - 10 Feb = 18 days) and R2 (28 Feb - 12 Feb = 16; the 8 February call was
    # another worker's): none over, 0 %. End of March: R2 (31 - 1 = 30 days: over), R3 (31 - 4 = 27: over),
    # R5 (the group of 3 March: 28: over), R7 (met 31 March: 0): 3 of 4 = 75 %.
    assert values(table, "month", "active", "over_threshold", "share") == [(FEBRUARY, 2, 0, 0.0),
                                                                            (MARCH, 4, 3, 75.0)]
    # w2: nothing active in February (None: no division by zero); R3 over in March.
    by_w2 = english(m.contact_gap_share, Filters(PERIOD.starts_on, PERIOD.ends_on, peer_profile_id=workers[1].id))
    assert values(by_w2, "active", "over_threshold", "share") == [(0, 0, None), (1, 1, 100.0)]


# --- Empty data, bad periods, statement counts -------------------------------------------------------

ALL = (m.new_referrals_by_month, m.time_to_first_meeting, m.active_accompaniments, m.meetings_by_month_and_format,
       m.topics_addressed, m.caseload_against_capacity, m.contact_gap_share)


def test_an_empty_period(activity, workers):
    activity()
    june = Filters(date(2025, 6, 1), date(2025, 7, 31))
    tables = {function.__name__: english(function, june) for function in ALL}
    assert [t.key for t in tables.values()] == [function.__name__ for function in ALL]
    assert values(tables["new_referrals_by_month"], "month", "total") == [(date(2025, 6, 1), 0), (date(2025, 7, 1), 0)]
    assert tables["time_to_first_meeting"].rows == ((0, None, None),)
    assert values(tables["active_accompaniments"], "active") == [(0,), (0,)]
    assert values(tables["meetings_by_month_and_format"], "total", "minutes") == [(0, 0), (0, 0)]
    assert tables["topics_addressed"].rows == (("Daily life", 0), ("Recovery and hope", 0), ("Stigma", 0))
    assert sorted(values(tables["caseload_against_capacity"], "caseload", "used")) == [(0, 0.0), (0, 0.0)]
    assert values(tables["contact_gap_share"], "share") == [(None,), (None,)]


def test_every_figure_describes_itself_and_refuses_a_reversed_period(app):
    reversed_period = Filters(date(2026, 3, 31), date(2026, 3, 1))
    for function in ALL:
        table = english(function, PERIOD)
        assert table.title and len(table.description) > 80
        assert all(c.label for c in table.columns)
        with pytest.raises(ValueError):
            english(function, reversed_period)


def statements_of(function, filters: Filters) -> int:
    db.session.commit()
    with counted_statements() as statements:
        english(function, filters)
    db.session.rollback()
    return len(statements)


def test_statement_counts_do_not_grow_with_the_data(activity, workers, cl3r):
    unit_id, worker_id = cl3r.id, workers[0].id  # read now: after a commit, reading them would be statements
    every_filter = Filters(PERIOD.starts_on, PERIOD.ends_on, unit_id=unit_id, peer_profile_id=worker_id)

    def measure():
        return [statements_of(function, filters) for function in ALL for filters in (PERIOD, every_filter)]

    activity(1)
    once = measure()
    totals_once = english(m.meetings_by_month_and_format, PERIOD).rows
    activity(9)
    assert measure() == once
    # One statement per figure (beyond SQLite's BEGIN); the wait, meetings, topics and caseloads: the months
    # stored in the nightly activity tables (none here), then the figure; the contact gap and the active
    # accompaniments (its denominator): its nightly snapshot (empty here), then, computed live, unit ids,
    # thresholds, the measure (no unit ids to read with a unit).
    begin = 1 if db.engine.dialect.name == "sqlite" else 0
    assert once == [begin + n for n in (1, 1, 2, 2, 4, 3, 2, 2, 2, 2, 2, 2, 4, 3)]
    # Ten times the data, ten times the meetings.
    assert [row[-2:] for row in english(m.meetings_by_month_and_format, PERIOD).rows] == [
        (10 * row[-2], 10 * row[-1]) for row in totals_once]
