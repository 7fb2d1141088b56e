"""Supervision and debrief pages: who reaches what, what each sees, forms, time zones, audit."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from peer_support.auth.models import Account
from peer_support.extensions import db
from peer_support.supervision.models import DebriefRequest, SupervisionSession
from tests.conftest import sign_in
from tests.helpers import audit_entries, has_field_error, input_value
from tests.supervision.conftest import DESCRIPTION, NOTES, TOPICS

UTC = timezone.utc


@pytest.fixture
def people(make_account, make_profile):
    staff = make_account("staff", name="Sam Supervisor", locale="en")
    other_staff = make_account("staff", name="Olga Other", locale="en")
    people = {
        "coordinator": make_account("coordinator", name="Cora Coordinator", locale="en"),
        "staff": staff,
        "other_staff": other_staff,
        "lone_staff": make_account("staff", name="Lou Lone", locale="en"),  # supervises no one
        "service_user": make_account("service_user", locale="en"),
        "researcher": make_account("researcher", locale="en"),
    }
    profiles = {
        "julie": make_profile(staff, name="Julie Moreau", locale="en"),
        "karim": make_profile(staff, name="Karim Laurent", locale="en"),
        "elodie": make_profile(other_staff, name="Elodie Fournier", locale="en"),
    }
    for name, profile in profiles.items():
        people[name] = db.session.get(Account, profile.account_id)
        people[name + "_profile"] = profile
    return people


@pytest.fixture
def as_(app, people):
    """A browser signed in as one of the people: as_("coordinator").get(...)."""

    def browser(name):
        client = app.test_client()
        response = sign_in(client, people[name])
        assert response.status_code == 302
        return client

    return browser


@pytest.fixture
def individual(people, make_session):
    """Julie's individual session with Sam, with topics and private notes."""
    return make_session([people["julie_profile"]], supervisor=people["staff"], kind="individual",
                        topics=TOPICS, notes=NOTES, held_at=datetime(2024, 7, 2, 8, 0, tzinfo=UTC))


@pytest.fixture
def debrief(people, make_debrief):
    return make_debrief(people["julie_profile"], event_on=date(2024, 7, 1))


def _page(response) -> str:
    return response.get_data(as_text=True)


def _session_form(people, **values) -> dict:
    data = {"held_on": "2024-07-02", "starts_at": "10:00", "duration_minutes": "90", "kind": "group",
            "supervisor_id": "", "external_supervisor": "Dr Anne Lemaire",
            "attendee_ids": [str(people["julie_profile"].id), str(people["karim_profile"].id)]}
    data.update(values)
    return {key: value for key, value in data.items() if value is not None}


def _sessions() -> list[SupervisionSession]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(SupervisionSession).options(selectinload(SupervisionSession.attendees))
                                   .order_by(SupervisionSession.id)))


# --- access -----------------------------------------------------------------------------------

PAGES = [
    ("GET", "/supervision/"),
    ("GET", "/supervision/sessions/new"),
    ("POST", "/supervision/sessions/new"),
    ("GET", "/supervision/sessions/{session}"),
    ("GET", "/supervision/sessions/{session}/edit"),
    ("POST", "/supervision/sessions/{session}/edit"),
    ("GET", "/supervision/mine"),
    ("GET", "/supervision/workers/{profile}"),
    ("GET", "/supervision/debriefs/"),
    ("GET", "/supervision/debriefs/mine"),
    ("GET", "/supervision/debriefs/new"),
    ("POST", "/supervision/debriefs/new"),
    ("GET", "/supervision/debriefs/{debrief}"),
    ("POST", "/supervision/debriefs/{debrief}/status"),
]


def _url(path, people, individual, debrief):
    return path.format(session=individual.id, profile=people["julie_profile"].id, debrief=debrief.id)


@pytest.mark.parametrize("method, path", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, people, individual, debrief, method, path):
    response = client.open(_url(path, people, individual, debrief), method=method,
                           data={"private_notes": "hacked", "status": "held"} if method == "POST" else None)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert NOTES not in _page(response) and DESCRIPTION not in _page(response)


