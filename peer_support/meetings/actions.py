"""What happens to a meeting after it is planned: held (attendance, follow-up), cancelled, missed;
group enrolments; and the quick log of an informal encounter. Each is the leading worker's."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from peer_support.audit.services import record
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.meetings.models import Meeting, MeetingParticipant
from peer_support.meetings.planning import (NOTES_MAX, QUICK_DURATIONS, REASON_MAX, OutcomeData, _check_follow_up,
                                            _check_leads, _check_people, _check_summary, _length, _profile_of,
                                            _topics)
from peer_support.peers.models import MEETING_FORMATS


def _check_started(meeting: Meeting, now: datetime) -> None:
    if meeting.starts_at > now:
        raise DomainError(_l("This meeting has not started yet."))


def hold_meeting(actor, meeting: Meeting, data: OutcomeData, *, ip: str | None, now: datetime) -> None:
    """Mark a planned meeting held (or correct a held one): who came, what follows, topics, notes."""
    _check_leads(actor, meeting)
    if meeting.status not in ("planned", "held"):
        raise DomainError(_l("A cancelled or missed meeting cannot be marked held."))
    _check_started(meeting, now)
    for participant in meeting.participants:
        if participant.status == "cancelled":
            continue  # the person cancelled from their own space: it stays so
        status = data.attendance.get(participant.service_user_id, "attended")
        if status not in ("attended", "absent"):
            raise DomainError(_l("Say whether each person attended."), field="attendance")
        participant.status = status
    if meeting.participants and not any(p.status == "attended" for p in meeting.participants):
        raise DomainError(_l("Nobody attended: mark the meeting missed instead."), field="attendance")
    intention, by = _check_follow_up(data.follow_up_intention, data.follow_up_by, now=now)
    summary, agreed = _check_summary(data.team_summary, data.team_summary_agreed)
    meeting.topics = _topics(data.topic_ids, [t.id for t in meeting.topics])
    meeting.private_notes = _length(data.private_notes, NOTES_MAX, "private_notes")
    meeting.team_summary, meeting.team_summary_agreed = summary, agreed
    meeting.follow_up_intention, meeting.follow_up_by = intention, by
    meeting.status = "held"
    meeting.updated_at = now
    db.session.flush()
    record("meetings.hold", actor=actor, object_type="meeting", object_id=meeting.id, ip=ip, now=now,
           details={"attended": sum(p.status == "attended" for p in meeting.participants),
                    "absent": sum(p.status == "absent" for p in meeting.participants),
                    "follow_up": intention})


def cancel_meeting(actor, meeting: Meeting, reason: str | None, *, ip: str | None, now: datetime) -> None:
    """Cancel a planned meeting with a reason; its room is free again."""
    _check_leads(actor, meeting)
    if meeting.status != "planned":
        raise DomainError(_l("Only a planned meeting can be cancelled."))
    reason = _length(reason, REASON_MAX, "reason")
    if reason is None:
        raise DomainError(_l("Say why the meeting is cancelled."), field="reason")
    meeting.status, meeting.cancel_reason, meeting.cancelled_by_id = "cancelled", reason, actor.id
    meeting.updated_at = now
    db.session.flush()
    record("meetings.cancel", actor=actor, object_type="meeting", object_id=meeting.id, ip=ip, now=now)


def mark_missed(actor, meeting: Meeting, *, ip: str | None, now: datetime) -> None:
    """The person did not come (or could not be reached) to a planned meeting that has started."""
    _check_leads(actor, meeting)
    if meeting.status != "planned":
        raise DomainError(_l("Only a planned meeting can be marked missed."))
    _check_started(meeting, now)
    meeting.status = "missed"
    for participant in meeting.participants:
        if participant.status == "enrolled":
            participant.status = "absent"
    meeting.updated_at = now
    db.session.flush()
    record("meetings.missed", actor=actor, object_type="meeting", object_id=meeting.id, ip=ip, now=now)


def _check_group(meeting: Meeting) -> None:
    if meeting.format != "group":
        raise DomainError(_l("Only group sessions take enrolments."))
    if meeting.status != "planned":
        raise DomainError(_l("Enrolments change only while the session is planned."))


def enrol(actor, meeting: Meeting, person_id: int | None, *, ip: str | None, now: datetime) -> None:
    """Enrol a person of the worker's caseload in a planned group session, within its capacity and its room's."""
    profile = _check_leads(actor, meeting)
    _check_group(meeting)
    if person_id is None:
        raise DomainError(_l("Choose who to enrol."), field="person_id")
    current = {p.service_user_id: p for p in meeting.participants}
    if person_id in current and current[person_id].status != "cancelled":
        raise DomainError(_l("This person is already enrolled."), field="person_id")
    if person_id not in current:
        try:
            _check_people(profile, [person_id])
        except DomainError as error:
            error.field = "person_id"
            raise
    taking_part = sum(1 for p in meeting.participants if p.status != "cancelled") + 1
    limits = [meeting.capacity]
    if meeting.room is not None and meeting.room.capacity is not None:
        limits.append(meeting.room.capacity - 1 - len(meeting.co_facilitators))
    if any(limit is not None and taking_part > limit for limit in limits):
        raise DomainError(_l("The group is full: nobody more can be enrolled."), field="person_id")
    if person_id in current:
        current[person_id].status, current[person_id].cancel_reason = "enrolled", None
    else:
        meeting.participants.append(MeetingParticipant(service_user_id=person_id, status="enrolled",
                                                       enrolled_at=now))
    meeting.updated_at = now
    db.session.flush()
    record("meetings.enrol", actor=actor, object_type="meeting", object_id=meeting.id, ip=ip, now=now,
           details={"person": person_id})


def withdraw(actor, meeting: Meeting, person_id: int, *, ip: str | None, now: datetime) -> None:
    """Take a person out of a planned group session."""
    _check_leads(actor, meeting)
    _check_group(meeting)
    participant = next((p for p in meeting.participants if p.service_user_id == person_id), None)
    if participant is None:
        raise DomainError(_l("This person is not enrolled."))
    if len(meeting.participants) == 1:
        raise DomainError(_l("A session keeps at least one person: cancel it instead."))
    meeting.participants.remove(participant)
    meeting.updated_at = now
    db.session.flush()
    record("meetings.withdraw", actor=actor, object_type="meeting", object_id=meeting.id, ip=ip, now=now,
           details={"person": person_id})


def quick_log(actor, *, person_id: int | None, format: str, duration_minutes: int | None, topic_ids=(),
              private_notes: str | None = None, ip: str | None, now: datetime) -> Meeting:
    """An encounter just held (a corridor, a coffee): ends now, elsewhere in the hospital, at the worker's
    initiative."""
    profile = _profile_of(actor)
    if person_id is None:
        raise DomainError(_l("Choose who you met."), field="person_id")
    try:
        _check_people(profile, [person_id])
    except DomainError as error:
        error.field = "person_id"
        raise
    if format not in MEETING_FORMATS:
        raise DomainError(_l("Choose the format of the meeting."), field="format")
    if duration_minutes not in QUICK_DURATIONS:
        raise DomainError(_l("Choose how long it lasted."), field="duration_minutes")
    now = now.replace(microsecond=0)
    meeting = Meeting(peer_profile_id=profile.id, format=format, status="held",
                      starts_at=now - timedelta(minutes=duration_minutes), duration_minutes=duration_minutes,
                      ends_at=now, place_kind="hospital", initiated_by="peer_worker", created_by_id=actor.id,
                      created_at=now, updated_at=now)
    meeting.participants = [MeetingParticipant(service_user_id=person_id, status="attended", enrolled_at=now)]
    meeting.topics = _topics(topic_ids)
    meeting.co_facilitators = []
    meeting.private_notes = _length(private_notes, NOTES_MAX, "private_notes")
    db.session.add(meeting)
    db.session.flush()
    record("meetings.quick_log", actor=actor, object_type="meeting", object_id=meeting.id, ip=ip, now=now,
           details={"format": format, "minutes": duration_minutes})
    return meeting
