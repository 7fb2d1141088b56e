"""Planning, logging and changing meetings: the rules every write follows.

Every write is the leading peer worker's. A room is booked by
rooms.booking.check_room_bookable, called in the writing transaction just before
the flush (it locks the room), so two people booking the same room at once never
both succeed. Services flush; the view commits once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from peer_support.audit.services import record
from peer_support.auth.models import Account
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.meetings.models import (FOLLOW_UP_INTENTIONS, INITIATORS, MAX_DURATION_MINUTES, PLACE_KINDS,
                                          Meeting, MeetingParticipant, MeetingTopic)
from peer_support.meetings.services import own_profile
from peer_support.peers.models import MEETING_FORMATS, PeerProfile
from peer_support.rooms.booking import check_room_bookable
from peer_support.rooms.models import Room
from peer_support.timezones import local_date
from peer_support.triage.services import in_caseload
from peer_support.units.models import account_unit

TITLE_MAX, PLACE_MAX, NOTES_MAX, SUMMARY_MAX, REASON_MAX = 200, 200, 20000, 5000, 500
QUICK_DURATIONS = (10, 15, 30, 45, 60)


@dataclass
class MeetingData:
    """What the plan/log form gives. ends_at, when given, sets the duration."""

    format: str
    starts_at: datetime
    participant_ids: list[int]
    place_kind: str
    status: str = "planned"
    duration_minutes: int | None = None
    ends_at: datetime | None = None
    title: str | None = None
    co_facilitator_ids: list[int] = field(default_factory=list)
    room_id: int | None = None
    place_detail: str | None = None
    initiated_by: str = "peer_worker"
    topic_ids: list[int] = field(default_factory=list)
    private_notes: str | None = None
    team_summary: str | None = None
    team_summary_agreed: bool = False
    follow_up_intention: str | None = None
    follow_up_by: date | None = None
    capacity: int | None = None
    previous_meeting_id: int | None = None


@dataclass
class OutcomeData:
    """What the "mark held" form gives: attendance per person, follow-up, topics, notes."""

    attendance: dict[int, str]
    follow_up_intention: str | None = None
    follow_up_by: date | None = None
    topic_ids: list[int] = field(default_factory=list)
    private_notes: str | None = None
    team_summary: str | None = None
    team_summary_agreed: bool = False


def _clean(text: str | None) -> str | None:
    return (text or "").strip() or None


def _length(text: str | None, limit: int, name: str) -> str | None:
    text = _clean(text)
    if text is not None and len(text) > limit:
        raise DomainError(_l("Keep it under %(max)d characters.", max=limit), field=name)
    return text


def _profile_of(actor) -> PeerProfile:
    profile = own_profile(actor)
    if profile is None:
        raise DomainError(_l("Only a peer worker with a profile plans and logs meetings."))
    return profile


def _check_leads(actor, meeting: Meeting) -> PeerProfile:
    profile = _profile_of(actor)
    if meeting.peer_profile_id != profile.id:
        raise DomainError(_l("Only the peer worker who leads this meeting can change it."))
    return profile


def _duration(data: MeetingData) -> int:
    if data.ends_at is not None:
        if data.ends_at <= data.starts_at:
            raise DomainError(_l("The end must be after the start."), field="ends_at")
        minutes = int((data.ends_at - data.starts_at).total_seconds() // 60)
        if minutes > MAX_DURATION_MINUTES:
            raise DomainError(_l("A meeting lasts at most %(hours)d hours.", hours=MAX_DURATION_MINUTES // 60),
                              field="ends_at")
        return minutes
    if data.duration_minutes is None:
        raise DomainError(_l("Give the end time or the duration."), field="ends_at")
    if data.duration_minutes < 1:
        raise DomainError(_l("The duration must be at least one minute."), field="duration_minutes")
    if data.duration_minutes > MAX_DURATION_MINUTES:
        raise DomainError(_l("A meeting lasts at most %(hours)d hours.", hours=MAX_DURATION_MINUTES // 60),
                          field="duration_minutes")
    return data.duration_minutes


def _check_follow_up(intention: str | None, by: date | None, *, now: datetime) -> tuple[str | None, date | None]:
    if not intention:
        return None, None
    if intention not in FOLLOW_UP_INTENTIONS:
        raise DomainError(_l("Choose what follows this meeting."), field="follow_up_intention")
    if intention != "next_meeting_by":
        return intention, None
    if by is None:
        raise DomainError(_l("Give the date by which you will propose the next meeting."), field="follow_up_by")
    if by < local_date(now):
        raise DomainError(_l("This date is already past: choose today or a later date."), field="follow_up_by")
    return intention, by


def _check_summary(summary: str | None, agreed: bool) -> tuple[str | None, bool]:
    summary = _length(summary, SUMMARY_MAX, "team_summary")
    if summary is not None and not agreed:
        raise DomainError(_l("A summary reaches the care team only if the person agreed: tick the box "
                             "once they have, or leave the summary empty."), field="team_summary_agreed")
    return summary, bool(agreed and summary)


def _topics(ids, already=()) -> list[MeetingTopic]:
    ids = list(dict.fromkeys(int(i) for i in ids))
    if not ids:
        return []
    topics = list(db.session.scalars(sa.select(MeetingTopic).where(MeetingTopic.id.in_(ids))))
    usable = [t for t in topics if t.is_active or t.id in set(already)]
    if len(usable) != len(ids):
        raise DomainError(_l("Choose topics from the list."), field="topic_ids")
    return usable


def _check_people(profile: PeerProfile, ids, already=()) -> list[int]:
    """The participants: people of the worker's caseload (those already in the meeting stay allowed)."""
    ids = list(dict.fromkeys(int(i) for i in ids))
    if not ids:
        raise DomainError(_l("Choose who the meeting is with."), field="participant_ids")
    newcomers = [i for i in ids if i not in set(already)]
    if set(newcomers) - in_caseload(profile.id, newcomers):
        raise DomainError(_l("You can only meet people you accompany (your caseload). Choose among them."),
                          field="participant_ids")
    return ids


