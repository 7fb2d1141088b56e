"""Room pages: who reaches what, forms keeping what was typed, the free-room finder, a room's week."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from peer_support.extensions import db
from peer_support.rooms.models import Room, RoomClosure
from tests.helpers import audit_entries, has_field_error, input_value, statements_for_get

UTC = timezone.utc


def page(response) -> str:
    return response.get_data(as_text=True)


# --- Access matrix ----------------------------------------------------------------------------------

MANAGE = ["/rooms/", "/rooms/new", "/rooms/{room}/edit", "/rooms/{room}/closures"]
MANAGE_POST = ["/rooms/{room}/deactivate", "/rooms/{room}/reactivate", "/rooms/{room}/closures"]


@pytest.mark.parametrize("who", ["staff", "julie", "service_user", "researcher"])
def test_only_the_coordinator_manages_rooms(as_, make_room, who):
    room = make_room()
    client = as_(who)
    for url in MANAGE:
        assert client.get(url.format(room=room.id)).status_code == 403, url
    for url in MANAGE_POST:
        assert client.post(url.format(room=room.id), data={"name": "x"}).status_code == 403, url
    assert db.session.get(Room, room.id).is_active


def test_signed_out_people_are_sent_to_sign_in(as_, make_room):
    room = make_room()
    client = as_(None)
    for url in MANAGE + ["/rooms/free", "/rooms/{room}/week"]:
        response = client.get(url.format(room=room.id))
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


@pytest.mark.parametrize("who, status", [("coordinator", 200), ("staff", 200), ("julie", 200),
                                         ("service_user", 403), ("researcher", 403)])
def test_who_finds_free_rooms_and_sees_a_room_week(as_, make_room, who, status):
    room = make_room()
    client = as_(who)
    assert client.get("/rooms/free").status_code == status
    assert client.get(f"/rooms/{room.id}/week").status_code == status


def test_an_unknown_room_is_404(as_):
    client = as_("coordinator")
    assert client.get("/rooms/999/edit").status_code == 404
    assert client.get("/rooms/999/week").status_code == 404


# --- Creating and changing ------------------------------------------------------------------------------

def test_coordinator_creates_a_room(as_, units):
    client = as_("coordinator")
    assert "Salle" not in page(client.get("/rooms/"))
    response = client.post("/rooms/new", data={"name": "Salle Jasmin", "unit_id": units[0].id, "capacity": "10",
                                               "accessibility_note": "Boucle magnétique"})
    assert response.status_code == 302
    html = page(client.get("/rooms/"))
    assert "Salle Jasmin" in html and "Boucle magnétique" in html and "CL3R" in html
    assert len(audit_entries("rooms.create")) == 1


@pytest.mark.parametrize("values, field", [({"capacity": "0"}, "capacity"), ({"capacity": "-2"}, "capacity"),
                                           ({"name": ""}, "name"), ({"unit_id": ""}, "unit_id")])
def test_invalid_room_forms_keep_what_was_typed(as_, units, values, field):
    client = as_("coordinator")
    form = {"name": "Salle Jasmin", "unit_id": units[0].id, "capacity": "10", "accessibility_note": "Calme"}
    form.update(values)
    response = client.post("/rooms/new", data=form)
    assert response.status_code == 200
    html = page(response)
    assert has_field_error(html, field)
    assert "Calme" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Room)) == 0


def test_a_duplicate_name_in_the_unit_is_refused_with_the_form_kept(as_, units, make_room):
    make_room("Salle Jasmin", unit=units[0])
    client = as_("coordinator")
    response = client.post("/rooms/new", data={"name": "SALLE JASMIN", "unit_id": units[0].id, "capacity": "4"})
    html = page(response)
    assert response.status_code == 200 and has_field_error(html, "name")
    assert "already has a room called" in html
    assert input_value(html, "name") == "SALLE JASMIN" and input_value(html, "capacity") == "4"


def test_edit_deactivate_and_reactivate(as_, units, make_room):
    room = make_room("Salle 1")
    client = as_("coordinator")
    assert input_value(page(client.get(f"/rooms/{room.id}/edit")), "name") == "Salle 1"
    client.post(f"/rooms/{room.id}/edit", data={"name": "Salle Une", "unit_id": units[1].id, "capacity": "3"})
    client.post(f"/rooms/{room.id}/deactivate")
    db.session.expire_all()
    room = db.session.get(Room, room.id)
    assert (room.name, room.unit_id, room.capacity, room.is_active) == ("Salle Une", units[1].id, 3, False)
    assert "Out of use" in page(client.get("/rooms/"))
    client.post(f"/rooms/{room.id}/reactivate")
    db.session.expire_all()
    assert db.session.get(Room, room.id).is_active


# --- Closures -------------------------------------------------------------------------------------------

def closure_form(**values):
    form = {"starts_on": "2026-06-01", "starts_at": "08:00", "ends_on": "2026-06-03", "ends_at": "18:00",
            "reason": "Peinture"}
    form.update(values)
    return form


def test_coordinator_closes_a_room_in_local_time_and_removes_the_closure(as_, make_room):
    room = make_room()
    client = as_("coordinator")
    assert client.post(f"/rooms/{room.id}/closures", data=closure_form()).status_code == 302
    closure = db.session.scalar(sa.select(RoomClosure))
    # Paris is UTC+2 in June.
    assert closure.starts_at == datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
    assert closure.ends_at == datetime(2026, 6, 3, 16, 0, tzinfo=UTC)
    assert "Peinture" in page(client.get(f"/rooms/{room.id}/closures"))
    assert client.post(f"/rooms/{room.id}/closures/{closure.id}/remove").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RoomClosure)) == 0
    assert len(audit_entries("rooms.close")) == len(audit_entries("rooms.reopen")) == 1


def test_a_closure_ending_before_its_start_keeps_the_form(as_, make_room):
    room = make_room()
    response = as_("coordinator").post(f"/rooms/{room.id}/closures",
                                       data=closure_form(ends_on="2026-05-30", reason="Déménagement"))
    html = page(response)
    assert response.status_code == 200 and has_field_error(html, "ends_on")
    assert input_value(html, "reason") == "Déménagement"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RoomClosure)) == 0


def test_closing_a_booked_room_warns_the_coordinator(as_, make_room, make_meeting, people):
    room = make_room()
    make_meeting(people["julie_profile"], starts_at=datetime(2026, 6, 2, 8, 0, tzinfo=UTC), room=room)
    response = as_("coordinator").post(f"/rooms/{room.id}/closures", data=closure_form(), follow_redirects=True)
    assert "1 meeting was already booked" in page(response)


def test_removing_another_rooms_closure_is_404(as_, make_room):
    room, other = make_room("A"), make_room("B")
    closure = RoomClosure(room_id=other.id, starts_at=datetime(2026, 6, 1, tzinfo=UTC),
                          ends_at=datetime(2026, 6, 2, tzinfo=UTC))
    db.session.add(closure)
    db.session.commit()
    assert as_("coordinator").post(f"/rooms/{room.id}/closures/{closure.id}/remove").status_code == 404


# --- Free rooms -------------------------------------------------------------------------------------------

def test_peer_worker_finds_free_rooms_for_a_local_slot(as_, units, make_room, make_meeting, people):
    free = make_room("Salle libre", capacity=6, accessibility_note="Plain-pied")
    taken = make_room("Salle prise")
    closed = make_room("Salle fermée")
    # 2026-06-02 14:00-15:00 in Paris is 12:00-13:00 UTC.
    make_meeting(people["karim_profile"], starts_at=datetime(2026, 6, 2, 12, 30, tzinfo=UTC), room=taken)
    db.session.add(RoomClosure(room_id=closed.id, starts_at=datetime(2026, 6, 2, 0, 0, tzinfo=UTC),
                               ends_at=datetime(2026, 6, 3, 0, 0, tzinfo=UTC)))
    db.session.commit()
    client = as_("julie")
    html = page(client.get("/rooms/free", query_string={"day": "2026-06-02", "starts_at": "14:00",
                                                         "ends_at": "15:00", "unit_id": "", "min_capacity": ""}))
    assert free.name in html and "Plain-pied" in html
    assert taken.name not in html and closed.name not in html
    # Back to back with the booked meeting (ends 13:30 UTC = 15:30 Paris): free.
    html = page(client.get("/rooms/free", query_string={"day": "2026-06-02", "starts_at": "15:30",
                                                         "ends_at": "16:30"}))
    assert taken.name in html


def test_free_room_search_errors(as_, make_room):
    client = as_("staff")
    response = client.get("/rooms/free", query_string={"day": "2026-06-02", "starts_at": "15:00", "ends_at": "14:00"})
    assert response.status_code == 200 and has_field_error(page(response), "ends_at")
    response = client.get("/rooms/free", query_string={"day": "", "starts_at": "15:00", "ends_at": "16:00",
                                                       "min_capacity": "0"})
    assert has_field_error(page(response), "day") and has_field_error(page(response), "min_capacity")


def test_free_room_page_runs_a_constant_number_of_queries(as_, units, make_room, make_meeting, people):
    client = as_("julie")
    url = "/rooms/free?day=2026-06-02&starts_at=14:00&ends_at=15:00"
    make_room("R0")
    small = statements_for_get(client, url)
    for n in range(1, 25):
        room = make_room(f"R{n}", unit=units[n % 2])
        if n % 4 == 0:
            make_meeting(people["karim_profile"], starts_at=datetime(2026, 6, 2, 12, 0, tzinfo=UTC), room=room)
    assert statements_for_get(client, url) == small


# --- A room's week ----------------------------------------------------------------------------------------

def test_room_week_shows_names_only_to_the_leader_and_the_coordinator(as_, make_room, make_meeting, people):
    room = make_room()
    make_meeting(people["julie_profile"], starts_at=datetime(2026, 6, 2, 8, 0, tzinfo=UTC), room=room,
                 title="Groupe Asperger")
    db.session.add(RoomClosure(room_id=room.id, starts_at=datetime(2026, 6, 4, 6, 0, tzinfo=UTC),
                               ends_at=datetime(2026, 6, 5, 16, 0, tzinfo=UTC), reason="Peinture"))
    db.session.commit()
    url = f"/rooms/{room.id}/week?week=2026-06-03"
    for who in ("julie", "coordinator"):
        html = page(as_(who).get(url))
        assert "Julie Moreau" in html and "Groupe Asperger" in html and "Booked" in html
    for who in ("karim", "staff"):
        html = page(as_(who).get(url))
        assert "Booked" in html and "Julie" not in html and "Groupe Asperger" not in html
        # The closure spans Thursday and Friday.
        assert html.count("Peinture") == 2


def test_room_week_links_and_bad_week(as_, make_room):
    room = make_room()
    client = as_("julie")
    html = page(client.get(f"/rooms/{room.id}/week?week=2026-06-03"))
    assert "week=2026-05-25" in html and "week=2026-06-08" in html and "Monday, June 1, 2026" in html
    assert client.get(f"/rooms/{room.id}/week?week=junk").status_code == 400


def test_room_week_runs_a_constant_number_of_queries(as_, make_room, make_meeting, people):
    room = make_room()
    client = as_("karim")
    monday = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)

    def add(first, last):
        for n in range(first, last):
            make_meeting(people["julie_profile"] if n % 2 else people["karim_profile"],
                         starts_at=monday + timedelta(minutes=90 * n), minutes=60, room=room)

    url = f"/rooms/{room.id}/week?week=2026-06-01"
    add(0, 5)
    five = statements_for_get(client, url)
    add(5, 50)
    assert page(client.get(url)).count("Booked") == 50
    assert statements_for_get(client, url) == five
