"""Service users' records: codes, folded names, duplicate detection, accounts."""
import re

import pytest
import sqlalchemy as sa

from peer_support.auth.models import Account
from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.people import services
from peer_support.people.models import ServiceUser
from tests.helpers import audit_entries

CODE = re.compile(r"^PA-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}$")


@pytest.mark.parametrize("typed, key", [
    ("Léa", "lea"), ("  LÉA ", "lea"), ("Jean-Éric", "jeaneric"), ("Chloé M.", "chloem"), ("Ægir", "ægir"),
    ("Straße", "strasse"), ("Noël d'Arc", "noeldarc"), ("ＡＢＣ", "abc"),
])
def test_name_key_folds_case_accents_spaces_and_punctuation(typed, key):
    assert services.name_key(typed) == key


def test_codes_have_the_prefix_and_no_ambiguous_characters(app):
    codes = {services.random_code() for _ in range(2000)}
    assert all(CODE.match(code) for code in codes)
    assert not any(char in code[3:] for code in codes for char in "0O1IL")
    assert len(codes) > 1990  # random, not a sequence that repeats


def test_a_code_already_taken_is_retried(app, make_person):
    taken = make_person("Léa").code
    offered = iter([taken, taken, "PA-ABCDEF"])
    assert services.new_code(lambda: next(offered)) == "PA-ABCDEF"


def test_code_generation_gives_up_rather_than_loop_forever(app, make_person):
    taken = make_person("Léa").code
    with pytest.raises(RuntimeError):
        services.new_code(lambda: taken)


def _data(name="Léa", units=(), **fields):
    return services.PersonData(display_name=name, unit_ids=[u.id for u in units], **fields)


def test_duplicates_share_folded_name_year_and_a_unit(app, units, make_person):
    cl3r, ts2a = units
    lea = make_person("Léa", units=[cl3r, ts2a], year_of_birth=1990)
    make_person("Léa", units=[cl3r], year_of_birth=1991)
    make_person("Lea", units=[], year_of_birth=1990)
    assert services.find_possible_duplicates(" LEA ", 1990, [ts2a.id]) == [lea]
    assert services.find_possible_duplicates("Léa", 1992, [cl3r.id]) == []
    assert services.find_possible_duplicates("Léane", 1990, [cl3r.id]) == []
    assert services.find_possible_duplicates("Léa", 1990, []) == []
    assert services.find_possible_duplicates("Léa", 1990, [cl3r.id], exclude_id=lea.id) == []


def test_unknown_year_matches_unknown_year(app, units, make_person):
    unknown = make_person("Paul", units=[units[0]], year_of_birth=None)
    make_person("Paul", units=[units[0]], year_of_birth=1980)
    assert services.find_possible_duplicates("paul", None, [units[0].id]) == [unknown]


def test_create_refuses_a_possible_duplicate_unless_confirmed(app, units, make_account, make_person):
    coordinator = make_account("coordinator")
    existing = make_person("Léa", units=[units[0]], year_of_birth=1990)
    with pytest.raises(services.PossibleDuplicates) as refused:
        services.create_person(coordinator, _data("lea", [units[0]], year_of_birth=1990), ip=None, now=utcnow())
    assert refused.value.people == [existing]
    db.session.rollback()
    person = services.create_person(coordinator, _data("lea", [units[0]], year_of_birth=1990), ip=None,
                                    now=utcnow(), different_person=True)
    db.session.commit()
    assert person.code != existing.code and CODE.match(person.code)
    assert (person.name_key, person.created_by_id) == ("lea", coordinator.id)
    entry = audit_entries("people.create")[-1]
    assert (entry.object_type, entry.object_id, entry.details) == (
        "service_user", str(person.id), {"confirmed_different_person": True})


@pytest.mark.parametrize("fields, field", [
    ({"year_of_birth": utcnow().year + 1}, "year_of_birth"),
    ({"year_of_birth": 1850}, "year_of_birth"),
    ({"gender": "robot"}, "gender"),
    ({"contact_channel": "pigeon"}, "contact_channel"),
    ({"contact_channel": "phone"}, "phone"),
    ({"contact_channel": "email"}, "email"),
])
def test_bad_values_are_refused_on_their_field(app, units, make_account, fields, field):
    with pytest.raises(DomainError) as refused:
        services.create_person(make_account("coordinator"), _data("Léa", [units[0]], **fields), ip=None,
                               now=utcnow())
    assert refused.value.field == field


def test_staff_put_records_in_their_own_units_only(app, units, make_account):
    nurse = make_account("staff", units=[units[0]])
    with pytest.raises(DomainError) as refused:
        services.create_person(nurse, _data("Léa", [units[1]]), ip=None, now=utcnow())
    assert refused.value.field == "unit_ids"
    with pytest.raises(DomainError):
        services.create_person(nurse, _data("Léa", []), ip=None, now=utcnow())
    assert services.create_person(nurse, _data("Léa", [units[0]]), ip=None, now=utcnow()).id


def test_an_edit_keeps_units_the_editor_does_not_belong_to(app, units, make_account, make_person):
    nurse = make_account("staff", units=[units[0]])
    person = make_person("Léa", units=[units[0], units[1]])
    services.update_person(nurse, person, _data("Léa Martin", units, year_of_birth=1990), ip=None, now=utcnow())
    db.session.commit()
    person = services.get_person(person.id)
    assert ([u.code for u in person.units], person.name_key) == (["CL3R", "TS2A"], "leamartin")
    assert audit_entries("people.update")[-1].details == {"fields": ["display_name"]}


def test_the_coordinator_opens_the_persons_account_once(app, units, make_account, make_person):
    coordinator = make_account("coordinator")
    person = make_person("Inès", units=[units[0]], email="ines@example.org", preferred_language="en")
    account = services.create_account_for(coordinator, person, email=None, password="a long temporary password",
                                          ip=None, now=utcnow())
    db.session.commit()
    person = services.get_person(person.id)
    assert person.account_id == account.id
    assert (account.email, account.role, account.name, account.locale, account.must_change_password) == (
        "ines@example.org", "service_user", "Inès", "en", True)
    assert audit_entries("people.account_link")[-1].details == {"account_id": account.id}
    with pytest.raises(DomainError):
        services.create_account_for(coordinator, person, email="other@example.org",
                                    password="a long temporary password", ip=None, now=utcnow())


def test_an_account_needs_an_address_when_the_record_has_none(app, units, make_account, make_person):
    coordinator = make_account("coordinator")
    person = make_person("Théo", units=[units[1]])
    with pytest.raises(DomainError) as refused:
        services.create_account_for(coordinator, person, email=" ", password="a long temporary password",
                                    ip=None, now=utcnow())
    assert refused.value.field == "email"
    db.session.rollback()
    person = services.get_person(person.id)
    account = services.create_account_for(coordinator, person, email="theo@example.org",
                                          password="a long temporary password", ip=None, now=utcnow())
    assert account.email == "theo@example.org"
    assert db.session.scalar(sa.select(ServiceUser.email).where(ServiceUser.id == person.id)) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Account).where(Account.role == "service_user")) == 1
