"""The coordinator's unit pages: list, create, edit, deactivate."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from peer_support.extensions import db
from peer_support.units.models import Unit
from tests.conftest import ROLES
from tests.helpers import audit_entries, has_field_error, input_value

NON_COORDINATORS = [role for role in ROLES if role != "coordinator"]


def _unit(code: str, name: str | None = None, *, is_active: bool = True) -> Unit:
    unit = Unit(code=code, name=name or f"Unit {code}", is_active=is_active)
    db.session.add(unit)
    db.session.commit()
    return unit


def _units() -> list[tuple[str, str, bool]]:
    db.session.expire_all()
    return [(u.code, u.name, u.is_active) for u in db.session.scalars(sa.select(Unit).order_by(Unit.id))]


def _rows(html: str) -> list[list[str]]:
    """The unit table's rows, as the text of their cells."""
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    if body is None:
        return []
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)]


# --- access -----------------------------------------------------------------------------------

PAGES = [
    ("GET", "/units/"),
    ("GET", "/units/new"),
    ("POST", "/units/new"),
    ("GET", "/units/{id}/edit"),
    ("POST", "/units/{id}/edit"),
]


@pytest.mark.parametrize("method, path", PAGES)
@pytest.mark.parametrize("role", NON_COORDINATORS)
def test_only_coordinators_reach_unit_pages(client, signed_in, role, method, path):
    unit = _unit("CL3R", "Clinic")
    signed_in(role, locale="en")
    response = client.open(path.format(id=unit.id), method=method,
                           data={"code": "HACK", "name": "Hacked"} if method == "POST" else None)
    assert response.status_code == 403
    assert _units() == [("CL3R", "Clinic", True)]


@pytest.mark.parametrize("method, path", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, method, path):
    unit = _unit("CL3R", "Clinic")
    response = client.open(path.format(id=unit.id), method=method,
                           data={"code": "HACK", "name": "Hacked"} if method == "POST" else None)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert _units() == [("CL3R", "Clinic", True)]


def test_unknown_unit_gives_404(client, signed_in):
    signed_in("coordinator", locale="en")
    assert client.get("/units/424242/edit").status_code == 404
    assert client.post("/units/424242/edit", data={"code": "X", "name": "Y"}).status_code == 404


# --- list -------------------------------------------------------------------------------------

def test_list_shows_units_by_code_with_their_active_members(client, signed_in, make_account):
    ts2a = _unit("TS2A", "Day hospital")
    cl3r = _unit("CL3R", "Clinic")
    _unit("OLD1", "Closed ward", is_active=False)
    make_account("staff", units=[cl3r, ts2a])
    make_account("peer_worker", units=[cl3r])
    make_account("peer_worker", units=[cl3r], is_active=False)  # not counted
    signed_in("coordinator", locale="en")

    response = client.get("/units/")

    assert response.status_code == 200
    rows = _rows(response.get_data(as_text=True))
    assert [(code, name, members) for code, name, members, _status in rows] == [
        ("CL3R", "Clinic", "2"), ("OLD1", "Closed ward", "0"), ("TS2A", "Day hospital", "1")]
    # The status column tells the inactive unit apart (whatever the wording).
    assert rows[0][3] == rows[2][3] != rows[1][3]


def test_list_without_units(client, signed_in):
    signed_in("coordinator", locale="en")
    response = client.get("/units/")
    assert response.status_code == 200
    assert _rows(response.get_data(as_text=True)) == []
    assert 'href="/units/new"' in response.get_data(as_text=True)


# --- create -----------------------------------------------------------------------------------

def test_create_unit_upper_cases_the_code(client, signed_in):
    coordinator = signed_in("coordinator", locale="en")
    response = client.post("/units/new", data={"code": " cl3r ", "name": "  Clinic of the third floor "})
    # (" cl3r " fails the code's pattern: spaces are not letters or digits.)
    assert response.status_code == 200 and _units() == []

    response = client.post("/units/new", data={"code": "cl3r", "name": "  Clinic of the third floor "})

    assert response.status_code == 302
    assert response.headers["Location"] == "/units/"
    assert _units() == [("CL3R", "Clinic of the third floor", True)]
    unit = db.session.scalar(sa.select(Unit))
    entry = audit_entries("unit.create")[-1]
    assert entry.actor_id == coordinator.id
    assert (entry.object_type, entry.object_id) == ("unit", str(unit.id))


def test_nul_characters_are_a_bad_request(client, signed_in):
    # PostgreSQL refuses NUL in text: a tampered form must not become a 500.
    signed_in("coordinator", locale="en")
    assert client.post("/units/new", data={"code": "CL3R", "name": "Cli\x00nic"}).status_code == 400
    assert client.post("/units/new", data={"code": "CL\x003R", "name": "Other"}).status_code == 400
    assert _units() == []


