"""Meeting services: planning and logging rules, actions after a meeting, quick log, what referrers see."""
from datetime import timedelta

import pytest
from flask_babel import force_locale

from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.meetings import actions, planning, services
from peer_support.meetings.models import Meeting
from peer_support.rooms.models import RoomClosure
from peer_support.timezones import local_date
from tests.conftest import new_account
from tests.helpers import audit_entries
from tests.meetings import support
from tests.meetings.support import plan, tomorrow_at
from tests.triage.conftest import new_person, new_referral

team = support.team  # the fixture, shared by the meetings tests


def refused(call, field=None) -> str:
    with pytest.raises(DomainError) as caught:
        call()
    db.session.rollback()
    if field is not None:
        assert caught.value.field == field, (caught.value.field, str(caught.value))
    with force_locale("en"):
        return str(caught.value)


def test_a_worker_plans_a_meeting_with_someone_they_accompany(team):
    now = utcnow()
    meeting = planning.create_meeting(team.worker, plan([team.camille], title="  Premier café  "), ip="1.2.3.4",
                                      now=now)
    db.session.commit()
    stored = services.get_meeting(meeting.id)
    assert (stored.status, stored.format, stored.title, stored.duration_minutes) == (
        "planned", "individual", "Premier café", 60)
    assert stored.ends_at - stored.starts_at == timedelta(minutes=60)
    assert [(p.service_user_id, p.status) for p in stored.participants] == [(team.camille.id, "enrolled")]
    entry = audit_entries("meetings.create")[-1]
    assert (entry.actor_id, entry.object_id, entry.details["people"]) == (team.worker.id, str(meeting.id), 1)


def test_the_end_time_sets_the_duration_and_must_follow_the_start(team):
    start = tomorrow_at(9)
    meeting = planning.create_meeting(team.worker, plan([team.camille], duration_minutes=None,
                                                        ends_at=start + timedelta(minutes=45), starts_at=start),
                                      ip=None, now=utcnow())
    assert meeting.duration_minutes == 45
    for end in (start, start - timedelta(minutes=5)):
        message = refused(lambda end=end: planning.create_meeting(
            team.worker, plan([team.camille], starts_at=start, ends_at=end), ip=None, now=utcnow()), "ends_at")
        assert "end must be after the start" in message


def test_a_meeting_lasts_at_most_eight_hours(team):
    message = refused(lambda: planning.create_meeting(team.worker, plan([team.camille], minutes=8 * 60 + 1),
                                                      ip=None, now=utcnow()), "duration_minutes")
    assert "at most 8 hours" in message
    start = tomorrow_at(6)
    refused(lambda: planning.create_meeting(team.worker, plan([team.camille], starts_at=start,
                                                              ends_at=start + timedelta(hours=9)),
                                            ip=None, now=utcnow()), "ends_at")
    assert planning.create_meeting(team.worker, plan([team.camille], minutes=480), ip=None, now=utcnow()).id


def test_planned_meetings_are_in_the_future_and_held_ones_in_the_past(team):
    now = utcnow()
    past = now - timedelta(hours=2)
    message = refused(lambda: planning.create_meeting(team.worker, plan([team.camille], starts_at=past), ip=None,
                                                      now=now), "starts_on")
    assert "held" in message
    refused(lambda: planning.create_meeting(team.worker, plan([team.camille], status="held"), ip=None, now=now),
            "starts_on")
    held = planning.create_meeting(team.worker, plan([team.camille], starts_at=past, status="held"), ip=None, now=now)
    assert held.status == "held" and held.participants[0].status == "attended"


