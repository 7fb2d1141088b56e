import pytest

from tests.conftest import ROLES


def test_healthz_answers_ok_without_signing_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    # (The scheduler's health comes with it: tests/operations/test_jobs.py.)
    assert response.get_json()["status"] == "ok"


def test_home_requires_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_its_own_home_page(client, signed_in, role):
    headings = {
        "coordinator": "Programme coordination", "staff": "Referring to a peer worker",
        "peer_worker": "My peer work", "service_user": "My space", "researcher": "Research",
    }
    signed_in(role, locale="en")
    page = client.get("/").get_data(as_text=True)
    assert f"<h1>{headings[role]}</h1>" in page
    # Only the coordinator is offered the administration pages.
    assert ('href="/accounts/"' in page) == (role == "coordinator")


def test_healthz_says_unavailable_when_the_database_does_not_answer(client, monkeypatch):
    import sqlalchemy as sa

    from peer_support.extensions import db

    def refuse(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable"}


def test_language_switch_for_visitors_and_for_signed_in_people(client, signed_in):
    assert client.post("/language", data={"locale": "en", "next": "/login"}).headers["Location"] == "/login"
    assert "Sign in" in client.get("/login").get_data(as_text=True)
    assert client.post("/language", data={"locale": "de"}).status_code == 400
    account = signed_in("staff", locale="fr")
    client.post("/language", data={"locale": "en", "next": "https://evil.example/"})
    from peer_support.extensions import db
    db.session.refresh(account)
    assert account.locale == "en"
    assert "<h1>Referring to a peer worker</h1>" in client.get("/").get_data(as_text=True)
