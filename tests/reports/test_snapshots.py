"""The contact gap's nightly snapshot (reports/snapshots.py): what the job stores, worked out by hand on the
data set of test_metrics_activity.py, and what the dashboard reads from it (the same figures as the live
measure, in one statement whatever the data)."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.nudges.lock import acquire
from peer_support.nudges.measures import contact_gap_share_by_month
from peer_support.reports import metrics_activity as m
from peer_support.reports.models import ActivityMonth, ContactGapMonth
from peer_support.reports.snapshots import LEASE, LOCK_NAME, gap_shares, run_snapshot, take_snapshot
from peer_support.scheduler import JOBS
from tests.helpers import counted_statements
from tests.meetings.conftest import make_meeting, topics  # noqa: F401  (fixtures)
from tests.nudges.conftest import cl3r, paris, ts2a, units  # noqa: F401  (fixtures)
from tests.peers.conftest import make_profile  # noqa: F401  (fixtures)
from tests.reports.test_metrics_activity import FEBRUARY, MARCH, PERIOD, activity, english, values, workers  # noqa: F401

JANUARY, APRIL = date(2026, 1, 1), date(2026, 4, 1)
# The night after 31 March, 02:00 in Paris: "yesterday" is 31 March, a full month.
NIGHT = paris(2026, 4, 1, 2)


def stored() -> list[tuple]:
    """(month, last_day, unit_id, peer_profile_id, active, over) for every row, in a stable order."""
    return [tuple(row) for row in db.session.execute(
        sa.select(ContactGapMonth.month, ContactGapMonth.last_day, ContactGapMonth.unit_id,
                  ContactGapMonth.peer_profile_id, ContactGapMonth.active, ContactGapMonth.over_threshold)
        .order_by(ContactGapMonth.month, ContactGapMonth.unit_id.is_not(None), ContactGapMonth.unit_id))]


def counts(shares) -> list[tuple]:
    return [(s.month, s.active, s.over_threshold) for s in shares]


def test_the_night_stores_each_month_per_unit_and_worker(activity, workers, cl3r, ts2a):
    activity()
    w1, w2, _w3 = workers
    # The last three months as of yesterday (31 March); the first step of a history (10 January) is in
    # January, so nothing older is missing.
    assert take_snapshot(NIGHT) == [date(2026, 3, 31), date(2026, 2, 28), date(2026, 1, 31)]
    db.session.commit()
    # Threshold 21 days for everyone (no follow-up choice):
    # January 31: R1 (w1, CL3R) active since 15 January, met 25 January: 6 days, not over.
    # February 28: R1 (met 10 Feb: 18 days) and R2 (met 12 Feb by w1: 16 days): none over.
    # March 31: w1/CL3R: R2 (met 1 March: 30 days, over), R5 (group of 3 March: 28, over), R7 (met 31 March: 0);
    #           R1 closed 20 March. w2/TS2A: R3 (met 4 March: 27 days, over).
    # Each month also has its marker row (no unit, no worker: zeros).
    assert stored() == [
        (JANUARY, date(2026, 1, 31), None, None, 0, 0), (JANUARY, date(2026, 1, 31), cl3r.id, w1.id, 1, 0),
        (FEBRUARY, date(2026, 2, 28), None, None, 0, 0), (FEBRUARY, date(2026, 2, 28), cl3r.id, w1.id, 2, 0),
        (MARCH, date(2026, 3, 31), None, None, 0, 0), (MARCH, date(2026, 3, 31), cl3r.id, w1.id, 3, 2),
        (MARCH, date(2026, 3, 31), ts2a.id, w2.id, 1, 1)]
    # Done again, the months are replaced, not added.
    take_snapshot(NIGHT)
    db.session.commit()
    assert len(stored()) == 7


def test_the_dashboard_reads_the_snapshot_in_one_statement(activity, workers, cl3r):
    activity()
    unit_id, w2_id = cl3r.id, workers[1].id
    live = english(m.contact_gap_share, PERIOD)
    assert live.notes == ()  # nothing stored yet: computed live
    db.session.commit()
    run_snapshot(NIGHT)
    db.session.commit()
    with counted_statements() as statements:
        table = english(m.contact_gap_share, PERIOD)
    assert len(statements) == (2 if db.engine.dialect.name == "sqlite" else 1)  # (SQLite: the BEGIN)
    # The same figures as the live measure (test_metrics_activity.test_contact_gap_share): 0 of 2, 3 of 4.
    assert values(table, "month", "active", "over_threshold", "share") == [(FEBRUARY, 2, 0, 0.0),
                                                                            (MARCH, 4, 3, 75.0)]
    assert table.rows == live.rows and "snapshot" in table.notes[0]
    # Read from the snapshot indeed: a stored count changed shows as is (March, w1: 2 over -> 0 over).
    db.session.execute(sa.update(ContactGapMonth).where(ContactGapMonth.month == MARCH,
                                                        ContactGapMonth.unit_id == unit_id)
                       .values(over_threshold=0))
    db.session.commit()
    assert values(english(m.contact_gap_share, PERIOD), "active", "over_threshold", "share")[1] == (4, 1, 25.0)
    # Filters add up the matching rows: CL3R in March, 3 active, 0 over now; w2: 1 of 1; February: none of w2.
    in_cl3r = gap_shares(PERIOD.starts_on, PERIOD.ends_on, unit_id, today=APRIL)
    assert counts(in_cl3r.shares) == [(FEBRUARY, 2, 0), (MARCH, 3, 0)]
    of_w2 = gap_shares(PERIOD.starts_on, PERIOD.ends_on, peer_profile_id=w2_id, today=APRIL)
    assert counts(of_w2.shares) == [(FEBRUARY, 0, 0), (MARCH, 1, 1)] and of_w2.shares[0].share is None
    assert of_w2.from_snapshot == 2


def test_the_current_month_is_read_as_of_last_night(activity):
    activity()
    # The night of 19 to 20 March: March is stored as of 19 March.
    assert take_snapshot(paris(2026, 3, 20, 2))[0] == date(2026, 3, 19)
    db.session.commit()
    # Read on 20 March, the period ending that day: March as of the end of 19 March. Active then: R1 (closed
    # the 20th), R2, R3 (active 4 March); R5 is on hold since 10 March, R7 not active before 21 March. Gaps:
    # R1 met 3 March (16 days), R2 1 March (18), R3 4 March (15): none reaches 21 days.
    shares = gap_shares(date(2026, 3, 1), date(2026, 3, 20), today=date(2026, 3, 20))
    assert counts(shares.shares) == [(MARCH, 3, 0)] and shares.from_snapshot == 1
    assert counts(shares.shares) == counts(contact_gap_share_by_month(date(2026, 3, 1), date(2026, 3, 19)))

    # On 1 April, after the night: "as of last night" is the end of March, April's first instant.
    take_snapshot(NIGHT)
    db.session.commit()
    shares = gap_shares(APRIL, APRIL, today=APRIL)
    assert counts(shares.shares) == [(APRIL, 4, 3)] and shares.from_snapshot == 1


def test_months_not_stored_are_computed_live(activity):
    activity()
    take_snapshot(NIGHT)
    db.session.commit()
    # A period ending on 15 March: March is wanted as of 15 March, which is not stored (live); February is.
    # At the end of 15 March: R1, R2, R3 active (R5 on hold): R1 met 3 March (12 days), R2 1 March (14),
    # R3 4 March (11): none over.
    with counted_statements() as statements:
        shares = gap_shares(PERIOD.starts_on, date(2026, 3, 15), today=date(2026, 6, 1))
    assert counts(shares.shares) == [(FEBRUARY, 2, 0), (MARCH, 3, 0)] and shares.from_snapshot == 1
    assert counts(shares.shares) == counts(contact_gap_share_by_month(PERIOD.starts_on, date(2026, 3, 15)))
    # The snapshot, then the live measure's unit ids, thresholds and measure (SQLite: + BEGIN).
    assert len(statements) == (5 if db.engine.dialect.name == "sqlite" else 4)
    # A month still to come is computed live, never copied from last night.
    assert gap_shares(APRIL, date(2026, 5, 31), today=date(2026, 3, 31)).from_snapshot == 0


def test_statements_do_not_grow_with_the_data(activity):
    def measure() -> tuple[int, int]:
        db.session.commit()
        with counted_statements() as job:
            take_snapshot(NIGHT)
        db.session.commit()
        with counted_statements() as read:
            gap_shares(PERIOD.starts_on, PERIOD.ends_on, today=APRIL)
        db.session.rollback()
        return len(job), len(read)

    activity(1)
    once = measure()
    activity(9)
    assert measure() == once
    # The job: first step, months present (contact gap, activity), then per month (3): unit ids, thresholds,
    # measure, delete, insert (one executemany); then the activity tables for all the months at once:
    # 6 deletes, 5 INSERT ... SELECT and the months' marks; then the feedback tallies (feedback/tallies.py): 3
    # deletes and the largest response id (no response here, nothing more); then the last meetings rebuilt
    # (meetings/last_meetings.py): a delete and an INSERT ... SELECT.
    begin = 1 if db.engine.dialect.name == "sqlite" else 0
    assert once == (begin + 3 + 3 * 5 + 12 + 4 + 2, begin + 1)
    # Ten times the data, ten times the counts (March: 40 active, 30 over).
    assert counts(gap_shares(MARCH, date(2026, 3, 31), today=APRIL).shares) == [(MARCH, 40, 30)]


def test_missing_months_are_filled_in_and_nothing_without_referrals(app, activity):
    assert take_snapshot(NIGHT) == []  # no referral yet
    activity()
    # In July: the last three months (to 30 June), then March, February and January, missing.
    assert take_snapshot(paris(2026, 7, 1, 2)) == [date(2026, 6, 30), date(2026, 5, 31), date(2026, 4, 30),
                                                   date(2026, 3, 31), date(2026, 2, 28), date(2026, 1, 31)]
    db.session.commit()
    # The next night, only the last three months.
    assert take_snapshot(paris(2026, 7, 2, 2)) == [date(2026, 7, 1), date(2026, 6, 30), date(2026, 5, 31)]
    db.session.commit()
    # The activity tables forgot their months (migration 0012 empties activity_month when a table is added):
    # the next night computes every month again, not only the last three.
    db.session.execute(sa.delete(ActivityMonth))
    assert take_snapshot(paris(2026, 7, 3, 2)) == [date(2026, 7, 2), date(2026, 6, 30), date(2026, 5, 31),
                                                   date(2026, 4, 30), date(2026, 3, 31), date(2026, 2, 28),
                                                   date(2026, 1, 31)]


def test_the_job_is_scheduled_at_night_and_skips_while_locked(app, activity):
    activity()
    job = {job_id: (trigger, arguments) for job_id, _function, trigger, arguments in JOBS}["reports.snapshot"]
    assert job[0] == "cron" and job[1](app.config) == {"hour": 2, "minute": 0}
    db.session.commit()
    assert acquire(LOCK_NAME, "someone else", utcnow(), LEASE)
    assert run_snapshot(NIGHT) is None
    result = app.test_cli_runner().invoke(args=["reports", "snapshot", "--months", "2"])
    assert result.exit_code == 1 and "nothing done" in result.output
    assert stored() == []


def test_the_command_computes_now(app, activity):
    activity()
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["reports", "snapshot", "--months", "2"])
    assert result.exit_code == 0 and result.output.startswith("computed ")
    db.session.rollback()
    # Relative to the real clock: at least March 2026 (the data's last full month) is there, as of 31 March.
    assert (MARCH, date(2026, 3, 31)) in {row[:2] for row in stored()}
    bad = app.test_cli_runner().invoke(args=["reports", "snapshot", "--months", "0"])
    assert bad.exit_code == 2


# --- the activity tables: first meetings, meetings by format, topics ----------------------------------------

ACTIVITY = (m.time_to_first_meeting, m.meetings_by_month_and_format, m.topics_addressed, m.caseload_against_capacity)


def test_the_activity_figures_read_the_snapshot_with_the_live_values(activity, workers, cl3r, ts2a):
    activity()
    w1 = workers[0]
    filters = [PERIOD, m.Filters(PERIOD.starts_on, PERIOD.ends_on, unit_id=ts2a.id),
               m.Filters(PERIOD.starts_on, PERIOD.ends_on, unit_id=cl3r.id, peer_profile_id=w1.id),
               m.Filters(MARCH, date(2026, 3, 31))]
    live = [english(function, f) for function in ACTIVITY for f in filters]
    assert all(table.notes == () for table in live)  # nothing stored yet
    db.session.commit()
    take_snapshot(NIGHT)
    db.session.commit()
    # January, February and March stored as of their last day.
    assert sorted(db.session.execute(sa.select(ActivityMonth.month, ActivityMonth.last_day)).all()) == [
        (JANUARY, date(2026, 1, 31)), (FEBRUARY, date(2026, 2, 28)), (MARCH, date(2026, 3, 31))]
    for function in ACTIVITY:
        db.session.rollback()
        with counted_statements() as statements:
            english(function, PERIOD)
        # The stored months, then the figure, all from the snapshot (SQLite: + BEGIN).
        assert len(statements) == (3 if db.engine.dialect.name == "sqlite" else 2)
    read = [english(function, f) for function in ACTIVITY for f in filters]
    # The hand-computed values of test_metrics_activity.py hold when read from the snapshot: the same rows.
    assert [table.rows for table in read] == [table.rows for table in live]
    assert read[0].rows == ((4, 10.0, 18.0),) and all("snapshot" in table.notes[0] for table in read)
    # A period cutting February (from the 10th) computes February live and reads March: still the same.
    cut = m.Filters(date(2026, 2, 10), date(2026, 3, 31))
    # First meetings from 10 February: R2 (12 Feb, 10 days), R3 18, R5 2, R7 11: as over the whole period.
    assert english(m.time_to_first_meeting, cut).rows == ((4, 10.0, 18.0),)
    # Meetings from 10 February: 10 and 12 Feb (individual, 120 minutes); March as before.
    assert values(english(m.meetings_by_month_and_format, cut), "total", "minutes") == [(2, 120), (5, 375)]


def test_the_activity_snapshot_reads_stored_numbers_and_the_current_month_as_of_last_night(activity, monkeypatch):
    activity()
    # The night of 19 to 20 March: March is stored as of 19 March.
    take_snapshot(paris(2026, 3, 20, 2))
    db.session.commit()
    assert db.session.get(ActivityMonth, MARCH).last_day == date(2026, 3, 19)
    # Read on 20 March: March's meetings to 19 March: 1 (video), 2 (individual), 3 (group), 4 (individual),
    # 4 meetings, 45 + 60 + 90 + 60 = 255 minutes (not the outing of the 31st).
    monkeypatch.setattr(m, "local_today", lambda: date(2026, 3, 20))
    table = english(m.meetings_by_month_and_format, m.Filters(MARCH, date(2026, 3, 20)))
    assert values(table, "total", "minutes") == [(4, 255)] and "snapshot" in table.notes[0]
