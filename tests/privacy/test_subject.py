"""People's rights: everything about the person (page and JSON), for the person and the coordinator, and
nothing about anyone else (issue 10)."""
import json
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from peer_support.audit.services import record
from peer_support.auth.models import AuthSession, RecoveryCode
from peer_support.becoming import services as becoming
from peer_support.calendars.models import CalendarFeed
from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.meetings.models import MeetingParticipant, meeting_co_facilitator, meeting_topic_link
from peer_support.nudges.models import Nudge
from peer_support.people.accesses import record_accesses
from peer_support.people.models import AccountInvitation
from peer_support.referrals.history import record_event
from peer_support.timezones import local_today
from peer_support.training.models import TrainingProgramme
from tests.conftest import new_account, sign_in
from tests.helpers import account_of, audit_entries, counted_statements
from tests.meetings.conftest import make_meeting, topics  # noqa: F401  (shared fixtures)
from tests.peers.conftest import domains, make_profile  # noqa: F401  (shared fixtures)
from tests.triage.conftest import new_person, new_referral, units  # noqa: F401  (shared fixtures)

def _participation(meeting, person) -> MeetingParticipant:
    return db.session.get(MeetingParticipant, (meeting.id, person.id))


def _link(meeting, topics, *, co_facilitators=()) -> None:
    """Topics and co-facilitators of a meeting, written directly (its collections are lazy="raise")."""
    for topic in topics:
        db.session.execute(sa.insert(meeting_topic_link).values(meeting_id=meeting.id, topic_id=topic.id))
    for account in co_facilitators:
        db.session.execute(sa.insert(meeting_co_facilitator).values(meeting_id=meeting.id, account_id=account.id))


# Every text of person A carries AAMARK, every text of person B BBMARK; the shared meetings carry SECRET.
A_NAME = "Amélie 🌻 AAMARK-name"
TOTP_SECRET = "JBSWY3DPEHPK3PXPTOTPSECRET"


def _seed_person(mark: str, *, unit, worker, nurse, coordinator, domain, programme):
    """A person with an account and a row, with `mark` in every text field, in every table about them."""
    lower = mark.lower()
    person = new_person(name=A_NAME if mark == "AAMARK" else f"Bruno {mark}-name", units=[unit],
                        language="fr", channel="email", phone=f"06 {mark}-phone")
    person.email, person.contact_note = f"{lower}-person@example.org", f"{mark}-contact-note"
    person.year_of_birth, person.age_band, person.gender = 1980, "36-50", "woman"
    person.follow_up_choice, person.follow_up_choice_at = "contact_me_again", utcnow()
    person.legal_hold, person.legal_hold_reason, person.legal_hold_set_at = True, f"{mark}-hold-reason", utcnow()
    account = new_account("service_user", email=f"{lower}-account@example.org", name=f"{mark}-account-name",
                          locale="en")
    person.account_id = account.id
    account.totp_secret = TOTP_SECRET if mark == "AAMARK" else None
    db.session.add_all([
        RecoveryCode(account_id=account.id, code_hash=(lower[:2] * 32)),
        AuthSession(account_id=account.id, token_hash=(lower[:1] + "0") * 32, ip="10.0.0.1",
                    user_agent=f"{mark}-agent/1.0"),
        CalendarFeed(account_id=account.id),
        AccountInvitation(service_user_id=person.id, email=f"{lower}-invite@example.org",
                          token_hash=(lower[:1] + "1") * 32, expires_at=utcnow() + timedelta(days=7))])
    referral = new_referral(person, unit=unit, status="active", peer_profile=worker, actor=nurse,
                            referred_by_id=nurse.id, reason=f"{mark}-reason", information_given=f"{mark}-told",
                            constraints=f"{mark}-constraints", wanted_domain_id=domain.id, commit=False)
    record_event(referral, actor=coordinator, to_status="on_hold", now=utcnow(), reason=f"{mark}-event-reason",
                 review_on=date(2031, 1, 1))
    record_event(referral, actor=coordinator, to_status="active", now=utcnow(), peer_profile_id=worker.id)
    new_referral(person, unit=unit, source="self", requester_name=f"{mark}-requester",
                 requester_contact=f"{mark}-requester-contact", message=f"{mark}-message", commit=False)
    db.session.add(Nudge(rule="contact_gap", subject_type="referral", subject_id=referral.id, period="2030-01-01",
                         audience="worker", account_id=worker.account_id, service_user_id=person.id,
                         due_on=date(2030, 1, 1), details={"days": 30}, status="dismissed",
                         dismiss_reason=f"{mark}-dismiss"))
    db.session.commit()
    becoming.express_interest(account, person, message=f"{mark}-interest-message", ip=None, now=utcnow())
    db.session.commit()
    interest = becoming.interest_of(person.id)
    becoming.update_interest(coordinator, interest, status="informed", note=f"{mark}-interest-note",
                             programme_ids=[programme.id], ip=None, now=utcnow())
    db.session.commit()
    return person, account


