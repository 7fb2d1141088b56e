"""Fixtures of the nudge tests: situations set at fixed instants, and evaluations at chosen instants.

Times are written as the site's local time (Europe/Paris) and stored in UTC, as the app does; the
evaluations travel in time by passing `now`. Other nudge tests import these helpers:
`from tests.nudges.conftest import paris, evaluate_at, active_keys ...`.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from peer_support.extensions import db
from peer_support.nudges.engine import evaluate
from peer_support.nudges.models import ACTIVE_STATUSES, Nudge, NudgeThreshold
from peer_support.peers.models import PeerProfile
from peer_support.supervision.models import DebriefRequest, SupervisionSession
from peer_support.training.models import TrainingProgramme, TrainingRecord
from tests.meetings.conftest import accompany, make_meeting  # noqa: F401  (shared fixtures)
from tests.peers.conftest import domains, make_profile  # noqa: F401  (shared fixtures)
from tests.triage.conftest import new_person, new_referral, units  # noqa: F401  (shared fixtures)

PARIS = ZoneInfo("Europe/Paris")


def paris(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A local (Paris) date and time, as the UTC moment the database stores."""
    return datetime(year, month, day, hour, minute, tzinfo=PARIS).astimezone(timezone.utc)


def evaluate_at(moment: datetime) -> list:
    """One evaluation as of `moment`, committed (the job's commit, without its lock)."""
    created = evaluate(moment)
    db.session.commit()
    return created


def keys(rows) -> set[tuple]:
    """(rule, subject_type, subject_id, period, audience) of nudge rows or objects."""
    return {(r.rule, r.subject_type, r.subject_id, r.period, r.audience) for r in rows}


def nudges(*conditions) -> list[Nudge]:
    """The stored nudges, fresh from the database, oldest first."""
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Nudge).where(*conditions).order_by(Nudge.id)))


def active_keys(rule: str | None = None) -> set[tuple]:
    """The keys of the open and snoozed nudges (of one rule, if given)."""
    conditions = [Nudge.status.in_(ACTIVE_STATUSES)]
    if rule is not None:
        conditions.append(Nudge.rule == rule)
    return keys(nudges(*conditions))


def set_threshold(name: str, days: int, unit=None) -> None:
    db.session.add(NudgeThreshold(name=name, unit_id=unit.id if unit else None, days=days))
    db.session.commit()


def referral_at(moment: datetime, person=None, *, status: str = "new", worker=None, unit=None, **fields):
    """A referral made (and, for accepted or active, accepted) at `moment`, in `status` since then."""
    referral = new_referral(person, status=status, peer_profile=worker, unit=unit, commit=False, **fields)
    referral.created_at = referral.status_changed_at = moment
    referral.accepted_at = moment if status in ("accepted", "active") else None
    db.session.commit()
    return referral


def person_choosing(choice: str | None, *, name: str = "Camille", units=()):
    """A service user with this follow-up choice (None: not chosen)."""
    person = new_person(name=name, units=units)
    person.follow_up_choice = choice
    db.session.commit()
    return person


@pytest.fixture
def cl3r(units):
    return units[0]


@pytest.fixture
def ts2a(units):
    return units[1]


@pytest.fixture
def worker(make_profile, cl3r):
    """A peer worker of CL3R (a loaded PeerProfile; its account is worker.account_id)."""
    return make_profile(units=[cl3r])


@pytest.fixture
def other_worker(make_profile, cl3r):
    return make_profile(units=[cl3r])


@pytest.fixture
def held(make_meeting):
    """held(worker, person, moment, **fields): a meeting held at `moment` that the person attended."""
    def make(profile, person, moment: datetime, **fields):
        fields.setdefault("participant_status", "attended")
        return make_meeting(profile, [person], starts_at=moment, status="held", **fields)

    return make


@pytest.fixture
def planned(make_meeting):
    """planned(worker, person, moment): a meeting planned at `moment` with the person enrolled."""
    def make(profile, person, moment: datetime, **fields):
        return make_meeting(profile, [person], starts_at=moment, status="planned", **fields)

    return make


def iso(day: date) -> str:
    return day.isoformat()


# Monday 4 May 2026, 9:00 in Paris: the first working day after 1 May (a Friday) and its weekend.
EVAL = paris(2026, 5, 4, 9)