def test_only_people_of_the_workers_caseload_can_be_met(team):
    # Léa is accompanied by another worker; a referral still new or closed does not count either.
    message = refused(lambda: planning.create_meeting(team.worker, plan([team.lea]), ip=None, now=utcnow()),
                      "participant_ids")
    assert "people you accompany" in message
    waiting = new_person(name="Mehdi")
    new_referral(waiting, status="proposed", peer_profile=team.profile)
    refused(lambda: planning.create_meeting(team.worker, plan([waiting]), ip=None, now=utcnow()), "participant_ids")
    refused(lambda: planning.create_meeting(team.worker, plan([]), ip=None, now=utcnow()), "participant_ids")
    assert db.session.query(Meeting).count() == 0


def test_an_individual_meeting_is_with_one_person(team):
    refused(lambda: planning.create_meeting(team.worker, plan([team.camille, team.hugo], format="individual"),
                                            ip=None, now=utcnow()), "participant_ids")


def test_a_group_cannot_exceed_its_capacity_nor_its_room(team, accompany, make_room):
    refused(lambda: planning.create_meeting(team.worker, plan([team.camille, team.hugo], capacity=1), ip=None,
                                            now=utcnow()), "participant_ids")
    small = make_room("Petit bureau", capacity=2)
    message = refused(lambda: planning.create_meeting(team.worker, plan([team.camille, team.hugo], room_id=small.id),
                                                      ip=None, now=utcnow()), "room_id")
    assert "The room holds 2 people" in message
    refused(lambda: planning.create_meeting(team.worker, plan([team.camille, team.hugo], room_id=team.room.id,
                                                              capacity=10), ip=None, now=utcnow()), "capacity")
    meeting = planning.create_meeting(team.worker, plan([team.camille, team.hugo], room_id=team.room.id, capacity=5),
                                      ip=None, now=utcnow())
    assert (meeting.capacity, meeting.room_id, meeting.place_kind) == (5, team.room.id, "room")


def test_a_room_already_booked_or_closed_is_refused(team, make_meeting):
    make_meeting(team.other_profile, [team.lea], room=team.room, starts_at=tomorrow_at(10), minutes=60)
    message = refused(lambda: planning.create_meeting(
        team.worker, plan([team.camille], room_id=team.room.id, starts_at=tomorrow_at(10, 30)), ip=None,
        now=utcnow()), "room_id")
    assert "already booked" in message
    # Back to back is fine.
    assert planning.create_meeting(team.worker, plan([team.camille], room_id=team.room.id,
                                                     starts_at=tomorrow_at(11)), ip=None, now=utcnow()).id
    db.session.add(RoomClosure(room_id=team.room.id, starts_at=tomorrow_at(14), ends_at=tomorrow_at(18)))
    db.session.commit()
    message = refused(lambda: planning.create_meeting(
        team.worker, plan([team.camille], room_id=team.room.id, starts_at=tomorrow_at(15)), ip=None,
        now=utcnow()), "room_id")
    assert "closed" in message


def test_a_room_of_another_unit_or_no_room_is_refused(team, units, make_room):
    elsewhere = make_room("Salle TS2A", unit=units[1])
    refused(lambda: planning.create_meeting(team.worker, plan([team.camille], room_id=elsewhere.id), ip=None,
                                            now=utcnow()), "room_id")
    refused(lambda: planning.create_meeting(team.worker, plan([team.camille], place_kind="room"), ip=None,
                                            now=utcnow()), "room_id")


def test_a_team_summary_needs_the_persons_agreement(team):
    message = refused(lambda: planning.create_meeting(team.worker, plan([team.camille], team_summary="Va mieux."),
                                                      ip=None, now=utcnow()), "team_summary_agreed")
    assert "agreed" in message
    meeting = planning.create_meeting(team.worker, plan([team.camille], team_summary="Va mieux.",
                                                        team_summary_agreed=True), ip=None, now=utcnow())
    assert meeting.team_summary_agreed


