"""Rooms of each unit: creating, changing, taking out of use, closing for a period, finding a free one.

Rooms are not health data: every professional sees every unit's rooms. Booking a room
(and refusing a closed or taken one) is booking.py's job, called by the meetings.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from peer_support.audit.services import record
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.rooms.booking import HOLDING_STATUSES, overlapping_meeting_ids
from peer_support.rooms.models import Room, RoomClosure
from peer_support.units.models import Unit

NAME_MAX, NOTE_MAX, REASON_MAX = 120, 300, 200
CAPACITY_MAX = 500


@dataclass
class RoomData:
    """What the room form gives."""

    name: str
    unit_id: int | None
    capacity: int | None
    accessibility_note: str | None


# --- Reading ----------------------------------------------------------------------------------

def get_room(room_id: int) -> Room | None:
    """A room with its unit."""
    return db.session.scalar(sa.select(Room).options(joinedload(Room.unit)).where(Room.id == room_id))


def get_room_with_closures(room_id: int) -> Room | None:
    """A room with its unit and its closures (the room's page)."""
    from sqlalchemy.orm import selectinload

    return db.session.scalar(sa.select(Room).options(joinedload(Room.unit), selectinload(Room.closures))
                             .where(Room.id == room_id))


def rooms_by_unit(*, include_inactive: bool = True) -> list[tuple[Unit, list[Room]]]:
    """Every room grouped by unit (units by code, rooms by name), in one query."""
    query = sa.select(Room).join(Room.unit).options(joinedload(Room.unit)).order_by(Unit.code, Room.name)
    if not include_inactive:
        query = query.where(Room.is_active)
    groups: dict[int, tuple[Unit, list[Room]]] = {}
    for room in db.session.scalars(query):
        groups.setdefault(room.unit_id, (room.unit, []))[1].append(room)
    return list(groups.values())


def unit_choices(include_id: int | None = None) -> list[tuple[int, str]]:
    """(id, label) of active units, plus the room's current unit if it is no longer active."""
    condition = Unit.is_active
    if include_id:
        condition = sa.or_(condition, Unit.id == include_id)
    return [(unit.id, f"{unit.code} — {unit.name}")
            for unit in db.session.scalars(sa.select(Unit).where(condition).order_by(Unit.code))]


def free_rooms(starts_at: datetime, ends_at: datetime, *, unit_id: int | None = None,
               min_capacity: int | None = None) -> list[Room]:
    """Active rooms neither booked nor closed at any moment of [starts_at, ends_at), in one query.

    End exclusive, as booking.py: a meeting ending when the slot starts leaves the room free.
    A room of unknown capacity is left out when a minimum capacity is asked for."""
    from peer_support.meetings.models import Meeting

    booked = sa.exists().where(Meeting.room_id == Room.id, Meeting.status.in_(HOLDING_STATUSES),
                               Meeting.starts_at < ends_at, Meeting.ends_at > starts_at)
    closed = sa.exists().where(RoomClosure.room_id == Room.id, RoomClosure.starts_at < ends_at,
                               RoomClosure.ends_at > starts_at)
    query = (sa.select(Room).join(Room.unit).options(joinedload(Room.unit))
             .where(Room.is_active, Unit.is_active, ~booked, ~closed).order_by(Unit.code, Room.name))
    if unit_id:
        query = query.where(Room.unit_id == unit_id)
    if min_capacity:
        query = query.where(Room.capacity >= min_capacity)
    return list(db.session.scalars(query))


# --- Rooms --------------------------------------------------------------------------------------

def _clean(text: str | None) -> str | None:
    return (text or "").strip() or None


def _check(data: RoomData, room_id: int | None) -> tuple[str, str | None]:
    name = _clean(data.name)
    if name is None:
        raise DomainError(_l("Enter the room's name."), field="name")
    if len(name) > NAME_MAX:
        raise DomainError(_l("The name is at most %(max)d characters.", max=NAME_MAX), field="name")
    unit = db.session.get(Unit, data.unit_id) if data.unit_id else None
    if unit is None:
        raise DomainError(_l("Choose the room's unit."), field="unit_id")
    if data.capacity is not None and not 1 <= data.capacity <= CAPACITY_MAX:
        raise DomainError(_l("The capacity is a number of people between 1 and %(max)d.", max=CAPACITY_MAX),
                          field="capacity")
    note = _clean(data.accessibility_note)
    if note is not None and len(note) > NOTE_MAX:
        raise DomainError(_l("The accessibility notes are at most %(max)d characters.", max=NOTE_MAX),
                          field="accessibility_note")
    taken = db.session.scalar(sa.select(Room.id).where(
        Room.unit_id == unit.id, sa.func.lower(Room.name) == name.lower(), Room.id != (room_id or 0)))
    if taken:
        raise DomainError(_l("The unit %(unit)s already has a room called %(name)s.", unit=unit.code, name=name),
                          field="name")
    return name, note


def create_room(actor, data: RoomData, *, ip: str | None, now: datetime) -> Room:
    """A new room; names are unique within a unit whatever their case."""
    name, note = _check(data, None)
    room = Room(name=name, unit_id=data.unit_id, capacity=data.capacity, accessibility_note=note,
                created_at=now)
    db.session.add(room)
    db.session.flush()
    record("rooms.create", actor=actor, object_type="room", object_id=room.id, ip=ip, now=now,
           details={"name": name, "unit_id": data.unit_id})
    return room


def update_room(actor, room: Room, data: RoomData, *, ip: str | None, now: datetime) -> Room:
    name, note = _check(data, room.id)
    room.name, room.unit_id, room.capacity, room.accessibility_note = name, data.unit_id, data.capacity, note
    db.session.flush()
    record("rooms.update", actor=actor, object_type="room", object_id=room.id, ip=ip, now=now)
    return room


def set_room_active(actor, room: Room, active: bool, *, ip: str | None, now: datetime) -> Room:
    """Take a room out of use (no new booking; meetings already booked keep it) or back into use."""
    room.is_active = active
    db.session.flush()
    record("rooms.reactivate" if active else "rooms.deactivate", actor=actor, object_type="room",
           object_id=room.id, ip=ip, now=now)
    return room


# --- Closures -------------------------------------------------------------------------------------

def add_closure(actor, room: Room, starts_at: datetime, ends_at: datetime, reason: str | None, *,
                ip: str | None, now: datetime) -> tuple[RoomClosure, list[int]]:
    """Close the room for [starts_at, ends_at); returns the closure and the meetings already booked
    then (they keep the room: their leaders must move them, the coordinator is told)."""
    if ends_at <= starts_at:
        raise DomainError(_l("The end of the closure must be after its start."), field="ends_on")
    reason = _clean(reason)
    if reason is not None and len(reason) > REASON_MAX:
        raise DomainError(_l("The reason is at most %(max)d characters.", max=REASON_MAX), field="reason")
    closure = RoomClosure(room_id=room.id, starts_at=starts_at, ends_at=ends_at, reason=reason,
                          created_by_id=actor.id, created_at=now)
    db.session.add(closure)
    db.session.flush()
    record("rooms.close", actor=actor, object_type="room", object_id=room.id, ip=ip, now=now,
           details={"closure_id": closure.id, "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()})
    return closure, overlapping_meeting_ids(room.id, starts_at, ends_at)


def remove_closure(actor, closure: RoomClosure, *, ip: str | None, now: datetime) -> None:
    """The room can be booked again in that period."""
    record("rooms.reopen", actor=actor, object_type="room", object_id=closure.room_id, ip=ip, now=now,
           details={"closure_id": closure.id, "starts_at": closure.starts_at.isoformat(),
                    "ends_at": closure.ends_at.isoformat()})
    db.session.delete(closure)
    db.session.flush()
