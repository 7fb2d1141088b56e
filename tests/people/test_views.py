"""Service users' records: who sees them, the duplicate warning, every view audited."""
import pytest
import sqlalchemy as sa

from peer_support.auth.models import Account
from peer_support.extensions import db
from peer_support.people.models import ServiceUser
from tests.conftest import sign_in
from tests.helpers import audit_entries, has_field_error, input_value


def _count_people():
    return db.session.scalar(sa.select(sa.func.count()).select_from(ServiceUser))


def _form(units, **overrides):
    data = {"display_name": "Léa", "year_of_birth": "1990", "age_band": "", "gender": "woman",
            "preferred_language": "fr", "contact_channel": "phone", "phone": "06 12 34 56 78", "email": "",
            "contact_note": "Afternoons", "unit_ids": [str(u.id) for u in units]}
    data.update(overrides)
    return data


def test_coordinator_creates_a_record(client, signed_in, units):
    signed_in("coordinator", locale="en")
    assert client.get("/people/new").status_code == 200
    response = client.post("/people/new", data=_form(units))
    person = db.session.scalar(sa.select(ServiceUser))
    assert response.headers["Location"] == f"/people/{person.id}"
    assert (person.display_name, person.year_of_birth, person.phone, person.name_key) == (
        "Léa", 1990, "06 12 34 56 78", "lea")
    assert audit_entries("people.create")[-1].object_id == str(person.id)


