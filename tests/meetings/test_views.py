"""Meeting pages: who reaches what, planning through the form, errors that keep the form, actions, query counts."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.meetings.models import Meeting, MeetingParticipant
from peer_support.referrals.models import Referral
from peer_support.timezones import local_date, to_local
from tests.conftest import new_account, sign_in
from tests.helpers import audit_entries, has_field_error, input_value, statements_for_get
from tests.meetings import support
from tests.meetings.support import tomorrow_at

team = support.team  # the fixture, shared by the meetings tests


def errors(response) -> list:
    """The field errors and alerts of a page (to say why a form was refused)."""
    html = response.get_data(as_text=True)
    return (re.findall(r'id="([\w-]+)-error"[^>]*>([^<]*)<', html)
            + re.findall(r'alert-danger[^>]*>([^<]*)<', html))


def form_for(team, people, *, when=None, minutes=None, **fields):
    """The plan form as a person fills it (local date and times)."""
    start = to_local(when or tomorrow_at(9))
    data = {"status": "planned", "format": "individual" if len(people) == 1 else "group",
            "participant_ids": [str(p.id) for p in people], "starts_on": start.date().isoformat(),
            "starts_at": start.strftime("%H:%M"), "place_kind": "hospital", "initiated_by": "peer_worker"}
    if minutes is None:
        data["ends_at"] = (start + timedelta(minutes=60)).strftime("%H:%M")
    else:
        data["duration_minutes"] = str(minutes)
    data.update(fields)
    return data


@pytest.fixture
def meeting(team, make_meeting):
    return make_meeting(team.profile, [team.camille], private_notes="Parle de son frère", team_summary="Va mieux",
                        team_summary_agreed=False)


def test_signed_out_visitors_are_sent_to_sign_in(client, meeting):
    for url in ("/meetings/", "/meetings/new", "/meetings/quick-log", f"/meetings/{meeting.id}",
                f"/meetings/{meeting.id}/edit", "/meetings/topics"):
        assert client.get(url).headers["Location"].startswith("/login"), url


def test_the_leading_worker_sees_everything_and_the_view_is_audited(client, team, meeting):
    sign_in(client, team.worker)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    for text in ("Camille", "Parle de son frère", "Va mieux", "Plan the next one", "Cancel"):
        assert text in page, text
    entry = audit_entries("meetings.view")[-1]
    assert (entry.actor_id, entry.object_id) == (team.worker.id, str(meeting.id))


def test_another_peer_worker_gets_404_everywhere(client, team, meeting):
    sign_in(client, team.other_worker)
    for url in (f"/meetings/{meeting.id}", f"/meetings/{meeting.id}/edit", f"/meetings/{meeting.id}/hold",
                f"/meetings/{meeting.id}/cancel", f"/meetings/new?after={meeting.id}"):
        assert client.get(url).status_code == 404, url
    for url in (f"/meetings/{meeting.id}/cancel", f"/meetings/{meeting.id}/missed", f"/meetings/{meeting.id}/enrol",
                f"/meetings/{meeting.id}/participants/{team.camille.id}/withdraw"):
        assert client.post(url, data={"reason": "x", "person_id": team.lea.id}).status_code == 404, url
    assert db.session.get(Meeting, meeting.id).status == "planned"


def test_the_coordinator_sees_the_meeting_but_not_the_private_notes(client, team, meeting, make_account):
    coordinator = make_account("coordinator", locale="en")
    sign_in(client, coordinator)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Camille" in page and "Parle de son frère" not in page
    assert "Va mieux" not in page  # the person has not agreed to share the summary
    assert client.get(f"/meetings/{meeting.id}/edit").status_code == 403
    listing = client.get(f"/meetings/?worker={team.profile.id}").get_data(as_text=True)
    assert "Camille" in listing
    assert audit_entries("meetings.list_view")[-1].object_id == str(team.profile.id)


def test_a_co_facilitator_sees_the_meeting_and_agreed_summary_but_not_the_notes(client, team, make_meeting):
    nurse = new_account("staff", locale="en")
    meeting = make_meeting(team.profile, [team.camille], private_notes="Secret", team_summary="Partagé",
                           team_summary_agreed=True)
    db.session.execute(sa.text("INSERT INTO meeting_co_facilitator (meeting_id, account_id) VALUES (:m, :a)"),
                       {"m": meeting.id, "a": nurse.id})
    db.session.commit()
    sign_in(client, nurse)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Camille" in page and "Partagé" in page and "Secret" not in page
    assert client.get(f"/meetings/{meeting.id}/edit").status_code == 403


@pytest.mark.parametrize("role", ["staff", "service_user", "researcher"])
def test_other_roles_never_see_a_meeting(client, meeting, make_account, role):
    sign_in(client, make_account(role))
    response = client.get(f"/meetings/{meeting.id}")
    assert response.status_code in (403, 404) and "Camille" not in response.get_data(as_text=True)
    assert client.get("/meetings/").status_code == 403


def test_a_referrer_sees_dates_format_and_status_on_the_referral_page(client, team, make_meeting):
    nurse = new_account("staff", locale="en")
    referral = db.session.scalars(sa.select(Referral).where(Referral.service_user_id == team.camille.id)).one()
    referral.referred_by_id = nurse.id
    db.session.commit()
    make_meeting(team.profile, [team.camille], private_notes="Secret", team_summary="Not agreed")
    sign_in(client, nurse)
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert "Meetings with the peer worker" in page and "Individual meeting" in page and "Planned" in page
    assert "Secret" not in page and "Not agreed" not in page


def test_my_meetings_lists_upcoming_first_then_past(client, team, make_meeting):
    now = utcnow()
    make_meeting(team.profile, [team.camille], starts_at=now - timedelta(days=3), status="held", title="Old")
    make_meeting(team.profile, [team.camille], starts_at=now - timedelta(days=1), status="held", title="Recent")
    make_meeting(team.profile, [team.hugo], starts_at=now + timedelta(days=5), title="Later")
    make_meeting(team.profile, [team.hugo], starts_at=now + timedelta(days=1), title="Soon")
    make_meeting(team.other_profile, [team.lea], title="Not mine")
    sign_in(client, team.worker)
    page = client.get("/meetings/").get_data(as_text=True)
    positions = [page.index(title) for title in ("Soon", "Later", "Recent", "Old")]
    assert positions == sorted(positions) and "Not mine" not in page
    held = client.get("/meetings/?status=held").get_data(as_text=True)
    assert "Recent" in held and "Soon" not in held


def test_a_worker_without_profile_sees_a_message(client, make_account):
    sign_in(client, make_account("peer_worker", locale="en"))
    assert "profile has not been opened" in client.get("/meetings/").get_data(as_text=True)


def test_plan_a_meeting_through_the_form(client, team, topics):
    sign_in(client, team.worker)
    form = client.get(f"/meetings/new?person={team.camille.id}").get_data(as_text=True)
    assert "Camille" in form and "Hugo" in form and "Léa" not in form
    assert "Salle Tilleul (CL3R) — 6 places — Step-free access" in form
    response = client.post("/meetings/new", data=form_for(team, [team.camille], topic_ids=[str(topics[0].id)],
                                                          place_kind="room", room_id=str(team.room.id)))
    assert response.status_code == 302, response.get_data(as_text=True)
    meeting = db.session.scalars(sa.select(Meeting)).one()
    assert (meeting.room_id, meeting.duration_minutes, meeting.status) == (team.room.id, 60, "planned")
    assert to_local(meeting.starts_at).strftime("%H:%M") == to_local(tomorrow_at(9)).strftime("%H:%M")


@pytest.mark.parametrize("fields, field", [
    ({"ends_at": "08:00"}, "ends_at"),
    ({"duration_minutes": "500", "ends_at": ""}, "duration_minutes"),
    ({"team_summary": "Va mieux"}, "team_summary_agreed"),
    ({"status": "planned", "starts_on": "2020-01-01"}, "starts_on"),
    ({"place_kind": "room", "room_id": ""}, "room_id"),
])
def test_refusals_show_the_error_and_keep_the_form(client, team, fields, field):
    sign_in(client, team.worker)
    data = form_for(team, [team.camille], title="Café du mardi")
    data.update(fields)
    response = client.post("/meetings/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and has_field_error(html, field), html[:3000]
    assert input_value(html, "title") == "Café du mardi"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == 0


def test_a_forged_person_id_is_refused_with_a_message(client, team):
    sign_in(client, team.worker)
    html = client.post("/meetings/new", data=form_for(team, [team.lea])).get_data(as_text=True)
    assert has_field_error(html, "participant_ids") and "people you accompany" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == 0


def test_a_room_already_booked_is_refused_and_the_form_kept(client, team, make_meeting):
    make_meeting(team.other_profile, [team.lea], room=team.room, starts_at=tomorrow_at(9))
    sign_in(client, team.worker)
    html = client.post("/meetings/new", data=form_for(team, [team.camille], title="Groupe", place_kind="room",
                                                      room_id=str(team.room.id))).get_data(as_text=True)
    assert has_field_error(html, "room_id") and "already booked" in html and input_value(html, "title") == "Groupe"


def test_edit_keeps_values_and_saves(client, team, meeting):
    sign_in(client, team.worker)
    html = client.get(f"/meetings/{meeting.id}/edit").get_data(as_text=True)
    assert "Parle de son frère" in html
    data = form_for(team, [team.camille], title="Renamed", private_notes="Parle de son frère", team_summary="")
    data.pop("status")
    response = client.post(f"/meetings/{meeting.id}/edit", data=data)
    assert response.status_code == 302, errors(response)
    assert db.session.get(Meeting, meeting.id).title == "Renamed"
    assert audit_entries("meetings.update")


def test_plan_the_next_one_prefills_the_form_and_links_it(client, team, make_meeting):
    first = make_meeting(team.profile, [team.camille, team.hugo], format="group", title="Groupe vœu d'enfant",
                         capacity=5, room=team.room, starts_at=tomorrow_at(9))
    sign_in(client, team.worker)
    html = client.get(f"/meetings/new?after={first.id}").get_data(as_text=True)
    assert input_value(html, "title") == "Groupe vœu d&#39;enfant" or "Groupe vœu" in html
    assert input_value(html, "previous_meeting_id") == str(first.id)
    data = form_for(team, [team.camille, team.hugo], when=tomorrow_at(9) + timedelta(days=7), title="Suite",
                    previous_meeting_id=str(first.id), capacity="5", place_kind="room", room_id=str(team.room.id))
    response = client.post("/meetings/new", data=data)
    assert response.status_code == 302, errors(response)
    nxt = db.session.scalars(sa.select(Meeting).where(Meeting.id != first.id)).one()
    assert nxt.previous_meeting_id == first.id


def test_hold_with_attendance_cancel_and_missed(client, team, make_meeting):
    now = utcnow()
    group = make_meeting(team.profile, [team.camille, team.hugo], format="group", starts_at=now - timedelta(hours=1))
    sign_in(client, team.worker)
    assert client.get(f"/meetings/{group.id}/hold").status_code == 200
    response = client.post(f"/meetings/{group.id}/hold", data={
        f"attendance-{team.camille.id}": "attended", f"attendance-{team.hugo.id}": "absent",
        "follow_up_intention": "next_meeting_by", "follow_up_by": (local_date(now) + timedelta(days=10)).isoformat()})
    assert response.status_code == 302
    statuses = dict(db.session.execute(sa.select(MeetingParticipant.service_user_id, MeetingParticipant.status)
                                       .where(MeetingParticipant.meeting_id == group.id)).all())
    assert statuses == {team.camille.id: "attended", team.hugo.id: "absent"}
    planned = make_meeting(team.profile, [team.camille])
    html = client.post(f"/meetings/{planned.id}/cancel", data={"reason": ""}).get_data(as_text=True)
    assert has_field_error(html, "reason")
    assert client.post(f"/meetings/{planned.id}/cancel", data={"reason": "Malade"}).status_code == 302
    assert db.session.get(Meeting, planned.id).status == "cancelled"
    late = make_meeting(team.profile, [team.hugo], starts_at=now - timedelta(hours=3))
    assert client.post(f"/meetings/{late.id}/missed").status_code == 302
    assert db.session.get(Meeting, late.id).status == "missed"


def test_the_page_shows_a_persons_own_cancellation_and_reason(client, team, meeting):
    participant = db.session.get(MeetingParticipant, (meeting.id, team.camille.id))
    participant.status, participant.cancel_reason = "cancelled", "Rendez-vous médical ce jour-là"
    db.session.commit()
    sign_in(client, team.worker)
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Cancelled by the person" in page and "Rendez-vous médical ce jour-là" in page


def test_enrol_and_withdraw_in_a_group(client, team, make_meeting, accompany):
    group = make_meeting(team.profile, [team.camille], format="group", capacity=2)
    sign_in(client, team.worker)
    page = client.get(f"/meetings/{group.id}").get_data(as_text=True)
    assert "Enrol" in page and "Hugo" in page
    assert client.post(f"/meetings/{group.id}/enrol", data={"person_id": team.hugo.id}).status_code == 302
    third = accompany(team.profile, name="Inès")
    client.post(f"/meetings/{group.id}/enrol", data={"person_id": third.id})
    assert "The group is full" in client.get(f"/meetings/{group.id}").get_data(as_text=True)
    # A forged person of another worker's caseload.
    client.post(f"/meetings/{group.id}/participants/{team.hugo.id}/withdraw")
    client.post(f"/meetings/{group.id}/enrol", data={"person_id": team.lea.id})
    people = set(db.session.scalars(sa.select(MeetingParticipant.service_user_id)
                                    .where(MeetingParticipant.meeting_id == group.id)))
    assert people == {team.camille.id}


def test_quick_log_in_one_post(client, team, topics):
    sign_in(client, team.worker)
    html = client.get(f"/meetings/quick-log?person={team.camille.id}").get_data(as_text=True)
    assert "Log it" in html and f'<option selected value="{team.camille.id}">' in html
    response = client.post("/meetings/quick-log", data={"person_id": team.camille.id, "format": "informal",
                                                        "duration_minutes": "15", "topic_ids": [topics[0].id]})
    assert response.status_code == 302
    meeting = db.session.scalars(sa.select(Meeting)).one()
    assert (meeting.status, meeting.format, meeting.duration_minutes) == ("held", "informal", 15)
    html = client.post("/meetings/quick-log", data={"person_id": team.lea.id, "format": "informal",
                                                    "duration_minutes": "15"}).get_data(as_text=True)
    assert has_field_error(html, "person_id")


def test_my_meetings_runs_a_constant_number_of_statements(client, team, make_meeting, topics, make_room):
    sign_in(client, team.worker)

    def add(n, offset):
        for i in range(n):
            meeting = make_meeting(team.profile, [team.camille, team.hugo], format="group", room=team.room,
                                   starts_at=tomorrow_at(8) + timedelta(days=offset + i))
            db.session.execute(sa.text("INSERT INTO meeting_topic_link (meeting_id, topic_id) VALUES (:m, :t)"),
                               {"m": meeting.id, "t": topics[i % 3].id})
        db.session.commit()

    add(5, 0)
    small = statements_for_get(client, "/meetings/")
    add(45, 10)
    assert statements_for_get(client, "/meetings/") == small


def test_the_coordinator_chooses_a_worker_first(client, team, make_account):
    sign_in(client, make_account("coordinator", locale="en"))
    page = client.get("/meetings/").get_data(as_text=True)
    assert team.worker.name in page and f"/meetings/?worker={team.profile.id}" in page
    assert client.get("/meetings/?worker=9999").status_code == 404


def test_a_meeting_page_runs_a_constant_number_of_statements(client, team, make_meeting, accompany):
    people = [team.camille, team.hugo]
    small = make_meeting(team.profile, people, format="group", room=team.room)
    people += [accompany(team.profile, name=f"Personne {i}") for i in range(10)]
    large = make_meeting(team.profile, people, format="group", starts_at=tomorrow_at(15))
    sign_in(client, team.worker)
    assert statements_for_get(client, f"/meetings/{small.id}") == statements_for_get(client, f"/meetings/{large.id}")