# Who must not reach each page, and how they are refused.
REFUSED = [
    ("/supervision/", {"service_user": 403, "researcher": 403}),
    ("/supervision/sessions/new", {"service_user": 403, "researcher": 403, "julie": 403}),
    ("/supervision/sessions/{session}", {"service_user": 404, "researcher": 404, "other_staff": 404, "karim": 404,
                                         "elodie": 404}),
    ("/supervision/sessions/{session}/edit", {"service_user": 403, "researcher": 403, "julie": 403, "karim": 403,
                                              "other_staff": 404}),
    ("/supervision/mine", {"coordinator": 403, "staff": 403, "service_user": 403, "researcher": 403}),
    ("/supervision/workers/{profile}", {"service_user": 403, "researcher": 403, "other_staff": 404, "karim": 404,
                                        "elodie": 404}),
    ("/supervision/debriefs/", {"service_user": 403, "researcher": 403, "lone_staff": 403, "julie": 403,
                                "karim": 403}),
    ("/supervision/debriefs/mine", {"coordinator": 403, "staff": 403, "service_user": 403, "researcher": 403}),
    ("/supervision/debriefs/new", {"coordinator": 403, "staff": 403, "service_user": 403, "researcher": 403}),
    ("/supervision/debriefs/{debrief}", {"service_user": 404, "researcher": 404, "other_staff": 404, "karim": 404,
                                         "elodie": 404}),
]


@pytest.mark.parametrize("path, refused", REFUSED, ids=[path for path, _ in REFUSED])
def test_each_page_is_refused_to_those_who_must_not_see_it(as_, people, individual, debrief, path, refused):
    url = _url(path, people, individual, debrief)
    for name, status in refused.items():
        response = as_(name).get(url)
        assert response.status_code == status, (name, url)
        page = _page(response)
        assert NOTES not in page and TOPICS not in page and DESCRIPTION not in page, (name, url)


@pytest.mark.parametrize("name", ["service_user", "researcher", "other_staff", "lone_staff", "karim", "elodie"])
def test_whoever_may_not_see_them_never_finds_the_notes_or_the_description(as_, people, individual, debrief, name):
    client = as_(name)
    for path in ("/", "/supervision/", "/supervision/debriefs/", "/supervision/mine", "/supervision/debriefs/mine",
                 f"/supervision/sessions/{individual.id}", f"/supervision/debriefs/{debrief.id}",
                 f"/supervision/workers/{people['julie_profile'].id}", "/peers/", "/audit/"):
        page = _page(client.get(path))
        assert NOTES not in page and TOPICS not in page and DESCRIPTION not in page, (name, path)


def test_posts_are_refused_to_those_who_may_not_change(as_, people, individual, debrief):
    edit = f"/supervision/sessions/{individual.id}/edit"
    status = f"/supervision/debriefs/{debrief.id}/status"
    form = {"private_notes": "hacked", "held_on": "2024-07-02", "starts_at": "10:00", "duration_minutes": "60",
            "kind": "individual", "attendee_ids": [str(people["karim_profile"].id)]}
    for name, expected in (("other_staff", 404), ("julie", 403), ("service_user", 403), ("researcher", 403)):
        assert as_(name).post(edit, data=form).status_code == expected, name
    for name, expected in (("other_staff", 404), ("julie", 403), ("karim", 403), ("service_user", 403),
                           ("researcher", 403)):
        assert as_(name).post(status, data={"status": "held", "held_on": "2024-07-03"}).status_code == expected, name
    assert as_("julie").post("/supervision/sessions/new", data=_session_form(people)).status_code == 403
    for name in ("coordinator", "staff", "service_user"):
        assert as_(name).post("/supervision/debriefs/new", data={"event_kind": "other"}).status_code == 403
    [session] = _sessions()
    assert session.private_notes == NOTES and [p.id for p in session.attendees] == [people["julie_profile"].id]
    db.session.expire_all()
    assert db.session.get(DebriefRequest, debrief.id).status == "requested"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DebriefRequest)) == 1
    assert audit_entries("debrief.status") == [] and audit_entries("supervision.update") == []


def test_unknown_objects_give_404(as_):
    coordinator = as_("coordinator")
    for path in ("/supervision/sessions/999999", "/supervision/sessions/999999/edit", "/supervision/workers/999999",
                 "/supervision/debriefs/999999"):
        assert coordinator.get(path).status_code == 404, path
    assert coordinator.post("/supervision/debriefs/999999/status", data={"status": "held"}).status_code == 404


# --- the session list and a session ----------------------------------------------------------

