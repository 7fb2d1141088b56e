"""Supervision and debrief services: rules, audit, the supervision status and its query count."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa

from peer_support.audit.models import AuditEntry
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.supervision import debriefs, services
from peer_support.supervision.demo import add_demo_supervision
from peer_support.supervision.models import DebriefRequest, SupervisionSession
from peer_support.timezones import local_to_utc
from peer_support.training.models import ProgrammeRequirements
from tests.helpers import audit_entries
from tests.supervision.conftest import DESCRIPTION, NOTES

UTC = timezone.utc
NOW = datetime(2024, 7, 15, 12, 0, tzinfo=UTC)
TODAY = date(2024, 7, 15)


def paris(day: date, hour: int, minute: int = 0) -> datetime:
    return local_to_utc(day, time(hour, minute))


def _data(**values) -> services.SessionData:
    data = dict(held_at=paris(date(2024, 7, 2), 10), duration_minutes=90, kind="group", supervisor_id=None,
                external_supervisor="Dr Anne Lemaire", attendee_ids=[])
    data.update(values)
    return services.SessionData(**data)


@pytest.fixture
def team(make_account, make_profile):
    staff = make_account("staff", name="Sam Supervisor")
    return {
        "coordinator": make_account("coordinator"),
        "staff": staff,
        "other_staff": make_account("staff", name="Olga Other"),
        "julie": make_profile(staff, name="Julie Moreau"),
        "karim": make_profile(staff, name="Karim Laurent"),
        "elodie": make_profile(None, name="Elodie Fournier"),
    }


# --- time zone --------------------------------------------------------------------------------

def test_local_paris_time_in_july_is_stored_two_hours_earlier_in_utc(team):
    assert paris(date(2024, 7, 2), 10) == datetime(2024, 7, 2, 8, 0, tzinfo=UTC)
    assert paris(date(2024, 1, 9), 10) == datetime(2024, 1, 9, 9, 0, tzinfo=UTC)  # winter: one hour
    session = services.create_session(team["coordinator"], _data(attendee_ids=[team["julie"].id]), ip=None, now=NOW)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(SupervisionSession, session.id).held_at == datetime(2024, 7, 2, 8, 0, tzinfo=UTC)


# --- recording sessions -----------------------------------------------------------------------

def test_the_coordinator_records_a_group_session_with_an_external_supervisor(team):
    session = services.create_session(
        team["coordinator"], _data(attendee_ids=[team["julie"].id, team["karim"].id]), ip="10.0.0.1", now=NOW)
    db.session.commit()
    session = services.get_session(session.id)
    assert sorted(p.id for p in session.attendees) == sorted([team["julie"].id, team["karim"].id])
    assert (session.supervisor_id, session.external_supervisor) == (None, "Dr Anne Lemaire")
    assert session.created_by_id == team["coordinator"].id
    [entry] = audit_entries("supervision.create")
    assert (entry.actor_id, entry.object_id, entry.details) == (team["coordinator"].id, str(session.id),
                                                               {"kind": "group", "attendees": 2})


def test_a_member_of_staff_records_the_sessions_they_lead_with_notes(team):
    data = _data(kind="individual", supervisor_id=team["staff"].id, external_supervisor=None,
                 attendee_ids=[team["julie"].id], topics="Distance", private_notes=NOTES)
    session = services.create_session(team["staff"], data, ip=None, now=NOW)
    assert (session.supervisor_id, session.private_notes, session.topics) == (team["staff"].id, NOTES, "Distance")
    assert NOTES not in str(audit_entries("supervision.create")[0].details)


@pytest.mark.parametrize("values, field", [
    ({"external_supervisor": None}, "supervisor_id"),
    ({"external_supervisor": "   "}, "supervisor_id"),
    ({"supervisor_id": "STAFF"}, "external_supervisor"),
    ({"kind": "individual", "attendee_ids": "TWO"}, "attendee_ids"),
    ({"attendee_ids": []}, "attendee_ids"),
    ({"duration_minutes": 0}, "duration_minutes"),
    ({"duration_minutes": 14}, "duration_minutes"),
    ({"duration_minutes": 481}, "duration_minutes"),
    ({"duration_minutes": None}, "duration_minutes"),
    ({"kind": "coffee"}, "kind"),
    ({"supervisor_id": "WORKER_ACCOUNT", "external_supervisor": None}, "supervisor_id"),
    ({"attendee_ids": "LEFT"}, "attendee_ids"),
])
def test_invalid_sessions_are_refused_with_the_field_at_fault(team, make_profile, values, field):
    left = make_profile(team["staff"], status="left")
    replace = {"STAFF": team["staff"].id, "TWO": [team["julie"].id, team["karim"].id],
               "WORKER_ACCOUNT": team["julie"].account_id, "LEFT": [left.id]}
    values = {key: replace.get(value, value) if isinstance(value, str) else value for key, value in values.items()}
    values.setdefault("attendee_ids", [team["julie"].id])
    with pytest.raises(DomainError) as refused:
        services.create_session(team["coordinator"], _data(**values), ip=None, now=NOW)
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SupervisionSession)) == 0


def test_a_deactivated_staff_account_cannot_supervise(team, make_account):
    gone = make_account("staff", is_active=False)
    with pytest.raises(DomainError) as refused:
        services.create_session(team["coordinator"], _data(supervisor_id=gone.id, external_supervisor=None,
                                                           attendee_ids=[team["julie"].id]), ip=None, now=NOW)
    assert refused.value.field == "supervisor_id"


def test_staff_cannot_record_a_session_led_by_someone_else(team):
    for values in ({"supervisor_id": team["other_staff"].id, "external_supervisor": None}, {}):
        with pytest.raises(DomainError):
            services.create_session(team["staff"], _data(attendee_ids=[team["julie"].id], **values), ip=None, now=NOW)


def test_the_coordinator_cannot_write_the_notes_of_someone_elses_session(team):
    data = _data(supervisor_id=team["staff"].id, external_supervisor=None, attendee_ids=[team["julie"].id],
                 private_notes="written by the coordinator")
    with pytest.raises(DomainError):
        services.create_session(team["coordinator"], data, ip=None, now=NOW)


def test_once_a_session_has_notes_only_its_supervisor_changes_who_attended_or_leads(team, make_session):
    session = make_session([team["julie"]], supervisor=team["staff"], kind="individual", notes=NOTES)
    session = services.get_session(session.id)
    base = dict(kind="individual", supervisor_id=team["staff"].id, external_supervisor=None, duration_minutes=60)
    for values, field in (({"attendee_ids": [team["karim"].id]}, "attendee_ids"),
                          ({"attendee_ids": [team["julie"].id], "supervisor_id": team["other_staff"].id},
                           "supervisor_id")):
        with pytest.raises(DomainError) as refused:
            services.update_session(team["coordinator"], session, _data(**{**base, **values}), ip=None, now=NOW)
        assert refused.value.field == field
        db.session.rollback()
        session = services.get_session(session.id)
    # The coordinator may still move the date; the supervisor may change the attendee.
    services.update_session(team["coordinator"], session,
                            _data(**base, attendee_ids=[team["julie"].id], held_at=paris(date(2024, 7, 3), 9)),
                            ip=None, now=NOW)
    services.update_session(team["staff"], session, _data(**base, attendee_ids=[team["karim"].id],
                                                          held_at=paris(date(2024, 7, 3), 9)), ip=None, now=NOW)
    db.session.commit()
    assert [p.id for p in services.get_session(session.id).attendees] == [team["karim"].id]
    first, second = audit_entries("supervision.update")
    assert first.details == {"fields": ["held_at"]}
    assert second.details == {"fields": ["attendees"]}


def test_a_supervisor_edits_notes_and_the_audit_names_the_field_not_its_content(team, make_session):
    session = services.get_session(make_session([team["julie"]], supervisor=team["staff"], kind="individual").id)
    data = _data(kind="individual", supervisor_id=team["staff"].id, external_supervisor=None,
                 attendee_ids=[team["julie"].id], held_at=session.held_at, duration_minutes=60,
                 topics="", private_notes=NOTES)
    services.update_session(team["staff"], session, data, ip=None, now=NOW)
    db.session.commit()
    assert services.get_session(session.id).private_notes == NOTES
    [entry] = audit_entries("supervision.update")
    assert entry.details == {"fields": ["private_notes"]}


def test_other_staff_cannot_change_a_session(team, make_session):
    session = services.get_session(make_session([team["julie"]], supervisor=team["staff"]).id)
    with pytest.raises(DomainError):
        services.update_session(team["other_staff"], session,
                                _data(supervisor_id=team["other_staff"].id, external_supervisor=None,
                                      attendee_ids=[team["julie"].id]), ip=None, now=NOW)


def test_each_role_lists_only_its_sessions(team, make_session, make_account):
    led = make_session([team["julie"]], supervisor=team["staff"])
    external = make_session([team["karim"]], external="Dr Outside")
    other = make_session([team["elodie"]], supervisor=team["other_staff"])

    def listed(actor):
        return [s.id for s in services.visible_sessions(actor, page=1, per_page=50).items]

    assert sorted(listed(team["coordinator"])) == sorted([led.id, external.id, other.id])
    assert listed(team["staff"]) == [led.id]
    assert listed(_account(team["karim"])) == [external.id]
    assert listed(_account(team["elodie"])) == [other.id]
    assert listed(make_account("service_user")) == []
    assert listed(make_account("researcher")) == []


# --- supervision status -------------------------------------------------------------------------

@pytest.fixture
def status_set(team, make_profile, make_session):
    """Hand-computed data set, today 15 July 2024, interval 4 weeks (28 days)."""
    staff = team["staff"]
    old = datetime(2024, 1, 1, tzinfo=UTC)
    p = {name: make_profile(staff, created_at=old) for name in ("recent", "late", "edge", "future", "midnight")}
    p["new"] = make_profile(staff, created_at=datetime(2024, 7, 1, 9, tzinfo=UTC))
    p["never"] = make_profile(staff, created_at=datetime(2024, 5, 1, 9, tzinfo=UTC))
    make_session([p["recent"], p["late"]], held_at=paris(date(2024, 6, 10), 14))
    make_session([p["recent"]], held_at=paris(date(2024, 7, 1), 10), kind="individual", supervisor=staff)
    make_session([p["edge"]], held_at=paris(date(2024, 6, 17), 10), kind="individual", supervisor=staff)
    make_session([p["future"]], held_at=paris(date(2024, 6, 1), 10))
    make_session([p["future"]], held_at=paris(date(2024, 7, 20), 10))  # recorded ahead: does not count
    # 01:00 in Paris on 15 July is still 14 July in UTC: the local date counts.
    make_session([p["midnight"]], held_at=paris(date(2024, 7, 15), 1))
    return p


EXPECTED = {
    # name: (last session, days since, due on, overdue)
    "recent": (date(2024, 7, 1), 14, date(2024, 7, 29), False),
    "late": (date(2024, 6, 10), 35, date(2024, 7, 8), True),
    "edge": (date(2024, 6, 17), 28, date(2024, 7, 15), False),
    "future": (date(2024, 6, 1), 44, date(2024, 6, 29), True),
    "midnight": (date(2024, 7, 15), 0, date(2024, 8, 12), False),
    "new": (None, None, date(2024, 7, 29), False),
    "never": (None, None, date(2024, 5, 29), True),
}


def test_supervision_status_on_a_hand_computed_data_set(status_set):
    statuses = services.supervision_status([p.id for p in status_set.values()], TODAY)
    got = {name: (statuses[p.id].last_session_on, statuses[p.id].days_since, statuses[p.id].due_on,
                  statuses[p.id].overdue) for name, p in status_set.items()}
    assert got == EXPECTED
    assert all(s.interval_weeks == 4 for s in statuses.values())


def test_supervision_status_follows_the_coordinators_interval(status_set):
    requirements = db.session.get(ProgrammeRequirements, 1) or ProgrammeRequirements(id=1)
    requirements.supervision_interval_weeks = 8
    db.session.add(requirements)
    db.session.commit()
    statuses = services.supervision_status([p.id for p in status_set.values()], TODAY)
    assert {name for name, p in status_set.items() if statuses[p.id].overdue} == {"never"}
    assert statuses[status_set["late"].id].due_on == date(2024, 8, 5)


def test_supervision_status_without_saved_requirements_uses_four_weeks(status_set):
    db.session.execute(sa.delete(ProgrammeRequirements))
    db.session.commit()
    statuses = services.supervision_status([p.id for p in status_set.values()], TODAY)
    assert {name: statuses[p.id].overdue for name, p in status_set.items()} == {
        name: expected[3] for name, expected in EXPECTED.items()}
    assert {s.interval_weeks for s in statuses.values()} == {4}


def test_supervision_status_answers_only_for_the_workers_asked(status_set):
    assert services.supervision_status([], TODAY) == {}
    assert set(services.supervision_status([status_set["late"].id, 999999], TODAY)) == {status_set["late"].id}


def _count_statements(run) -> int:
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len([s for s in statements if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"))])


def test_supervision_status_runs_one_query_whatever_the_number_of_workers(team, make_profile, make_session):
    profiles = [make_profile(team["staff"], created_at=datetime(2024, 1, 1, tzinfo=UTC)) for _ in range(20)]
    for index, profile in enumerate(profiles):
        make_session([profile], held_at=paris(date(2024, 6, 1 + index), 10))
    make_session(profiles, held_at=paris(date(2024, 7, 1), 10))
    db.session.commit()
    counts = {}
    for size in (2, 20):
        ids = [p.id for p in profiles[:size]]
        db.session.expire_all()
        result = {}
        # Called at once by _count_statements, with this round's values.
        counts[size] = _count_statements(
            lambda: result.update(services.supervision_status(ids, TODAY)))  # noqa: B023 - called at once
        assert len(result) == size
        assert all(s.last_session_on == date(2024, 7, 1) for s in result.values())
    assert counts[2] == counts[20] == 1


# --- debrief requests ---------------------------------------------------------------------------

def _account(profile):
    from peer_support.auth.models import Account
    return db.session.get(Account, profile.account_id)


def test_a_worker_asks_for_a_debrief_audited_without_the_description(team):
    worker = _account(team["julie"])
    debrief = debriefs.request_debrief(
        worker, team["julie"], debriefs.DebriefData("death", date(2024, 7, 13), f"  {DESCRIPTION}  "),
        ip="10.0.0.2", now=NOW, today=TODAY)
    db.session.commit()
    assert (debrief.status, debrief.description, debrief.event_on) == ("requested", DESCRIPTION, date(2024, 7, 13))
    [entry] = audit_entries("debrief.request")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (worker.id, "debrief_request", str(debrief.id))
    every_entry = db.session.scalars(sa.select(AuditEntry)).all()
    assert not any(DESCRIPTION in str(e.details) for e in every_entry)


@pytest.mark.parametrize("values, field", [
    ({"event_on": date(2024, 7, 16)}, "event_on"),
    ({"event_kind": "boredom"}, "event_kind"),
    ({"description": "x" * 5001}, "description"),
])
def test_invalid_debrief_requests_are_refused(team, values, field):
    data = {"event_kind": "aggression", "event_on": TODAY, "description": "hard", **values}
    with pytest.raises(DomainError) as refused:
        debriefs.request_debrief(_account(team["julie"]), team["julie"], debriefs.DebriefData(**data),
                                 ip=None, now=NOW, today=TODAY)
    assert refused.value.field == field


def test_a_worker_cannot_ask_in_someone_elses_name(team):
    with pytest.raises(DomainError):
        debriefs.request_debrief(_account(team["karim"]), team["julie"], debriefs.DebriefData("other", None, None),
                                 ip=None, now=NOW, today=TODAY)


def test_status_changes_by_the_supervisor_are_audited(team, make_debrief):
    debrief = debriefs.get_debrief(make_debrief(team["julie"]).id)
    at = paris(date(2024, 7, 18), 17, 30)
    debriefs.set_status(team["staff"], debrief, status="scheduled", scheduled_for=at, held_on=None, ip=None,
                        now=NOW, today=TODAY)
    assert (debrief.status, debrief.scheduled_for) == ("scheduled", datetime(2024, 7, 18, 15, 30, tzinfo=UTC))
    debriefs.set_status(team["coordinator"], debrief, status="held", scheduled_for=None, held_on=TODAY, ip=None,
                        now=NOW, today=TODAY)
    db.session.commit()
    assert (debrief.status, debrief.held_on, debrief.scheduled_for) == ("held", TODAY, at)
    assert [(e.actor_id, e.details) for e in audit_entries("debrief.status")] == [
        (team["staff"].id, {"from": "requested", "to": "scheduled"}),
        (team["coordinator"].id, {"from": "scheduled", "to": "held"}),
    ]


@pytest.mark.parametrize("values, field", [
    ({"status": "scheduled"}, "scheduled_on"),
    ({"status": "held"}, "held_on"),
    ({"status": "held", "held_on": date(2024, 7, 16)}, "held_on"),
    ({"status": "forgotten"}, "status"),
])
def test_invalid_status_changes_are_refused(team, make_debrief, values, field):
    debrief = debriefs.get_debrief(make_debrief(team["julie"]).id)
    with pytest.raises(DomainError) as refused:
        debriefs.set_status(team["staff"], debrief, **{"scheduled_for": None, "held_on": None, **values}, ip=None,
                            now=NOW, today=TODAY)
    assert refused.value.field == field


def test_only_the_supervisor_or_the_coordinator_changes_the_status(team, make_debrief):
    debrief = debriefs.get_debrief(make_debrief(team["julie"]).id)
    for actor in (team["other_staff"], _account(team["julie"]), _account(team["karim"])):
        with pytest.raises(DomainError):
            debriefs.set_status(actor, debrief, status="held", scheduled_for=None, held_on=TODAY, ip=None,
                                now=NOW, today=TODAY)
    assert audit_entries("debrief.status") == []


def test_requests_to_handle_by_role(team, make_debrief, make_account):
    julie = make_debrief(team["julie"], requested_at=NOW - timedelta(days=3))
    karim_held = make_debrief(team["karim"], status="held", held_on=TODAY)
    elodie = make_debrief(team["elodie"], status="scheduled", scheduled_for=NOW + timedelta(days=1))

    def handled(actor, open_only=True):
        return [d.id for d in debriefs.requests_to_handle(actor, open_only=open_only, page=1, per_page=50).items]

    assert handled(team["coordinator"]) == [julie.id, elodie.id]  # requested before scheduled
    assert handled(team["coordinator"], open_only=False) == [julie.id, elodie.id, karim_held.id]
    assert handled(team["staff"]) == [julie.id]
    assert handled(team["staff"], open_only=False) == [julie.id, karim_held.id]
    assert handled(team["other_staff"]) == []
    assert handled(make_account("researcher")) == []
    assert debriefs.open_request_count(team["coordinator"]) == 2
    assert debriefs.open_request_count(team["other_staff"]) == 0


# --- demo data ----------------------------------------------------------------------------------

def test_demo_supervision_has_a_monthly_history_one_overdue_worker_and_two_debriefs(team, make_profile):
    staff = team["staff"]
    profiles = [team["julie"], team["karim"], team["elodie"],
                make_profile(staff, created_at=datetime(2023, 1, 1, tzinfo=UTC))]
    for profile in profiles:
        profile.created_at = datetime(2023, 1, 1, tzinfo=UTC)
    now = datetime.now(UTC)
    sessions, requests = add_demo_supervision(random.Random(7), profiles, [staff, team["other_staff"]],
                                              team["coordinator"], now)
    kinds = {s.kind for s in sessions}
    assert {"practice_analysis", "individual"} <= kinds
    assert all(s.held_at <= now for s in sessions)
    assert all(s.kind != "individual" or len(s.attendees) == 1 for s in sessions)
    db.session.commit()
    from peer_support.timezones import local_date
    statuses = services.supervision_status([p.id for p in profiles], local_date(now))
    assert [p.id for p in profiles if statuses[p.id].overdue] == [profiles[-1].id]
    assert sorted((r.event_kind, r.status) for r in requests) == [("aggression", "held"), ("death", "requested")]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DebriefRequest)) == 2
