"""The coordinator's account pages: listing, creating, editing, deactivating, resetting passwords."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from peer_support.accounts.services import get_account
from peer_support.auth.models import Account
from peer_support.auth.passwords import verify_password
from peer_support.extensions import db
from peer_support.units.models import Unit
from tests.conftest import PASSWORD, ROLES, sign_in
from tests.helpers import audit_entries, has_field_error, input_value

NON_COORDINATORS = [role for role in ROLES if role != "coordinator"]
TEMPORARY = "a temporary sentence of words"
NEW_OWN = "my very own chosen sentence"


@pytest.fixture
def browser(app):
    """Another browser (its own cookies), e.g. the one of the person whose account is changed."""
    return app.test_client


def _reload(account_id: int) -> Account:
    db.session.expire_all()
    return db.session.get(Account, account_id)


def _account_by_email(email: str) -> Account | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Account).where(Account.email == email))


def _count_accounts() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Account))


def _selected(html: str, name: str) -> list[str]:
    """The values of the selected options of the <select> named `name`."""
    select = re.search(rf'<select[^>]*\bname="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select named {name}"
    options = re.findall(r"<option[^>]*>", select.group(1))
    return [re.search(r'\bvalue="([^"]*)"', option).group(1) for option in options
            if re.search(r"\bselected\b", option)]


def _form(**values) -> dict:
    data = {"name": "Claire Dupont", "email": "claire.dupont@example.org", "role": "peer_worker",
            "profession": "", "locale": "", "new_password": TEMPORARY, "confirm_password": TEMPORARY}
    data.update(values)
    return {key: value for key, value in data.items() if value is not None}


def _edit_form(account: Account, **values) -> dict:
    data = {"name": account.name, "email": account.email, "role": account.role,
            "profession": account.profession or "", "locale": account.locale or ""}
    data.update(values)
    return data


# --- access -----------------------------------------------------------------------------------

PAGES = [
    ("GET", "/accounts/"),
    ("GET", "/accounts/new"),
    ("POST", "/accounts/new"),
    ("GET", "/accounts/{id}/edit"),
    ("POST", "/accounts/{id}/edit"),
    ("POST", "/accounts/{id}/deactivate"),
    ("POST", "/accounts/{id}/reactivate"),
    ("GET", "/accounts/{id}/password"),
    ("POST", "/accounts/{id}/password"),
]


@pytest.mark.parametrize("method, path", PAGES)
@pytest.mark.parametrize("role", NON_COORDINATORS)
def test_only_coordinators_reach_account_pages(client, signed_in, make_account, role, method, path):
    target = make_account("researcher", name="Target Person", email="target@example.org", is_active=False)
    signed_in(role, locale="en")
    data = {**_form(email="intruder@example.org", role="coordinator"), "name": "Hacked"}
    response = client.open(path.format(id=target.id), method=method, data=data if method == "POST" else None)
    assert response.status_code == 403
    # Nothing changed behind the refusal.
    stored = _reload(target.id)
    assert (stored.name, stored.role, stored.is_active) == ("Target Person", "researcher", False)
    assert verify_password(stored.password_hash, PASSWORD)
    assert _account_by_email("intruder@example.org") is None


@pytest.mark.parametrize("method, path", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, make_account, method, path):
    target = make_account("researcher", name="Target Person")
    response = client.open(path.format(id=target.id), method=method,
                           data=_form(name="Hacked") if method == "POST" else None)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert _reload(target.id).name == "Target Person"


def test_unknown_account_gives_404(client, signed_in):
    signed_in("coordinator", locale="en")
    assert client.get("/accounts/999999/edit").status_code == 404
    assert client.post("/accounts/999999/deactivate").status_code == 404


# --- list -------------------------------------------------------------------------------------

@pytest.fixture
def listed(make_account):
    return {
        "alice": make_account("staff", name="Alice Martin", email="alice@example.org"),
        "bruno": make_account("peer_worker", name="Bruno Petit", email="bpetit@hospital.fr"),
        "chloe": make_account("peer_worker", name="Chloe Durand", email="chloe@example.org", is_active=False),
        "david": make_account("researcher", name="David Leroy", email="dleroy@univ.example"),
    }


def _listed_names(html: str) -> list[str]:
    return re.findall(r'<a href="/accounts/\d+/edit">([^<]*)</a>', html)


def test_list_shows_accounts_sorted_by_name(client, signed_in, listed):
    signed_in("coordinator", name="Zoe Coordinator", locale="en")
    response = client.get("/accounts/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _listed_names(html) == ["Alice Martin", "Bruno Petit", "Chloe Durand", "David Leroy", "Zoe Coordinator"]
    assert "bpetit@hospital.fr" in html
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("query, expected", [
    ("role=peer_worker", ["Bruno Petit", "Chloe Durand"]),
    ("status=inactive", ["Chloe Durand"]),
    ("status=active&role=peer_worker", ["Bruno Petit"]),
    ("q=MARTIN", ["Alice Martin"]),
    ("q=hospital.fr", ["Bruno Petit"]),
    ("q=nobody+at+all", []),
])
def test_list_filters_by_role_status_and_text(client, signed_in, listed, query, expected):
    signed_in("coordinator", name="Zoe Coordinator", locale="en")
    response = client.get(f"/accounts/?{query}")
    assert response.status_code == 200
    assert _listed_names(response.get_data(as_text=True)) == expected


@pytest.mark.parametrize("query", ["role=administrator", "status=sleeping", "page=abc", "page=-4", "page=999",
                                   "q=" + "x" * 300, "role=&q=%25_"])
def test_list_with_odd_filter_values_is_a_normal_page(client, signed_in, listed, query):
    signed_in("coordinator", locale="en")
    assert client.get(f"/accounts/?{query}").status_code == 200


def test_a_nul_character_in_the_text_filter_is_a_bad_request(client, signed_in, listed):
    # PostgreSQL refuses NUL in text: a tampered query string must not become a 500.
    signed_in("coordinator", locale="en")
    for query in ("q=Mar%00tin", "role=%00"):
        assert client.get(f"/accounts/?{query}").status_code == 400


def test_list_pages(client, signed_in, listed, monkeypatch):
    monkeypatch.setattr("peer_support.accounts.views.PER_PAGE", 2)
    signed_in("coordinator", name="Zoe Coordinator", locale="en")
    pages = [client.get(f"/accounts/?page={n}") for n in (1, 2, 3)]
    assert [page.status_code for page in pages] == [200, 200, 200]
    first, second, third = (page.get_data(as_text=True) for page in pages)
    assert _listed_names(first) == ["Alice Martin", "Bruno Petit"]
    assert _listed_names(second) == ["Chloe Durand", "David Leroy"]
    assert _listed_names(third) == ["Zoe Coordinator"]
    assert 'href="/accounts/?page=2"' in first
    # The filters are kept when moving between pages.
    filtered = client.get("/accounts/?role=peer_worker&status=&q=").get_data(as_text=True)
    assert _listed_names(filtered) == ["Bruno Petit", "Chloe Durand"]
    assert not re.search(r'href="/accounts/\?[^"]*page=2', filtered)
    monkeypatch.setattr("peer_support.accounts.views.PER_PAGE", 1)
    filtered = client.get("/accounts/?role=peer_worker").get_data(as_text=True)
    assert re.search(r'href="/accounts/\?(?=[^"]*role=peer_worker)(?=[^"]*page=2)[^"]*"', filtered)


# --- create -----------------------------------------------------------------------------------

def test_create_form_offers_active_units_only(client, signed_in):
    db.session.add_all([Unit(code="CL3R", name="Open"), Unit(code="OLD1", name="Closed", is_active=False)])
    signed_in("coordinator", locale="en")
    html = client.get("/accounts/new").get_data(as_text=True)
    assert "CL3R" in html and "OLD1" not in html


def test_create_account(client, signed_in):
    unit = Unit(code="CL3R", name="Clinic")
    db.session.add(unit)
    coordinator = signed_in("coordinator", locale="en")
    unit_id = unit.id

    response = client.post("/accounts/new", data=_form(email="  Claire.Dupont@Example.org ", role="staff",
                                                       profession="nurse", locale="en", unit_ids=[str(unit_id)]))

    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/"
    account = _account_by_email("claire.dupont@example.org")
    assert account is not None
    assert (account.name, account.role, account.profession, account.locale) == ("Claire Dupont", "staff", "nurse",
                                                                                   "en")
    assert account.must_change_password is True
    assert verify_password(account.password_hash, TEMPORARY)
    entry = audit_entries("account.create")[-1]
    assert entry.actor_id == coordinator.id and entry.object_id == str(account.id)
    assert entry.outcome == "success"
    assert [u.code for u in get_account(account.id).units] == ["CL3R"]


def test_nul_characters_in_a_new_account_are_a_bad_request(client, signed_in):
    signed_in("coordinator", locale="en")
    response = client.post("/accounts/new", data=_form(name="Clai\x00re Dupont", email="claire.dupont@example.org"))
    assert response.status_code == 400
    assert _account_by_email("claire.dupont@example.org") is None


def test_new_account_must_change_its_password_before_anything_else(client, signed_in, browser):
    signed_in("coordinator", locale="en")
    assert client.post("/accounts/new", data=_form(role="coordinator", locale="en")).status_code == 302

    newcomer = browser()
    response = sign_in(newcomer, "claire.dupont@example.org", TEMPORARY)
    assert response.status_code == 302
    for path in ("/", "/accounts/", "/units/", "/audit/", "/account/settings"):
        response = newcomer.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/account/password", path
    assert newcomer.get("/account/password").status_code == 200

    response = newcomer.post("/account/password", data={"current_password": TEMPORARY, "new_password": NEW_OWN,
                                                        "confirm_password": NEW_OWN})
    assert response.status_code == 302
    assert newcomer.get("/accounts/").status_code == 200
    assert _account_by_email("claire.dupont@example.org").must_change_password is False


def test_duplicate_email_is_a_form_error_keeping_what_was_typed(client, signed_in, make_account):
    make_account("researcher", email="claire.dupont@example.org", name="The First Claire")
    signed_in("coordinator", locale="en")
    before = _count_accounts()
    recorded = len(audit_entries("account.create"))

    response = client.post("/accounts/new", data=_form(email="CLAIRE.Dupont@example.org", name="Claire Second",
                                                       role="researcher"))

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert has_field_error(html, "email")
    assert input_value(html, "name") == "Claire Second"
    assert input_value(html, "email") == "CLAIRE.Dupont@example.org"
    assert _selected(html, "role") == ["researcher"]
    # Passwords are never sent back into the page.
    assert TEMPORARY not in html
    assert _count_accounts() == before
    assert len(audit_entries("account.create")) == recorded


def test_unknown_role_is_refused(client, signed_in):
    signed_in("coordinator", locale="en")
    before = _count_accounts()
    response = client.post("/accounts/new", data=_form(role="superuser"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert has_field_error(html, "role")
    assert input_value(html, "name") == "Claire Dupont"
    assert _count_accounts() == before
    assert _account_by_email("claire.dupont@example.org") is None


def test_unknown_unit_is_refused(client, signed_in):
    signed_in("coordinator", locale="en")
    response = client.post("/accounts/new", data=_form(unit_ids=["424242"]))
    assert response.status_code == 200
    assert has_field_error(response.get_data(as_text=True), "unit_ids")
    assert _account_by_email("claire.dupont@example.org") is None


@pytest.mark.parametrize("password", ["short pw 1", "password1234", "claire.dupont@example.org"],
                         ids=["too-short", "common", "email"])
def test_weak_password_is_refused(client, signed_in, password):
    signed_in("coordinator", locale="en")
    response = client.post("/accounts/new", data=_form(new_password=password, confirm_password=password))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert has_field_error(html, "new_password")
    assert input_value(html, "name") == "Claire Dupont"
    assert _account_by_email("claire.dupont@example.org") is None


def test_passwords_that_differ_are_refused(client, signed_in):
    signed_in("coordinator", locale="en")
    response = client.post("/accounts/new", data=_form(confirm_password=TEMPORARY + "!"))
    assert response.status_code == 200
    assert has_field_error(response.get_data(as_text=True), "confirm_password")
    assert _account_by_email("claire.dupont@example.org") is None


def test_staff_without_profession_is_refused(client, signed_in):
    signed_in("coordinator", locale="en")
    response = client.post("/accounts/new", data=_form(role="staff", profession=""))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert has_field_error(html, "profession")
    assert input_value(html, "name") == "Claire Dupont"
    assert _account_by_email("claire.dupont@example.org") is None


@pytest.mark.parametrize("values, field", [
    ({"email": "not an address"}, "email"),
    ({"email": ""}, "email"),
    ({"name": "   "}, "name"),
    ({"profession": "astronaut", "role": "staff"}, "profession"),
    ({"locale": "de"}, "locale"),
])
def test_other_bad_input_is_a_form_error(client, signed_in, values, field):
    signed_in("coordinator", locale="en")
    before = _count_accounts()
    response = client.post("/accounts/new", data=_form(**values))
    assert response.status_code == 200
    assert has_field_error(response.get_data(as_text=True), field)
    assert _count_accounts() == before


# --- edit -------------------------------------------------------------------------------------

def test_edit_form_shows_the_account(client, signed_in, make_account):
    unit = Unit(code="TS2A", name="Day hospital")
    db.session.add(unit)
    db.session.commit()
    person = make_account("staff", name="Nadia Nurse", profession="psychologist", units=[unit], locale="fr")
    signed_in("coordinator", locale="en")
    response = client.get(f"/accounts/{person.id}/edit")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert input_value(html, "name") == "Nadia Nurse"
    assert _selected(html, "role") == ["staff"]
    assert _selected(html, "profession") == ["psychologist"]
    assert _selected(html, "locale") == ["fr"]
    assert _selected(html, "unit_ids") == [str(unit.id)]


def test_edit_account(client, signed_in, make_account):
    person = make_account("peer_worker", name="Paul Peer", email="paul@example.org")
    coordinator = signed_in("coordinator", locale="en")
    response = client.post(f"/accounts/{person.id}/edit",
                           data=_edit_form(person, name="Paul Pair", email="Paul.Pair@Example.org", locale="en"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/"
    stored = _reload(person.id)
    assert (stored.name, stored.email, stored.locale) == ("Paul Pair", "paul.pair@example.org", "en")
    entry = audit_entries("account.update")[-1]
    assert entry.actor_id == coordinator.id and entry.object_id == str(person.id)
    assert sorted(entry.details["fields"]) == ["email", "locale", "name"]


def test_edit_with_a_taken_email_keeps_what_was_typed(client, signed_in, make_account):
    make_account("researcher", email="first@example.org")
    person = make_account("researcher", email="second@example.org", name="Second Person")
    signed_in("coordinator", locale="en")
    response = client.post(f"/accounts/{person.id}/edit",
                           data=_edit_form(person, email="FIRST@example.org", name="Second Renamed"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert has_field_error(html, "email")
    assert input_value(html, "name") == "Second Renamed"
    stored = _reload(person.id)
    assert (stored.email, stored.name) == ("second@example.org", "Second Person")


def test_role_change_signs_the_person_out(client, signed_in, make_account, browser):
    person = make_account("peer_worker", locale="en")
    theirs = browser()
    assert sign_in(theirs, person).status_code == 302
    assert theirs.get("/").status_code == 200
    signed_in("coordinator", locale="en")

    response = client.post(f"/accounts/{person.id}/edit", data=_edit_form(person, role="researcher"))

    assert response.status_code == 302
    assert _reload(person.id).role == "researcher"
    response = theirs.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    # Signing in again works, with the new role.
    assert sign_in(theirs, person).status_code == 302
    assert theirs.get("/").status_code == 200


def test_name_change_keeps_the_person_signed_in(client, signed_in, make_account, browser):
    person = make_account("peer_worker", locale="en")
    theirs = browser()
    assert sign_in(theirs, person).status_code == 302
    signed_in("coordinator", locale="en")
    assert client.post(f"/accounts/{person.id}/edit", data=_edit_form(person, name="New Name")).status_code == 302
    assert theirs.get("/").status_code == 200


def test_last_active_coordinator_cannot_lose_the_role(client, signed_in, make_account):
    make_account("coordinator", is_active=False)
    coordinator = signed_in("coordinator", locale="en")
    response = client.post(f"/accounts/{coordinator.id}/edit",
                           data=_edit_form(coordinator, role="staff", profession="doctor"))
    assert response.status_code == 200
    assert has_field_error(response.get_data(as_text=True), "role")
    assert _reload(coordinator.id).role == "coordinator"
    assert audit_entries("account.update") == []
    # Still a coordinator, still signed in.
    assert client.get("/accounts/").status_code == 200


def test_another_coordinator_can_lose_the_role(client, signed_in, make_account):
    other = make_account("coordinator")
    signed_in("coordinator", locale="en")
    response = client.post(f"/accounts/{other.id}/edit", data=_edit_form(other, role="staff", profession="doctor"))
    assert response.status_code == 302
    assert _reload(other.id).role == "staff"


# --- deactivate / reactivate ------------------------------------------------------------------

def test_deactivate_signs_the_person_out_at_once(client, signed_in, make_account, browser):
    person = make_account("staff", locale="en")
    theirs = browser()
    assert sign_in(theirs, person).status_code == 302
    assert theirs.get("/").status_code == 200
    coordinator = signed_in("coordinator", locale="en")

    response = client.post(f"/accounts/{person.id}/deactivate")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/accounts/{person.id}/edit"
    stored = _reload(person.id)
    assert stored.is_active is False and stored.deactivated_at is not None
    entry = audit_entries("account.deactivate")[-1]
    assert entry.actor_id == coordinator.id and entry.details == {"sessions_ended": 1}

    response = theirs.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    # And they cannot sign in again.
    response = sign_in(theirs, person)
    assert response.status_code == 200
    assert theirs.get("/").status_code == 302
    failed = audit_entries("auth.login")[-1]
    assert (failed.outcome, failed.details) == ("failure", {"reason": "inactive"})


def test_deactivate_is_a_post_only_action(client, signed_in, make_account):
    person = make_account("staff")
    signed_in("coordinator", locale="en")
    assert client.get(f"/accounts/{person.id}/deactivate").status_code == 405
    assert _reload(person.id).is_active is True


def test_a_coordinator_cannot_deactivate_themself(client, signed_in, make_account):
    make_account("coordinator")
    coordinator = signed_in("coordinator", locale="en")
    response = client.post(f"/accounts/{coordinator.id}/deactivate")
    assert response.status_code == 403
    assert _reload(coordinator.id).is_active is True
    assert client.get("/accounts/").status_code == 200


def test_own_edit_page_offers_no_deactivation(client, signed_in, make_account):
    other = make_account("staff")
    coordinator = signed_in("coordinator", locale="en")
    own = client.get(f"/accounts/{coordinator.id}/edit").get_data(as_text=True)
    theirs = client.get(f"/accounts/{other.id}/edit").get_data(as_text=True)
    assert f'action="/accounts/{coordinator.id}/deactivate"' not in own
    assert f'action="/accounts/{other.id}/deactivate"' in theirs


def test_reactivate(client, signed_in, make_account, browser):
    person = make_account("staff", is_active=False, locale="en")
    theirs = browser()
    assert sign_in(theirs, person).status_code == 200  # refused while deactivated
    signed_in("coordinator", locale="en")

    response = client.post(f"/accounts/{person.id}/reactivate")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/accounts/{person.id}/edit"
    stored = _reload(person.id)
    assert stored.is_active is True and stored.deactivated_at is None
    assert audit_entries("account.reactivate")[-1].object_id == str(person.id)
    assert sign_in(theirs, person).status_code == 302
    assert theirs.get("/").status_code == 200


# --- reset password ---------------------------------------------------------------------------

def test_reset_password_form(client, signed_in, make_account):
    person = make_account("staff")
    signed_in("coordinator", locale="en")
    response = client.get(f"/accounts/{person.id}/password")
    assert response.status_code == 200
    assert 'name="new_password"' in response.get_data(as_text=True)


def test_reset_password(client, signed_in, make_account, browser):
    person = make_account("peer_worker", locale="en")
    theirs = browser()
    assert sign_in(theirs, person).status_code == 302
    coordinator = signed_in("coordinator", locale="en")

    response = client.post(f"/accounts/{person.id}/password",
                           data={"new_password": TEMPORARY, "confirm_password": TEMPORARY})

    assert response.status_code == 302
    assert response.headers["Location"] == f"/accounts/{person.id}/edit"
    stored = _reload(person.id)
    assert stored.must_change_password is True
    assert verify_password(stored.password_hash, TEMPORARY)
    assert audit_entries("account.password_reset")[-1].actor_id == coordinator.id
    # Their open session ended.
    response = theirs.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    # The old password no longer works; the temporary one does, and must be changed first.
    assert sign_in(theirs, person, PASSWORD).status_code == 200
    assert sign_in(theirs, person, TEMPORARY).status_code == 302
    response = theirs.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/account/password"


@pytest.mark.parametrize("new, confirm, field", [
    ("password1234", "password1234", "new_password"),
    ("short pw 1", "short pw 1", "new_password"),
    (TEMPORARY, TEMPORARY + "?", "confirm_password"),
    ("", "", "new_password"),
])
def test_reset_password_refuses_bad_passwords(client, signed_in, make_account, browser, new, confirm, field):
    person = make_account("peer_worker", locale="en")
    theirs = browser()
    assert sign_in(theirs, person).status_code == 302
    signed_in("coordinator", locale="en")
    response = client.post(f"/accounts/{person.id}/password", data={"new_password": new, "confirm_password": confirm})
    assert response.status_code == 200
    assert has_field_error(response.get_data(as_text=True), field)
    stored = _reload(person.id)
    assert verify_password(stored.password_hash, PASSWORD) and stored.must_change_password is False
    assert theirs.get("/").status_code == 200
    assert audit_entries("account.password_reset") == []
