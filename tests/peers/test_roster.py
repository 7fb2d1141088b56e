"""The coordinator's roster: figures worked out by hand, access, CSV, and a constant number of queries."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from peer_support.auth.models import Account
from peer_support.extensions import db
from peer_support.peers.models import PeerProfile
from peer_support.peers.roster import roster
from peer_support.people.models import ServiceUser
from peer_support.referrals.models import Referral
from peer_support.supervision.models import DebriefRequest, SupervisionSession
from peer_support.training.models import TrainingProgramme, TrainingRecord
from tests.conftest import ROLES
from tests.helpers import audit_entries

TODAY = date(2026, 11, 23)


@pytest.fixture
def team(app, make_account, make_profile):
    """Alice: qualified, 10 h this year, supervised 10 days ago, one open debrief, accompanies 2 people
    (one accepted, one active; a proposed and a closed referral do not count).
    Bruno: not qualified, 3 h (+ 7 h last year, not counted), never supervised, one held debrief."""
    qualification = TrainingProgramme(kind="initial_qualification", name_fr="DU pair-aidance",
                                      name_en="University diploma in peer support")
    ongoing = TrainingProgramme(kind="ongoing", name_fr="Relation d'aide", name_en="Helping relationship")
    db.session.add_all([qualification, ongoing])
    db.session.flush()
    supervisor = make_account("staff")
    alice = make_profile(supervisor=supervisor, created_at=datetime(2025, 1, 1, tzinfo=timezone.utc))
    bruno = make_profile(created_at=datetime(2025, 1, 1, tzinfo=timezone.utc))
    db.session.add_all([
        TrainingRecord(profile_id=alice.id, programme_id=qualification.id, status="completed",
                       ends_on=date(2024, 6, 30), hours=Decimal(120)),
        TrainingRecord(profile_id=alice.id, programme_id=ongoing.id, status="completed",
                       ends_on=date(2026, 3, 10), hours=Decimal("6.5")),
        TrainingRecord(profile_id=alice.id, programme_id=ongoing.id, status="completed",
                       ends_on=date(2026, 10, 2), hours=Decimal("3.5")),
        TrainingRecord(profile_id=alice.id, programme_id=ongoing.id, status="planned",
                       starts_on=date(2026, 12, 1), hours=Decimal(7)),
        TrainingRecord(profile_id=bruno.id, programme_id=ongoing.id, status="completed",
                       ends_on=date(2026, 2, 1), hours=Decimal(3)),
        TrainingRecord(profile_id=bruno.id, programme_id=ongoing.id, status="completed",
                       ends_on=date(2025, 12, 31), hours=Decimal(7)),
        DebriefRequest(profile_id=alice.id, event_kind="death", status="requested"),
        DebriefRequest(profile_id=bruno.id, event_kind="aggression", status="held", held_on=date(2026, 5, 1)),
    ])
    session = SupervisionSession(held_at=datetime(2026, 11, 13, 9, 0, tzinfo=timezone.utc), duration_minutes=90,
                                 kind="group", external_supervisor="Dr Externe", created_by_id=supervisor.id)
    session.attendees = [db.session.get(PeerProfile, alice.id)]
    db.session.add(session)
    person = ServiceUser(code="PA-TEST01", display_name="Paul", name_key="paul")
    db.session.add(person)
    db.session.flush()
    for status, close_reason in (("accepted", None), ("active", None), ("proposed", None),
                                 ("closed", "goals_reached")):
        db.session.add(Referral(service_user_id=person.id, source="staff", status=status,
                                close_reason=close_reason, peer_profile_id=alice.id))
    db.session.commit()
    return alice, bruno


def test_roster_figures(team):
    alice, bruno = team
    rows = {row.profile.id: row for row in roster(today=TODAY)}
    a, b = rows[alice.id], rows[bruno.id]
    assert (a.training.qualified, a.training.ongoing_hours, a.hours_missing) == (True, Decimal(10), Decimal(4))
    assert (b.training.qualified, b.training.ongoing_hours, b.hours_missing) == (False, Decimal(3), Decimal(11))
    assert (a.supervision.last_session_on, a.supervision.days_since, a.supervision.overdue) == \
        (date(2026, 11, 13), 10, False)
    assert (b.supervision.last_session_on, b.supervision.overdue) == (None, True)
    assert (a.open_debriefs, b.open_debriefs) == (1, 0)
    assert (a.caseload, b.caseload) == (2, 0)


def test_workers_who_left_are_not_on_the_roster(team):
    alice, bruno = team
    db.session.get(PeerProfile, bruno.id).status = "left"
    db.session.commit()
    assert [row.profile.id for row in roster(today=TODAY)] == [alice.id]


def test_roster_page_and_csv_for_the_coordinator(client, signed_in, team):
    signed_in("coordinator", locale="en")
    page = client.get("/peers/roster")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Missing" in html and "Overdue" in html
    export = client.get("/peers/roster.csv")
    assert export.mimetype == "text/csv" and "attachment" in export.headers["Content-Disposition"]
    lines = export.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Name,Units,Status,Initial qualification") and len(lines) == 3
    assert audit_entries("peers.roster_export")[-1].details == {"rows": 2}


@pytest.mark.parametrize("role", [r for r in ROLES if r != "coordinator"])
def test_only_the_coordinator_sees_the_roster(client, signed_in, team, role):
    signed_in(role)
    assert client.get("/peers/roster").status_code == 403
    assert client.get("/peers/roster.csv").status_code == 403


def _count_statements(client, url):
    counted = []

    def count(*args):
        counted.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(counted)


def _add_workers(n):
    start = db.session.scalar(sa.select(sa.func.count()).select_from(Account))
    accounts = [Account(email=f"bulk{start + i}@example.org", name=f"Bulk {i}", role="peer_worker")
                for i in range(n)]
    db.session.add_all(accounts)
    db.session.flush()
    db.session.add_all([PeerProfile(account_id=a.id) for a in accounts])
    db.session.commit()


def test_the_roster_runs_a_constant_number_of_queries(client, signed_in):
    signed_in("coordinator", locale="en")
    _add_workers(5)
    at_five = _count_statements(client, "/peers/roster")
    _add_workers(195)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PeerProfile)) == 200
    assert _count_statements(client, "/peers/roster") == at_five
