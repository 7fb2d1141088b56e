"""My space: what the person sees, what they do there, and that nobody else reaches it."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.meetings.models import Meeting, MeetingParticipant
from peer_support.peers.models import Absence
from peer_support.people.models import ServiceUser
from peer_support.referrals.models import Referral
from peer_support.timezones import local_today
from tests.conftest import sign_in
from tests.helpers import account_of, audit_entries, has_field_error, statements_for_get
from tests.myspace.conftest import linked_person
from tests.triage.conftest import new_person, new_referral

MY_SPACE_URLS = ["/my-space/", "/my-space/contact", "/my-space/become-a-peer-worker", "/my-space/meetings/1/cancel"]


@pytest.fixture
def me(client, units):
    """A signed-in service user (English) with a linked record."""
    person, account = linked_person(units=[units[0]], name="Paul")
    sign_in(client, account)
    return person


def _participation(meeting_id, person_id):
    db.session.expire_all()
    return db.session.get(MeetingParticipant, (meeting_id, person_id))


def test_home_and_my_space_show_my_worker_presence_times_and_absences(client, me, worker, make_meeting):
    new_referral(me, status="active", peer_profile=worker)
    today = local_today()
    db.session.add_all([
        Absence(profile_id=worker.id, starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=3),
                kind="sick", public_note="Back on Monday"),
        Absence(profile_id=worker.id, starts_on=today - timedelta(days=20), ends_on=today - timedelta(days=10),
                kind="leave", public_note="Old absence")])
    db.session.commit()
    for url in ("/", "/my-space/"):
        page = client.get(url).get_data(as_text=True)
        assert account_of(worker).name in page
        assert "je suis là pour en parler" in page
        assert "Salle des familles" in page and "14:00 to 17:00" in page and "Cafétéria" in page
        assert "Back on Monday" in page and "Old absence" not in page
        assert "Sick leave" not in page  # the kind of an absence is the worker's own business
        assert account_of(worker).email in page
    assert len(audit_entries("myspace.view")) == 2


def test_a_worker_merely_proposed_is_not_shown(client, me, worker):
    new_referral(me, status="proposed", peer_profile=worker)
    page = client.get("/my-space/").get_data(as_text=True)
    assert account_of(worker).name not in page
    assert "You do not have a peer worker yet" in page


def test_my_upcoming_meetings_only(client, me, worker, make_meeting, units):
    other = new_person(name="Someone else", units=[units[0]])
    db.session.commit()
    soon = utcnow() + timedelta(days=2)
    mine = make_meeting(worker, [me], starts_at=soon, place_detail="Bureau 12")
    make_meeting(worker, [me], starts_at=utcnow() - timedelta(days=2))  # past
    make_meeting(worker, [me], starts_at=soon + timedelta(hours=3), status="cancelled", place_detail="Cancelled one")
    make_meeting(worker, [other], starts_at=soon + timedelta(hours=5), place_detail="Not mine")
    page = client.get("/my-space/").get_data(as_text=True)
    assert "Bureau 12" in page and f"/my-space/meetings/{mine.id}/cancel" in page
    assert "Not mine" not in page and "Cancelled one" not in page
    assert page.count("/cancel\"") == 1


def test_a_service_user_without_a_record_gets_a_kind_explanation(client, signed_in):
    signed_in("service_user", locale="en")
    for url in ("/", "/my-space/", "/my-space/contact", "/my-space/become-a-peer-worker"):
        response = client.get(url)
        assert response.status_code == 200
        assert "not linked to your file" in response.get_data(as_text=True)
    assert client.get("/my-space/meetings/1/cancel").status_code == 404
    assert client.post("/my-space/follow-up", data={"choice": "contact_me_again"}).status_code == 404


# --- Cancelling a meeting -----------------------------------------------------------

def test_cancelling_an_individual_meeting_cancels_it_for_the_worker_too(client, me, worker, make_meeting):
    meeting = make_meeting(worker, [me])
    assert "Cancel my participation" in client.get(f"/my-space/meetings/{meeting.id}/cancel").get_data(as_text=True)
    response = client.post(f"/my-space/meetings/{meeting.id}/cancel", data={"reason": "Je suis malade."})
    assert response.status_code == 302
    participation = _participation(meeting.id, me.id)
    assert (participation.status, participation.cancel_reason) == ("cancelled", "Je suis malade.")
    meeting = db.session.get(Meeting, meeting.id)
    assert (meeting.status, meeting.cancel_reason, meeting.cancelled_by_id) == (
        "cancelled", "Je suis malade.", me.account_id)
    [entry] = audit_entries("myspace.meeting_cancel")
    assert entry.object_id == str(meeting.id) and entry.details["meeting_cancelled"] is True
    assert "Je suis malade" not in str(entry.details)
    # Once cancelled, it is no longer in the list and cannot be cancelled again.
    assert f"/my-space/meetings/{meeting.id}/cancel" not in client.get("/my-space/").get_data(as_text=True)
    response = client.post(f"/my-space/meetings/{meeting.id}/cancel", data={"reason": ""})
    assert response.status_code == 400 and "can no longer be cancelled" in response.get_data(as_text=True)


def test_cancelling_my_place_in_a_group_keeps_the_session(client, me, worker, make_meeting, units):
    other = new_person(name="Léa", units=[units[0]])
    db.session.commit()
    meeting = make_meeting(worker, [me, other], format="group", title="Groupe du jeudi")
    assert client.post(f"/my-space/meetings/{meeting.id}/cancel", data={"reason": ""}).status_code == 302
    assert _participation(meeting.id, me.id).status == "cancelled"
    assert _participation(meeting.id, other.id).status == "enrolled"
    assert db.session.get(Meeting, meeting.id).status == "planned"


def test_a_too_long_reason_keeps_what_was_typed(client, me, worker, make_meeting):
    meeting = make_meeting(worker, [me])
    response = client.post(f"/my-space/meetings/{meeting.id}/cancel", data={"reason": "x" * 501})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert has_field_error(html, "reason") and "x" * 501 in html
    assert _participation(meeting.id, me.id).status == "enrolled"


def test_a_past_meeting_cannot_be_cancelled(client, me, worker, make_meeting):
    meeting = make_meeting(worker, [me], starts_at=utcnow() - timedelta(days=1))
    response = client.post(f"/my-space/meetings/{meeting.id}/cancel", data={"reason": ""})
    assert response.status_code == 400
    assert _participation(meeting.id, me.id).status == "enrolled"


def test_someone_elses_meeting_cannot_be_cancelled_by_forging_its_id(client, me, worker, make_meeting, units):
    other, _account = linked_person(units=[units[0]], name="Léa")
    meeting = make_meeting(worker, [other])
    assert client.get(f"/my-space/meetings/{meeting.id}/cancel").status_code == 404
    assert client.post(f"/my-space/meetings/{meeting.id}/cancel", data={"reason": "ha"}).status_code == 404
    assert client.get("/my-space/meetings/999999/cancel").status_code == 404
    assert _participation(meeting.id, other.id).status == "enrolled"
    assert db.session.get(Meeting, meeting.id).status == "planned"


# --- Asking for contact ----------------------------------------------------------------

def test_asking_my_worker_to_contact_me_goes_to_the_triage_queue(client, me, worker, make_account, units):
    new_referral(me, status="active", peer_profile=worker, unit=units[1])
    response = client.post("/my-space/contact", data={"contact": "06 11 22 33 44, after 5 pm",
                                                      "message": "J'aimerais parler de mon retour au travail."})
    assert response.status_code == 302
    referral = db.session.scalar(sa.select(Referral).where(Referral.source == "self"))
    assert (referral.status, referral.service_user_id, referral.peer_profile_id) == ("new", me.id, None)
    assert referral.requester_contact == "06 11 22 33 44, after 5 pm"
    assert referral.message == "J'aimerais parler de mon retour au travail."
    # The unit of the accompaniment, so the coordinator's unit filter finds it.
    assert referral.agreed_to_contact and referral.unit_id == units[1].id
    [entry] = audit_entries("myspace.contact_request")
    assert entry.object_id == str(referral.id) and "retour" not in str(entry.details)
    # The coordinator sees it in the queue, marked as asked by the person.
    client.get("/logout")
    coordinator = make_account("coordinator", locale="en")
    sign_in(client, coordinator)
    queue = client.get("/triage/").get_data(as_text=True)
    assert "Asked by the person" in queue
    # The referral page shows how the person asked to be reached.
    assert "06 11 22 33 44, after 5 pm" in client.get(f"/triage/{referral.id}").get_data(as_text=True)


def test_one_open_request_at_a_time(client, me):
    assert client.post("/my-space/contact", data={"contact": "", "message": ""}).status_code == 302
    page = client.get("/my-space/").get_data(as_text=True)
    assert "your request is being handled" in page
    response = client.post("/my-space/contact", data={"contact": "", "message": "Encore moi"})
    assert response.status_code == 400
    assert "already asked to be contacted" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Referral)) == 1
    # Once the coordinator has closed it, the person may ask again.
    referral = db.session.scalar(sa.select(Referral))
    referral.status = "closed"
    referral.close_reason = "other"
    db.session.commit()
    assert client.post("/my-space/contact", data={"contact": "", "message": ""}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Referral)) == 2


def test_oversized_fields_are_refused_and_kept(client, me):
    response = client.post("/my-space/contact", data={"contact": "c" * 301, "message": "m" * 2001})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert has_field_error(html, "contact") and has_field_error(html, "message") and "m" * 2001 in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Referral)) == 0


# --- Follow-up choice ---------------------------------------------------------------

def test_my_follow_up_choice_is_saved_and_changeable(client, me):
    page = client.get("/my-space/").get_data(as_text=True)
    assert "Contact me again after each meeting" in page and "I will get in touch myself" in page
    assert client.post("/my-space/follow-up", data={"choice": "i_will_get_in_touch"}).status_code == 302
    db.session.expire_all()
    person = db.session.get(ServiceUser, me.id)
    assert person.follow_up_choice == "i_will_get_in_touch" and person.follow_up_choice_at is not None
    radios = re.findall(r'<input[^>]*type="radio"[^>]*>', client.get("/my-space/").get_data(as_text=True))
    assert [("checked" in tag) for tag in radios] == [False, True]  # the page shows the current choice
    client.post("/my-space/follow-up", data={"choice": "contact_me_again"})
    db.session.expire_all()
    assert db.session.get(ServiceUser, me.id).follow_up_choice == "contact_me_again"
    entries = audit_entries("myspace.follow_up_choice")
    assert [(e.details["from"], e.details["to"]) for e in entries] == [
        (None, "i_will_get_in_touch"), ("i_will_get_in_touch", "contact_me_again")]


def test_an_unknown_follow_up_choice_changes_nothing(client, me):
    response = client.post("/my-space/follow-up", data={"choice": "never"}, follow_redirects=True)
    assert response.status_code == 200 and "Choose one of the two ways" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ServiceUser, me.id).follow_up_choice is None
    assert audit_entries("myspace.follow_up_choice") == []


# --- Access ------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["coordinator", "staff", "peer_worker", "researcher"])
def test_other_roles_never_reach_my_space(client, signed_in, role):
    signed_in(role)
    for url in MY_SPACE_URLS:
        assert client.get(url).status_code == 403, url
    assert client.post("/my-space/follow-up", data={"choice": "contact_me_again"}).status_code == 403
    assert client.post("/my-space/contact", data={}).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for url in MY_SPACE_URLS:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_another_service_user_sees_only_their_own_space(client, units, worker, make_meeting):
    paul, _ = linked_person(units=[units[0]], name="Paul")
    new_referral(paul, status="active", peer_profile=worker)
    make_meeting(worker, [paul], place_detail="Paul's meeting")
    ines, ines_account = linked_person(units=[units[0]], name="Inès")
    sign_in(client, ines_account)
    page = client.get("/my-space/").get_data(as_text=True)
    assert account_of(worker).name not in page and "Paul's meeting" not in page
    assert client.get(f"/my-space/?person_id={paul.id}").get_data(as_text=True).count("Paul's meeting") == 0


# --- Constant number of statements ----------------------------------------------------

def _grow(person, worker, make_meeting, n, units):
    from datetime import time

    from peer_support.peers.models import PresenceSlot

    start = utcnow() + timedelta(days=1)
    for i in range(n):
        db.session.add(PresenceSlot(profile_id=worker.id, weekday=i % 7, starts_at=time(8 + i % 10),
                                    ends_at=time(9 + i % 10), unit_id=units[i % 2].id, place=f"Lieu {i}"))
        db.session.add(Absence(profile_id=worker.id, starts_on=local_today() + timedelta(days=3 * i + 1),
                               ends_on=local_today() + timedelta(days=3 * i + 2), kind="leave",
                               public_note=f"Retour {i}"))
    db.session.commit()
    for i in range(n):
        make_meeting(worker, [person], starts_at=start + timedelta(hours=2 * i), place_detail=f"Bureau {i}")


def test_my_space_runs_a_constant_number_of_statements(client, me, worker, make_profile, make_meeting, units):
    new_referral(me, status="active", peer_profile=worker)
    _grow(me, worker, make_meeting, 2, units)
    small = statements_for_get(client, "/my-space/")
    second = make_profile(presentation="Deuxième")
    new_referral(me, status="accepted", peer_profile=second)
    _grow(me, worker, make_meeting, 30, units)
    _grow(me, second, make_meeting, 10, units)
    new_referral(me, status="new")
    assert statements_for_get(client, "/my-space/") == small


