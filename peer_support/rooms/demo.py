"""Demo rooms: two or three per unit with their capacity and accessibility, one closed for works."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from peer_support.extensions import db
from peer_support.rooms.models import Room, RoomClosure
from peer_support.timezones import local_date, local_to_utc

ROOM_SPECS = [
    ("Salle Jasmin", 10, "Plain-pied, accessible en fauteuil ; boucle magnétique."),
    ("Bureau des pairs-aidants", 3, "2e étage, ascenseur à côté de l'accueil."),
    ("Salle calme", 4, "Lumière tamisée, au bout du couloir, loin du bruit."),
    ("Salle de groupe", 14, "Accessible en fauteuil ; tables mobiles."),
    ("Petit salon", 2, None),
]


def add_demo_rooms(rng, units, coordinator, now: datetime) -> list[Room]:
    """Create 2 or 3 rooms per unit (`units`: a list or a {code: Unit} dict) and close one of them
    for painting works next week; returns the rooms so the demo meetings can book them."""
    units = list(units.values()) if isinstance(units, dict) else list(units)
    rooms = []
    for unit in units:
        count = 3 if rng.random() < 0.5 else 2
        for name, capacity, note in rng.sample(ROOM_SPECS, k=count):
            rooms.append(Room(unit=unit, name=name, capacity=capacity, accessibility_note=note, created_at=now))
    db.session.add_all(rooms)
    db.session.flush()
    if rooms:
        monday = local_date(now) + timedelta(days=7 - local_date(now).weekday())
        db.session.add(RoomClosure(room_id=rooms[0].id, starts_at=local_to_utc(monday, time(8, 0)),
                                   ends_at=local_to_utc(monday + timedelta(days=2), time(18, 0)),
                                   reason="Travaux de peinture", created_by_id=coordinator.id if coordinator else None,
                                   created_at=now))
        db.session.flush()
    return rooms