@pytest.mark.parametrize("code", ["CL3R", "cl3r", "Cl3R"])
def test_duplicate_code_in_any_case_is_a_form_error(client, signed_in, code):
    _unit("CL3R", "Clinic")
    signed_in("coordinator", locale="en")
    response = client.post("/units/new", data={"code": code, "name": "Another clinic"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert has_field_error(html, "code")
    assert input_value(html, "name") == "Another clinic"
    assert _units() == [("CL3R", "Clinic", True)]
    assert audit_entries("unit.create") == []


@pytest.mark.parametrize("data, field", [
    ({"code": "", "name": "Clinic"}, "code"),
    ({"code": "CL 3R", "name": "Clinic"}, "code"),
    ({"code": "CL3R;DROP", "name": "Clinic"}, "code"),
    ({"code": "X" * 21, "name": "Clinic"}, "code"),
    ({"code": "CL3R", "name": "   "}, "name"),
    ({"code": "CL3R", "name": "N" * 201}, "name"),
])
def test_bad_unit_input_is_a_form_error(client, signed_in, data, field):
    signed_in("coordinator", locale="en")
    response = client.post("/units/new", data=data)
    assert response.status_code == 200
    assert has_field_error(response.get_data(as_text=True), field)
    assert _units() == []


# --- edit -------------------------------------------------------------------------------------

def test_edit_form_shows_the_unit(client, signed_in):
    unit = _unit("TS2A", "Day hospital")
    signed_in("coordinator", locale="en")
    response = client.get(f"/units/{unit.id}/edit")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert input_value(html, "code") == "TS2A"
    assert input_value(html, "name") == "Day hospital"
    checkbox = re.search(r'<input[^>]*\bname="is_active"[^>]*>', html).group(0)
    assert re.search(r"\bchecked\b", checkbox)


def test_edit_unit(client, signed_in):
    unit = _unit("TS2A", "Day hospital")
    coordinator = signed_in("coordinator", locale="en")
    response = client.post(f"/units/{unit.id}/edit", data={"code": "ts2b", "name": "Day hospital B",
                                                           "is_active": "y"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/units/"
    assert _units() == [("TS2B", "Day hospital B", True)]
    entry = audit_entries("unit.update")[-1]
    assert entry.actor_id == coordinator.id and entry.object_id == str(unit.id)


def test_edit_may_keep_its_own_code_in_another_case(client, signed_in):
    unit = _unit("TS2A", "Day hospital")
    signed_in("coordinator", locale="en")
    response = client.post(f"/units/{unit.id}/edit", data={"code": "ts2a", "name": "Renamed", "is_active": "y"})
    assert response.status_code == 302
    assert _units() == [("TS2A", "Renamed", True)]


def test_edit_refuses_the_code_of_another_unit(client, signed_in):
    _unit("CL3R", "Clinic")
    unit = _unit("TS2A", "Day hospital")
    signed_in("coordinator", locale="en")
    response = client.post(f"/units/{unit.id}/edit", data={"code": "cl3r", "name": "Renamed", "is_active": "y"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert has_field_error(html, "code")
    assert input_value(html, "name") == "Renamed"
    assert _units() == [("CL3R", "Clinic", True), ("TS2A", "Day hospital", True)]
    assert audit_entries("unit.update") == []


def test_deactivate_a_unit_through_edit(client, signed_in, make_account):
    unit = _unit("TS2A", "Day hospital")
    member = make_account("staff", units=[unit])
    signed_in("coordinator", locale="en")

    # An unchecked box is simply absent from the form.
    response = client.post(f"/units/{unit.id}/edit", data={"code": "TS2A", "name": "Day hospital"})

    assert response.status_code == 302
    assert _units() == [("TS2A", "Day hospital", False)]
    # No longer offered for new accounts, but still shown on the account that belongs to it.
    assert f'value="{unit.id}"' not in client.get("/accounts/new").get_data(as_text=True)
    assert f'value="{unit.id}"' in client.get(f"/accounts/{member.id}/edit").get_data(as_text=True)
    # And it can be reactivated.
    response = client.post(f"/units/{unit.id}/edit", data={"code": "TS2A", "name": "Day hospital", "is_active": "y"})
    assert response.status_code == 302
    assert _units() == [("TS2A", "Day hospital", True)]
    assert f'value="{unit.id}"' in client.get("/accounts/new").get_data(as_text=True)


# --- the opt-in messages to the people of a unit (nudges/person_messages.py) -------------------------

def test_the_coordinator_switches_the_person_messages_on_and_off(client, signed_in):
    signed_in("coordinator", locale="en")
    unit = _unit("CL3R")
    html = client.get(f"/units/{unit.id}/edit").get_data(as_text=True)
    assert "Offer the people of this unit a message when their peer worker has not been in touch" in html
    assert unit.person_messages is False
    data = {"code": "CL3R", "name": unit.name, "is_active": "y"}
    assert client.post(f"/units/{unit.id}/edit", data={**data, "person_messages": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Unit, unit.id).person_messages is True
    assert audit_entries("unit.update")[-1].details == {"person_messages": {"from": False, "to": True}}
    client.post(f"/units/{unit.id}/edit", data=data)
    db.session.expire_all()
    assert db.session.get(Unit, unit.id).person_messages is False


@pytest.mark.parametrize("role", NON_COORDINATORS)
def test_only_the_coordinator_switches_the_person_messages(client, signed_in, role):
    unit = _unit("CL3R")
    signed_in(role)
    data = {"code": "CL3R", "name": unit.name, "is_active": "y", "person_messages": "y"}
    assert client.post(f"/units/{unit.id}/edit", data=data).status_code == 403
    db.session.expire_all()
    assert db.session.get(Unit, unit.id).person_messages is False
