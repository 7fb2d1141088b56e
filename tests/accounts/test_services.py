"""Account management services: checks, side effects on sessions, audit entries, listing."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from peer_support.accounts.services import (
    AccountData, create_account, deactivate_account, get_account, list_accounts, reactivate_account,
    reset_password, update_account,
)
from peer_support.auth.models import Account, AuthSession
from peer_support.auth.passwords import verify_password
from peer_support.auth.services import resume_session, start_session
from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.units.models import Unit
from tests.conftest import PASSWORD
from tests.helpers import audit_entries

TEMPORARY = "a temporary sentence of words"


def _count_accounts() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Account))


def _unit(code: str) -> Unit:
    unit = Unit(code=code, name=f"Unit {code}")
    db.session.add(unit)
    db.session.flush()
    return unit


def _open_session(account) -> str:
    token = start_session(account, ip="127.0.0.1", user_agent="tests", now=utcnow())
    db.session.commit()
    return token


def _session_alive(token: str) -> bool:
    return resume_session(token, idle_timeout=timedelta(minutes=30), absolute_timeout=timedelta(hours=12),
                          now=utcnow()) is not None


def _data(account: Account, **changes) -> AccountData:
    values = dict(email=account.email, name=account.name, role=account.role, profession=account.profession,
                  locale=account.locale, unit_ids=[])
    values.update(changes)
    return AccountData(**values)


# --- create_account ---------------------------------------------------------------------------

def test_create_account_normalises_hashes_and_records(app, make_account):
    coordinator = make_account("coordinator")
    unit = _unit("CL3R")
    now = utcnow()

    account = create_account(
        coordinator,
        AccountData(email="  Jeanne.Martin@Example.ORG ", name="  Jeanne Martin ", role="staff",
                    profession="psychologist", locale="en", unit_ids=[unit.id]),
        password=TEMPORARY, ip="10.0.0.1", now=now)
    db.session.commit()

    stored = get_account(account.id)
    assert stored.email == "jeanne.martin@example.org"
    assert stored.name == "Jeanne Martin"
    assert stored.role == "staff" and stored.profession == "psychologist" and stored.locale == "en"
    assert [u.code for u in stored.units] == ["CL3R"]
    assert stored.password_hash != TEMPORARY and verify_password(stored.password_hash, TEMPORARY)
    assert stored.must_change_password is True
    [entry] = audit_entries("account.create")[-1:]
    assert entry.actor_id == coordinator.id
    assert entry.object_type == "account" and entry.object_id == str(account.id)
    assert entry.details == {"role": "staff"}
    assert entry.ip == "10.0.0.1"


def test_create_account_without_actor_is_recorded_as_command_line(app):
    account = create_account(None, AccountData(email="first@example.org", name="First", role="coordinator"),
                             password=TEMPORARY, ip=None, now=utcnow(), must_change_password=False)
    db.session.commit()
    entry = audit_entries("account.create")[-1]
    assert entry.actor_id is None and entry.actor_label == "command line"
    assert entry.object_id == str(account.id)
    assert account.must_change_password is False


def test_profession_is_dropped_for_roles_other_than_staff(app, make_account):
    account = create_account(make_account(), AccountData(email="pw@example.org", name="Peer", role="peer_worker",
                                                         profession="nurse"),
                             password=TEMPORARY, ip=None, now=utcnow())
    assert account.profession is None


@pytest.mark.parametrize("data, field", [
    (AccountData(email="x@example.org", name="X", role="administrator"), "role"),
    (AccountData(email="x@example.org", name="X", role="staff"), "profession"),
    (AccountData(email="x@example.org", name="X", role="staff", profession="astronaut"), "profession"),
    (AccountData(email="x@example.org", name="X", role="researcher", locale="de"), "locale"),
    (AccountData(email="x@example.org", name="   ", role="researcher"), "name"),
    (AccountData(email="x@example.org", name="X", role="researcher", unit_ids=[987654]), "unit_ids"),
], ids=["unknown-role", "staff-without-profession", "unknown-profession", "unknown-locale", "blank-name",
        "unknown-unit"])
def test_create_account_refuses_bad_data(app, make_account, data, field):
    coordinator = make_account()
    before = _count_accounts()
    with pytest.raises(DomainError) as raised:
        create_account(coordinator, data, password=TEMPORARY, ip=None, now=utcnow())
    assert raised.value.field == field
    db.session.rollback()
    assert _count_accounts() == before
    assert db.session.scalar(sa.select(Account).where(Account.email == "x@example.org")) is None


def test_create_account_refuses_an_email_already_taken_whatever_its_case(app, make_account):
    coordinator = make_account()
    make_account("researcher", email="taken@example.org")
    with pytest.raises(DomainError) as raised:
        create_account(coordinator, AccountData(email=" TAKEN@Example.org", name="Other", role="researcher"),
                       password=TEMPORARY, ip=None, now=utcnow())
    assert raised.value.field == "email"


@pytest.mark.parametrize("password", ["short pw 1", "password1234", "aaaaaaaaaaaaaaaa", "x" * 129],
                         ids=["too-short", "common", "repetitive", "too-long"])
def test_create_account_refuses_weak_passwords(app, make_account, password):
    coordinator = make_account()
    before = _count_accounts()
    with pytest.raises(DomainError) as raised:
        create_account(coordinator, AccountData(email="weak@example.org", name="Weak", role="researcher"),
                       password=password, ip=None, now=utcnow())
    assert raised.value.field == "new_password"
    db.session.rollback()
    assert _count_accounts() == before


def test_create_account_refuses_the_email_as_password(app, make_account):
    with pytest.raises(DomainError):
        create_account(make_account(), AccountData(email="longname.person@example.org", name="P", role="researcher"),
                       password="longname.person@example.org", ip=None, now=utcnow())


# --- update_account ---------------------------------------------------------------------------

def test_update_account_saves_changes_and_lists_changed_fields(app, make_account):
    coordinator = make_account()
    unit = _unit("TS2A")
    person = make_account("peer_worker", name="Paul Peer")
    update_account(coordinator, get_account(person.id),
                   _data(person, name="Paul Pair", email="PAUL@example.org", unit_ids=[unit.id]),
                   ip=None, now=utcnow())
    db.session.commit()

    stored = get_account(person.id)
    assert stored.name == "Paul Pair" and stored.email == "paul@example.org"
    assert [u.id for u in stored.units] == [unit.id]
    entry = audit_entries("account.update")[-1]
    assert entry.actor_id == coordinator.id and entry.object_id == str(person.id)
    assert sorted(entry.details["fields"]) == ["email", "name", "units"]


def test_update_account_refuses_an_email_of_another_account(app, make_account):
    coordinator = make_account()
    make_account("researcher", email="first@example.org")
    second = make_account("researcher", email="second@example.org")
    with pytest.raises(DomainError) as raised:
        update_account(coordinator, get_account(second.id), _data(second, email="First@Example.org"),
                       ip=None, now=utcnow())
    assert raised.value.field == "email"
    db.session.rollback()
    assert db.session.get(Account, second.id).email == "second@example.org"


def test_update_account_keeps_its_own_email(app, make_account):
    coordinator = make_account()
    person = make_account("researcher", email="same@example.org")
    update_account(coordinator, get_account(person.id), _data(person, email="SAME@example.org", name="Renamed"),
                   ip=None, now=utcnow())
    db.session.commit()
    assert db.session.get(Account, person.id).name == "Renamed"


def test_role_change_ends_open_sessions(app, make_account):
    coordinator = make_account()
    person = make_account("peer_worker")
    token = _open_session(person)
    assert _session_alive(token)

    update_account(coordinator, get_account(person.id), _data(person, role="researcher"), ip=None, now=utcnow())
    db.session.commit()

    assert not _session_alive(token)
    ended = db.session.scalar(sa.select(AuthSession).where(AuthSession.account_id == person.id))
    assert ended.end_reason == "account_changed"


def test_name_change_keeps_open_sessions(app, make_account):
    coordinator = make_account()
    person = make_account("peer_worker")
    token = _open_session(person)
    update_account(coordinator, get_account(person.id), _data(person, name="Another Name"), ip=None, now=utcnow())
    db.session.commit()
    assert _session_alive(token)


def test_last_active_coordinator_keeps_the_role(app, make_account):
    only = make_account("coordinator")
    make_account("coordinator", is_active=False)  # a deactivated coordinator does not count
    with pytest.raises(DomainError) as raised:
        update_account(only, get_account(only.id), _data(only, role="researcher"), ip=None, now=utcnow())
    assert raised.value.field == "role"
    db.session.rollback()
    assert db.session.get(Account, only.id).role == "coordinator"


def test_a_coordinator_may_lose_the_role_when_another_remains(app, make_account):
    first = make_account("coordinator")
    second = make_account("coordinator")
    update_account(first, get_account(second.id), _data(second, role="staff", profession="doctor"),
                   ip=None, now=utcnow())
    db.session.commit()
    stored = db.session.get(Account, second.id)
    assert (stored.role, stored.profession) == ("staff", "doctor")


def test_leaving_staff_role_clears_the_profession(app, make_account):
    coordinator = make_account()
    person = make_account("staff", profession="nurse")
    update_account(coordinator, get_account(person.id), _data(person, role="researcher"), ip=None, now=utcnow())
    db.session.commit()
    assert db.session.get(Account, person.id).profession is None


# --- deactivate / reactivate ------------------------------------------------------------------

def test_deactivate_ends_sessions_and_records(app, make_account):
    coordinator = make_account()
    person = make_account("staff")
    tokens = [_open_session(person), _open_session(person)]
    now = utcnow()

    deactivate_account(coordinator, person, ip="10.0.0.2", now=now)
    db.session.commit()

    stored = db.session.get(Account, person.id)
    assert stored.is_active is False and stored.deactivated_at == now
    assert not any(_session_alive(token) for token in tokens)
    entry = audit_entries("account.deactivate")[-1]
    assert entry.actor_id == coordinator.id and entry.object_id == str(person.id)
    assert entry.details == {"sessions_ended": 2}


def test_deactivating_an_inactive_account_changes_nothing(app, make_account):
    coordinator = make_account()
    person = make_account("staff", is_active=False)
    deactivate_account(coordinator, person, ip=None, now=utcnow())
    db.session.commit()
    assert audit_entries("account.deactivate") == []


def test_a_coordinator_cannot_deactivate_themself(app, make_account):
    coordinator = make_account()
    make_account("coordinator")
    with pytest.raises(DomainError):
        deactivate_account(coordinator, coordinator, ip=None, now=utcnow())
    db.session.rollback()
    assert db.session.get(Account, coordinator.id).is_active is True


def test_reactivate_account(app, make_account):
    coordinator = make_account()
    person = make_account("staff")
    deactivate_account(coordinator, person, ip=None, now=utcnow())
    db.session.commit()

    reactivate_account(coordinator, person, ip=None, now=utcnow())
    db.session.commit()

    stored = db.session.get(Account, person.id)
    assert stored.is_active is True and stored.deactivated_at is None
    assert audit_entries("account.reactivate")[-1].object_id == str(person.id)
    # Reactivating an active account is a no-op, not a second entry.
    reactivate_account(coordinator, person, ip=None, now=utcnow())
    db.session.commit()
    assert len(audit_entries("account.reactivate")) == 1


# --- reset_password ---------------------------------------------------------------------------

def test_reset_password_sets_a_temporary_password_and_ends_sessions(app, make_account):
    coordinator = make_account()
    person = make_account("peer_worker")
    token = _open_session(person)

    reset_password(coordinator, person, TEMPORARY, ip=None, now=utcnow())
    db.session.commit()

    stored = db.session.get(Account, person.id)
    assert verify_password(stored.password_hash, TEMPORARY)
    assert not verify_password(stored.password_hash, PASSWORD)
    assert stored.must_change_password is True
    assert not _session_alive(token)
    entry = audit_entries("account.password_reset")[-1]
    assert entry.actor_id == coordinator.id and entry.object_id == str(person.id)


def test_reset_password_refuses_a_weak_password(app, make_account):
    coordinator = make_account()
    person = make_account("peer_worker")
    token = _open_session(person)
    with pytest.raises(DomainError) as raised:
        reset_password(coordinator, person, "password1234", ip=None, now=utcnow())
    assert raised.value.field == "new_password"
    db.session.rollback()
    stored = db.session.get(Account, person.id)
    assert verify_password(stored.password_hash, PASSWORD) and stored.must_change_password is False
    assert _session_alive(token)
    assert audit_entries("account.password_reset") == []


# --- list_accounts ----------------------------------------------------------------------------

@pytest.fixture
def people(make_account):
    return {
        "alice": make_account("staff", name="Alice Martin", email="alice@example.org"),
        "bruno": make_account("peer_worker", name="bruno Petit", email="bpetit@hospital.fr"),
        "chloe": make_account("peer_worker", name="Chloé Durand", email="chloe@example.org", is_active=False),
        "david": make_account("researcher", name="David Leroy", email="dleroy@univ.example"),
    }


def _names(page) -> list[str]:
    return [account.name for account in page.items]


def test_list_accounts_sorted_by_name_case_insensitively(app, people):
    page = list_accounts(role=None, active=None, text=None, page=1, per_page=50)
    assert _names(page) == ["Alice Martin", "bruno Petit", "Chloé Durand", "David Leroy"]
    assert page.total == 4


def test_list_accounts_filters(app, people):
    def names(**filters):
        arguments = dict(role=None, active=None, text=None, page=1, per_page=50)
        arguments.update(filters)
        return _names(list_accounts(**arguments))

    assert names(role="peer_worker") == ["bruno Petit", "Chloé Durand"]
    assert names(active=True) == ["Alice Martin", "bruno Petit", "David Leroy"]
    assert names(active=False) == ["Chloé Durand"]
    assert names(role="peer_worker", active=True) == ["bruno Petit"]
    assert names(text="MARTIN") == ["Alice Martin"]
    assert names(text="hospital.FR") == ["bruno Petit"]
    assert names(text="  leroy ") == ["David Leroy"]
    assert names(text="nobody") == []
    # An unknown role is ignored rather than matching nothing.
    assert len(names(role="administrator")) == 4


def test_list_accounts_finds_an_accented_name_typed_as_stored(app, make_account):
    make_account("peer_worker", name="Émilie Ørsted", email="emilie@example.org")
    make_account("peer_worker", name="Emile Other", email="emile@example.org")
    # (Lower-case "émilie" is not found on SQLite, whose lower() folds ASCII letters only.)
    for text in ("Émilie", "Ørsted", "ÉMILIE Ørsted", "milie"):
        found = _names(list_accounts(role=None, active=None, text=text, page=1, per_page=50))
        assert found == ["Émilie Ørsted"], text


def test_list_accounts_pages(app, people):
    first = list_accounts(role=None, active=None, text=None, page=1, per_page=3)
    second = list_accounts(role=None, active=None, text=None, page=2, per_page=3)
    assert _names(first) == ["Alice Martin", "bruno Petit", "Chloé Durand"]
    assert _names(second) == ["David Leroy"]
    assert (first.total, first.pages, first.has_prev, first.has_next) == (4, 2, False, True)
    assert (second.has_prev, second.has_next) == (True, False)
    # A page number below 1 is the first page.
    assert _names(list_accounts(role=None, active=None, text=None, page=0, per_page=3)) == _names(first)
