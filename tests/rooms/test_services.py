"""Rooms, closures and the free-room finder, at the service level."""
from datetime import datetime, timedelta, timezone

import pytest
from flask_babel import force_locale

from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.rooms import services
from peer_support.rooms.booking import check_room_bookable
from tests.helpers import audit_entries, counted_statements

UTC = timezone.utc
NOON = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)


def data(units, **values):
    fields = {"name": "Salle Jasmin", "unit_id": units[0].id, "capacity": 8, "accessibility_note": "Plain-pied"}
    fields.update(values)
    return services.RoomData(**fields)


def test_create_room_is_audited(people, units):
    room = services.create_room(people["coordinator"], data(units, name="  Salle Jasmin "), ip="1.2.3.4", now=NOON)
    db.session.commit()
    assert (room.name, room.capacity, room.is_active) == ("Salle Jasmin", 8, True)
    [entry] = audit_entries("rooms.create")
    assert entry.object_id == str(room.id) and entry.actor_id == people["coordinator"].id


@pytest.mark.parametrize("values, field", [
    ({"name": "  "}, "name"),
    ({"unit_id": None}, "unit_id"),
    ({"unit_id": 999999}, "unit_id"),
    ({"capacity": 0}, "capacity"),
    ({"capacity": -3}, "capacity"),
    ({"accessibility_note": "x" * 301}, "accessibility_note"),
])
def test_invalid_rooms_are_refused_on_their_field(people, units, values, field):
    with pytest.raises(DomainError) as error:
        services.create_room(people["coordinator"], data(units, **values), ip=None, now=NOON)
    assert error.value.field == field


def test_room_names_are_unique_within_a_unit_whatever_their_case(people, units, make_room):
    make_room("Salle Jasmin", unit=units[0])
    with pytest.raises(DomainError) as error:
        services.create_room(people["coordinator"], data(units, name="salle jasmin"), ip=None, now=NOON)
    assert error.value.field == "name"
    # The same name in another unit is another room.
    assert services.create_room(people["coordinator"], data(units, unit_id=units[1].id), ip=None, now=NOON).id


def test_update_keeps_its_own_name_and_is_audited(people, units, make_room):
    room = make_room("Salle Jasmin")
    services.update_room(people["coordinator"], room, data(units, capacity=12), ip=None, now=NOON)
    db.session.commit()
    assert room.capacity == 12
    assert len(audit_entries("rooms.update")) == 1


def test_deactivated_room_refuses_bookings_and_comes_back(people, make_room):
    room = make_room()
    services.set_room_active(people["coordinator"], room, False, ip=None, now=NOON)
    with pytest.raises(DomainError):
        check_room_bookable(room.id, NOON, NOON + timedelta(hours=1))
    services.set_room_active(people["coordinator"], room, True, ip=None, now=NOON)
    assert check_room_bookable(room.id, NOON, NOON + timedelta(hours=1)).id == room.id
    assert [e.action for e in audit_entries("rooms.deactivate") + audit_entries("rooms.reactivate")] == [
        "rooms.deactivate", "rooms.reactivate"]


def test_a_closure_refuses_bookings_in_its_period_only(people, make_room):
    room = make_room()
    closure, booked = services.add_closure(people["coordinator"], room, NOON, NOON + timedelta(days=2), " Travaux ",
                                           ip=None, now=NOON)
    db.session.commit()
    assert booked == [] and closure.reason == "Travaux"
    with pytest.raises(DomainError) as error:
        check_room_bookable(room.id, NOON + timedelta(hours=5), NOON + timedelta(hours=6))
    with force_locale("en"):
        assert "closed" in str(error.value)
    # Just before and right at the end (end exclusive): bookable.
    assert check_room_bookable(room.id, NOON - timedelta(hours=1), NOON)
    assert check_room_bookable(room.id, NOON + timedelta(days=2), NOON + timedelta(days=2, hours=1))
    [entry] = audit_entries("rooms.close")
    assert entry.details["closure_id"] == closure.id


def test_a_closure_ending_before_it_starts_is_refused(people, make_room):
    room = make_room()
    with pytest.raises(DomainError) as error:
        services.add_closure(people["coordinator"], room, NOON, NOON - timedelta(hours=1), None, ip=None, now=NOON)
    assert error.value.field == "ends_on"
    with pytest.raises(DomainError):
        services.add_closure(people["coordinator"], room, NOON, NOON, None, ip=None, now=NOON)


