"""My space: the opt-in "send me a message when my peer worker has not been in touch" (nudges/person_messages.py)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from peer_support.extensions import db
from peer_support.people.models import ServiceUser
from peer_support.referrals.models import Referral
from tests.conftest import sign_in
from tests.helpers import audit_entries
from tests.myspace.conftest import linked_person
from tests.triage.conftest import new_referral

URL = "/my-space/contact-messages"
TITLE = "A message if my peer worker has not been in touch"


@pytest.fixture
def camille(app, units, worker):
    """Camille, accompanied in CL3R, whose unit offers the messages, and who chose "contact me again"."""
    units[0].person_messages = True
    person, account = linked_person(units=[units[0]])
    person.follow_up_choice = "contact_me_again"
    new_referral(person, unit=units[0], status="active", peer_profile=worker, commit=False)
    db.session.commit()
    return person, account


def _opt_in(person_id: int) -> bool:
    db.session.expire_all()
    return db.session.get(ServiceUser, person_id).contact_message_opt_in


def test_offered_and_saved_then_withdrawn(client, camille):
    person, account = camille
    sign_in(client, account)
    html = client.get("/my-space/").get_data(as_text=True)
    assert TITLE in html and "Send me a message when my peer worker has not been in touch" in html
    assert client.post(URL, data={"wanted": "y"}).status_code == 302
    assert _opt_in(person.id) is True
    assert client.post(URL, data={}).status_code == 302
    assert _opt_in(person.id) is False
    assert [(e.details["from"], e.details["to"]) for e in audit_entries("myspace.contact_message_opt_in")] == [
        (False, True), (True, False)]


@pytest.mark.parametrize("situation", ["unit_off", "i_will_get_in_touch", "no_choice", "no_accompaniment"])
def test_not_offered_unless_contact_me_again_and_the_unit_allows(client, camille, units, situation):
    person, account = camille
    if situation == "unit_off":
        units[0].person_messages = False
    elif situation == "i_will_get_in_touch":
        person.follow_up_choice = "i_will_get_in_touch"
    elif situation == "no_choice":
        person.follow_up_choice = None
    else:
        db.session.execute(sa.update(Referral).where(Referral.service_user_id == person.id).values(status="closed"))
    db.session.commit()
    sign_in(client, account)
    assert TITLE not in client.get("/my-space/").get_data(as_text=True)
    response = client.post(URL, data={"wanted": "y"}, follow_redirects=True)
    assert response.status_code == 200 and "These messages are offered only when" in response.get_data(as_text=True)
    assert _opt_in(person.id) is False


def test_once_on_it_can_always_be_turned_off(client, camille, units):
    person, account = camille
    person.contact_message_opt_in = True
    units[0].person_messages = False
    db.session.commit()
    sign_in(client, account)
    assert TITLE in client.get("/my-space/").get_data(as_text=True)
    client.post(URL, data={})
    assert _opt_in(person.id) is False


def test_a_researcher_cannot_reach_it(client, signed_in, camille):
    signed_in("researcher")
    assert client.post(URL, data={"wanted": "y"}).status_code == 403
    assert _opt_in(camille[0].id) is False


def test_another_service_user_changes_only_their_own(client, camille, units):
    person, _account = camille
    other, other_account = linked_person(units=[units[1]], name="Ines")
    sign_in(client, other_account)
    assert TITLE not in client.get("/my-space/").get_data(as_text=True)
    client.post(URL, data={"wanted": "y"})
    assert _opt_in(person.id) is False and _opt_in(other.id) is False
