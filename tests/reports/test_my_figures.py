"""The peer worker's own figures (reports/my_figures.py) on small data sets whose values are worked out by hand.

"Today" is Wednesday 18 March 2026 (Paris). Times are Paris local times (tests.nudges.conftest.paris).
"""
from __future__ import annotations

import itertools
from datetime import date

import pytest
from flask_babel import force_locale

from peer_support.extensions import db
from peer_support.nudges.models import Nudge
from peer_support.peers.models import PeerProfile
from peer_support.reports.my_figures import MyFigures, my_figures, my_meetings_by_month
from peer_support.reports.tables import Filters
from peer_support.training.models import ProgrammeRequirements, TrainingProgramme, TrainingRecord
from tests.conftest import new_account
from tests.helpers import counted_statements
from tests.meetings.conftest import make_meeting  # noqa: F401  (fixture)
from tests.nudges.conftest import cl3r, paris, supervision_session, units  # noqa: F401  (fixtures)
from tests.triage.conftest import new_referral

TODAY = date(2026, 3, 18)
_numbers = itertools.count(1)


def worker(*, created_at=None) -> PeerProfile:
    account = new_account("peer_worker")
    profile = PeerProfile(account_id=account.id, status="active", created_at=created_at or paris(2026, 1, 1))
    db.session.add(profile)
    db.session.commit()
    return profile


def nudge(profile, status: str = "open") -> None:
    db.session.add(Nudge(rule="contact_gap", subject_type="referral", subject_id=next(_numbers), period="p",
                         audience="worker", account_id=profile.account_id, peer_profile_id=profile.id,
                         due_on=TODAY, details={}, status=status, created_at=paris(2026, 3, 10)))


def programme(name: str, *, validity_months=None, kind: str = "ongoing"):
    entry = TrainingProgramme(kind=kind, name_en=name, name_fr=name, validity_months=validity_months)
    db.session.add(entry)
    db.session.commit()
    return entry


def record(profile, entry, *, ends_on=None, hours=None, expires_on=None):
    db.session.add(TrainingRecord(profile_id=profile.id, programme_id=entry.id, status="completed",
                                  ends_on=ends_on, hours=hours, expires_on=expires_on))


@pytest.fixture
def busy_worker(app, make_meeting, cl3r):
    """A worker with a little of everything; make(copies) repeats the data (copies of the people, meetings,
    nudges and trainings, all the worker's) for the statement count."""
    profile, other = worker(), worker()
    listening = programme("Active listening")
    first_aid = programme("First aid", validity_months=24)
    ethics = programme("Ethics", validity_months=12)

    def held(starts_at, minutes, owner=None, status="held"):
        make_meeting(owner or profile, starts_at=starts_at, minutes=minutes, status=status)

    def make(copies: int = 1):
        for _ in range(copies):
            # Accompanied now: accepted or active referrals (not on hold, not closed, not another worker's).
            for status in ("active", "active", "accepted", "on_hold", "closed"):
                new_referral(status=status, peer_profile=profile, unit=cl3r, commit=False,
                             review_on=date(2026, 4, 1) if status == "on_hold" else None)
            new_referral(status="active", peer_profile=other, unit=cl3r, commit=False)
            # Held in March (local): 1 March 00:30 (still 28 February in UTC), 2 and 17 March.
            held(paris(2026, 3, 1, 0, 30), 30)
            held(paris(2026, 3, 2), 60)
            held(paris(2026, 3, 17), 45)
            # Not counted: 28 February 23:30, planned, cancelled, another worker's.
            held(paris(2026, 2, 28, 23, 30), 50)
            held(paris(2026, 3, 20), 60, status="planned")
            held(paris(2026, 3, 10), 60, status="cancelled")
            held(paris(2026, 3, 5), 60, owner=other)
            # Nudges: 2 open; snoozed, done and another worker's do not count.
            nudge(profile)
            nudge(profile)
            nudge(profile, "snoozed")
            nudge(profile, "done")
            nudge(other)
            # Training: 5 hours in 2026 (3 in 2025 are last year's); first aid valid until 1 May (44 days:
            # within the 60 days' notice), renewing an older one; ethics expired on 1 January (76 days
            # ago, past the 30 days' grace).
            record(profile, listening, ends_on=date(2026, 1, 10), hours=5)
            record(profile, listening, ends_on=date(2025, 11, 10), hours=3)
            record(profile, first_aid, expires_on=date(2026, 5, 1))
            record(profile, first_aid, expires_on=date(2024, 5, 1))
            record(profile, ethics, expires_on=date(2026, 1, 1))
        db.session.commit()
        # Supervision: last session 2 March (due within 4 weeks: by 30 March); the next one is already
        # recorded for 25 March.
        supervision_session([profile], paris(2026, 3, 2, 14))
        supervision_session([profile], paris(2026, 3, 25, 14))
        return profile

    return make


def test_my_figures_of_a_busy_worker(busy_worker):
    profile = busy_worker()
    figures = my_figures(profile, today=TODAY)

    assert figures == MyFigures(
        today=TODAY,
        # 2 active + 1 accepted.
        people_accompanied=3,
        # 30 + 60 + 45 = 135 minutes in 3 meetings.
        meetings_this_month=3,
        minutes_this_month=135,
        open_nudges=2,
        next_supervision_on=date(2026, 3, 25),
        # 2 March + 28 days.
        supervision_due_on=date(2026, 3, 30),
        supervision_overdue=False,
        training_hours=5.0,
        required_hours=14,
        # First aid in its window, ethics expired.
        trainings_to_renew=2,
        next_renewal_on=date(2026, 5, 1),
        qualified=False,
    )
    # 14 - 5 = 9 hours missing this year.
    assert figures.hours_missing == 9.0
    assert figures.supervision_overdue_since is None


