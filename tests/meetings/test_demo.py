"""The meetings demo: every format and status, groups with attendance, rooms never double-booked."""
import random

import sqlalchemy as sa

from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.meetings.demo import TOPICS, add_demo_meetings
from peer_support.meetings.models import STATUSES, Meeting, MeetingTopic
from peer_support.peers.models import MEETING_FORMATS


def test_demo_meetings_cover_formats_and_statuses_without_double_booking(app, units, make_profile, accompany,
                                                                         make_room):
    profiles = [make_profile(units=[units[0]]) for _ in range(3)]
    for profile in profiles:
        for name in ("Camille", "Hugo", "Manon", "Yanis"):
            accompany(profile, name=name)
    rooms = [make_room("Salle 1", capacity=8), make_room("Salle 2", capacity=3)]
    meetings = add_demo_meetings(random.Random(3), utcnow(), rooms)
    assert {m.format for m in meetings} == set(MEETING_FORMATS)
    assert {m.status for m in meetings} == set(STATUSES)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MeetingTopic)) == len(TOPICS)
    booked = [m for m in meetings if m.room_id and m.status != "cancelled"]
    assert booked
    for a in booked:
        for b in booked:
            assert a is b or a.room_id != b.room_id or not (a.starts_at < b.ends_at and b.starts_at < a.ends_at)
    groups = [m for m in meetings if m.format == "group"]
    assert groups and all(len(m.participants) >= 2 for m in groups)
    assert any(p.status == "cancelled" and p.cancel_reason for m in meetings for p in m.participants)
    db.session.commit()
    # Without rooms, none is booked; the vocabulary is not created twice.
    again = add_demo_meetings(random.Random(4), utcnow())
    db.session.commit()
    assert all(m.room_id is None for m in again)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MeetingTopic)) == len(TOPICS)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)) == len(meetings) + len(again)