@pytest.fixture
def every_rule(app, worker, held, cl3r, ts2a):
    """every_rule(copies=1): one situation per rule (times 'copies'); returns the keys due at EVAL.

    Per copy: a gap in an accompaniment ("contact me again", last met 20 April, due 30 April); an
    acceptance with no meeting (1 April); a staff referral not triaged (Tuesday 28 April); a proposal
    not answered (Monday 27 April); the accompanied person's own contact request (28 April, also not
    triaged); a hold reaching its review date (4 May)."""
    def make(copies: int = 1) -> set[tuple]:
        expected = set()
        for _ in range(copies):
            person = person_choosing("contact_me_again", units=[cl3r])
            gap = referral_at(paris(2026, 2, 2), person, status="active", worker=worker, unit=cl3r)
            held(worker, person, paris(2026, 4, 20))
            first = referral_at(paris(2026, 4, 1), status="accepted", worker=worker, unit=ts2a)
            untriaged = referral_at(paris(2026, 4, 28), unit=cl3r)
            proposed = referral_at(paris(2026, 4, 27), status="proposed", worker=worker, unit=cl3r)
            request = referral_at(paris(2026, 4, 28, 16), person, source="self", unit=cl3r)
            hold = referral_at(paris(2026, 3, 1), status="on_hold", review_on=date(2026, 5, 4), unit=ts2a)
            expected |= {
                ("contact_gap", "referral", gap.id, "2026-04-30", "worker"),
                ("first_meeting", "referral", first.id, "2026-04-01", "worker"),
                ("triage_delay", "referral", untriaged.id, "2026-04-28", "coordination"),
                ("triage_delay", "referral", request.id, "2026-04-28", "coordination"),
                ("proposal_unanswered", "referral", proposed.id, "2026-04-27", "coordination"),
                ("proposal_unanswered", "referral", proposed.id, "2026-04-27", "worker"),
                ("contact_request", "referral", request.id, "2026-04-28", "worker"),
                ("hold_review", "referral", hold.id, "2026-05-04", "coordination"),
            }
        # Nothing of the set-up left in a transaction: run_evaluation() starts outside one.
        db.session.commit()
        return expected

    return make


# --- Rules 6 and 7: the worker's own frame (supervision, debriefs, renewable training) -------------------

def supervision_session(profiles, moment: datetime):
    """A group session held at `moment` (external supervisor), attended by these workers."""
    session = SupervisionSession(held_at=moment, duration_minutes=60, kind="group", external_supervisor="Dr Martin",
                                 created_by_id=profiles[0].account_id)
    session.attendees = [db.session.get(PeerProfile, profile.id) for profile in profiles]
    db.session.add(session)
    db.session.commit()
    return session


def debrief_at(profile, moment: datetime, *, status: str = "requested", event_kind: str = "death"):
    """A debrief the worker asked for at `moment`, with their own words (which must never reach a nudge)."""
    debrief = DebriefRequest(profile_id=profile.id, event_kind=event_kind, status=status, requested_at=moment,
                             description="In my words: Madame Roche died on Sunday")
    db.session.add(debrief)
    db.session.commit()
    return debrief


def renewable(*, validity_months: int = 12, notice: int = 60, grace: int = 30, kind: str = "ongoing"):
    """A renewable catalogue entry (a first-aid certificate ...)."""
    programme = TrainingProgramme(kind=kind, name_en=f"Renewable {kind}", name_fr=f"Renouvelable {kind}",
                                  validity_months=validity_months, renewal_notice_days=notice, grace_days=grace)
    db.session.add(programme)
    db.session.commit()
    return programme


def completed(profile, programme, expires_on: date, *, status: str = "completed"):
    """A worker's record of the programme, valid until `expires_on`."""
    record = TrainingRecord(profile_id=profile.id, programme_id=programme.id, status=status, expires_on=expires_on)
    db.session.add(record)
    db.session.commit()
    return record


@pytest.fixture
def frame_rules(app, make_profile, make_account, cl3r):
    """frame_rules(copies=1): one situation per rule 6a, 6b, 7a, 7b (times 'copies'); the keys due at EVAL.

    Per copy: a supervised worker (profile of 1 March) whose last session was 30 March (due by 27 April
    at one every 4 weeks) and who asked for a debrief on Tuesday 28 April; a renewable training valid
    until 1 June (notice 60 days: the window opened 2 April) and one that expired on 1 March (grace 30
    days: expired since 31 March)."""
    def make(copies: int = 1) -> set[tuple]:
        expected = set()
        first_aid, qualification = renewable(), renewable(kind="initial_qualification")
        for _ in range(copies):
            supervisor = make_account("staff")
            profile = make_profile(units=[cl3r], supervisor=supervisor, created_at=paris(2026, 3, 1))
            supervision_session([profile], paris(2026, 3, 30, 14))
            debrief = debrief_at(profile, paris(2026, 4, 28, 16))
            renewal = completed(profile, first_aid, date(2026, 6, 1))
            expired = completed(profile, qualification, date(2026, 3, 1))
            expected |= {
                ("supervision_overdue", "peer_profile", profile.id, "2026-04-27", "worker"),
                ("supervision_overdue", "peer_profile", profile.id, "2026-04-27", "supervisor"),
                ("debrief_unscheduled", "debrief_request", debrief.id, "2026-04-28", "coordination"),
                ("debrief_unscheduled", "debrief_request", debrief.id, "2026-04-28", "supervisor"),
                ("training_renewal", "training_record", renewal.id, "2026-06-01", "coordination"),
                ("training_renewal", "training_record", renewal.id, "2026-06-01", "worker"),
                ("training_expired", "training_record", expired.id, "2026-03-01", "coordination"),
                ("training_expired", "training_record", expired.id, "2026-03-01", "worker"),
            }
        db.session.commit()
        return expected

    return make