def _co_facilitators(ids, already=()) -> list[Account]:
    ids = list(dict.fromkeys(int(i) for i in ids))
    if not ids:
        return []
    accounts = list(db.session.scalars(sa.select(Account).where(Account.id.in_(ids))))
    usable = [a for a in accounts if a.id in set(already) or (a.role == "staff" and a.is_active)]
    if len(usable) != len(ids):
        raise DomainError(_l("Co-facilitators are active members of the care staff."), field="co_facilitator_ids")
    return usable


def _check_room(profile: PeerProfile, room_id: int | None, current_room_id: int | None) -> Room:
    if room_id is None:
        raise DomainError(_l("Choose the room."), field="room_id")
    room = db.session.get(Room, room_id)
    if room is not None and room.id != current_room_id:
        in_units = db.session.scalar(sa.select(sa.exists().where(
            account_unit.c.account_id == profile.account_id, account_unit.c.unit_id == room.unit_id)))
        if not in_units:
            room = None
    if room is None or (not room.is_active and room.id != current_room_id):
        raise DomainError(_l("This room does not exist or is no longer in use. Choose another room."),
                          field="room_id")
    return room


def _check_capacity(*, format_: str, capacity: int | None, people: int, room: Room | None, staff: int) -> None:
    if capacity is not None and capacity < 1:
        raise DomainError(_l("The capacity is at least one person."), field="capacity")
    if format_ == "group" and capacity is not None and people > capacity:
        raise DomainError(_l("The group is full: %(capacity)d places for %(people)d people.", capacity=capacity,
                             people=people), field="participant_ids")
    if room is not None and room.capacity is not None:
        if format_ == "group" and capacity is not None and capacity + staff > room.capacity:
            raise DomainError(_l("The room holds %(room)d people: it cannot take a group of %(capacity)d with "
                                 "its facilitators.", room=room.capacity, capacity=capacity), field="capacity")
        if people + staff > room.capacity:
            raise DomainError(_l("The room holds %(room)d people: too small for %(people)d people with their "
                                 "facilitators.", room=room.capacity, people=people), field="room_id")


def _check_timing(status: str, starts_at: datetime, *, now: datetime) -> None:
    if status == "planned" and starts_at <= now:
        raise DomainError(_l("A planned meeting starts in the future. For a meeting that already took place, "
                             "choose “held”."), field="starts_on")
    if status == "held" and starts_at > now:
        raise DomainError(_l("A meeting can be logged as held only once it has started. Plan it instead."),
                          field="starts_on")