@pytest.fixture
def three_sessions(people, make_session, individual):
    group = make_session([people["julie_profile"], people["karim_profile"]], external="Dr Anne Lemaire",
                         kind="practice_analysis", topics="Group topic: distance", notes="Group notes: secret",
                         held_at=datetime(2024, 6, 4, 12, 0, tzinfo=UTC))
    other = make_session([people["elodie_profile"]], supervisor=people["other_staff"], kind="individual",
                         notes="Elodie's notes", held_at=datetime(2024, 6, 20, 8, 0, tzinfo=UTC))
    return {"individual": individual, "group": group, "other": other}


def _listed_sessions(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'href="/supervision/sessions/(\d+)"', html)]


def test_the_coordinator_lists_every_session_without_notes_or_topics(as_, people, three_sessions):
    page = _page(as_("coordinator").get("/supervision/"))
    assert sorted(_listed_sessions(page)) == sorted(s.id for s in three_sessions.values())
    for text in ("Julie Moreau", "Karim Laurent", "Elodie Fournier", "Sam Supervisor", "Dr Anne Lemaire",
                 "Analysis of practice", "Individual supervision"):
        assert text in page
    for secret in (NOTES, TOPICS, "Group notes", "Group topic", "Elodie&#39;s notes", "Elodie's notes"):
        assert secret not in page


def test_a_supervisor_lists_the_sessions_they_lead_and_a_worker_those_they_attended(as_, people, three_sessions):
    assert _listed_sessions(_page(as_("staff").get("/supervision/"))) == [three_sessions["individual"].id]
    assert _listed_sessions(_page(as_("julie").get("/supervision/"))) == [three_sessions["individual"].id,
                                                                          three_sessions["group"].id]
    assert _listed_sessions(_page(as_("karim").get("/supervision/"))) == [three_sessions["group"].id]
    assert _listed_sessions(_page(as_("other_staff").get("/supervision/"))) == [three_sessions["other"].id]


def test_the_session_page_shows_notes_to_the_supervisor_and_attendee_only(as_, individual):
    for name in ("staff", "julie"):
        page = _page(as_(name).get(f"/supervision/sessions/{individual.id}"))
        assert NOTES in page and TOPICS in page, name
    response = as_("coordinator").get(f"/supervision/sessions/{individual.id}")
    assert response.status_code == 200
    page = _page(response)
    assert "Julie Moreau" in page and "Sam Supervisor" in page
    assert NOTES not in page and TOPICS not in page


def test_the_session_page_shows_local_time(as_, individual):
    # Stored 08:00 UTC on 2 July: 10:00 in Paris (summer time).
    page = _page(as_("coordinator").get(f"/supervision/sessions/{individual.id}"))
    assert "10:00" in page and "08:00" not in page


# --- recording a session ---------------------------------------------------------------------

def test_the_coordinator_records_a_session_in_local_time(as_, people):
    response = as_("coordinator").post("/supervision/sessions/new", data=_session_form(people))
    assert response.status_code == 302
    [session] = _sessions()
    assert response.headers["Location"] == f"/supervision/sessions/{session.id}"
    assert session.held_at == datetime(2024, 7, 2, 8, 0, tzinfo=UTC)  # 10:00 in Paris in July
    assert (session.kind, session.duration_minutes, session.external_supervisor) == ("group", 90, "Dr Anne Lemaire")
    assert sorted(p.id for p in session.attendees) == sorted([people["julie_profile"].id, people["karim_profile"].id])
    assert len(audit_entries("supervision.create")) == 1


def test_the_coordinator_is_never_offered_the_notes_and_cannot_slip_them_in(as_, people):
    client = as_("coordinator")
    page = _page(client.get("/supervision/sessions/new"))
    assert 'name="private_notes"' not in page and 'name="topics"' not in page
    assert 'name="supervisor_id"' in page and 'name="external_supervisor"' in page
    client.post("/supervision/sessions/new", data=_session_form(
        people, supervisor_id=str(people["staff"].id), external_supervisor="", private_notes="coordinator's notes",
        topics="coordinator's topics"))
    [session] = _sessions()
    assert (session.supervisor_id, session.private_notes, session.topics) == (people["staff"].id, None, None)


def test_a_member_of_staff_records_a_session_they_lead_with_its_notes(as_, people):
    client = as_("staff")
    page = _page(client.get("/supervision/sessions/new"))
    assert 'name="private_notes"' in page and 'name="supervisor_id"' not in page
    response = client.post("/supervision/sessions/new", data=_session_form(
        people, kind="individual", attendee_ids=[str(people["karim_profile"].id)], private_notes=NOTES,
        topics=TOPICS, supervisor_id=str(people["other_staff"].id)))
    assert response.status_code == 302
    [session] = _sessions()
    assert (session.supervisor_id, session.external_supervisor) == (people["staff"].id, None)
    assert (session.private_notes, session.topics) == (NOTES, TOPICS)


