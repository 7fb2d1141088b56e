"""The last meeting each peer worker held with each person (table last_meeting), kept as meetings change.

The caseload sorts a worker's people by their last meeting; aggregating it on every view read every
participation of every person on the caseload (thousands of rows for a busy worker). The table holds it
instead, recomputed here for the (worker, person) pairs a flush touches:
- a meeting added, or whose status, start or worker changed: its worker(s) and its participants;
- a participant added, removed (deleted, or taken out of its meeting's participants) or whose status changed:
  the meeting's worker and that person.
The recomputation reads the meetings themselves (never adds to the stored value), so it is right whatever the
order of the changes. Writes that bypass the ORM (bulk UPDATEs) are not seen: the ones the code makes today
touch planned meetings only, which never count. The nightly snapshot rebuilds the whole table anyway
(rebuild()), which also mends the one case recomputation cannot see on PostgreSQL: two transactions giving
the same worker and person their first held meeting at the same instant.

Read it as a column (LastMeeting.starts_at in a select), not as loaded LastMeeting objects: the statements here
do not refresh objects already in the session.
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from peer_support.meetings.models import TOOK_PART, LastMeeting, Meeting, MeetingParticipant

# The attributes whose change moves a last meeting.
MEETING_FIELDS = ("status", "starts_at", "peer_profile_id")
PARTICIPANT_FIELDS = ("status",)


def held_with(workers: Iterable[int] | None = None, persons: Iterable[int] | None = None) -> sa.Select:
    """(peer_profile_id, service_user_id, starts_at): the last held meeting per worker and person who took part,
    for these workers and persons (all when None)."""
    query = (sa.select(Meeting.peer_profile_id, MeetingParticipant.service_user_id, sa.func.max(Meeting.starts_at))
             .join(Meeting, Meeting.id == MeetingParticipant.meeting_id)
             .where(Meeting.status == "held", MeetingParticipant.status.in_(TOOK_PART))
             .group_by(Meeting.peer_profile_id, MeetingParticipant.service_user_id))
    if workers is not None:
        query = query.where(Meeting.peer_profile_id.in_(workers))
    if persons is not None:
        query = query.where(MeetingParticipant.service_user_id.in_(persons))
    return query


def refresh_statements(dialect: str, workers: set[int] | None = None, persons: set[int] | None = None) -> list:
    """The statements that recompute the pairs of these workers and persons (every pair when both are None):
    delete them, then insert what the meetings say, on one of the two engines. The insert updates a row another
    transaction wrote meanwhile (PostgreSQL) instead of failing on the key."""
    table = LastMeeting.__table__
    delete = sa.delete(table)
    if workers is not None:
        delete = delete.where(table.c.peer_profile_id.in_(workers))
    if persons is not None:
        delete = delete.where(table.c.service_user_id.in_(persons))
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # SQLite needs a WHERE in an INSERT ... SELECT with ON CONFLICT (else ON reads as a join's).
    statement = insert(table).from_select(["peer_profile_id", "service_user_id", "starts_at"],
                                          held_with(workers, persons).where(sa.true()))
    statement = statement.on_conflict_do_update(index_elements=[table.c.peer_profile_id, table.c.service_user_id],
                                                set_={"starts_at": statement.excluded.starts_at})
    return [delete, statement]


def rebuild(connection) -> None:
    """Recompute the whole table (the migration's backfill, the bench's data, the nightly snapshot)."""
    for statement in refresh_statements(connection.dialect.name):
        connection.execute(statement)


def _changed(state, fields: tuple[str, ...]) -> bool:
    return any(state.attrs[name].history.has_changes() for name in fields)


def _old_and_new(state, name: str) -> set[int]:
    history = state.attrs[name].history
    return {value for value in (*history.deleted, *history.unchanged, *history.added) if value is not None}


@event.listens_for(Session, "after_flush")
def _refresh_touched(session, flush_context) -> None:
    """Recompute the pairs the flush touched (see the module's description)."""
    meetings, workers, persons = set(), set(), set()
    for obj, kind in ((obj, kind) for kind, objs in (("new", session.new), ("dirty", session.dirty),
                                                     ("deleted", session.deleted)) for obj in objs):
        if isinstance(obj, Meeting):
            state = sa.inspect(obj)
            # A participant taken out of the collection is deleted in the flush as an orphan: it is not
            # among the session's deleted objects, only in the collection's history.
            removed = {participant.service_user_id for participant in state.attrs.participants.history.deleted}
            if kind != "dirty" or removed or _changed(state, MEETING_FIELDS):
                meetings.add(obj.id)
                workers |= _old_and_new(state, "peer_profile_id")
                persons |= removed
        elif isinstance(obj, MeetingParticipant):
            state = sa.inspect(obj)
            if kind != "dirty" or _changed(state, PARTICIPANT_FIELDS):
                meetings.add(obj.meeting_id)
                persons.add(obj.service_user_id)
    if not meetings:
        return
    connection = session.connection()
    workers |= set(connection.scalars(sa.select(Meeting.peer_profile_id).where(Meeting.id.in_(meetings))))
    persons |= set(connection.scalars(sa.select(MeetingParticipant.service_user_id)
                                      .where(MeetingParticipant.meeting_id.in_(meetings))))
    if not persons:
        return
    for statement in refresh_statements(connection.dialect.name, workers, persons):
        connection.execute(statement)
