"""The public "What is a peer worker?" page and its editor."""
import pytest
import sqlalchemy as sa

from peer_support.audit.models import AuditEntry
from peer_support.extensions import db
from peer_support.information.defaults import DEFAULT_PAGES
from peer_support.referrals.models import InformationPage
from tests.conftest import ROLES

FR, EN = {"Accept-Language": "fr"}, {"Accept-Language": "en"}


def _html(response):
    return response.get_data(as_text=True)


def test_public_in_french_without_sign_in(client):
    response = client.get("/what-is-a-peer-worker", headers=FR)
    assert response.status_code == 200
    html = _html(response)
    assert "Qu&#39;est-ce qu&#39;un pair-aidant ?" in html
    assert '<html lang="fr">' in html
    assert "secret médical" in html
    assert 'href="/contact"' in html
    assert "/what-is-a-peer-worker?lang=en" in html and "Read this page in English" in html


def test_public_in_english_without_sign_in(client):
    html = _html(client.get("/what-is-a-peer-worker", headers=EN))
    assert "What is a peer worker?" in html
    assert "It is free, voluntary and confidential." in html
    assert "This page is in English." in html
    assert "Lire cette page en français" in html


def test_the_other_language_on_request(client):
    html = _html(client.get("/what-is-a-peer-worker?lang=fr", headers=EN))
    assert "Qu&#39;est-ce qu&#39;un pair-aidant ?" in html
    assert '<html lang="fr">' in html
    # An unknown language falls back to the reader's own.
    assert "What is a peer worker?" in _html(client.get("/what-is-a-peer-worker?lang=xx", headers=EN))


def test_links_from_login_page(client):
    html = _html(client.get("/login", headers=EN))
    assert 'href="/what-is-a-peer-worker"' in html and 'href="/contact"' in html


def test_coordinator_edits_then_restores_default(client, signed_in):
    coordinator = signed_in("coordinator", locale="en")
    page = client.get("/what-is-a-peer-worker/edit/fr")
    assert page.status_code == 200 and "Qu&#39;est-ce qu&#39;un pair-aidant ?" in _html(page)

    response = client.post("/what-is-a-peer-worker/edit/fr",
                           data={"title": "  Les pairs-aidants  ", "body": "Premier.\r\n\r\n\r\nSecond\r\nligne"})
    assert response.status_code == 302
    stored = db.session.scalar(sa.select(InformationPage))
    assert (stored.slug, stored.locale, stored.title) == ("peer_worker", "fr", "Les pairs-aidants")
    assert stored.body == "Premier.\n\n\nSecond\nligne" and stored.updated_by_id == coordinator.id
    html = _html(client.get("/what-is-a-peer-worker?lang=fr"))
    assert "Les pairs-aidants" in html and "<p>Premier.</p>" in html and "<strong>Second</strong><br>ligne" in html
    # The English page is untouched.
    assert DEFAULT_PAGES["peer_worker"]["en"][0] in _html(client.get("/what-is-a-peer-worker?lang=en"))

    assert client.post("/what-is-a-peer-worker/edit/fr/restore").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InformationPage)) == 0
    assert "Qu&#39;est-ce qu&#39;un pair-aidant ?" in _html(client.get("/what-is-a-peer-worker?lang=fr"))
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "information.page_update")
                                 .order_by(AuditEntry.id)).all()
    assert [(e.object_type, e.object_id, e.actor_id) for e in entries] == [
        ("information_page", "peer_worker/fr", coordinator.id)] * 2
    assert entries[1].details["restored_default"] is True


def test_editor_refuses_empty_and_oversized(client, signed_in):
    signed_in("coordinator", locale="en")
    response = client.post("/what-is-a-peer-worker/edit/en", data={"title": "", "body": "Kept text"})
    assert response.status_code == 400
    assert "Enter the title of the page." in _html(response) and "Kept text" in _html(response)
    response = client.post("/what-is-a-peer-worker/edit/en", data={"title": "x" * 201, "body": "Body"})
    assert response.status_code == 400 and "Keep the title under 200 characters." in _html(response)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InformationPage)) == 0


def test_unknown_language_is_404(client, signed_in):
    signed_in("coordinator")
    assert client.get("/what-is-a-peer-worker/edit/de").status_code == 404


def test_body_is_shown_as_text_not_html(client, signed_in):
    signed_in("coordinator", locale="en")
    client.post("/what-is-a-peer-worker/edit/en",
                data={"title": "<b>Title</b>", "body": "<script>alert(1)</script>\n\n<a href=x>link</a>"})
    html = _html(client.get("/what-is-a-peer-worker?lang=en"))
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<a href=x>" not in html and "&lt;b&gt;Title&lt;/b&gt;" in html


def test_coordinator_sees_edit_link_others_do_not(client, signed_in):
    signed_in("coordinator", locale="en")
    assert "/what-is-a-peer-worker/edit/en" in _html(client.get("/what-is-a-peer-worker"))
    client.post("/logout")
    signed_in("staff", locale="en")
    html = _html(client.get("/what-is-a-peer-worker"))
    assert "What is a peer worker?" in html and "/what-is-a-peer-worker/edit" not in html


@pytest.mark.parametrize("role", [r for r in ROLES if r != "coordinator"])
def test_other_roles_refused_on_editor(client, signed_in, role):
    signed_in(role)
    assert client.get("/what-is-a-peer-worker/edit/fr").status_code == 403
    assert client.post("/what-is-a-peer-worker/edit/fr", data={"title": "T", "body": "B"}).status_code == 403
    assert client.post("/what-is-a-peer-worker/edit/fr/restore").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InformationPage)) == 0


@pytest.mark.parametrize("method, path", [("get", "/what-is-a-peer-worker/edit/fr"),
                                          ("post", "/what-is-a-peer-worker/edit/fr"),
                                          ("post", "/what-is-a-peer-worker/edit/en/restore")])
def test_anonymous_sent_to_login_for_editor(client, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
