"""The audit log: writing entries, refusing changes (ORM and database), searching."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from peer_support.audit.models import AuditEntry
from peer_support.audit.services import AuditFilter, known_actions, record, search
from peer_support.extensions import db

PARIS = ZoneInfo("Europe/Paris")
T0 = datetime(2024, 3, 10, 12, 0, tzinfo=timezone.utc)


def _all() -> list[tuple]:
    db.session.expire_all()
    return [(e.id, e.action, e.outcome, e.actor_label, e.details)
            for e in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))]


def _actions(page) -> list[str]:
    return [entry.action for entry in page.items]


# --- writing ----------------------------------------------------------------------------------

def test_record_writes_an_entry(app, make_account):
    actor = make_account("coordinator", email="coord@example.org")
    entry = record("account.update", actor=actor, object_type="account", object_id=42, ip="10.1.2.3",
                   details={"fields": ["name"]}, now=T0)
    db.session.commit()
    db.session.expire_all()

    stored = db.session.get(AuditEntry, entry.id)
    assert stored.action == "account.update"
    assert stored.actor_id == actor.id
    assert stored.actor_label == "coord@example.org"  # who it was at the time, even if the e-mail changes later
    assert (stored.object_type, stored.object_id) == ("account", "42")
    assert stored.ip == "10.1.2.3"
    assert stored.outcome == "success"
    assert stored.details == {"fields": ["name"]}
    assert stored.at == T0 and stored.at.tzinfo is not None


def test_record_without_actor_or_time(app):
    before = datetime.now(timezone.utc)
    entry = record("auth.login", actor_label="someone@example.org", outcome="failure")
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(AuditEntry, entry.id)
    assert stored.actor_id is None and stored.actor_label == "someone@example.org"
    assert stored.outcome == "failure"
    assert before - timedelta(seconds=1) <= stored.at <= datetime.now(timezone.utc) + timedelta(seconds=1)


def test_an_unknown_outcome_is_refused_by_the_database(app):
    record("auth.login", outcome="maybe")
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert _all() == []


def test_entries_are_not_written_until_the_unit_of_work_commits(app):
    record("unit.create", object_type="unit", object_id=1)
    db.session.rollback()
    assert _all() == []


# --- append-only ------------------------------------------------------------------------------

@pytest.fixture
def entry(app):
    entry = record("account.create", actor_label="coord@example.org", object_type="account", object_id=7, now=T0)
    db.session.commit()
    return entry


def test_the_orm_refuses_to_update_an_entry(entry):
    before = _all()
    entry.action = "account.nothing_happened"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    assert _all() == before


def test_the_orm_refuses_to_update_an_entry_at_commit(entry):
    before = _all()
    entry.outcome = "failure"
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    assert _all() == before


def test_the_orm_refuses_to_delete_an_entry(entry):
    before = _all()
    db.session.delete(entry)
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    assert _all() == before


def test_the_orm_refusal_keeps_other_work_out_too(entry, make_account):
    """A unit of work that tampers with the log is refused as a whole."""
    before = _all()
    entry.details = {"tampered": True}
    record("unit.create", object_type="unit", object_id=1)
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    assert _all() == before


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entry SET action = 'account.nothing_happened'",
    "UPDATE audit_entry SET outcome = 'failure' WHERE id = :id",
    "DELETE FROM audit_entry",
    "DELETE FROM audit_entry WHERE id = :id",
])
def test_the_database_refuses_raw_updates_and_deletes(entry, statement):
    before = _all()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(sa.text(statement), {"id": entry.id} if ":id" in statement else {})
        db.session.flush()
    db.session.rollback()
    assert _all() == before


def test_the_database_refuses_bulk_statements_that_bypass_the_orm_check(entry):
    before = _all()
    with pytest.raises(DatabaseError):
        db.session.execute(sa.update(AuditEntry).values(ip="0.0.0.0"))
    db.session.rollback()
    with pytest.raises(DatabaseError):
        db.session.execute(sa.delete(AuditEntry).where(AuditEntry.id == entry.id))
    db.session.rollback()
    assert _all() == before


def test_the_database_refuses_truncate_on_postgresql(entry):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("TRUNCATE exists on PostgreSQL only")
    before = _all()
    with pytest.raises(DatabaseError):
        db.session.execute(sa.text("TRUNCATE audit_entry"))
    db.session.rollback()
    assert _all() == before


def test_inserting_is_still_allowed_after_a_refusal(entry):
    with pytest.raises(DatabaseError):
        db.session.execute(sa.text("DELETE FROM audit_entry"))
    db.session.rollback()
    record("auth.logout", actor_label="someone@example.org")
    db.session.commit()
    assert [action for _id, action, *_ in _all()] == ["account.create", "auth.logout"]


# --- search -----------------------------------------------------------------------------------

@pytest.fixture
def log(app, make_account):
    """Six entries, one hour apart from T0, by two people."""
    alice = make_account("coordinator", email="alice@example.org")
    bruno = make_account("staff", email="bruno@example.org")
    rows = [
        ("account.create", alice, "success", "account", "10"),
        ("account.update", alice, "success", "account", "10"),
        ("accounts_export", alice, "success", None, None),
        ("auth.login", bruno, "failure", None, None),
        ("auth.login", bruno, "success", None, None),
        ("access.denied", bruno, "denied", "endpoint", "accounts.index"),
    ]
    for hour, (action, actor, outcome, object_type, object_id) in enumerate(rows):
        record(action, actor=actor, outcome=outcome, object_type=object_type, object_id=object_id,
               now=T0 + timedelta(hours=hour))
    db.session.commit()
    return {"alice": alice, "bruno": bruno}


LOG_SPAN = {"since": T0, "until": T0 + timedelta(hours=6)}  # leaves out make_account's own entries (now)


def _search(**filters):
    return search(AuditFilter(**{**LOG_SPAN, **filters}), page=1, per_page=50)


def test_search_lists_newest_first(log):
    page = _search()
    assert _actions(page) == ["access.denied", "auth.login", "auth.login", "accounts_export", "account.update",
                              "account.create"]
    assert page.total == 6


def test_search_by_action_prefix(log):
    assert _actions(_search(action="account.")) == ["account.update", "account.create"]
    assert _actions(_search(action="account")) == ["accounts_export", "account.update", "account.create"]
    assert _actions(_search(action="auth.login")) == ["auth.login", "auth.login"]
    assert _actions(_search(action="unit.")) == []


@pytest.mark.parametrize("prefix", ["%", "_uth", "account_"])
def test_search_action_prefix_wildcards_are_literal(log, prefix):
    assert _search(action=prefix).items == []


def test_search_by_actor_outcome_and_object(log):
    alice, bruno = log["alice"], log["bruno"]
    assert _actions(_search(actor_id=alice.id)) == ["accounts_export", "account.update", "account.create"]
    assert _actions(_search(actor_id=bruno.id, outcome="success")) == ["auth.login"]
    assert _actions(_search(outcome="denied")) == ["access.denied"]
    assert _actions(_search(outcome="failure")) == ["auth.login"]
    assert _actions(_search(object_type="account", object_id="10")) == ["account.update", "account.create"]
    assert _actions(_search(object_type="endpoint")) == ["access.denied"]
    assert _actions(_search(actor_id=bruno.id, action="account.")) == []


def test_search_by_date_range_includes_since_and_excludes_until(log):
    # T0 is 13:00 in Paris (UTC+1 in March before the change of time).
    since = datetime(2024, 3, 10, 14, 0, tzinfo=PARIS)   # = T0 + 1 h
    until = datetime(2024, 3, 10, 16, 0, tzinfo=PARIS)   # = T0 + 3 h
    page = search(AuditFilter(since=since, until=until), page=1, per_page=50)
    assert _actions(page) == ["accounts_export", "account.update"]
    page = search(AuditFilter(until=datetime(2024, 3, 10, 13, 0, tzinfo=PARIS) + timedelta(microseconds=1)),
                  page=1, per_page=50)
    assert _actions(page) == ["account.create"]


def test_search_pages(log):
    pages = [search(AuditFilter(**LOG_SPAN), page=n, per_page=4) for n in (1, 2, 3)]
    assert [_actions(p) for p in pages] == [
        ["access.denied", "auth.login", "auth.login", "accounts_export"], ["account.update", "account.create"], []]
    assert (pages[0].total, pages[0].pages, pages[0].has_next, pages[1].has_prev, pages[1].has_next) == (
        6, 2, True, True, False)
    # Page numbers below 1 give the first page.
    assert _actions(search(AuditFilter(**LOG_SPAN), page=-3, per_page=4)) == _actions(pages[0])


def test_entries_at_the_same_moment_keep_a_stable_order(app):
    for action in ("first", "second", "third"):
        record(action, now=T0)
    db.session.commit()
    assert _actions(search(AuditFilter(), page=1, per_page=2)) == ["third", "second"]
    assert _actions(search(AuditFilter(), page=2, per_page=2)) == ["first"]


def test_search_loads_actors_without_lazy_loading(log):
    page = _search(outcome="denied")
    # Account relationships are lazy="raise": this fails unless the search loaded the actor.
    assert page.items[0].actor.email == "bruno@example.org"


def test_known_actions(log):
    assert known_actions() == ["access.denied", "account.create", "account.update", "accounts_export", "auth.login"]
