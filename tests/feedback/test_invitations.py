"""Invitations by hand: to a person (the coordinator, their peer worker) or to staff; e-mailed links, printed
links, cancellation; automatic cancellation on consent withdrawal; erasure and the person's own data."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from peer_support.auth.models import Account
from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.feedback import invitations
from peer_support.feedback.models import FeedbackAnswer, FeedbackInvitation, FeedbackResponse
from tests.conftest import sign_in
from tests.feedback.conftest import new_consent, new_form, new_response, new_study  # noqa: F401
from tests.helpers import audit_entries, has_field_error
from tests.meetings.conftest import accompany, make_meeting  # noqa: F401  (shared fixtures)
from tests.peers.conftest import domains, make_profile  # noqa: F401  (shared fixtures)
from tests.triage.conftest import new_person, new_referral, units  # noqa: F401  (shared fixtures)

LINK = re.compile(r"https?://[^\s<]+/feedback/answer/([A-Za-z0-9_-]+)")


def token_in(message) -> str:
    return LINK.search(message.get_content()).group(1)


def person_with_email(name="Inès Dubois", email="ines@example.org", units=(), language="en"):
    person = new_person(name=name, units=units, language=language)
    person.email = email
    db.session.commit()
    return person


def fresh_invitations(*conditions) -> list[FeedbackInvitation]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(FeedbackInvitation).where(*conditions).order_by(FeedbackInvitation.id)))


def open_token(invitation) -> str:
    """A new link for an invitation made in a test (the token is never stored)."""
    token = invitations.new_link(invitation.id)
    db.session.commit()
    return token


@pytest.fixture
def worker(make_profile, units):
    return make_profile(units=[units[0]])


# --- To a person, by hand ----------------------------------------------------------------------------

def test_coordinator_invites_a_person_by_code_and_the_mailed_link_opens_the_questionnaire(
        client, signed_in, units, outbox):
    form = new_form(privacy="care_only")
    person = person_with_email(units=[units[0]])
    signed_in("coordinator", locale="en")
    response = client.post(f"/feedback/forms/{form.id}/invitations", data={"person_code": person.code.lower()})
    assert response.status_code == 302
    assert "The invitation is sent by e-mail." in client.get(response.headers["Location"]).get_data(as_text=True)
    [invitation] = fresh_invitations()
    assert (invitation.service_user_id, invitation.trigger, invitation.sent_at is not None) == (person.id, "manual",
                                                                                               True)
    [message] = outbox()
    assert message["To"] == "ines@example.org"
    assert message["Subject"] == "A short questionnaire from the peer support team"
    body = message.get_content()
    assert "Inès" not in body and "Retour" not in body  # no name, no title of the questionnaire
    token = token_in(message)
    assert invitation.token_hash == invitations.token_hash(token) and token not in invitation.token_hash
    assert [e.details["invitation_id"] for e in audit_entries("feedback.invitation_create")] == [invitation.id]
    assert [e.object_id for e in audit_entries("feedback.invitation_sent")] == [str(invitation.id)]
    client.post("/logout")
    page = client.get(f"/feedback/answer/{token}")
    assert page.status_code == 200 and "I felt understood." in page.get_data(as_text=True)


def test_an_unknown_code_or_a_second_open_invitation_is_a_form_error(client, signed_in, units):
    form = new_form()
    person = person_with_email()
    signed_in("coordinator", locale="en")
    response = client.post(f"/feedback/forms/{form.id}/invitations", data={"person_code": "PA-NOPE"})
    assert response.status_code == 400 and has_field_error(response.get_data(as_text=True), "person_code")
    assert client.post(f"/feedback/forms/{form.id}/invitations", data={"person_code": person.code}).status_code == 302
    again = client.post(f"/feedback/forms/{form.id}/invitations", data={"person_code": person.code})
    assert again.status_code == 400
    assert "already has an invitation" in again.get_data(as_text=True)
    assert len(fresh_invitations()) == 1


def test_a_draft_form_cannot_be_sent(app, make_account):
    form = new_form(published=False)
    person = person_with_email()
    coordinator = make_account("coordinator")
    with pytest.raises(invitations.DomainError):
        invitations.invite_person(coordinator, form, person, ip=None, now=utcnow())


def test_a_person_without_e_mail_finds_it_in_my_space_and_the_worker_prints_a_link(
        client, make_account, worker, accompany, outbox):
    form = new_form(privacy="care_only")
    person = accompany(worker, name="Camille")
    sign_in(client, db.session.get(Account, worker.account_id))
    page = client.get(f"/feedback/people/{person.id}/questionnaires")
    assert page.status_code == 200
    assert client.post(f"/feedback/people/{person.id}/questionnaires", data={"form_id": form.id}).status_code == 302
    [invitation] = fresh_invitations()
    assert invitation.sent_at is None and outbox() == []
    assert [e.object_id for e in audit_entries("feedback.person_invitations_view")][:1] == [str(person.id)]

    # Printing a link gives a working link; printing again makes the first one unusable.
    printed = client.post(f"/feedback/invitations/{invitation.id}/link", data={"back": "person"})
    first = LINK.search(printed.get_data(as_text=True)).group(1)
    second = LINK.search(client.post(f"/feedback/invitations/{invitation.id}/link").get_data(as_text=True)).group(1)
    assert first != second
    assert len(audit_entries("feedback.invitation_link")) == 2

    # Their account, opened later (no e-mail on the record: a mail would go to the account's address).
    account = make_account("service_user", locale="en")
    db.session.get(type(person), person.id).account_id = account.id
    db.session.commit()
    sign_in(client, account)
    space = client.get("/my-space/").get_data(as_text=True)
    assert "Questionnaires to answer" in space and f"/feedback/mine/{invitation.id}" in space
    assert client.get(f"/feedback/mine/{invitation.id}").status_code == 200
    client.post("/logout")
    assert client.get(f"/feedback/answer/{first}").status_code == 404
    assert client.get(f"/feedback/answer/{second}").status_code == 200


@pytest.mark.parametrize("role", ["staff", "researcher", "service_user"])
def test_only_the_coordinator_and_the_persons_worker_reach_their_questionnaires(
        client, make_account, make_profile, worker, accompany, units, role):
    form = new_form()
    person = accompany(worker)
    invitation = invitations.invite_person(make_account("coordinator"), form, person, ip=None, now=utcnow())
    db.session.commit()
    other_worker = make_profile(units=[units[0]])
    sign_in(client, db.session.get(Account, other_worker.account_id))
    assert client.get(f"/feedback/people/{person.id}/questionnaires").status_code == 404
    assert client.post(f"/feedback/invitations/{invitation.id}/cancel").status_code == 404
    assert client.post(f"/feedback/invitations/{invitation.id}/link").status_code == 404
    sign_in(client, make_account(role, units=[units[0]]))
    assert client.get(f"/feedback/people/{person.id}/questionnaires").status_code == 403
    assert client.get(f"/feedback/forms/{form.id}/invitations").status_code == 403
    assert client.post(f"/feedback/invitations/{invitation.id}/cancel").status_code == 403
    assert fresh_invitations()[0].cancelled_at is None


def test_cancelling_by_hand_makes_the_link_unusable(client, signed_in, outbox):
    form = new_form()
    person = person_with_email()
    signed_in("coordinator", locale="en")
    client.post(f"/feedback/forms/{form.id}/invitations", data={"person_code": person.code})
    [invitation] = fresh_invitations()
    token = token_in(outbox()[0])
    assert client.post(f"/feedback/invitations/{invitation.id}/cancel").status_code == 302
    [invitation] = fresh_invitations()
    assert (invitation.cancel_reason, invitation.cancelled_at is not None) == ("by_hand", True)
    assert [e.object_id for e in audit_entries("feedback.invitation_cancel")] == [str(invitation.id)]
    assert client.get(f"/feedback/answer/{token}").status_code == 404


# --- To staff ----------------------------------------------------------------------------------------

def test_coordinator_sends_a_staff_questionnaire_to_every_staff_member_of_a_unit(client, signed_in, make_account,
                                                                              units, outbox):
    form = new_form(audience="staff", privacy="anonymous")
    nurse = make_account("staff", units=[units[0]], locale="en")
    doctor = make_account("staff", units=[units[0]], profession="doctor")
    elsewhere = make_account("staff", units=[units[1]])
    make_account("peer_worker", units=[units[0]])
    signed_in("coordinator", locale="en")
    response = client.post(f"/feedback/forms/{form.id}/invitations", data={"unit_id": units[0].id})
    assert response.status_code == 302
    invited = {i.account_id for i in fresh_invitations()}
    assert invited == {nurse.id, doctor.id}
    assert sorted(m["To"] for m in outbox()) == sorted([nurse.email, doctor.email])
    [entry] = audit_entries("feedback.invitation_create")
    assert entry.details["count"] == 2
    # Sending again to the unit and to one more person adds only the one not waiting already.
    client.post(f"/feedback/forms/{form.id}/invitations", data={"unit_id": units[0].id, "account_ids": [elsewhere.id]})
    assert {i.account_id for i in fresh_invitations()} == {nurse.id, doctor.id, elsewhere.id}

    # The member of staff finds it on their home page and answers signed in; a service user cannot open it.
    nurse_invitation = fresh_invitations(FeedbackInvitation.account_id == nurse.id)[0]
    sign_in(client, nurse)
    home = client.get("/").get_data(as_text=True)
    assert f"/feedback/mine/{nurse_invitation.id}" in home
    assert client.get("/feedback/to-answer").status_code == 200
    assert client.get(f"/feedback/mine/{nurse_invitation.id}").status_code == 200
    sign_in(client, doctor)
    assert client.get(f"/feedback/mine/{nurse_invitation.id}").status_code == 404
    sign_in(client, make_account("service_user"))
    assert client.get(f"/feedback/mine/{nurse_invitation.id}").status_code == 404


def test_a_staff_form_is_not_sent_to_a_person_nor_a_person_form_to_staff(app, make_account, units):
    coordinator = make_account("coordinator")
    staff_form = new_form(audience="staff")
    person_form = new_form()
    with pytest.raises(invitations.DomainError):
        invitations.invite_person(coordinator, staff_form, person_with_email(), ip=None, now=utcnow())
    with pytest.raises(invitations.DomainError):
        invitations.invite_staff(coordinator, person_form, [make_account("staff")], ip=None, now=utcnow())
    with pytest.raises(invitations.DomainError):
        invitations.invite_staff(coordinator, staff_form, [make_account("service_user")], ip=None, now=utcnow())


# --- Cancelled when consent is withdrawn; erasure; the person's own data ---------------------------

def test_withdrawing_research_consent_cancels_open_invitations_to_the_studys_forms(app, make_account):
    from peer_support.research.consent import withdraw_consent

    study = new_study()
    form = new_form(privacy="pseudonymous", study=study)
    other = new_form(privacy="care_only")
    person = person_with_email()
    new_consent(study, service_user=person)
    coordinator = make_account("coordinator")
    in_study = invitations.invite_person(coordinator, form, person, ip=None, now=utcnow())
    outside = invitations.invite_person(coordinator, other, person, ip=None, now=utcnow())
    db.session.commit()
    withdraw_consent(study.id, service_user_id=person.id, now=utcnow())
    db.session.commit()
    by_id = {i.id: i for i in fresh_invitations()}
    assert by_id[in_study.id].cancel_reason == "consent_withdrawn"
    assert by_id[outside.id].cancelled_at is None
    # Nor can they be invited to the study's forms again while they have no consent in force.
    with pytest.raises(invitations.DomainError):
        invitations.invite_person(coordinator, form, db.session.get(type(person), person.id), ip=None, now=utcnow())


def test_cancel_open_invitations_needs_a_filter_and_leaves_answered_ones(app):
    form = new_form()
    person = person_with_email()
    answered = FeedbackInvitation(form_id=form.id, service_user_id=person.id, token_hash="a" * 64,
                                  expires_at=utcnow() + invitations.timedelta(days=3), answered_at=utcnow())
    waiting = FeedbackInvitation(form_id=form.id, service_user_id=person.id, token_hash="b" * 64,
                                 expires_at=utcnow() + invitations.timedelta(days=3))
    db.session.add_all([answered, waiting])
    db.session.commit()
    with pytest.raises(ValueError):
        invitations.cancel_open_invitations(reason="by_hand", now=utcnow())
    assert invitations.cancel_open_invitations(form_id=form.id, reason="form_closed", now=utcnow()) == 1
    db.session.commit()
    assert [(i.id, i.cancel_reason) for i in fresh_invitations()] == [(answered.id, None), (waiting.id, "form_closed")]


def test_erasure_unlinks_responses_blanks_free_text_and_deletes_invitations(app, make_account):
    from peer_support.privacy.anonymise import anonymise

    form = new_form(privacy="care_only")
    person = person_with_email()
    invitation = invitations.invite_person(make_account("coordinator"), form, person, ip=None, now=utcnow())
    db.session.commit()
    response = new_response(form, {"q1": "Inès m'a aidée 🙂", "q3": 5, "q5": ["group"]}, service_user=person)
    response.invitation_id = invitation.id
    db.session.commit()
    anonymise(db.session.get(type(person), person.id), how="erasure", actor=None, now=utcnow())
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(FeedbackResponse, response.id)
    assert (kept.service_user_id, kept.invitation_id, kept.research_consent_id) == (None, None, None)
    answers = db.session.scalars(sa.select(FeedbackAnswer).where(FeedbackAnswer.response_id == response.id)).all()
    by_question = {a.question_id: (a.text_value, a.number_value, a.choice_values) for a in answers}
    assert sorted(by_question.values(), key=repr) == sorted([(None, None, None), (None, 5, None),
                                                             (None, None, ["group"])], key=repr)
    assert fresh_invitations() == []


def test_the_persons_own_data_lists_their_invitations_and_linked_responses(client, make_account):
    from peer_support.privacy.subject import get_subject, subject_data

    form = new_form(privacy="care_only", title="Après la rencontre")
    anonymous = new_form(privacy="anonymous", title="Anonyme")
    person = person_with_email()
    invitations.invite_person(make_account("coordinator"), form, person, ip=None, now=utcnow())
    db.session.commit()
    new_response(form, {"q1": "Très bien 😊", "q3": 4, "q4": "right"}, service_user=person, locale="en")
    new_response(anonymous, {"q1": "Nobody knows"})
    data = subject_data(get_subject(person.id))["questionnaires"]
    assert [i["questionnaire"]["fr"] for i in data["invitations"]] == ["Après la rencontre"]
    [response] = data["responses"]
    answers = {a["question"]["en"]: a["answer"] for a in response["answers"]}
    assert answers == {"What helped you?": "Très bien 😊", "I felt understood.": 4, "The timing was": ["Right"]}
    sign_in(client, make_account("coordinator", locale="en"))
    page = client.get(f"/privacy/people/{person.id}/data").get_data(as_text=True)
    assert "Très bien 😊" in page and "Nobody knows" not in page