def _apply(actor, profile: PeerProfile, meeting: Meeting, data: MeetingData, *, now: datetime,
           creating: bool) -> None:
    """Check everything, then write it onto the meeting (room booking checked last, before the flush)."""
    if data.format not in MEETING_FORMATS:
        raise DomainError(_l("Choose the format of the meeting."), field="format")
    if data.place_kind not in PLACE_KINDS:
        raise DomainError(_l("Choose where the meeting takes place."), field="place_kind")
    if data.initiated_by not in INITIATORS:
        raise DomainError(_l("Say who asked for the meeting."), field="initiated_by")
    status = data.status if creating else meeting.status
    if status not in ("planned", "held") or (not creating and meeting.status not in ("planned", "held")):
        raise DomainError(_l("A cancelled or missed meeting cannot be changed."))
    minutes = _duration(data)
    time_changed = creating or data.starts_at != meeting.starts_at
    if time_changed:
        _check_timing(status, data.starts_at, now=now)
    already_people = [p.service_user_id for p in meeting.participants] if not creating else []
    people = _check_people(profile, data.participant_ids, already_people)
    if data.format == "individual" and len(people) != 1:
        raise DomainError(_l("An individual meeting is with one person; for several, choose a group or an "
                             "informal meeting."), field="participant_ids")
    co_facilitators = _co_facilitators(data.co_facilitator_ids,
                                       [a.id for a in meeting.co_facilitators] if not creating else [])
    room = None
    if data.place_kind == "room":
        room = _check_room(profile, data.room_id, meeting.room_id if not creating else None)
    capacity = data.capacity if data.format == "group" else None
    active_people = [i for i in people if not any(p.service_user_id == i and p.status == "cancelled"
                                                  for p in (meeting.participants if not creating else []))]
    _check_capacity(format_=data.format, capacity=capacity, people=len(active_people), room=room,
                    staff=1 + len(co_facilitators))
    topics = _topics(data.topic_ids, [t.id for t in meeting.topics] if not creating else [])
    summary, agreed = _check_summary(data.team_summary, data.team_summary_agreed)
    intention, by = (_check_follow_up(data.follow_up_intention, data.follow_up_by, now=now) if status == "held"
                     else (None, None))
    meeting.format = data.format
    meeting.status = status
    meeting.title = _length(data.title, TITLE_MAX, "title")
    meeting.starts_at = data.starts_at
    meeting.duration_minutes = minutes
    meeting.ends_at = data.starts_at + timedelta(minutes=minutes)
    meeting.place_kind = data.place_kind
    meeting.room_id = room.id if room is not None else None
    meeting.place_detail = _length(data.place_detail, PLACE_MAX, "place_detail")
    meeting.initiated_by = data.initiated_by
    meeting.capacity = capacity
    meeting.private_notes = _length(data.private_notes, NOTES_MAX, "private_notes")
    meeting.team_summary, meeting.team_summary_agreed = summary, agreed
    meeting.follow_up_intention, meeting.follow_up_by = intention, by
    meeting.topics = topics
    meeting.co_facilitators = co_facilitators
    existing = {p.service_user_id: p for p in meeting.participants} if not creating else {}
    participant_status = "attended" if status == "held" and creating else "enrolled"
    meeting.participants = [existing.get(i) or MeetingParticipant(service_user_id=i, status=participant_status,
                                                                  enrolled_at=now)
                            for i in people]
    meeting.updated_at = now
    if room is not None:
        with db.session.no_autoflush:
            check_room_bookable(room.id, meeting.starts_at, meeting.ends_at,
                                exclude_meeting_id=None if creating else meeting.id)


def create_meeting(actor, data: MeetingData, *, ip: str | None, now: datetime) -> Meeting:
    """Plan a meeting, or log one already held; `previous_meeting_id` links it to the one it follows."""
    profile = _profile_of(actor)
    previous_id = None
    if data.previous_meeting_id is not None:
        previous_id = db.session.scalar(sa.select(Meeting.id).where(Meeting.id == data.previous_meeting_id,
                                                                    Meeting.peer_profile_id == profile.id))
    meeting = Meeting(peer_profile_id=profile.id, created_by_id=actor.id, created_at=now,
                      previous_meeting_id=previous_id)
    # New objects' collections start empty: nothing to load lazily.
    meeting.participants, meeting.topics, meeting.co_facilitators = [], [], []
    _apply(actor, profile, meeting, data, now=now, creating=True)
    db.session.add(meeting)
    db.session.flush()
    record("meetings.create", actor=actor, object_type="meeting", object_id=meeting.id, ip=ip, now=now,
           details={"status": meeting.status, "format": meeting.format, "people": len(meeting.participants)})
    return meeting


def update_meeting(actor, meeting: Meeting, data: MeetingData, *, ip: str | None, now: datetime) -> Meeting:
    """Change a planned or held meeting (its leading worker); the audit names the fields changed, not their content."""
    profile = _check_leads(actor, meeting)
    fields = ("format", "title", "starts_at", "duration_minutes", "place_kind", "room_id", "place_detail",
              "initiated_by", "capacity", "private_notes", "team_summary", "team_summary_agreed",
              "follow_up_intention", "follow_up_by")
    before = {name: getattr(meeting, name) for name in fields}
    before["people"] = sorted(p.service_user_id for p in meeting.participants)
    before["topics"] = sorted(t.id for t in meeting.topics)
    before["co_facilitators"] = sorted(a.id for a in meeting.co_facilitators)
    _apply(actor, profile, meeting, data, now=now, creating=False)
    after = {name: getattr(meeting, name) for name in fields}
    after["people"] = sorted(p.service_user_id for p in meeting.participants)
    after["topics"] = sorted(t.id for t in meeting.topics)
    after["co_facilitators"] = sorted(a.id for a in meeting.co_facilitators)
    db.session.flush()
    record("meetings.update", actor=actor, object_type="meeting", object_id=meeting.id, ip=ip, now=now,
           details={"fields": sorted(name for name in before if before[name] != after[name])})
    return meeting