def test_the_follow_up_by_a_date_needs_a_date_not_in_the_past(team):
    now = utcnow()
    past = now - timedelta(hours=3)
    data = dict(starts_at=past, status="held", follow_up_intention="next_meeting_by")
    refused(lambda: planning.create_meeting(team.worker, plan([team.camille], **data), ip=None, now=now),
            "follow_up_by")
    refused(lambda: planning.create_meeting(
        team.worker, plan([team.camille], follow_up_by=local_date(now) - timedelta(days=1), **data), ip=None, now=now),
        "follow_up_by")
    meeting = planning.create_meeting(
        team.worker, plan([team.camille], follow_up_by=local_date(now) + timedelta(days=7), **data), ip=None, now=now)
    assert meeting.follow_up_intention == "next_meeting_by"


def test_topics_come_from_the_active_vocabulary(team, topics):
    topics[2].is_active = False
    db.session.commit()
    refused(lambda: planning.create_meeting(team.worker, plan([team.camille], topic_ids=[topics[2].id]), ip=None,
                                            now=utcnow()), "topic_ids")
    meeting = planning.create_meeting(team.worker, plan([team.camille], topic_ids=[topics[0].id, topics[1].id]),
                                      ip=None, now=utcnow())
    assert {t.id for t in meeting.topics} == {topics[0].id, topics[1].id}


def test_co_facilitators_are_active_staff(team):
    nurse = new_account("staff")
    researcher = new_account("researcher")
    refused(lambda: planning.create_meeting(team.worker, plan([team.camille], co_facilitator_ids=[researcher.id]),
                                            ip=None, now=utcnow()), "co_facilitator_ids")
    meeting = planning.create_meeting(team.worker, plan([team.camille], co_facilitator_ids=[nurse.id]), ip=None,
                                      now=utcnow())
    assert [a.id for a in meeting.co_facilitators] == [nurse.id]


def test_only_the_leading_worker_changes_a_meeting(team):
    meeting = planning.create_meeting(team.worker, plan([team.camille]), ip=None, now=utcnow())
    db.session.commit()
    meeting = services.get_meeting(meeting.id)
    refused(lambda: planning.update_meeting(team.other_worker, meeting, plan([team.camille]), ip=None, now=utcnow()))
    meeting = services.get_meeting(meeting.id)
    planning.update_meeting(team.worker, meeting, plan([team.camille], title="Café", minutes=30), ip=None,
                            now=utcnow())
    db.session.commit()
    assert services.get_meeting(meeting.id).duration_minutes == 30
    assert set(audit_entries("meetings.update")[-1].details["fields"]) == {"title", "duration_minutes"}


def test_plan_the_next_one_records_the_previous_meeting(team):
    first = planning.create_meeting(team.worker, plan([team.camille]), ip=None, now=utcnow())
    nxt = planning.create_meeting(team.worker, plan([team.camille], starts_at=tomorrow_at(10) + timedelta(days=7),
                                                    previous_meeting_id=first.id), ip=None, now=utcnow())
    assert nxt.previous_meeting_id == first.id
    # Another worker's meeting is never linked.
    other = planning.create_meeting(team.other_worker, plan([team.lea]), ip=None, now=utcnow())
    assert other.previous_meeting_id is None


def test_mark_held_with_attendance_follow_up_and_notes(team, make_meeting, topics):
    now = utcnow()
    meeting = make_meeting(team.profile, [team.camille, team.hugo], format="group", starts_at=now - timedelta(hours=1))
    meeting = services.get_meeting(meeting.id)
    actions.hold_meeting(team.worker, meeting, planning.OutcomeData(
        attendance={team.camille.id: "attended", team.hugo.id: "absent"},
        follow_up_intention="person_will_get_in_touch",
        topic_ids=[topics[0].id], private_notes="Fatigue."), ip=None, now=now)
    db.session.commit()
    meeting = services.get_meeting(meeting.id)
    assert meeting.status == "held" and meeting.private_notes == "Fatigue."
    assert {p.service_user_id: p.status for p in meeting.participants} == {team.camille.id: "attended",
                                                                           team.hugo.id: "absent"}
    assert audit_entries("meetings.hold")[-1].details == {"attended": 1, "absent": 1,
                                                          "follow_up": "person_will_get_in_touch"}


