"""The audit log page, and the entries refused accesses leave in it."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from peer_support.audit.services import record
from peer_support.extensions import db
from tests.conftest import ROLES, sign_in
from tests.helpers import audit_entries, has_field_error

NON_COORDINATORS = [role for role in ROLES if role != "coordinator"]


def _utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def _listed(html: str) -> list[str]:
    """The actions of the entries shown, in page order."""
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S)
    return re.findall(r"<code[^>]*>([^<]*)</code>", body.group(1)) if body else []


# --- access -----------------------------------------------------------------------------------

@pytest.mark.parametrize("role", NON_COORDINATORS)
def test_only_coordinators_read_the_audit_log(client, signed_in, role):
    record("secret.action", actor_label="someone@example.org")
    db.session.commit()
    signed_in(role, locale="en")
    response = client.get("/audit/")
    assert response.status_code == 403
    assert "secret.action" not in response.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/audit/?action=auth.")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("path, endpoint", [
    ("/accounts/", "accounts.index"),
    ("/units/new", "units.create"),
    ("/audit/", "audit.index"),
])
def test_a_refused_access_is_itself_recorded(client, signed_in, path, endpoint):
    staff = signed_in("staff", locale="en")
    assert audit_entries("access.denied") == []

    assert client.get(path).status_code == 403

    [entry] = audit_entries("access.denied")
    assert entry.outcome == "denied"
    assert entry.actor_id == staff.id and entry.actor_label == staff.email
    assert (entry.object_type, entry.object_id) == ("endpoint", endpoint)
    assert entry.details == {"path": path}
    assert entry.ip == "127.0.0.1"


def test_a_refused_post_is_recorded_too(client, signed_in, make_account):
    target = make_account("peer_worker")
    signed_in("researcher", locale="en")
    assert client.post(f"/accounts/{target.id}/deactivate").status_code == 403
    [entry] = audit_entries("access.denied")
    assert entry.object_id == "accounts.deactivate"
    assert audit_entries("account.deactivate") == []


def test_an_anonymous_visit_is_not_an_access_denied_entry(client):
    assert client.get("/accounts/").status_code == 302
    assert audit_entries("access.denied") == []


def test_the_coordinator_sees_refused_accesses_in_the_log(client, signed_in, make_account, app):
    other = app.test_client()
    staff = make_account("staff", name="Sam Staff", locale="en")
    assert sign_in(other, staff).status_code == 302
    assert other.get("/audit/").status_code == 403
    signed_in("coordinator", locale="en")

    html = client.get("/audit/?outcome=denied").get_data(as_text=True)

    assert _listed(html) == ["access.denied"]
    assert "Sam Staff" in html and "Page audit.index" in html


# --- the page ---------------------------------------------------------------------------------

@pytest.fixture
def coordinator(signed_in):
    return signed_in("coordinator", email="coord@example.org", locale="en")


@pytest.fixture
def history(coordinator, make_account):
    """Entries in 2024, well before the ones signing in wrote (now)."""
    bruno = make_account("staff", email="bruno@example.org", name="Bruno Staff")
    rows = [
        ("account.create", coordinator, "success", _utc(2024, 1, 9, 22, 59)),
        ("account.update", coordinator, "success", _utc(2024, 1, 9, 23, 0)),
        ("auth.login", bruno, "failure", _utc(2024, 1, 10, 22, 59, 59)),
        ("auth.login", bruno, "success", _utc(2024, 1, 10, 23, 0)),
    ]
    for action, actor, outcome, at in rows:
        record(action, actor=actor, outcome=outcome, object_type="account", object_id=actor.id, now=at)
    db.session.commit()
    return {"bruno": bruno}


def test_the_page_lists_entries_newest_first(client, history):
    response = client.get("/audit/")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    # Today's entries (Bruno's account made after the coordinator's sign-in), then 2024, newest first.
    assert _listed(response.get_data(as_text=True)) == [
        "account.create", "auth.login", "account.create",
        "auth.login", "auth.login", "account.update", "account.create"]


@pytest.mark.parametrize("query, expected", [
    ("action=account.&until=2024-12-31", ["account.update", "account.create"]),
    ("action=account.update", ["account.update"]),
    ("action=auth.&outcome=failure", ["auth.login"]),
    ("outcome=success&until=2024-12-31", ["auth.login", "account.update", "account.create"]),
    ("actor=bruno@example.org", ["auth.login", "auth.login"]),
    ("actor=++BRUNO@Example.ORG++", ["auth.login", "auth.login"]),
    ("actor=coord@example.org&until=2024-12-31", ["account.update", "account.create"]),
    ("object_type=account&until=2024-06-01", ["auth.login", "auth.login", "account.update", "account.create"]),
    ("action=unit.", []),
])
def test_filters_from_the_query_string(client, history, query, expected):
    response = client.get(f"/audit/?{query}")
    assert response.status_code == 200
    assert _listed(response.get_data(as_text=True)) == expected


@pytest.mark.parametrize("query", ["actor=bruno%00@example.org", "action=account.upd%00ate", "object_id=%00"])
def test_nul_characters_in_filters_are_a_bad_request(client, history, query):
    # PostgreSQL refuses NUL in text: a tampered query string must not become a 500.
    assert client.get(f"/audit/?{query}").status_code == 400


def test_an_unknown_actor_shows_no_entries(client, history):
    response = client.get("/audit/?actor=nobody@example.org")
    assert response.status_code == 200
    assert _listed(response.get_data(as_text=True)) == []


def test_dates_are_days_in_paris_time(client, history):
    # 10 January 2024 in Paris (UTC+1) runs from 9 Jan 23:00 UTC to 10 Jan 23:00 UTC.
    response = client.get("/audit/?since=2024-01-10&until=2024-01-10")
    assert response.status_code == 200
    assert _listed(response.get_data(as_text=True)) == ["auth.login", "account.update"]
    assert _listed(client.get("/audit/?until=2024-01-09").get_data(as_text=True)) == ["account.create"]
    assert _listed(client.get("/audit/?since=2024-01-11&until=2024-12-31").get_data(as_text=True)) == [
        "auth.login"]


@pytest.mark.parametrize("day, inside, outside", [
    # Summer time (UTC+2).
    ("2024-07-10", [_utc(2024, 7, 9, 22, 0), _utc(2024, 7, 10, 21, 59)], [_utc(2024, 7, 9, 21, 59),
                                                                         _utc(2024, 7, 10, 22, 0)]),
    # The day clocks go forward is 23 hours long.
    ("2024-03-31", [_utc(2024, 3, 30, 23, 0), _utc(2024, 3, 31, 21, 59)], [_utc(2024, 3, 30, 22, 59),
                                                                          _utc(2024, 3, 31, 22, 0)]),
    # The day clocks go back is 25 hours long.
    ("2024-10-27", [_utc(2024, 10, 26, 22, 0), _utc(2024, 10, 27, 22, 59)], [_utc(2024, 10, 26, 21, 59),
                                                                            _utc(2024, 10, 27, 23, 0)]),
])
def test_day_boundaries_follow_paris_summer_time(client, coordinator, day, inside, outside):
    for at in inside:
        record("test.inside", now=at)
    for at in outside:
        record("test.outside", now=at)
    db.session.commit()
    response = client.get(f"/audit/?since={day}&until={day}")
    assert response.status_code == 200
    assert _listed(response.get_data(as_text=True)) == ["test.inside", "test.inside"]


@pytest.mark.parametrize("query, field", [
    ("since=not-a-date", "since"),
    ("until=2024-13-45", "until"),
    ("since=2024-02-30", "since"),
    ("outcome=maybe", "outcome"),
    ("actor=" + "a" * 300, "actor"),
])
def test_bad_filter_values_give_a_normal_page_with_the_field_flagged(client, history, query, field):
    response = client.get(f"/audit/?{query}")
    assert response.status_code == 200
    assert has_field_error(response.get_data(as_text=True), field)


@pytest.mark.parametrize("query", ["page=abc", "page=-1", "page=0", "page=99999", "action=%25",
                                   "object_id=%27%3B--", "since=&until=&actor=&outcome="])
def test_odd_values_give_a_normal_page(client, history, query):
    assert client.get(f"/audit/?{query}").status_code == 200


def test_a_page_beyond_the_last_is_empty(client, history):
    response = client.get("/audit/?page=99999")
    assert response.status_code == 200
    assert _listed(response.get_data(as_text=True)) == []


@pytest.mark.parametrize("app_config", [{"AUDIT_PAGE_SIZE": 2}])
def test_pages_of_entries(client, history, app_config):
    pages = [client.get(f"/audit/?until=2024-12-31&page={n}") for n in (1, 2)]
    assert [page.status_code for page in pages] == [200, 200]
    first, second = (page.get_data(as_text=True) for page in pages)
    assert _listed(first) == ["auth.login", "auth.login"]
    assert _listed(second) == ["account.update", "account.create"]
    # The filters are kept in the links between pages.
    assert re.search(r'href="/audit/\?(?=[^"]*until=2024-12-31)(?=[^"]*page=2)[^"]*"', first)