def test_closing_a_booked_room_names_the_meetings_to_move(people, make_room, make_meeting):
    room = make_room()
    meeting = make_meeting(people["julie_profile"], starts_at=NOON + timedelta(hours=2), room=room)
    _closure, booked = services.add_closure(people["coordinator"], room, NOON, NOON + timedelta(days=1), None,
                                            ip=None, now=NOON)
    assert booked == [meeting.id]


def test_removing_a_closure_reopens_the_room(people, make_room):
    room = make_room()
    closure, _ = services.add_closure(people["coordinator"], room, NOON, NOON + timedelta(hours=3), None,
                                      ip=None, now=NOON)
    services.remove_closure(people["coordinator"], closure, ip=None, now=NOON)
    db.session.commit()
    assert check_room_bookable(room.id, NOON, NOON + timedelta(hours=1))
    assert len(audit_entries("rooms.reopen")) == 1


def test_free_rooms_leave_out_booked_closed_and_inactive_rooms(people, units, make_room, make_meeting):
    free = make_room("Libre")
    booked = make_room("Réservée")
    closed = make_room("Fermée")
    unused = make_room("Hors service", is_active=False)
    before = make_room("Juste avant")
    after = make_room("Juste après")
    cancelled = make_room("Annulée")
    other_unit = make_room("Autre unité", unit=units[1])
    make_meeting(people["julie_profile"], starts_at=NOON + timedelta(minutes=30), minutes=30, room=booked)
    make_meeting(people["julie_profile"], starts_at=NOON - timedelta(hours=1), minutes=60, room=before)
    make_meeting(people["karim_profile"], starts_at=NOON + timedelta(hours=1), minutes=60, room=after)
    make_meeting(people["karim_profile"], starts_at=NOON, minutes=60, room=cancelled, status="cancelled")
    services.add_closure(people["coordinator"], closed, NOON - timedelta(days=1), NOON + timedelta(minutes=1), None,
                         ip=None, now=NOON)
    db.session.commit()
    found = services.free_rooms(NOON, NOON + timedelta(hours=1))
    names = {room.name for room in found}
    # Back-to-back meetings leave the room free; a cancelled meeting frees it.
    assert names == {free.name, before.name, after.name, cancelled.name, other_unit.name}
    assert unused.name not in names
    free = services.free_rooms(NOON, NOON + timedelta(hours=1), unit_id=units[1].id)
    assert {r.name for r in free} == {"Autre unité"}


def test_free_rooms_honour_the_minimum_capacity(make_room):
    make_room("Petite", capacity=2)
    make_room("Grande", capacity=14)
    make_room("Inconnue", capacity=None)
    assert [r.name for r in services.free_rooms(NOON, NOON + timedelta(hours=1), min_capacity=6)] == ["Grande"]
    assert len(services.free_rooms(NOON, NOON + timedelta(hours=1))) == 3


def test_free_rooms_run_one_query_whatever_the_number_of_rooms(units, make_room, make_meeting, people):
    def count():
        db.session.expire_all()
        with counted_statements() as statements:
            rooms = services.free_rooms(NOON, NOON + timedelta(hours=1))
            [room.unit.code for room in rooms]
        return len([s for s in statements if s.lstrip().upper().startswith("SELECT")]), statements

    make_room("R0")
    small, _ = count()
    for n in range(1, 30):
        room = make_room(f"R{n}", unit=units[n % 2])
        if n % 3 == 0:
            make_meeting(people["julie_profile"], starts_at=NOON, room=room)
    large, statements = count()
    assert large == small == 1, statements


def test_rooms_by_unit_groups_rooms(units, make_room):
    make_room("B", unit=units[1])
    make_room("A2", unit=units[0])
    make_room("A1", unit=units[0])
    groups = services.rooms_by_unit()
    assert [(unit.code, [r.name for r in rooms]) for unit, rooms in groups] == [("CL3R", ["A1", "A2"]),
                                                                              ("TS2A", ["B"])]


def test_demo_rooms(units, people):
    import random

    from peer_support.rooms.demo import add_demo_rooms

    rooms = add_demo_rooms(random.Random(1), {u.code: u for u in units}, people["coordinator"], utcnow())
    db.session.commit()
    assert 4 <= len(rooms) <= 6
    assert all(room.capacity for room in rooms)
    assert services.get_room_with_closures(rooms[0].id).closures