@pytest.mark.parametrize("values, field", [
    ({"external_supervisor": ""}, "supervisor_id"),
    ({"supervisor_id": "STAFF"}, "external_supervisor"),
    ({"kind": "individual"}, "attendee_ids"),
    ({"duration_minutes": "0"}, "duration_minutes"),
    ({"duration_minutes": "481"}, "duration_minutes"),
    ({"duration_minutes": "an hour"}, "duration_minutes"),
    ({"attendee_ids": []}, "attendee_ids"),
    ({"held_on": "31/02/2024"}, "held_on"),
    ({"starts_at": "25:00"}, "starts_at"),
])
def test_invalid_sessions_give_a_form_error_and_keep_what_was_typed(as_, people, values, field):
    values = {key: str(people["staff"].id) if value == "STAFF" else value for key, value in values.items()}
    data = _session_form(people, **values)
    response = as_("coordinator").post("/supervision/sessions/new", data=data)
    assert response.status_code == 200
    page = _page(response)
    assert has_field_error(page, field), field
    assert _sessions() == []
    for name in ("held_on", "starts_at", "duration_minutes", "external_supervisor"):
        assert input_value(page, name) == data[name], name
    for profile_id in data["attendee_ids"]:
        assert re.search(rf'<option selected value="{profile_id}"|<option value="{profile_id}" selected', page)


def test_editing_keeps_the_local_time_and_the_supervisor_writes_the_notes(as_, people, individual):
    client = as_("staff")
    page = _page(client.get(f"/supervision/sessions/{individual.id}/edit"))
    assert input_value(page, "held_on") == "2024-07-02" and input_value(page, "starts_at") == "10:00"
    assert NOTES in page  # in the notes field, for its author
    response = client.post(f"/supervision/sessions/{individual.id}/edit", data={
        "held_on": "2024-07-02", "starts_at": "10:30", "duration_minutes": "45", "kind": "individual",
        "attendee_ids": [str(people["julie_profile"].id)], "topics": TOPICS, "private_notes": "New notes"})
    assert response.status_code == 302
    [session] = _sessions()
    assert (session.held_at, session.private_notes, session.duration_minutes) == (
        datetime(2024, 7, 2, 8, 30, tzinfo=UTC), "New notes", 45)
    assert audit_entries("supervision.update")[0].details == {"fields": ["duration_minutes", "held_at",
                                                                         "private_notes"]}


def test_the_coordinator_edits_a_session_without_seeing_or_losing_its_notes(as_, people, individual):
    client = as_("coordinator")
    page = _page(client.get(f"/supervision/sessions/{individual.id}/edit"))
    assert NOTES not in page and TOPICS not in page and 'name="private_notes"' not in page
    response = client.post(f"/supervision/sessions/{individual.id}/edit", data={
        "held_on": "2024-07-03", "starts_at": "10:00", "duration_minutes": "60", "kind": "individual",
        "supervisor_id": str(people["staff"].id), "external_supervisor": "",
        "attendee_ids": [str(people["julie_profile"].id)], "private_notes": "overwritten"})
    assert response.status_code == 302
    [session] = _sessions()
    assert session.private_notes == NOTES and session.held_at == datetime(2024, 7, 3, 8, 0, tzinfo=UTC)
    # Handing the notes to another worker is refused, with the typed values kept.
    response = client.post(f"/supervision/sessions/{individual.id}/edit", data={
        "held_on": "2024-07-04", "starts_at": "11:00", "duration_minutes": "60", "kind": "individual",
        "supervisor_id": str(people["staff"].id), "external_supervisor": "",
        "attendee_ids": [str(people["karim_profile"].id)]})
    assert response.status_code == 200
    page = _page(response)
    assert has_field_error(page, "attendee_ids") and input_value(page, "held_on") == "2024-07-04"
    assert [p.id for p in _sessions()[0].attendees] == [people["julie_profile"].id]


# --- a worker's history ----------------------------------------------------------------------

