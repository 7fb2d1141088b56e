"""Room booking without double booking, on SQLite and PostgreSQL.

A booking is a meeting with a room. Two people booking the same room for
overlapping times at once must not both succeed, so the check and the write
happen in one transaction that first takes a lock on the room:

- PostgreSQL: `SELECT ... FOR UPDATE` on the room's row. A second booker waits
  there until the first commits, then its overlap query (a new statement under
  READ COMMITTED) sees the first booking and is refused.
- SQLite: every write transaction starts with BEGIN IMMEDIATE (peer_support.db),
  so writers are serialised for the whole transaction; the row lock is a no-op.

Callers check, then flush the meeting, then commit once (DESIGN §3).
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.rooms.models import Room, RoomClosure

# Meetings in these states hold their room; cancelled ones free it.
HOLDING_STATUSES = ("planned", "held", "missed")


def lock_room(room_id: int) -> Room | None:
    """The room, locked for the rest of the transaction (None when it does not exist)."""
    return db.session.scalar(sa.select(Room).where(Room.id == room_id).with_for_update())


def overlapping_meeting_ids(room_id: int, starts_at: datetime, ends_at: datetime, *,
                            exclude_meeting_id: int | None = None) -> list[int]:
    """Meetings holding the room at any moment of [starts_at, ends_at) (end exclusive: back-to-back is fine)."""
    from peer_support.meetings.models import Meeting

    query = sa.select(Meeting.id).where(
        Meeting.room_id == room_id, Meeting.status.in_(HOLDING_STATUSES),
        Meeting.starts_at < ends_at, Meeting.ends_at > starts_at)
    if exclude_meeting_id is not None:
        query = query.where(Meeting.id != exclude_meeting_id)
    return list(db.session.scalars(query.order_by(Meeting.starts_at)))


def closure_during(room_id: int, starts_at: datetime, ends_at: datetime) -> RoomClosure | None:
    """A closure of the room overlapping [starts_at, ends_at), if any."""
    return db.session.scalar(
        sa.select(RoomClosure).where(RoomClosure.room_id == room_id, RoomClosure.starts_at < ends_at,
                                     RoomClosure.ends_at > starts_at)
        .order_by(RoomClosure.starts_at).limit(1))


def check_room_bookable(room_id: int, starts_at: datetime, ends_at: datetime, *,
                        exclude_meeting_id: int | None = None, field: str = "room_id") -> Room:
    """Lock the room and refuse (DomainError on `field`) when it is unknown, inactive, closed or taken then.

    Call it inside the transaction that writes the meeting, just before the flush.
    """
    room = lock_room(room_id)
    if room is None or not room.is_active:
        raise DomainError(_l("This room does not exist or is no longer in use. Choose another room."), field=field)
    if closure_during(room_id, starts_at, ends_at) is not None:
        raise DomainError(_l("This room is closed at that time. Choose another room or another time."),
                          field=field)
    if overlapping_meeting_ids(room_id, starts_at, ends_at, exclude_meeting_id=exclude_meeting_id):
        raise DomainError(_l("This room is already booked at that time. Choose another room or another time "
                             "(\"Find a free room\" shows which rooms are free)."), field=field)
    return room