def test_a_meeting_not_started_cannot_be_held_or_missed(team, make_meeting):
    meeting = services.get_meeting(make_meeting(team.profile, [team.camille]).id)
    refused(lambda: actions.hold_meeting(team.worker, meeting, planning.OutcomeData(attendance={}), ip=None,
                                         now=utcnow()))
    meeting = services.get_meeting(meeting.id)
    refused(lambda: actions.mark_missed(team.worker, meeting, ip=None, now=utcnow()))


def test_cancel_needs_a_reason_and_frees_the_room(team, make_meeting):
    meeting = services.get_meeting(make_meeting(team.profile, [team.camille], room=team.room).id)
    refused(lambda: actions.cancel_meeting(team.worker, meeting, "  ", ip=None, now=utcnow()), "reason")
    meeting = services.get_meeting(meeting.id)
    actions.cancel_meeting(team.worker, meeting, "Hospitalisée.", ip=None, now=utcnow())
    db.session.commit()
    assert planning.create_meeting(team.worker, plan([team.hugo], room_id=team.room.id), ip=None, now=utcnow()).id
    assert audit_entries("meetings.cancel")


def test_missed_marks_the_enrolled_absent(team, make_meeting):
    now = utcnow()
    meeting = services.get_meeting(make_meeting(team.profile, [team.camille], starts_at=now - timedelta(hours=2)).id)
    actions.mark_missed(team.worker, meeting, ip=None, now=now)
    db.session.commit()
    meeting = services.get_meeting(meeting.id)
    assert meeting.status == "missed" and meeting.participants[0].status == "absent"


def test_group_enrolment_within_capacity_and_caseload(team, make_meeting, accompany):
    meeting = make_meeting(team.profile, [team.camille], format="group", capacity=2)
    meeting = services.get_meeting(meeting.id)
    refused(lambda: actions.enrol(team.worker, meeting, team.lea.id, ip=None, now=utcnow()), "person_id")
    meeting = services.get_meeting(meeting.id)
    actions.enrol(team.worker, meeting, team.hugo.id, ip=None, now=utcnow())
    db.session.commit()
    third = accompany(team.profile, name="Inès")
    meeting = services.get_meeting(meeting.id)
    message = refused(lambda: actions.enrol(team.worker, meeting, third.id, ip=None, now=utcnow()), "person_id")
    assert "full" in message
    meeting = services.get_meeting(meeting.id)
    actions.withdraw(team.worker, meeting, team.hugo.id, ip=None, now=utcnow())
    db.session.commit()
    meeting = services.get_meeting(meeting.id)
    actions.enrol(team.worker, meeting, third.id, ip=None, now=utcnow())
    db.session.commit()
    assert {p.service_user_id for p in services.get_meeting(meeting.id).participants} == {team.camille.id, third.id}


def test_quick_log_records_a_held_meeting_ending_now(team, topics):
    now = utcnow()
    meeting = actions.quick_log(team.worker, person_id=team.camille.id, format="informal", duration_minutes=15,
                                topic_ids=[topics[0].id], ip=None, now=now)
    db.session.commit()
    meeting = services.get_meeting(meeting.id)
    assert (meeting.status, meeting.place_kind, meeting.initiated_by, meeting.duration_minutes) == (
        "held", "hospital", "peer_worker", 15)
    assert meeting.ends_at == now.replace(microsecond=0) and meeting.participants[0].status == "attended"
    refused(lambda: actions.quick_log(team.worker, person_id=team.lea.id, format="informal", duration_minutes=15,
                                      ip=None, now=now), "person_id")
    refused(lambda: actions.quick_log(team.worker, person_id=team.camille.id, format="informal", duration_minutes=999,
                                      ip=None, now=now), "duration_minutes")
    assert audit_entries("meetings.quick_log")