@pytest.mark.parametrize("overrides, field", [
    ({"year_of_birth": "2999"}, "year_of_birth"),
    ({"year_of_birth": "nineteen"}, "year_of_birth"),
    ({"unit_ids": ["9999"]}, "unit_ids"),
    ({"unit_ids": []}, "unit_ids"),
    ({"display_name": "  "}, "display_name"),
    ({"email": "not an address"}, "email"),
    ({"contact_channel": "phone", "phone": ""}, "phone"),
])
def test_bad_input_is_a_form_error_and_keeps_what_was_typed(client, signed_in, units, overrides, field):
    signed_in("coordinator", locale="en")
    response = client.post("/people/new", data=_form(units, contact_note="Après 14 h", **overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert has_field_error(page, field), page
    assert input_value(page, "contact_note") == "Après 14 h"
    assert _count_people() == 0


def test_staff_cannot_put_a_record_in_another_unit(client, signed_in, units):
    signed_in("staff", units=[units[0]], locale="en")
    page = client.post("/people/new", data=_form([units[1]])).get_data(as_text=True)
    assert has_field_error(page, "unit_ids") and _count_people() == 0


def test_duplicate_warning_then_use_the_record_or_confirm_a_different_person(client, signed_in, units, make_person):
    existing = make_person("Léa", units=[units[0]], year_of_birth=1990)
    signed_in("staff", units=[units[0]], locale="en")
    page = client.post("/people/new", data=_form([units[0]], display_name="LEA")).get_data(as_text=True)
    assert "This person may already have a record" in page
    assert existing.code in page and f'href="/people/{existing.id}"' in page and "CL3R" in page
    assert f"/referrals/new?person={existing.id}" in page  # use the existing record
    assert input_value(page, "display_name") == "LEA"
    assert _count_people() == 1
    response = client.post("/people/new", data=_form([units[0]], display_name="LEA", different_person="y"))
    assert response.status_code == 302 and _count_people() == 2


def test_the_list_shows_the_coordinator_everyone(client, signed_in, units, make_person):
    people = [make_person(f"Personne {n}", units=[units[n % 2]]) for n in range(55)]
    signed_in("coordinator", locale="en")
    first = client.get("/people/").get_data(as_text=True)
    assert "55 people" in first and "Page 1 of 2" in first
    assert "Personne 54" in client.get("/people/?page=2").get_data(as_text=True)
    by_code = client.get(f"/people/?q={people[3].code.lower()}").get_data(as_text=True)
    assert "1 person" in by_code and "Personne 3<" in by_code
    by_unit = client.get(f"/people/?unit={units[1].id}").get_data(as_text=True)
    assert "27 people" in by_unit


def test_search_ignores_accents_and_case(client, signed_in, units, make_person):
    make_person("Élodie", units=[units[0]])
    make_person("Camille", units=[units[0]])
    signed_in("coordinator", locale="en")
    page = client.get("/people/?q=elo").get_data(as_text=True)
    assert "Élodie" in page and "Camille" not in page


def test_staff_list_their_units_and_the_people_they_referred(client, signed_in, units, make_person, make_account):
    from peer_support.referrals.models import Referral

    make_person("Dans mon unité", units=[units[0]])
    referred = make_person("Adressée par moi", units=[units[1]])
    make_person("Ailleurs", units=[units[1]])
    nurse = signed_in("staff", units=[units[0]], locale="en")
    db.session.add(Referral(service_user_id=referred.id, unit_id=units[1].id, source="staff",
                            referred_by_id=nurse.id, agreed_to_contact=True))
    db.session.commit()
    page = client.get("/people/").get_data(as_text=True)
    assert "Dans mon unité" in page and "Adressée par moi" in page and "Ailleurs" not in page


def test_every_view_of_a_record_is_audited(client, signed_in, units, make_person):
    person = make_person("Léa", units=[units[0]])
    reader = signed_in("staff", units=[units[0]], locale="en")
    for _ in range(2):
        page = client.get(f"/people/{person.id}").get_data(as_text=True)
        assert "Léa" in page and person.code in page
    entries = audit_entries("people.view")
    assert ([(e.actor_id, e.object_type, e.object_id) for e in entries]
            == [(reader.id, "service_user", str(person.id))] * 2)


def test_who_sees_a_record(app, units, make_person, make_account):
    person = make_person("Léa", units=[units[0]], phone="06 00 00 00 00")
    readers = {"coordinator": make_account("coordinator"), "staff of the unit": make_account("staff", units=[units[0]])}
    refused_404 = {"staff of another unit": make_account("staff", units=[units[1]]),
                   "staff without unit": make_account("staff")}
    refused_403 = {role: make_account(role, units=[units[0]]) for role in ("peer_worker", "service_user", "researcher")}
    for who, account in {**readers, **refused_404, **refused_403}.items():
        viewer = app.test_client()
        sign_in(viewer, account)
        for url in (f"/people/{person.id}", f"/people/{person.id}/edit"):
            response = viewer.get(url)
            expected = 200 if who in readers else 404 if who in refused_404 else 403
            assert response.status_code == expected, (who, url)
            assert ("06 00 00 00 00" in response.get_data(as_text=True)) == (who in readers), (who, url)
        if who not in readers:
            assert viewer.get("/people/").status_code in (200, 403)
            assert "Léa" not in viewer.get("/people/").get_data(as_text=True), who
    assert [e.actor_id for e in audit_entries("people.view")] == [a.id for a in readers.values()]


def test_staff_who_referred_a_person_see_the_record(client, signed_in, units, make_person):
    from peer_support.referrals.models import Referral

    person = make_person("Léa", units=[units[1]])
    nurse = signed_in("staff", units=[units[0]], locale="en")
    assert client.get(f"/people/{person.id}").status_code == 404
    db.session.add(Referral(service_user_id=person.id, unit_id=units[1].id, source="staff",
                            referred_by_id=nurse.id, agreed_to_contact=True))
    db.session.commit()
    assert client.get(f"/people/{person.id}").status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client, units, make_person):
    person = make_person("Léa", units=[units[0]])
    for url in ("/people/", "/people/new", f"/people/{person.id}", f"/people/{person.id}/edit",
                f"/people/{person.id}/account"):
        assert client.get(url).headers["Location"].startswith("/login"), url
    assert audit_entries("people.view") == []


def test_staff_of_another_unit_cannot_change_a_record(client, signed_in, units, make_person):
    person = make_person("Léa", units=[units[0]])
    signed_in("staff", units=[units[1]], locale="en")
    assert client.post(f"/people/{person.id}/edit", data=_form([units[1]], display_name="Changed")).status_code == 404
    db.session.expire_all()
    assert db.session.get(ServiceUser, person.id).display_name == "Léa"


def test_staff_of_the_unit_edit_a_record(client, signed_in, units, make_person):
    person = make_person("Léa", units=[units[0]])
    signed_in("staff", units=[units[0]], locale="en")
    page = client.get(f"/people/{person.id}/edit").get_data(as_text=True)
    assert input_value(page, "display_name") == "Léa"
    response = client.post(f"/people/{person.id}/edit", data=_form([units[0]], display_name="Léa M."))
    assert response.headers["Location"] == f"/people/{person.id}"
    db.session.expire_all()
    assert db.session.get(ServiceUser, person.id).name_key == "leam"


def test_the_coordinator_opens_an_account_from_the_record(client, signed_in, units, make_person):
    person = make_person("Inès", units=[units[0]], email="ines@example.org")
    signed_in("coordinator", locale="en")
    assert "open an account for this person" in client.get(f"/people/{person.id}").get_data(as_text=True)
    page = client.get(f"/people/{person.id}/account").get_data(as_text=True)
    assert "ines@example.org" in page
    response = client.post(f"/people/{person.id}/account", data={
        "new_password": "a long temporary password", "confirm_password": "a long temporary password"})
    assert response.headers["Location"] == f"/people/{person.id}"
    account = db.session.scalar(sa.select(Account).where(Account.email == "ines@example.org"))
    assert account.role == "service_user" and db.session.get(ServiceUser, person.id).account_id == account.id
    # Once linked, there is nothing more to open.
    assert client.get(f"/people/{person.id}/account").status_code == 404


def test_a_weak_password_or_a_taken_address_is_a_form_error(client, signed_in, units, make_person, make_account):
    make_account("staff", email="taken@example.org")
    person = make_person("Théo", units=[units[0]])
    signed_in("coordinator", locale="en")
    page = client.post(f"/people/{person.id}/account", data={
        "email": "taken@example.org", "new_password": "a long temporary password",
        "confirm_password": "a long temporary password"}).get_data(as_text=True)
    assert has_field_error(page, "email") and input_value(page, "email") == "taken@example.org"
    page = client.post(f"/people/{person.id}/account", data={
        "email": "theo@example.org", "new_password": "short", "confirm_password": "short"}).get_data(as_text=True)
    assert has_field_error(page, "new_password")
    assert db.session.get(ServiceUser, person.id).account_id is None


def test_only_the_coordinator_opens_accounts(client, signed_in, units, make_person):
    person = make_person("Théo", units=[units[0]])
    signed_in("staff", units=[units[0]], locale="en")
    assert client.get(f"/people/{person.id}/account").status_code == 403
    assert "open an account" not in client.get(f"/people/{person.id}").get_data(as_text=True)