@pytest.fixture
def world(app, units, domains, topics, make_profile, make_meeting, make_account):
    coordinator = make_account("coordinator", name="Cora Coordinator", locale="en")
    nurse = make_account("staff", units=[units[0]], name="Nora Nurse", locale="en")
    researcher = make_account("researcher", locale="en")
    worker = make_profile(units=[units[0]])
    programme = TrainingProgramme(kind="ongoing", name_fr="Relation d'aide", name_en="Helping relationship")
    db.session.add(programme)
    db.session.commit()
    common = {"unit": units[0], "worker": worker, "nurse": nurse, "coordinator": coordinator, "domain": domains[0],
              "programme": programme}
    a, a_account = _seed_person("AAMARK", **common)
    b, b_account = _seed_person("BBMARK", **common)
    for person, mark in ((a, "AAMARK"), (b, "BBMARK")):
        individual = make_meeting(worker, [person], status="cancelled", title=f"{mark}-title",
                                  place_detail=f"{mark}-place", private_notes=f"{mark}-notes",
                                  team_summary=f"{mark}-summary", team_summary_agreed=True,
                                  cancel_reason=f"{mark}-meeting-cancel", follow_up_intention="next_meeting_by",
                                  follow_up_by=date(2030, 2, 1), participant_status="cancelled")
        _participation(individual, person).cancel_reason = f"{mark}-participation-cancel"
        _link(individual, topics[:1])
    # A group session and an outing they share, with the same worker: written about both of them.
    group = make_meeting(worker, [a, b], format="group", status="held", title="Groupe de parole",
                         starts_at=datetime(2030, 3, 1, 9, tzinfo=timezone.utc), private_notes="SECRET-group-notes",
                         team_summary="SECRET-group-summary", team_summary_agreed=True)
    _participation(group, a).cancel_reason = "AAMARK-group-participation"
    _participation(group, b).cancel_reason = "BBMARK-group-participation"
    make_meeting(worker, [a, b], format="outing", status="cancelled", cancel_reason="SECRET-outing-cancel",
                 private_notes="SECRET-outing-notes", starts_at=datetime(2030, 4, 1, 9, tzinfo=timezone.utc),
                 cancelled_by_id=b_account.id)
    # Accesses: the nurse read both records; B cancelled their place in the shared group (an entry on the meeting).
    record("people.view", actor=nurse, object_type="service_user", object_id=a.id, now=utcnow())
    record("people.view", actor=nurse, object_type="service_user", object_id=b.id, now=utcnow())
    record("myspace.meeting_cancel", actor=b_account, object_type="meeting", object_id=group.id, now=utcnow(),
           details={"service_user_id": b.id})
    db.session.commit()
    return {"a": a, "a_account": a_account, "b": b, "b_account": b_account, "coordinator": coordinator,
            "nurse": nurse, "researcher": researcher, "worker": worker, "worker_account": account_of(worker),
            "worker_name": account_of(worker).name, "group": group}


A_MARKERS = ["Amélie 🌻 AAMARK-name", "06 AAMARK-phone", "aamark-person@example.org", "AAMARK-contact-note",
             "AAMARK-hold-reason", "aamark-account@example.org", "AAMARK-account-name", "AAMARK-agent/1.0",
             "aamark-invite@example.org", "AAMARK-reason", "AAMARK-told", "AAMARK-constraints",
             "AAMARK-event-reason", "AAMARK-requester", "AAMARK-requester-contact", "AAMARK-message",
             "AAMARK-dismiss", "AAMARK-interest-message", "AAMARK-interest-note", "AAMARK-title", "AAMARK-place",
             "AAMARK-notes", "AAMARK-summary", "AAMARK-meeting-cancel", "AAMARK-participation-cancel",
             "AAMARK-group-participation", "Groupe de parole", "Helping relationship", "Nora Nurse"]


def _assert_only_about_a(body: bytes, world) -> None:
    text = body.decode("utf-8")
    missing = [marker for marker in A_MARKERS if marker not in text]
    assert missing == []
    assert "bbmark" not in text.lower()
    assert "SECRET" not in text
    # Secrets of A's own account are never given.
    account = db.session.get(type(world["a_account"]), world["a_account"].id)
    assert account.password_hash and account.password_hash not in text
    assert TOTP_SECRET not in text
    for secret in ("aa" * 32, "a0" * 32, "a1" * 32):
        assert secret not in text


