"""The activity summary of a worker: figures worked out by hand, period bounds in local time, access."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from peer_support.auth.models import Account
from peer_support.extensions import db
from peer_support.meetings.models import MeetingParticipant
from peer_support.peers.activity import activity_summary
from peer_support.referrals.history import record_event
from peer_support.supervision.models import SupervisionSession
from peer_support.training.models import TrainingProgramme, TrainingRecord
from tests.conftest import sign_in
from tests.helpers import audit_entries
from tests.meetings.conftest import accompany, make_meeting  # noqa: F401  (shared fixtures)
from tests.triage.conftest import new_person, new_referral, units  # noqa: F401


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture
def worked_year(app, make_profile, make_account, accompany, make_meeting):
    """2026 of one worker, with things just outside the period and another worker's activity."""
    worker, other = make_profile(), make_profile()
    camille, basile, dora = (accompany(worker, name=n) for n in ("Camille", "Basile", "Dora"))
    # Held in 2026: 2 individual (60 + 45 min), 1 group of 90 min with Camille (attended) and Basile (absent).
    make_meeting(worker, [camille], starts_at=utc(2026, 1, 5, 9), minutes=60, status="held")
    make_meeting(worker, [camille], starts_at=utc(2026, 6, 1, 9), minutes=45, status="held",
                 participant_status="attended")
    group = make_meeting(worker, [camille, basile], starts_at=utc(2026, 3, 2, 13), minutes=90, status="held",
                         format="group")
    db.session.get(MeetingParticipant, (group.id, basile.id)).status = "absent"
    make_meeting(worker, [dora], starts_at=utc(2026, 4, 1, 9), status="missed")
    make_meeting(worker, [dora], starts_at=utc(2026, 4, 2, 9), status="cancelled")
    # Outside: 31 Dec 2025 at 23:30 UTC is 1 Jan 2026 00:30 in Paris: inside. 31 Dec 2026 23:30 UTC is 2027: outside.
    make_meeting(worker, [dora], starts_at=utc(2025, 12, 31, 23, 30), minutes=30, status="held", format="phone")
    make_meeting(worker, [dora], starts_at=utc(2026, 12, 31, 23, 30), minutes=30, status="held", format="phone")
    make_meeting(other, [dora], starts_at=utc(2026, 5, 5, 9), minutes=60, status="held")
    # Accompaniments: three accepted now (the fixture); one closed on 10 Feb 2026.
    closed = new_referral(new_person(name="Eve"), status="active", peer_profile=worker, commit=False)
    record_event(closed, actor=None, to_status="closed", now=utc(2026, 2, 10, 12))
    closed.status = "closed"
    programme = TrainingProgramme(kind="ongoing", name_fr="Écoute active", name_en="Active listening")
    db.session.add(programme)
    db.session.flush()
    db.session.add_all([
        TrainingRecord(profile_id=worker.id, programme_id=programme.id, status="completed",
                       ends_on=date(2026, 3, 1), hours=Decimal("7")),
        TrainingRecord(profile_id=worker.id, programme_id=programme.id, status="completed",
                       ends_on=date(2026, 9, 1), hours=Decimal("3.5")),
        TrainingRecord(profile_id=worker.id, programme_id=programme.id, status="completed",
                       ends_on=date(2025, 12, 31), hours=Decimal("10")),
        TrainingRecord(profile_id=worker.id, programme_id=programme.id, status="planned",
                       ends_on=date(2026, 10, 1), hours=Decimal("5")),
    ])
    coordinator = make_account("coordinator")
    for held_at, attendees in ((utc(2026, 2, 1, 10), [worker]), (utc(2026, 8, 1, 10), [worker, other]),
                               (utc(2025, 8, 1, 10), [worker])):
        session = SupervisionSession(held_at=held_at, duration_minutes=90, kind="group",
                                     external_supervisor="Dr Analyse", created_by_id=coordinator.id)
        session.attendees = attendees
        db.session.add(session)
    db.session.commit()
    return worker, other


def test_figures_of_a_year_worked_out_by_hand(worked_year):
    worker, _other = worked_year
    summary = activity_summary(worker.id, date(2026, 1, 1), date(2026, 12, 31))
    # individual 60 + 45, group 90, phone 30 (1 Jan 00:30 Paris) = 4 meetings, 225 minutes.
    assert [(line.format, line.meetings, line.minutes) for line in summary.by_format] == [
        ("individual", 2, 105), ("group", 1, 90), ("phone", 1, 30)]
    assert (summary.meetings_held, summary.meeting_minutes) == (4, 225)
    # Camille (3 meetings) and Dora (the phone call); Basile was absent.
    assert summary.people_met == 2
    assert (summary.meetings_missed, summary.meetings_cancelled) == (1, 1)
    assert summary.accompaniments_closed == 1
    assert [line.hours for line in summary.trainings] == [Decimal("7"), Decimal("3.5")]
    assert summary.training_hours == Decimal("10.5")
    assert (summary.supervisions, summary.supervision_minutes) == (2, 180)


def test_accompaniments_started_counts_acceptances_in_the_period(app, make_profile, accompany):
    from peer_support.timezones import local_today

    worker = make_profile()
    accompany(worker, name="Camille")
    today = local_today()
    assert activity_summary(worker.id, today - timedelta(days=1), today).accompaniments_started == 1
    assert activity_summary(worker.id, today - timedelta(days=30), today - timedelta(days=2)) \
        .accompaniments_started == 0


def sign_in_as(client, profile):
    response = sign_in(client, db.session.get(Account, profile.account_id))
    assert response.status_code == 302


def test_the_worker_and_the_coordinator_see_it_others_do_not(client, signed_in, worked_year):
    worker, other = worked_year
    url = f"/peers/{worker.id}/activity?starts_on=2026-01-01&ends_on=2026-12-31"
    sign_in_as(client, worker)
    page = client.get(url).get_data(as_text=True)
    assert "Active listening" in page and "3 h 45" in page  # 225 minutes
    assert len(audit_entries("peers.activity_view")) == 1
    sign_in_as(client, other)
    assert client.get(url).status_code == 404
    signed_in("coordinator", locale="en")
    assert client.get(url).status_code == 200
    signed_in("staff")
    assert client.get(url).status_code == 404
    for role in ("service_user", "researcher"):
        signed_in(role)
        assert client.get(url).status_code == 403


def test_a_reversed_period_is_a_form_error(client, signed_in, worked_year):
    worker, _ = worked_year
    signed_in("coordinator", locale="en")
    page = client.get(f"/peers/{worker.id}/activity?starts_on=2026-06-01&ends_on=2026-01-01").get_data(as_text=True)
    assert "must be on or after its start" in page
    assert client.get(f"/peers/{worker.id}/activity?starts_on=garbage").status_code == 200
