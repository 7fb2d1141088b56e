"""Shared fixtures for meetings, rooms and calendars: accompaniments, rooms and meetings made with the models.

Other test folders import them: `from tests.meetings.conftest import accompany, make_meeting, make_room, ...`.
"""
from datetime import datetime, timedelta, timezone

import pytest

from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.meetings.models import Meeting, MeetingParticipant, MeetingTopic
from peer_support.rooms.models import Room
from tests.peers.conftest import domains, make_profile  # noqa: F401  (shared fixtures)
from tests.triage.conftest import new_person, new_referral, units  # noqa: F401  (shared fixtures)


@pytest.fixture
def accompany(app):
    """accompany(profile, person=None, status="active", name=..., **fields) -> the person, in the worker's caseload.
    Fields of new_person (name, units, language, channel, phone) make the person; the others go to new_referral."""
    person_keys = {"name", "units", "language", "channel", "phone"}

    def make(profile, person=None, *, status="active", **fields):
        person = person or new_person(**{k: v for k, v in fields.items() if k in person_keys})
        new_referral(person, status=status, peer_profile=profile,
                     **{k: v for k, v in fields.items() if k not in person_keys})
        return person

    return make


@pytest.fixture
def make_room(app, units):
    """make_room(name="Salle 1", unit=None, capacity=8) -> a Room of CL3R unless another unit is given."""
    def make(name="Salle 1", *, unit=None, capacity=8, **fields):
        room = Room(name=name, unit_id=(unit or units[0]).id, capacity=capacity, **fields)
        db.session.add(room)
        db.session.commit()
        return room

    return make


@pytest.fixture
def topics(app):
    """Three meeting topics."""
    entries = [MeetingTopic(name_fr="Vie quotidienne", name_en="Daily life"),
               MeetingTopic(name_fr="Rétablissement et espoir", name_en="Recovery and hope"),
               MeetingTopic(name_fr="Stigmatisation", name_en="Stigma")]
    db.session.add_all(entries)
    db.session.commit()
    return entries


@pytest.fixture
def make_meeting(app):
    """make_meeting(profile, people=(), starts_at=None, minutes=60, **fields) -> a Meeting (default: tomorrow
    10:00 UTC, individual, planned, elsewhere in the hospital); a room sets place_kind="room"."""
    def make(profile, people=(), *, starts_at: datetime | None = None, minutes=60, room=None,
             status="planned", format="individual", participant_status="enrolled", **fields):
        if starts_at is None:
            tomorrow = utcnow() + timedelta(days=1)
            starts_at = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 10, 0, tzinfo=timezone.utc)
        fields.setdefault("place_kind", "room" if room is not None else "hospital")
        meeting = Meeting(peer_profile_id=profile.id, format=format, status=status, starts_at=starts_at,
                          duration_minutes=minutes, ends_at=starts_at + timedelta(minutes=minutes),
                          room_id=room.id if room is not None else None, **fields)
        meeting.participants = [MeetingParticipant(service_user_id=person.id, status=participant_status)
                                for person in people]
        db.session.add(meeting)
        db.session.commit()
        return meeting

    return make
