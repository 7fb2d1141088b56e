"""Research consent given and withdrawn by the person (My space, or "My research consents" for staff accounts), and
on paper, recorded by the coordinator or the person's peer worker; in the person's own data; withdrawn on erasure."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from peer_support.auth.models import Account
from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.feedback.models import FeedbackInvitation
from peer_support.privacy.anonymise import anonymise
from peer_support.privacy.subject import get_subject, subject_data
from peer_support.research.consent import consent_in_force
from peer_support.research.models import ConsentText, ResearchConsent
from peer_support.timezones import local_date
from tests.conftest import sign_in
from tests.helpers import audit_entries, has_field_error
from tests.myspace.conftest import linked_person
from tests.peers.conftest import make_profile  # noqa: F401  (fixture)
from tests.research.export_world import consent, make_form, make_study, respond
from tests.triage.conftest import new_referral


def _invite(form, *, person=None, account=None):
    invitation = FeedbackInvitation(form_id=form.id, service_user_id=person.id if person else None,
                                    account_id=account.id if account else None, token_hash=f"h{form.id}-{id(form)}",
                                    expires_at=utcnow() + timedelta(days=14))
    db.session.add(invitation)
    db.session.commit()
    return invitation


def _consents(**subject):
    column = ResearchConsent.service_user_id if "service_user_id" in subject else ResearchConsent.account_id
    db.session.expire_all()
    return db.session.scalars(sa.select(ResearchConsent).where(column == list(subject.values())[0])
                              .order_by(ResearchConsent.id)).all()


def test_a_service_user_consents_and_withdraws_from_my_space(client, app):
    study, text = make_study("PAIR-2026")
    other_study, _other = make_study("AUTRE")
    form = make_form(study)
    person, account = linked_person(name="Inès")
    _invite(form, person=person)
    sign_in(client, account)

    page = client.get("/my-space/").get_data(as_text=True)
    assert 'lang="en">I agree</div>' in page  # the current text, in the person's language (English)
    assert f"/research/my-consents/{study.id}/agree" in page
    assert f"/research/my-consents/{other_study.id}/agree" not in page  # not asked about that one

    response = client.post(f"/research/my-consents/{study.id}/agree", data={"version": "1", "care_use": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/my-space/#research-title")
    [given] = _consents(service_user_id=person.id)
    assert (given.consent_text_id, given.method, given.care_use, given.recorded_by_id) == (text.id, "in_app", True,
                                                                                          None)
    assert audit_entries("research.consent_give")[0].actor_id == account.id
    assert "I withdraw my consent" in client.get("/my-space/").get_data(as_text=True)

    assert client.post(f"/research/my-consents/{study.id}/withdraw").status_code == 302
    [withdrawn] = _consents(service_user_id=person.id)
    assert withdrawn.withdrawn_at is not None and withdrawn.withdrawal_method == "in_app"
    assert withdrawn.care_use is True  # kept: the answers may stay in care use
    assert len(audit_entries("research.consent_withdraw")) == 1

    # A study the person is not asked about: 404, nothing recorded.
    assert client.post(f"/research/my-consents/{other_study.id}/agree", data={"version": "1"}).status_code == 404
    assert len(_consents(service_user_id=person.id)) == 1


def test_a_text_changed_since_the_page_was_opened_is_not_agreed_to_unread(client, app):
    study, _text = make_study()
    form = make_form(study)
    person, account = linked_person()
    respond(form, {"q6": "ok"}, person=person)
    db.session.add(ConsentText(study_id=study.id, version=2, text_fr="v2", text_en="v2", published_at=utcnow()))
    db.session.commit()
    sign_in(client, account)
    client.post(f"/research/my-consents/{study.id}/agree", data={"version": "1"})
    assert _consents(service_user_id=person.id) == []
    client.post(f"/research/my-consents/{study.id}/agree", data={"version": "2"})
    assert [c.consent_text.version for c in db.session.scalars(
        sa.select(ResearchConsent).options(sa.orm.joinedload(ResearchConsent.consent_text)))] == [2]


def test_a_staff_account_manages_its_consents_from_its_own_page(client, make_account):
    study, text = make_study()
    form = make_form(study, audience="staff")
    nurse = make_account("staff", profession="nurse")
    _invite(form, account=nurse)
    sign_in(client, nurse)
    assert "/research/my-consents" in client.get("/account/settings").get_data(as_text=True)
    page = client.get("/research/my-consents")
    assert page.status_code == 200 and f"/research/my-consents/{study.id}/agree" in page.get_data(as_text=True)
    client.post(f"/research/my-consents/{study.id}/agree", data={"version": "1"})
    assert consent_in_force(study.id, account_id=nurse.id).care_use is False
    client.post(f"/research/my-consents/{study.id}/withdraw")
    assert consent_in_force(study.id, account_id=nurse.id) is None


def test_researchers_have_no_consent_page(client, make_account):
    sign_in(client, make_account("researcher"))
    assert client.get("/research/my-consents").status_code == 403


# --- On paper -------------------------------------------------------------------------------------------

@pytest.fixture
def world(app, make_profile):
    study, text = make_study("PAIR-2026")
    person, _account = linked_person(name="Inès")
    worker = make_profile()
    new_referral(person, status="active", peer_profile=worker)
    return study, text, person, worker


def test_the_coordinator_records_a_consent_and_a_withdrawal_on_paper(client, make_account, world):
    study, text, person, _worker = world
    coordinator = make_account("coordinator", locale="en")
    sign_in(client, coordinator)
    url = f"/research/people/{person.id}/consents"
    page = client.get(url)
    assert page.status_code == 200 and "Inès" in page.get_data(as_text=True)
    assert audit_entries("research.person_consents_view")[0].object_id == str(person.id)

    signed = local_date(utcnow()) - timedelta(days=3)
    response = client.post(url, data={"text_id": text.id, "given_on": signed.isoformat(), "care_use": "y"})
    assert response.status_code == 302
    [given] = _consents(service_user_id=person.id)
    assert (given.method, given.recorded_by_id, given.care_use) == ("paper", coordinator.id, True)
    assert local_date(given.given_at) == signed
    assert "On paper" in client.get(url).get_data(as_text=True)

    response = client.post(f"{url}/withdraw", data={"study_id": study.id})
    assert response.status_code == 302
    [withdrawn] = _consents(service_user_id=person.id)
    assert (withdrawn.withdrawal_method, withdrawn.withdrawal_recorded_by_id) == ("paper", coordinator.id)
    assert withdrawn.withdrawn_at is not None


def test_a_paper_consent_dated_in_the_future_is_a_form_error(client, make_account, world):
    _study, text, person, _worker = world
    sign_in(client, make_account("coordinator"))
    tomorrow = local_date(utcnow()) + timedelta(days=1)
    response = client.post(f"/research/people/{person.id}/consents",
                           data={"text_id": text.id, "given_on": tomorrow.isoformat()})
    assert response.status_code == 400 and has_field_error(response.get_data(as_text=True), "given_on")
    response = client.post(f"/research/people/{person.id}/consents", data={"text_id": text.id, "given_on": "hier"})
    assert response.status_code == 400 and has_field_error(response.get_data(as_text=True), "given_on")
    assert _consents(service_user_id=person.id) == []


def test_the_persons_peer_worker_records_on_paper_another_worker_and_staff_cannot(client, make_account,
                                                                                  make_profile, world):
    _study, text, person, worker = world
    url = f"/research/people/{person.id}/consents"
    sign_in(client, make_account("staff"))
    assert client.get(url).status_code == 403
    other = make_profile()
    sign_in(client, db.session.get(Account, other.account_id))
    assert client.get(url).status_code == 404
    assert client.post(url, data={"text_id": text.id, "given_on": date.today().isoformat()}).status_code == 404
    sign_in(client, make_account("researcher"))
    assert client.get(url).status_code == 403
    sign_in(client, db.session.get(Account, worker.account_id))
    assert client.get(url).status_code == 200
    assert client.post(url, data={"text_id": text.id, "given_on": local_date(utcnow()).isoformat()}).status_code == 302
    assert _consents(service_user_id=person.id)[0].recorded_by_id == worker.account_id


def test_the_persons_own_data_lists_their_consents_and_erasure_withdraws_them(client, make_account, world):
    study, text, person, _worker = world
    consent(text, person=person)
    data = subject_data(get_subject(person.id))
    [entry] = data["research_consents"]
    assert (entry["study"]["code"], entry["text_version"], entry["method"], entry["withdrawn_at"]) == (
        "PAIR-2026", 1, "in_app", None)

    coordinator = make_account("coordinator")
    anonymise(get_subject(person.id), how="erasure", actor=coordinator, now=utcnow())
    db.session.commit()
    assert consent_in_force(study.id, service_user_id=person.id) is None
    assert _consents(service_user_id=person.id)[0].withdrawal_method == "paper"
    sign_in(client, coordinator)
    assert client.get(f"/research/people/{person.id}/consents").status_code == 404  # anonymised: nothing to record
