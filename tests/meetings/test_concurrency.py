"""Two people booking the same room at the same time: one wins, the other is told, nothing overlaps.

Each thread has its own application context, hence its own session and connection, as two
web requests would; a barrier makes them race. Runs on the test database's engine (SQLite
file or PostgreSQL, following DATABASE_URL).
"""
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from peer_support.auth.models import Account
from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.meetings import planning
from peer_support.meetings.models import Meeting
from tests.meetings import support
from tests.meetings.support import tomorrow_at

team = support.team  # the fixture, shared by the meetings tests


def _book(app, barrier, account_id, person_id, starts_at, outcomes):
    with app.app_context():
        try:
            actor = db.session.get(Account, account_id)
            db.session.commit()  # no transaction (nor SQLite write lock) held while waiting at the barrier
            barrier.wait(timeout=30)
            data = planning.MeetingData(format="individual", starts_at=starts_at, duration_minutes=60,
                                        participant_ids=[person_id], place_kind="room", room_id=outcomes["room"])
            try:
                meeting = planning.create_meeting(actor, data, ip=None, now=utcnow())
                db.session.commit()
                outcomes[account_id] = ("booked", meeting.id)
            except DomainError as error:
                db.session.rollback()
                with force_locale("en"):
                    outcomes[account_id] = ("refused", str(error))
        except Exception as error:  # noqa: BLE001 - reported by the test
            outcomes[account_id] = ("error", repr(error))
        finally:
            db.session.remove()


@pytest.mark.parametrize("round_", range(3))
def test_two_concurrent_bookings_of_a_room_one_wins_the_other_is_refused(app, team, round_):
    start = tomorrow_at(10) + timedelta(days=round_)
    outcomes = {"room": team.room.id}
    first, second = (team.worker.id, team.camille.id), (team.other_worker.id, team.lea.id)
    # The test's own session must hold no transaction (on SQLite, no write lock) during the race.
    db.session.commit()
    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=_book, args=(app, barrier, *first, start, outcomes)),
               threading.Thread(target=_book, args=(app, barrier, *second, start + timedelta(minutes=30), outcomes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    results = sorted([outcomes[first[0]][0], outcomes[second[0]][0]])
    assert results == ["booked", "refused"], outcomes
    refusal = next(o for key, o in outcomes.items() if key != "room" and o[0] == "refused")
    assert "already booked" in refusal[1]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Meeting)
                             .where(Meeting.room_id == team.room.id)) == 1
    # No two meetings holding the room overlap.
    other = sa.orm.aliased(Meeting)
    overlaps = db.session.scalar(
        sa.select(sa.func.count()).select_from(Meeting).join(other, sa.and_(
            other.room_id == Meeting.room_id, other.id != Meeting.id, other.starts_at < Meeting.ends_at,
            other.ends_at > Meeting.starts_at)))
    assert overlaps == 0
