"""Where I am signed in: each account sees its open sessions and ends one; a coordinator signs a person out
everywhere (issue 10)."""
import pytest
import sqlalchemy as sa

from peer_support.auth.labels import device_name
from peer_support.auth.models import AuthSession
from peer_support.extensions import db
from tests.conftest import sign_in
from tests.helpers import audit_entries

PHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
         "Version/17.4 Mobile/15E148 Safari/604.1")
DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _browser(app, account, user_agent):
    client = app.test_client()
    sign_in(client, account, headers={"User-Agent": user_agent})
    return client


def _open_sessions(account_id):
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuthSession).where(AuthSession.account_id == account_id,
                                                                AuthSession.ended_at.is_(None))))


def test_device_names_people_recognise(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert device_name(PHONE) == "Mobile Safari on iOS, iPhone"
        assert device_name(DESKTOP) == "Firefox on Windows"
        assert device_name(None) == "Unknown device"
        assert device_name("\x00garbage") == "Unknown device"


def test_a_person_sees_their_sessions_and_ends_another_one(app, make_account):
    worker = make_account("peer_worker", locale="en")
    phone = _browser(app, worker, PHONE)
    desktop = _browser(app, worker, DESKTOP)
    page = desktop.get("/account/settings").get_data(as_text=True)
    assert "Mobile Safari on iOS, iPhone" in page and "Firefox on Windows" in page
    assert page.count("End this session") == 1 and "This browser" in page
    [phone_session] = [s for s in _open_sessions(worker.id) if "iPhone" in (s.user_agent or "")]
    assert desktop.post(f"/account/sessions/{phone_session.id}/end").status_code == 302
    assert len(_open_sessions(worker.id)) == 1
    # The phone is signed out at its next request; the desktop is not.
    assert phone.get("/account/settings").status_code == 302
    assert desktop.get("/account/settings").status_code == 200
    [entry] = audit_entries("auth.session_end")
    assert entry.actor_id == worker.id
    # Ending it again changes nothing and says so.
    again = desktop.post(f"/account/sessions/{phone_session.id}/end", follow_redirects=True)
    assert "That session had already ended." in again.get_data(as_text=True)
    assert len(audit_entries("auth.session_end")) == 1


def test_nobody_ends_someone_elses_session_by_its_id(app, make_account):
    worker, other = make_account("peer_worker", locale="en"), make_account("staff", locale="en")
    _browser(app, worker, PHONE)
    [target] = _open_sessions(worker.id)
    attacker = _browser(app, other, DESKTOP)
    response = attacker.post(f"/account/sessions/{target.id}/end", follow_redirects=True)
    assert "That session had already ended." in response.get_data(as_text=True)
    assert [s.id for s in _open_sessions(worker.id)] == [target.id]
    assert audit_entries("auth.session_end") == []


def test_signed_out_visitors_cannot_end_sessions(app, make_account):
    worker = make_account("peer_worker")
    _browser(app, worker, PHONE)
    [target] = _open_sessions(worker.id)
    assert app.test_client().post(f"/account/sessions/{target.id}/end").status_code == 302  # to sign-in
    assert len(_open_sessions(worker.id)) == 1


def test_the_coordinator_signs_a_person_out_everywhere(app, client, make_account):
    worker = make_account("peer_worker", name="Julie Worker")
    phone, desktop = _browser(app, worker, PHONE), _browser(app, worker, DESKTOP)
    coordinator = make_account("coordinator", locale="en")
    sign_in(client, coordinator)
    assert "Sign out everywhere" in client.get(f"/accounts/{worker.id}/edit").get_data(as_text=True)
    response = client.post(f"/accounts/{worker.id}/end-sessions", follow_redirects=True)
    assert "2 sessions of Julie Worker are ended." in response.get_data(as_text=True)
    assert _open_sessions(worker.id) == []
    assert phone.get("/").status_code == 302 and desktop.get("/").status_code == 302
    [entry] = audit_entries("auth.sessions_end_all")
    assert (entry.actor_id, entry.object_id, entry.details) == (coordinator.id, str(worker.id), {"sessions": 2})
    # The coordinator's own session is untouched.
    assert client.get(f"/accounts/{worker.id}/edit").status_code == 200


@pytest.mark.parametrize("role", ["staff", "peer_worker", "service_user", "researcher"])
def test_only_the_coordinator_signs_others_out(app, client, make_account, role):
    worker = make_account("peer_worker")
    _browser(app, worker, PHONE)
    sign_in(client, make_account(role))
    assert client.post(f"/accounts/{worker.id}/end-sessions").status_code == 403
    assert len(_open_sessions(worker.id)) == 1
