"""Deny by default: every endpoint is public on purpose or has a declared rule."""
import pytest

from peer_support import permissions
from tests.conftest import ROLES


def test_every_endpoint_has_a_declared_rule_or_is_public(app):
    undeclared = sorted(
        rule.endpoint for rule in app.url_map.iter_rules()
        if permissions.endpoint_rule(rule.endpoint) is None
    )
    assert undeclared == [], f"endpoints without an access rule in permissions.py: {undeclared}"


def test_no_rule_names_an_endpoint_that_does_not_exist(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    stale = sorted((set(permissions.ENDPOINT_RULES) | permissions.PUBLIC_ENDPOINTS) - endpoints)
    assert stale == []


def test_an_endpoint_without_a_rule_is_refused_to_everyone(app, client, signed_in, monkeypatch):
    app.add_url_rule("/forgotten", "forgotten", lambda: "should never be served")
    assert client.get("/forgotten").status_code == 302  # anonymous: sign in first
    signed_in("coordinator")
    assert client.get("/forgotten").status_code == 403


def _protected_get_urls(app):
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or permissions.endpoint_rule(rule.endpoint) == "public":
            continue
        values = {name: 1 for name in rule.arguments}
        urls.append((rule.endpoint, rule.build(values)[1] if values else rule.rule))
    return urls


def test_every_protected_page_requires_sign_in(app, client):
    for endpoint, url in _protected_get_urls(app):
        response = client.get(url)
        assert response.status_code == 302, endpoint
        assert response.headers["Location"].startswith("/login?next="), endpoint


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_what_its_rules_allow(app, client, signed_in, role):
    account = signed_in(role)
    for endpoint, url in _protected_get_urls(app):
        allowed = permissions.endpoint_rule(endpoint)(account)
        status = client.get(url).status_code
        if allowed:
            assert status in (200, 404), (endpoint, status)  # 404: object 1 may not exist
        else:
            assert status == 403, (endpoint, status)
