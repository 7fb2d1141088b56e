"""The stored last meeting of each worker with each person (meetings/last_meetings.py) follows every change of a
meeting or a participant, and always equals what the meetings themselves say."""
from datetime import timedelta

import sqlalchemy as sa

from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.meetings import actions, last_meetings, planning, services
from peer_support.meetings.models import LastMeeting, Meeting, MeetingParticipant
from tests.helpers import counted_statements
from tests.meetings import support
from tests.meetings.support import plan

team = support.team  # the fixture, shared by the meetings tests


def stored() -> dict[tuple[int, int], object]:
    db.session.expire_all()
    return {(worker, person): at for worker, person, at in db.session.execute(
        sa.select(LastMeeting.peer_profile_id, LastMeeting.service_user_id, LastMeeting.starts_at))}


def live() -> dict[tuple[int, int], object]:
    """What the meetings say, computed in Python from every participation (not with held_with's SQL)."""
    result = {}
    for participant, meeting in db.session.execute(sa.select(MeetingParticipant, Meeting).join(Meeting)):
        if meeting.status == "held" and participant.status in ("enrolled", "attended"):
            key = (meeting.peer_profile_id, participant.service_user_id)
            result[key] = max(result.get(key, meeting.starts_at), meeting.starts_at)
    return result


def test_every_change_of_a_meeting_or_a_participant_moves_the_stored_last_meeting(team, make_meeting):
    now = utcnow().replace(microsecond=0)
    worker, camille, hugo = team.profile.id, team.camille.id, team.hugo.id
    assert stored() == {}

    # A meeting logged as held, then a quick log with Camille: the latest counts.
    first = planning.create_meeting(team.worker, plan([team.camille, team.hugo], status="held",
                                                      starts_at=now - timedelta(days=20)), ip=None, now=now)
    db.session.commit()
    assert stored() == live() == {(worker, camille): now - timedelta(days=20), (worker, hugo): now - timedelta(days=20)}
    quick = actions.quick_log(team.worker, person_id=camille, format="individual", duration_minutes=30, ip=None,
                              now=now)
    db.session.commit()
    assert stored()[(worker, camille)] == quick.starts_at
    assert stored() == live()

    # Hugo marked absent from the first meeting: he was never met.
    first = services.get_meeting(first.id)
    first.participants[[p.service_user_id for p in first.participants].index(hugo)].status = "absent"
    db.session.commit()
    assert (worker, hugo) not in stored()
    assert stored() == live()

    # A planned meeting held later: its start is the new last meeting; planned ones never count.
    planned = make_meeting(team.profile, [team.hugo], starts_at=now - timedelta(days=2))
    assert (worker, hugo) not in stored()
    actions.hold_meeting(team.worker, services.get_meeting(planned.id), planning.OutcomeData(attendance={}),
                         ip=None, now=now)
    db.session.commit()
    assert stored()[(worker, hugo)] == now - timedelta(days=2)

    # Moving a held meeting's start, then handing it to another worker.
    planned = services.get_meeting(planned.id)
    planned.starts_at, planned.ends_at = now - timedelta(days=5), now - timedelta(days=5, hours=-1)
    db.session.commit()
    assert stored()[(worker, hugo)] == now - timedelta(days=5)
    planned = services.get_meeting(planned.id)
    planned.peer_profile_id = team.other_profile.id
    db.session.commit()
    assert stored()[(team.other_profile.id, hugo)] == now - timedelta(days=5)
    assert (worker, hugo) not in stored()

    # A participant removed from the quick log: Camille's last meeting falls back to the first one.
    quick = services.get_meeting(quick.id)
    quick.participants.remove(quick.participants[0])
    db.session.commit()
    assert stored()[(worker, camille)] == now - timedelta(days=20)
    assert stored() == live()


def test_a_change_the_hook_cannot_see_is_mended_by_the_rebuild(team, make_meeting):
    now = utcnow().replace(microsecond=0)
    meeting = make_meeting(team.profile, [team.camille], starts_at=now - timedelta(days=3), status="held")
    assert stored() == {(team.profile.id, team.camille.id): now - timedelta(days=3)}
    # A bulk UPDATE bypasses the session's flush.
    db.session.execute(sa.update(Meeting).where(Meeting.id == meeting.id).values(status="cancelled"))
    db.session.commit()
    assert stored() != live()
    last_meetings.rebuild(db.session.connection())
    db.session.commit()
    assert stored() == live() == {}


def test_a_flush_without_meetings_writes_nothing(team, make_meeting):
    now = utcnow().replace(microsecond=0)
    make_meeting(team.profile, [team.camille], starts_at=now - timedelta(days=3), status="held")
    meeting = db.session.scalar(sa.select(Meeting))
    with counted_statements() as statements:
        meeting.private_notes = "Notes only: the last meeting does not move."
        db.session.commit()
    assert statements and not any("last_meeting" in statement for statement in statements)