def test_the_json_export_holds_everything_about_the_person_and_nothing_about_anyone_else(app, client, world):
    sign_in(client, world["coordinator"])
    response = client.get(f"/privacy/people/{world['a'].id}/data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json" and response.mimetype_params == {"charset": "utf-8"}
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"person-data-{world['a'].code}-{local_today().isoformat()}.json" in disposition
    # Accents and emoji are written as such (UTF-8), not escaped.
    assert A_NAME.encode("utf-8") in response.data
    _assert_only_about_a(response.data, world)
    data = json.loads(response.data)
    assert data["person"]["display_name"] == A_NAME
    assert datetime.fromisoformat(data["generated_at"]).utcoffset() == timedelta(0)
    assert data["person"]["units"] == [{"code": "CL3R", "name": "Réhabilitation psychosociale"}]
    assert set(data["account"]) >= {"email", "name", "locale", "created_at", "last_login_at"}
    assert not {"password_hash", "totp_secret", "token_hash"} & set(data["account"])
    by_format = {meeting["format"]: meeting for meeting in data["meetings"]}
    assert set(by_format) == {"individual", "group", "outing"}
    individual = by_format["individual"]
    assert (individual["private_notes"], individual["team_summary"]) == ("AAMARK-notes", "AAMARK-summary")
    assert individual["participation"]["cancel_reason"] == "AAMARK-participation-cancel"
    assert individual["topics"] == [{"fr": "Vie quotidienne", "en": "Daily life"}]
    assert datetime.fromisoformat(individual["starts_at"]).tzinfo is not None
    for shared in (by_format["group"], by_format["outing"]):
        assert shared["with_others"] is True
        assert shared["private_notes"] is None and shared["team_summary"] is None
        assert shared["cancelled_by"] is None
    assert by_format["group"]["participation"]["cancel_reason"] == "AAMARK-group-participation"
    assert [r["source"] for r in data["referrals"]] == ["staff", "self"]
    history = data["referrals"][0]["history"]
    assert [step["to_status"] for step in history] == ["new", "active", "on_hold", "active"]
    assert history[-1]["peer_worker"] == world["worker_name"]
    assert data["referrals"][0]["referred_by"] == {"name": "Nora Nurse", "role": "staff", "is_the_person": False}
    assert data["referrals"][0]["lived_experience_wanted"] == {"fr": "Schizophrénie", "en": "Schizophrenia"}
    assert [nudge["dismiss_reason"] for nudge in data["nudges"]] == ["AAMARK-dismiss"]
    assert [step["action"] for step in data["peer_work_interest"]["history"]] == [
        "becoming.interest", "becoming.update"]
    assert data["calendar_feed"]["is_enabled"] is True
    # B cancelling their place in the shared group did not read A's data: not an access to A's record.
    assert not [access for access in data["record_accesses"] if access["action"] == "myspace.meeting_cancel"]
    [entry] = audit_entries("privacy.subject_export")
    assert (entry.actor_id, entry.object_type, entry.object_id, entry.details) == (
        world["coordinator"].id, "service_user", str(world["a"].id), {"format": "json"})


def test_the_readable_page_holds_the_same_and_is_audited(app, client, world):
    sign_in(client, world["coordinator"])
    response = client.get(f"/privacy/people/{world['a'].id}/data")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    _assert_only_about_a(response.data, world)
    assert "request for access received on paper" in page
    assert f"/privacy/people/{world['a'].id}/data.json" in page
    assert '<h2 class="h4" id="meetings-title">Meetings</h2>' in page
    assert "<caption>History of this referral</caption>" in page
    assert "anonymised" not in page
    [entry] = audit_entries("privacy.subject_view")
    assert (entry.actor_id, entry.object_type, entry.object_id, entry.details) == (
        world["coordinator"].id, "service_user", str(world["a"].id), {"format": "html"})
    # Listed in "who saw this record", for the coordinator and the person.
    accesses = record_accesses(world["a"].id, page=1, per_page=50).items
    assert "privacy.subject_view" in [access.action for access in accesses]
    assert "privacy.subject_view" not in [access.action for access in
                                          record_accesses(world["b"].id, page=1, per_page=50).items]
    # The record page offers it to the coordinator.
    record_page = client.get(f"/people/{world['a'].id}").get_data(as_text=True)
    assert f'href="/privacy/people/{world["a"].id}/data"' in record_page
    assert "Export this person's data" in record_page


def test_the_person_reads_and_downloads_their_own_data(app, client, world):
    sign_in(client, world["a_account"])
    space = client.get("/my-space/").get_data(as_text=True)
    assert 'href="/privacy/my-data"' in space
    response = client.get("/privacy/my-data")
    assert response.status_code == 200
    _assert_only_about_a(response.data, world)
    page = response.get_data(as_text=True)
    assert '<h1>My data</h1>' in page and 'href="/privacy/my-data.json"' in page
    assert "received on paper" not in page
    download = client.get("/privacy/my-data.json")
    assert download.status_code == 200 and download.mimetype == "application/json"
    assert f'filename="my-data-{local_today().isoformat()}.json"' in download.headers["Content-Disposition"]
    _assert_only_about_a(download.data, world)
    assert json.loads(download.data)["person"]["code"] == world["a"].code
    [view] = audit_entries("privacy.subject_view")
    [export] = audit_entries("privacy.subject_export")
    for entry in (view, export):
        assert (entry.actor_id, entry.object_type, entry.object_id) == (
            world["a_account"].id, "service_user", str(world["a"].id))


def test_the_other_person_gets_only_their_own(app, client, world):
    sign_in(client, world["b_account"])
    response = client.get("/privacy/my-data.json")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "BBMARK-notes" in text
    assert "aamark" not in text.lower() and "Amélie" not in text
    assert client.get(f"/privacy/people/{world['a'].id}/data").status_code == 403
    assert client.get(f"/privacy/people/{world['a'].id}/data.json").status_code == 403


@pytest.mark.parametrize("who", ["nurse", "worker", "researcher", "a_account"])
def test_nobody_else_reaches_a_persons_data_by_id(app, client, world, who):
    # The referrer, the person's own worker, a researcher; and the person themself goes through My data.
    actor = world["worker_account"] if who == "worker" else world[who]
    sign_in(client, actor)
    person_id = world["a"].id
    for url in (f"/privacy/people/{person_id}/data", f"/privacy/people/{person_id}/data.json"):
        assert client.get(url).status_code == 403
    if who != "a_account":
        for url in ("/privacy/my-data", "/privacy/my-data.json"):
            assert client.get(url).status_code == 403
    assert audit_entries("privacy.subject_view") == [] and audit_entries("privacy.subject_export") == []
    assert "/privacy/people/" not in client.get(f"/people/{person_id}").get_data(as_text=True)


def test_a_person_unknown_to_the_coordinator_is_404(app, client, world):
    sign_in(client, world["coordinator"])
    assert client.get("/privacy/people/999999/data").status_code == 404
    assert client.get("/privacy/people/999999/data.json").status_code == 404
    assert client.get("/privacy/my-data").status_code == 403


def test_a_service_user_without_a_record_gets_the_kind_page(app, client, make_account):
    account = make_account("service_user", locale="en")
    sign_in(client, account)
    for url in ("/privacy/my-data", "/privacy/my-data.json"):
        response = client.get(url)
        assert response.status_code == 200
        assert "not linked to your file" in response.get_data(as_text=True)
    assert audit_entries("privacy.subject_view") == []


def test_the_coordinator_is_told_when_the_data_was_anonymised(app, client, world):
    person = world["a"]
    person.anonymised_at, person.anonymisation = utcnow(), "erasure"
    db.session.commit()
    sign_in(client, world["coordinator"])
    page = client.get(f"/privacy/people/{person.id}/data").get_data(as_text=True)
    assert "identifying data was anonymised on" in page
    data = json.loads(client.get(f"/privacy/people/{person.id}/data.json").data)
    assert data["data_protection"]["anonymisation"] == "erasure"


def test_the_export_reads_the_same_number_of_statements_whatever_the_number_of_meetings(
        app, client, units, topics, make_profile, make_meeting, make_account):
    worker = make_profile(units=[units[0]])
    person = new_person(units=[units[0]])
    new_referral(person, status="active", peer_profile=worker)
    coordinator = make_account("coordinator", locale="en")
    first = datetime(2030, 1, 1, 9, tzinfo=timezone.utc)

    def add_meetings(count, offset):
        for day in range(offset, offset + count):
            meeting = make_meeting(worker, [person], starts_at=first + timedelta(days=day), status="held",
                                   private_notes="notes")
            _link(meeting, topics, co_facilitators=[coordinator])
        db.session.commit()

    def statements():
        with counted_statements() as seen:
            response = client.get(f"/privacy/people/{person.id}/data.json")
        assert response.status_code == 200
        return len(seen), len(json.loads(response.data)["meetings"])

    sign_in(client, coordinator)
    add_meetings(3, 0)
    client.get(f"/privacy/people/{person.id}/data.json")  # warm-up: the session's first request
    few, three = statements()
    add_meetings(27, 3)
    many, thirty = statements()
    assert (three, thirty) == (3, 30)
    assert many == few
    with counted_statements() as seen:
        assert client.get(f"/privacy/people/{person.id}/data").status_code == 200
    page_statements = len(seen)
    add_meetings(5, 30)
    with counted_statements() as seen:
        assert client.get(f"/privacy/people/{person.id}/data").status_code == 200
    assert len(seen) == page_statements
