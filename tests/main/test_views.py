import pytest

from tests.conftest import ROLES


def test_healthz_answers_ok_without_signing_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


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
