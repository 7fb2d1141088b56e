"""Account invitations by e-mail link: sending, re-sending, withdrawing, accepting, and every unusable link."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, format_date

from peer_support.auth.models import Account
from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.myspace import invitations
from peer_support.people.models import AccountInvitation, ServiceUser
from peer_support.timezones import local_date
from peer_support.units.models import account_unit
from tests.conftest import PASSWORD, sign_in
from tests.helpers import audit_entries, has_field_error
from tests.myspace.conftest import linked_person
from tests.triage.conftest import new_person

NEW_PASSWORD = "a long sentence nobody guesses"


@pytest.fixture
def app_config(tmp_path):
    return {"OUTBOX_DIR": str(tmp_path / "outbox"), "SERVER_NAME": "pairs.chu.example"}


def _link(message) -> str:
    return re.search(r"https?://\S+/invitation/\S+", message.get_content()).group(0)


def _token(message) -> str:
    return _link(message).rsplit("/", 1)[1]


@pytest.fixture
def person(app, units):
    person = new_person(name="Inès", units=[units[0]], language="en")
    person.email = "ines@example.org"
    db.session.commit()
    return person


def _invite(coordinator, person, email=None, now=None):
    invitation = invitations.invite(coordinator, person, email=email,
                                    link_for=lambda token: f"http://pairs.chu.example/invitation/{token}",
                                    config=current_app.config, ip="127.0.0.1", now=now or utcnow())
    db.session.commit()
    return invitation


def test_coordinator_sends_an_invitation_from_the_record(client, signed_in, person, outbox):
    coordinator = signed_in("coordinator", locale="en")
    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert f"/people/{person.id}/invite" in page
    response = client.post(f"/people/{person.id}/invite", data={"email": ""})
    assert response.status_code == 302
    [message] = outbox()
    assert message["To"] == "ines@example.org"
    assert message["Subject"] == "Your account for the peer support programme"  # the person's language
    assert "Hello Inès," in message.get_content()
    token = _token(message)
    assert _link(message).startswith("http://pairs.chu.example/invitation/")
    invitation = db.session.scalar(sa.select(AccountInvitation))
    # Only the token's hash is stored; it works for 7 days.
    assert invitation.token_hash == invitations.token_hash(token) and token not in invitation.token_hash
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    [entry] = audit_entries("people.invite")
    assert entry.actor_id == coordinator.id and entry.object_id == str(person.id)
    assert token not in str(entry.details)
    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert "Withdraw the invitation" in page and "ines@example.org" in page


def test_an_address_typed_in_is_used_and_checked(client, signed_in, app, units, outbox):
    signed_in("coordinator", locale="en")
    person = new_person(name="Paul", units=[units[0]])
    db.session.commit()
    response = client.post(f"/people/{person.id}/invite", data={"email": ""})
    assert response.status_code == 200 and has_field_error(response.get_data(as_text=True), "email")
    response = client.post(f"/people/{person.id}/invite", data={"email": "not-an-address"})
    assert has_field_error(response.get_data(as_text=True), "email")
    assert outbox() == []
    client.post(f"/people/{person.id}/invite", data={"email": " Paul@Example.org "})
    assert outbox()[0]["To"] == "paul@example.org"


def test_an_address_already_used_by_an_account_is_refused(client, signed_in, person, make_account, outbox):
    signed_in("coordinator", locale="en")
    make_account("staff", email="ines@example.org")
    response = client.post(f"/people/{person.id}/invite", data={"email": ""})
    assert has_field_error(response.get_data(as_text=True), "email")
    assert outbox() == [] and db.session.scalar(sa.select(sa.func.count()).select_from(AccountInvitation)) == 0


def test_french_speakers_get_the_mail_in_french(app, make_account, person, outbox):
    person.preferred_language = "fr"
    db.session.commit()
    invitation = _invite(make_account("coordinator", locale="en"), person)
    with force_locale("fr"):
        french_date = format_date(local_date(invitation.expires_at), "long")  # the site's day, not UTC's
    assert french_date in outbox()[0].get_content()  # dates (and, once translated, words) in French


def test_resending_revokes_the_earlier_link(app, make_account, person, outbox, client):
    coordinator = make_account("coordinator")
    first = _invite(coordinator, person)
    second = _invite(coordinator, person)
    assert first.revoked_at is not None and second.revoked_at is None
    old_token, new_token = _token(outbox()[0]), _token(outbox()[1])
    assert client.get(f"/invitation/{old_token}").status_code == 404
    assert client.get(f"/invitation/{new_token}").status_code == 200
    assert audit_entries("people.invite")[1].details["revoked_earlier"] == 1


def test_the_person_chooses_a_password_and_gets_a_linked_account(app, make_account, person, outbox, client, units):
    _invite(make_account("coordinator"), person)
    token = _token(outbox()[0])
    page = client.get(f"/invitation/{token}")
    assert page.status_code == 200 and 'name="new_password"' in page.get_data(as_text=True)
    response = client.post(f"/invitation/{token}", data={"new_password": NEW_PASSWORD,
                                                         "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    account = db.session.scalar(sa.select(Account).where(Account.email == "ines@example.org"))
    assert (account.role, account.name, account.locale, account.must_change_password) == (
        "service_user", "Inès", "en", False)
    assert db.session.get(ServiceUser, person.id).account_id == account.id
    assert db.session.scalars(sa.select(account_unit.c.unit_id).where(
        account_unit.c.account_id == account.id)).all() == [units[0].id]
    assert db.session.scalar(sa.select(AccountInvitation)).used_at is not None
    [entry] = audit_entries("auth.invitation_accepted")
    assert entry.actor_id == account.id and entry.object_id == str(person.id)
    # The link works once.
    assert client.get(f"/invitation/{token}").status_code == 404
    # The person signs in and lands in their space.
    assert sign_in(client, "ines@example.org", NEW_PASSWORD).status_code == 302
    assert "My space" in client.get("/").get_data(as_text=True)


def test_the_password_policy_applies_and_keeps_nothing(app, make_account, person, outbox, client):
    _invite(make_account("coordinator"), person)
    token = _token(outbox()[0])
    response = client.post(f"/invitation/{token}", data={"new_password": "short", "confirm_password": "short"})
    assert response.status_code == 400 and has_field_error(response.get_data(as_text=True), "new_password")
    response = client.post(f"/invitation/{token}", data={"new_password": NEW_PASSWORD, "confirm_password": "other"})
    assert has_field_error(response.get_data(as_text=True), "confirm_password")
    assert db.session.scalar(sa.select(Account).where(Account.email == "ines@example.org")) is None
    assert client.get(f"/invitation/{token}").status_code == 200  # still usable


def _accept(client, token):
    return client.post(f"/invitation/{token}", data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})


def test_expired_revoked_unknown_links_get_one_neutral_page(app, make_account, person, outbox, client):
    coordinator = make_account("coordinator", locale="en")
    expired = _invite(coordinator, person, now=utcnow() - timedelta(days=8))
    expired_token = _token(outbox()[0])
    revoked = _invite(coordinator, person)
    revoked_token = _token(outbox()[1])
    invitations.revoke(coordinator, revoked, ip=None, now=utcnow())
    db.session.commit()
    pages = set()
    for token in (expired_token, revoked_token, "unknown-token", "x" * 300):
        for response in (client.get(f"/invitation/{token}"), _accept(client, token)):
            assert response.status_code == 404
            html = response.get_data(as_text=True)
            pages.add(html[html.index("<main"):html.index("</main>")])
    assert len(pages) == 1  # the same page whatever the reason
    assert expired.revoked_at is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Account).where(
        Account.role == "service_user")) == 0


def test_refused_once_the_record_has_an_account(app, make_account, person, outbox, client):
    coordinator = make_account("coordinator")
    _invite(coordinator, person)
    token = _token(outbox()[0])
    other = make_account("service_user")
    person.account_id = other.id
    db.session.commit()
    assert client.get(f"/invitation/{token}").status_code == 404
    assert _accept(client, token).status_code == 404
    with pytest.raises(DomainError):
        _invite(coordinator, db.session.get(ServiceUser, person.id))


def test_an_account_opened_meanwhile_with_the_address_makes_the_link_unusable(app, make_account, person, outbox,
                                                                            client):
    _invite(make_account("coordinator"), person)
    token = _token(outbox()[0])
    make_account("staff", email="ines@example.org")
    assert _accept(client, token).status_code == 404
    assert db.session.get(ServiceUser, person.id).account_id is None


def test_coordinator_withdraws_an_invitation(client, signed_in, person, outbox):
    signed_in("coordinator", locale="en")
    client.post(f"/people/{person.id}/invite", data={"email": ""})
    invitation = db.session.scalar(sa.select(AccountInvitation))
    response = client.post(f"/people/{person.id}/invitations/{invitation.id}/revoke")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(AccountInvitation, invitation.id).revoked_at is not None
    assert len(audit_entries("people.invite_revoke")) == 1
    assert client.get(f"/invitation/{_token(outbox()[0])}").status_code == 404
    # Withdrawing twice: a message, not an error page.
    response = client.post(f"/people/{person.id}/invitations/{invitation.id}/revoke", follow_redirects=True)
    assert response.status_code == 200 and "nothing to withdraw" in response.get_data(as_text=True)


def test_an_invitation_of_another_record_cannot_be_withdrawn_through_this_one(client, signed_in, person, units,
                                                                             make_account):
    signed_in("coordinator")
    invitation = _invite(make_account("coordinator"), person)
    other = new_person(name="Autre", units=[units[0]])
    db.session.commit()
    assert client.post(f"/people/{other.id}/invitations/{invitation.id}/revoke").status_code == 404
    assert db.session.get(AccountInvitation, invitation.id).revoked_at is None


@pytest.mark.parametrize("role", ["staff", "peer_worker", "service_user", "researcher"])
def test_only_the_coordinator_invites(client, signed_in, person, units, role, make_account, outbox):
    invitation = _invite(make_account("coordinator"), person)
    signed_in(role, units=[units[0]])
    assert client.get(f"/people/{person.id}/invite").status_code == 403
    assert client.post(f"/people/{person.id}/invite", data={"email": "x@example.org"}).status_code == 403
    assert client.post(f"/people/{person.id}/invitations/{invitation.id}/revoke").status_code == 403
    assert len(outbox()) == 1


def test_no_invitation_for_a_person_with_an_account(client, signed_in, units):
    signed_in("coordinator")
    person, _account = linked_person(units=[units[0]])
    assert client.get(f"/people/{person.id}/invite").status_code == 404
    assert client.get("/people/999999/invite").status_code == 404


def test_signed_out_visitors_reach_only_the_public_page(client, person):
    assert client.get(f"/people/{person.id}/invite").status_code == 302
    assert client.get("/invitation/whatever").status_code == 404
    assert PASSWORD  # the shared password is unrelated to invitations