def test_the_worker_sees_their_history_with_notes_and_overdue_status(as_, people, individual):
    client = as_("julie")
    response = client.get("/supervision/mine")
    assert response.headers["Location"] == f"/supervision/workers/{people['julie_profile'].id}"
    page = _page(client.get(response.headers["Location"]))
    assert "My supervision" in page and NOTES in page and TOPICS in page
    assert "Overdue" in page  # last session on 2 July 2024: long ago


def test_the_supervisor_and_the_coordinator_see_the_history(as_, people, individual):
    url = f"/supervision/workers/{people['julie_profile'].id}"
    page = _page(as_("staff").get(url))
    assert NOTES in page and "Supervision of Julie Moreau" in page
    response = as_("coordinator").get(url)
    assert response.status_code == 200
    page = _page(response)
    assert "Supervision of Julie Moreau" in page and NOTES not in page and TOPICS not in page
    assert "Individual supervision" in page


def test_a_new_worker_is_up_to_date_and_a_worker_without_profile_is_told_so(as_, people, make_account, client):
    page = _page(as_("karim").get(f"/supervision/workers/{people['karim_profile'].id}"))
    assert "Up to date" in page and "No session yet" in page
    sign_in(client, make_account("peer_worker", locale="en"))
    for path in ("/supervision/mine", "/supervision/debriefs/new", "/supervision/debriefs/mine"):
        response = client.get(path)
        assert response.status_code == 200 and "has not been opened yet" in _page(response), path
    assert client.post("/supervision/debriefs/new", data={"event_kind": "other"}).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DebriefRequest)) == 0


def test_the_supervision_page_lists_the_workers_of_a_supervisor_with_their_status(as_, people, individual):
    page = _page(as_("staff").get("/supervision/"))
    assert "Peer workers you supervise" in page
    assert "Julie Moreau" in page and "Karim Laurent" in page and "Elodie Fournier" not in page


# --- debrief requests ------------------------------------------------------------------------

def test_a_worker_asks_for_a_debrief(as_, people):
    response = as_("julie").post("/supervision/debriefs/new", data={
        "event_kind": "death", "event_on": "2024-07-01", "description": DESCRIPTION})
    assert response.status_code == 302
    db.session.expire_all()
    [debrief] = db.session.scalars(sa.select(DebriefRequest)).all()
    assert response.headers["Location"] == f"/supervision/debriefs/{debrief.id}"
    assert (debrief.profile_id, debrief.event_kind, debrief.event_on, debrief.description, debrief.status) == (
        people["julie_profile"].id, "death", date(2024, 7, 1), DESCRIPTION, "requested")
    [entry] = audit_entries("debrief.request")
    assert entry.actor_id == people["julie"].id and DESCRIPTION not in str(entry.details)


def test_a_future_event_date_gives_a_form_error_and_keeps_the_description(as_, people):
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    response = as_("julie").post("/supervision/debriefs/new", data={
        "event_kind": "aggression", "event_on": tomorrow, "description": DESCRIPTION})
    assert response.status_code == 200
    page = _page(response)
    assert has_field_error(page, "event_on") and input_value(page, "event_on") == tomorrow
    assert DESCRIPTION in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DebriefRequest)) == 0
    assert audit_entries("debrief.request") == []


def test_a_request_without_what_happened_gives_a_form_error_and_keeps_the_description(as_):
    response = as_("julie").post("/supervision/debriefs/new", data={"event_kind": "", "description": DESCRIPTION})
    assert response.status_code == 200
    assert has_field_error(_page(response), "event_kind") and DESCRIPTION in _page(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DebriefRequest)) == 0


def test_the_worker_sees_their_requests_and_status(as_, people, debrief, make_debrief):
    make_debrief(people["karim_profile"], description="Karim's own words")
    client = as_("julie")
    page = _page(client.get("/supervision/debriefs/mine"))
    assert f"/supervision/debriefs/{debrief.id}" in page and "Requested" in page and "Karim" not in page
    page = _page(client.get(f"/supervision/debriefs/{debrief.id}"))
    assert DESCRIPTION in page and "Save the status" not in page
    assert audit_entries("debrief.view") == []  # the worker reading their own request


