"""Helpers of the meetings tests: a worker with people to meet and a room, and form data."""
from datetime import datetime, timedelta, timezone

import pytest

from peer_support.db import utcnow
from peer_support.meetings.planning import MeetingData
from tests.helpers import account_of


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    day = utcnow() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.utc)


def plan(people, *, starts_at=None, minutes=60, **fields) -> MeetingData:
    """What the plan form gives: an individual meeting tomorrow 10:00 UTC in the hospital, unless told."""
    fields.setdefault("format", "individual" if len(people) == 1 else "group")
    fields.setdefault("place_kind", "room" if fields.get("room_id") else "hospital")
    fields.setdefault("duration_minutes", minutes)
    return MeetingData(starts_at=starts_at or tomorrow_at(10), participant_ids=[p.id for p in people], **fields)


@pytest.fixture
def team(app, units, make_profile, accompany, make_room):
    """A worker of CL3R accompanying Camille and Hugo; another worker accompanying Léa; a room of CL3R."""
    class Team:
        pass

    team = Team()
    team.profile = make_profile(units=[units[0]])
    team.worker = account_of(team.profile)
    team.camille = accompany(team.profile, name="Camille")
    team.hugo = accompany(team.profile, name="Hugo")
    team.other_profile = make_profile(units=[units[0]])
    team.other_worker = account_of(team.other_profile)
    team.lea = accompany(team.other_profile, name="Léa")
    team.room = make_room("Salle Tilleul", capacity=6, accessibility_note="Step-free access")
    return team
