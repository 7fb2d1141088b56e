"""Erasure and legal hold pages: the coordinator's only; refused under a legal hold; audited."""
import pytest
import sqlalchemy as sa

from peer_support.extensions import db
from peer_support.people.models import ServiceUser
from tests.conftest import sign_in
from tests.helpers import audit_entries, has_field_error
from tests.privacy.rights_fixtures import *  # noqa: F401,F403
from tests.privacy.rights_fixtures import YEAR_OF_BIRTH, found_anywhere, statistics
from tests.triage.conftest import new_person


@pytest.fixture
def person(units):
    person = new_person(name="Albane Rochecourt", units=[units[0]])
    person.year_of_birth = 1984
    db.session.commit()
    return person


def _fresh(person_id):
    db.session.expire_all()
    return db.session.get(ServiceUser, person_id)


@pytest.mark.parametrize("role", ["staff", "peer_worker", "researcher", "service_user"])
def test_only_the_coordinator_reaches_erasure_and_legal_hold(client, make_account, units, person, role):
    account = make_account(role, units=[units[0]], locale="en")
    sign_in(client, account)
    base = f"/privacy/people/{person.id}"
    assert client.get(f"{base}/erase").status_code == 403
    assert client.post(f"{base}/erase", data={"reason": "request", "confirmation": person.code}).status_code == 403
    assert client.get(f"{base}/legal-hold").status_code == 403
    assert client.post(f"{base}/legal-hold", data={"reason": "court"}).status_code == 403
    assert client.post(f"{base}/legal-hold/lift").status_code == 403
    fresh = _fresh(person.id)
    assert (fresh.anonymised_at, fresh.legal_hold, fresh.display_name) == (None, False, "Albane Rochecourt")


def test_an_unknown_person_is_404(client, signed_in):
    signed_in("coordinator", locale="en")
    assert client.get("/privacy/people/999/erase").status_code == 404
    assert client.get("/privacy/people/999/legal-hold").status_code == 404


def test_the_page_says_what_happens_and_the_coordinator_erases(client, seeded):
    sign_in(client, seeded.coordinator)
    person_id = seeded.person.id
    page = client.get(f"/privacy/people/{person_id}/erase").get_data(as_text=True)
    assert "What is removed" in page and "What stays, for the programme's statistics" in page
    assert "1 open referral will be closed" in page and "2 planned meetings will be cancelled" in page
    assert "Do not write the person's name" in page
    before = statistics()
    response = client.post(f"/privacy/people/{person_id}/erase",
                           data={"reason": "Demande écrite du 3 mars", "confirmation": seeded.old_code.lower()})
    assert response.status_code == 302 and response.headers["Location"] == f"/people/{person_id}"
    person = _fresh(person_id)
    assert (person.anonymisation, person.year_of_birth) == ("erasure", None)
    assert found_anywhere(seeded.identifying_values()) == []
    assert statistics() == before
    entry = audit_entries("privacy.erasure")[-1]
    assert (entry.actor_id, entry.object_id) == (seeded.coordinator.id, str(person_id))
    assert entry.details["reason"] == "Demande écrite du 3 mars"
    assert (entry.details["referrals_closed"], entry.details["meetings_cancelled"]) == (1, 2)
    record = client.get(f"/people/{person_id}").get_data(as_text=True)
    assert "Anonymised on" in record and "(erasure)" in record
    # An anonymised record cannot be filled in again.
    assert "Edit the record" not in record
    assert client.get(f"/people/{person_id}/edit").status_code == 404
    # Done once: the page says so, a second erasure is refused.
    assert "was anonymised on" in client.get(f"/privacy/people/{person_id}/erase").get_data(as_text=True)
    client.post(f"/privacy/people/{person_id}/erase", data={"reason": "again", "confirmation": person.code})
    assert len(audit_entries("privacy.erasure")) == 1


@pytest.mark.parametrize("data, field", [
    ({"reason": "  ", "confirmation": "CODE"}, "reason"),
    ({"reason": "Demande du 3 mars", "confirmation": "PA-XXXXXX"}, "confirmation"),
    ({"reason": "Demande du 3 mars", "confirmation": ""}, "confirmation"),
    ({"reason": "x" * 501, "confirmation": "CODE"}, "reason"),
])
def test_bad_input_is_a_form_error_keeps_what_was_typed_and_changes_nothing(client, signed_in, person, data, field):
    signed_in("coordinator", locale="en")
    data = {key: person.code if value == "CODE" else value for key, value in data.items()}
    response = client.post(f"/privacy/people/{person.id}/erase", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and has_field_error(page, field), page
    if data["reason"].strip():
        assert data["reason"] in page
    assert _fresh(person.id).year_of_birth == 1984
    assert audit_entries("privacy.erasure") == []


def test_a_legal_hold_refuses_erasure_with_a_clear_message_and_changes_nothing(client, seeded):
    sign_in(client, seeded.coordinator)
    person_id = seeded.person.id
    assert client.post(f"/privacy/people/{person_id}/legal-hold", data={"reason": ""}).status_code == 200
    assert not _fresh(person_id).legal_hold
    response = client.post(f"/privacy/people/{person_id}/legal-hold",
                           data={"reason": "Réquisition judiciaire n° 2026-14"})
    assert response.status_code == 302
    person = _fresh(person_id)
    assert (person.legal_hold, person.legal_hold_reason) == (True, "Réquisition judiciaire n° 2026-14")
    assert audit_entries("privacy.legal_hold_set")[-1].object_id == str(person_id)
    record = client.get(f"/people/{person_id}").get_data(as_text=True)
    assert "Legal hold since" in record and "Not possible while a legal hold is set." in record
    page = client.get(f"/privacy/people/{person_id}/erase").get_data(as_text=True)
    assert "Erasure is not possible while a legal hold is set." in page and 'name="confirmation"' not in page
    before = (statistics(), found_anywhere(seeded.identifying_values()))
    response = client.post(f"/privacy/people/{person_id}/erase",
                           data={"reason": "Demande du 3 mars", "confirmation": seeded.old_code})
    assert "A legal hold is set on this record" in response.get_data(as_text=True)
    assert _fresh(person_id).year_of_birth == YEAR_OF_BIRTH
    assert (statistics(), found_anywhere(seeded.identifying_values())) == before
    assert audit_entries("privacy.erasure") == []
    # Lifted: erasure is possible again.
    assert client.post(f"/privacy/people/{person_id}/legal-hold/lift").status_code == 302
    assert not _fresh(person_id).legal_hold and audit_entries("privacy.legal_hold_lift")
    client.post(f"/privacy/people/{person_id}/erase",
                data={"reason": "Demande du 3 mars", "confirmation": seeded.old_code})
    assert _fresh(person_id).anonymisation == "erasure"


def test_the_record_offers_the_actions_to_the_coordinator_only(client, signed_in, make_account, units, person):
    signed_in("coordinator", locale="en")
    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert "Set a legal hold" in page and f"/privacy/people/{person.id}/erase" in page
    sign_in(client, make_account("staff", units=[units[0]], locale="en"))
    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert "Set a legal hold" not in page and "/erase" not in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ServiceUser)) == 1