def test_the_coordinator_and_the_supervisor_see_the_open_requests(as_, people, debrief, make_debrief):
    elodie = make_debrief(people["elodie_profile"], description="Elodie's words")
    held = make_debrief(people["karim_profile"], status="held", held_on=date(2024, 7, 2))
    listed = lambda html: [int(i) for i in re.findall(r'href="/supervision/debriefs/(\d+)"', html)]  # noqa: E731
    assert "2 open" in _page(as_("coordinator").get("/supervision/"))
    page = _page(as_("coordinator").get("/supervision/debriefs/"))
    assert listed(page) == [debrief.id, elodie.id]
    assert DESCRIPTION not in page  # the words are on the request's own page
    assert listed(_page(as_("coordinator").get("/supervision/debriefs/?show=all"))) == [debrief.id, elodie.id, held.id]
    assert listed(_page(as_("staff").get("/supervision/debriefs/"))) == [debrief.id]
    assert listed(_page(as_("other_staff").get("/supervision/debriefs/"))) == [elodie.id]


def test_reading_a_request_is_audited_for_anyone_but_the_worker(as_, debrief):
    for name in ("coordinator", "staff"):
        page = _page(as_(name).get(f"/supervision/debriefs/{debrief.id}"))
        assert DESCRIPTION in page and "Save the status" in page
    assert [e.object_id for e in audit_entries("debrief.view")] == [str(debrief.id)] * 2


def test_the_supervisor_schedules_then_holds_the_debrief_in_local_time(as_, people, debrief):
    client = as_("staff")
    response = client.post(f"/supervision/debriefs/{debrief.id}/status", data={
        "status": "scheduled", "scheduled_on": "2024-07-18", "scheduled_at": "17:30"})
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(DebriefRequest, debrief.id)
    assert (stored.status, stored.scheduled_for) == ("scheduled", datetime(2024, 7, 18, 15, 30, tzinfo=UTC))
    assert "Scheduled" in _page(as_("julie").get("/supervision/debriefs/mine"))
    response = as_("coordinator").post(f"/supervision/debriefs/{debrief.id}/status", data={
        "status": "held", "held_on": "2024-07-18", "scheduled_on": "2024-07-18", "scheduled_at": "17:30"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(DebriefRequest, debrief.id).held_on == date(2024, 7, 18)
    assert [e.details for e in audit_entries("debrief.status")] == [
        {"from": "requested", "to": "scheduled"}, {"from": "scheduled", "to": "held"}]


@pytest.mark.parametrize("values, field", [
    ({"status": "scheduled", "scheduled_on": "2024-07-18"}, "scheduled_on"),
    ({"status": "held"}, "held_on"),
    ({"status": "held", "held_on": "2999-01-01"}, "held_on"),
    ({"status": "held", "held_on": "yesterday"}, "held_on"),
])
def test_invalid_status_changes_give_a_form_error_and_keep_what_was_typed(as_, debrief, values, field):
    response = as_("staff").post(f"/supervision/debriefs/{debrief.id}/status", data=values)
    assert response.status_code == 200
    page = _page(response)
    assert has_field_error(page, field)
    for name in ("held_on", "scheduled_on"):
        if name in values:
            assert input_value(page, name) == values[name]
    db.session.expire_all()
    assert db.session.get(DebriefRequest, debrief.id).status == "requested"


# --- home pages ------------------------------------------------------------------------------

def test_home_pages_link_to_supervision_and_debriefs(as_):
    page = _page(as_("julie").get("/"))
    assert 'href="/supervision/mine"' in page and 'href="/supervision/debriefs/new"' in page
    assert "My supervision" in page and "Ask for a debrief" in page
    page = _page(as_("coordinator").get("/"))
    assert 'href="/supervision/debriefs/"' in page and 'href="/supervision/"' in page
    assert 'href="/supervision/debriefs/new"' not in _page(as_("staff").get("/"))


def test_the_supervision_pages_run_a_fixed_number_of_queries(as_, people, make_session, make_debrief, app):
    """No query per row: the same count with 2 and with 12 sessions (and debrief requests)."""
    coordinator, staff = as_("coordinator"), as_("staff")
    workers = [people["julie_profile"], people["karim_profile"], people["elodie_profile"]]

    def add(count):
        for index in range(count):
            make_session(workers, supervisor=people["staff"], held_at=datetime(2024, 6, 1 + index, 8, tzinfo=UTC))
            make_debrief(workers[index % 2])

    def counted(client, path):
        statements = []

        def count(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get(path).status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    paths = [(coordinator, "/supervision/"), (staff, "/supervision/"), (coordinator, "/supervision/debriefs/"),
             (staff, f"/supervision/workers/{workers[0].id}")]
    add(2)
    few = [counted(client, path) for client, path in paths]
    add(10)
    many = [counted(client, path) for client, path in paths]
    assert few == many