def test_a_referrer_sees_dates_formats_and_statuses_only_of_people_they_referred(team, make_meeting):
    nurse = new_account("staff")
    other_staff = new_account("staff")
    person = team.camille
    from peer_support.referrals.models import Referral
    referral = db.session.query(Referral).filter_by(service_user_id=person.id).one()
    referral.referred_by_id = nurse.id
    db.session.commit()
    make_meeting(team.profile, [person], private_notes="Secret", team_summary="Partagé", team_summary_agreed=True)
    make_meeting(team.profile, [person, team.hugo], format="group", starts_at=tomorrow_at(14),
                 team_summary="Groupe", team_summary_agreed=True)
    make_meeting(team.profile, [team.hugo], starts_at=tomorrow_at(16))
    seen = services.meetings_for_referrer(nurse, person.id)
    assert [(m.format, m.status) for m in seen] == [("group", "planned"), ("individual", "planned")]
    # The summary of a group would speak of others too: not shown.
    assert [m.team_summary for m in seen] == [None, "Partagé"]
    assert services.meetings_for_referrer(other_staff, person.id) == []
    assert services.meetings_for_referrer(team.worker, person.id) == []


def test_changing_a_meeting_in_a_room_does_not_clash_with_itself(team):
    meeting = planning.create_meeting(team.worker, plan([team.camille], room_id=team.room.id), ip=None, now=utcnow())
    db.session.commit()
    meeting = services.get_meeting(meeting.id)
    planning.update_meeting(team.worker, meeting, plan([team.camille], room_id=team.room.id, minutes=90), ip=None,
                            now=utcnow())
    db.session.commit()
    assert services.get_meeting(meeting.id).duration_minutes == 90


def test_holding_refuses_forged_attendance_and_nobody_present(team, make_meeting):
    now = utcnow()
    meeting = services.get_meeting(make_meeting(team.profile, [team.camille], starts_at=now - timedelta(hours=1)).id)
    refused(lambda: actions.hold_meeting(team.worker, meeting, planning.OutcomeData(
        attendance={team.camille.id: "excused"}), ip=None, now=now), "attendance")
    meeting = services.get_meeting(meeting.id)
    message = refused(lambda: actions.hold_meeting(team.worker, meeting, planning.OutcomeData(
        attendance={team.camille.id: "absent"}), ip=None, now=now), "attendance")
    assert "missed" in message


def test_a_persons_own_cancellation_frees_a_place_and_stays_when_held(team, make_meeting, accompany):
    now = utcnow()
    group = make_meeting(team.profile, [team.camille, team.hugo], format="group", capacity=2,
                         starts_at=now + timedelta(days=1))
    participant = db.session.get(services.MeetingParticipant, (group.id, team.hugo.id))
    participant.status, participant.cancel_reason = "cancelled", "Malade"
    db.session.commit()
    third = accompany(team.profile, name="Inès")
    actions.enrol(team.worker, services.get_meeting(group.id), third.id, ip=None, now=now)
    db.session.commit()
    meeting = services.get_meeting(group.id)
    meeting.starts_at, meeting.ends_at = now - timedelta(hours=2), now - timedelta(hours=1)
    db.session.commit()
    actions.hold_meeting(team.worker, services.get_meeting(group.id), planning.OutcomeData(attendance={}), ip=None,
                         now=now)
    db.session.commit()
    statuses = {p.service_user_id: p.status for p in services.get_meeting(group.id).participants}
    assert statuses == {team.camille.id: "attended", team.hugo.id: "cancelled", third.id: "attended"}


def test_a_group_keeps_at_least_one_person(team, make_meeting):
    group = services.get_meeting(make_meeting(team.profile, [team.camille], format="group").id)
    refused(lambda: actions.withdraw(team.worker, group, team.camille.id, ip=None, now=utcnow()))