def test_my_figures_of_a_new_worker_overdue(app):
    # Profile of 2 February 2026, never supervised, nothing else: due 2 March, overdue since 3 March.
    profile = worker(created_at=paris(2026, 2, 2, 9))
    requirements = db.session.get(ProgrammeRequirements, 1) or ProgrammeRequirements(id=1)
    requirements.ongoing_training_hours_per_year = 20
    db.session.add(requirements)
    db.session.commit()
    figures = my_figures(profile, today=TODAY)

    assert (figures.people_accompanied, figures.meetings_this_month, figures.minutes_this_month,
            figures.open_nudges) == (0, 0, 0, 0)
    assert figures.next_supervision_on is None
    assert figures.supervision_due_on == date(2026, 3, 2) and figures.supervision_overdue
    assert figures.supervision_overdue_since == date(2026, 3, 3)
    # The programme's 20 hours, none done.
    assert (figures.training_hours, figures.required_hours, figures.hours_missing) == (0.0, 20, 20.0)
    assert (figures.trainings_to_renew, figures.next_renewal_on, figures.qualified) == (0, None, False)


def statements(call, profile) -> int:
    """The SQL statements one call runs, in a transaction of its own, beyond SQLite's BEGIN IMMEDIATE."""
    db.session.commit()
    db.session.refresh(profile)  # as a view has it loaded already: reloading it is not the figures' cost
    with force_locale("en"), counted_statements() as collected:
        call()
    db.session.rollback()
    return len([s for s in collected if not s.strip().upper().startswith("BEGIN")])


def test_my_figures_statements_do_not_grow_with_data(busy_worker):
    profile = busy_worker()
    small = statements(lambda: my_figures(profile, today=TODAY), profile)
    busy_worker(copies=10)
    assert statements(lambda: my_figures(profile, today=TODAY), profile) == small == 3
    # Ten times the data: ten times the counts.
    assert my_figures(profile, today=TODAY).meetings_this_month == 33


# --- my_meetings_by_month ---------------------------------------------------------------------------------

PERIOD = Filters(date(2026, 1, 15), date(2026, 3, 10))


@pytest.fixture
def monthly_meetings(app, make_meeting):
    profile, other = worker(), worker()

    def make(copies: int = 1):
        for _ in range(copies):
            for starts_at, minutes, owner, status in (
                (paris(2026, 1, 14, 23, 30), 60, profile, "held"),   # the day before the period: out
                (paris(2026, 1, 20), 60, profile, "held"),           # January
                (paris(2026, 2, 28, 23, 30), 30, profile, "held"),   # February, its last evening
                (paris(2026, 3, 1, 0, 30), 45, profile, "held"),     # March, though 28 February in UTC
                (paris(2026, 3, 10, 20), 60, profile, "held"),       # the period's last day: in
                (paris(2026, 3, 11, 0, 30), 60, profile, "held"),    # after the period: out
                (paris(2026, 2, 10), 60, profile, "cancelled"),      # not held
                (paris(2026, 2, 10), 60, other, "held"),             # another worker's
            ):
                make_meeting(owner, starts_at=starts_at, minutes=minutes, status=status)
        return profile

    return make


def test_my_meetings_by_month(monthly_meetings):
    profile = monthly_meetings()
    with force_locale("en"):
        table = my_meetings_by_month(profile, PERIOD)

    assert [c.key for c in table.columns] == ["month", "meetings", "minutes"]
    assert table.column("month").kind == "month"
    assert table.rows == (
        (date(2026, 1, 1), 1, 60),    # 20 January (14 January is before the period)
        (date(2026, 2, 1), 1, 30),    # 28 February 23:30
        (date(2026, 3, 1), 2, 105),   # 1 March 00:30 and 10 March 20:00: 45 + 60
    )
    assert "In all: 4 meetings, 195 minutes." in table.description
    assert table.x == "month" and table.series == ("meetings",)


def test_my_meetings_by_month_with_no_meeting(app):
    profile = worker()
    with force_locale("en"):
        table = my_meetings_by_month(profile, Filters(date(2025, 11, 1), date(2026, 1, 31)))
    # Every month listed, with zeros.
    assert table.rows == ((date(2025, 11, 1), 0, 0), (date(2025, 12, 1), 0, 0), (date(2026, 1, 1), 0, 0))
    with pytest.raises(ValueError):
        my_meetings_by_month(profile, Filters(date(2026, 1, 31), date(2026, 1, 1)))


def test_my_meetings_by_month_statements_do_not_grow_with_data(monthly_meetings):
    profile = monthly_meetings()
    small = statements(lambda: my_meetings_by_month(profile, PERIOD), profile)
    monthly_meetings(copies=10)
    assert statements(lambda: my_meetings_by_month(profile, PERIOD), profile) == small == 1
    with force_locale("en"):
        assert my_meetings_by_month(profile, PERIOD).rows[2] == (date(2026, 3, 1), 22, 1155)
