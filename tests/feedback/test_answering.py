"""The answering page: by link without an account, single use, one neutral page for every unusable link,
validation that keeps what was typed, anonymous / pseudonymous / care-only storage, consent first, language."""
from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from peer_support.audit.models import AuditEntry
from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.feedback import answer_views, answering
from peer_support.feedback.models import FeedbackAnswer, FeedbackInvitation, FeedbackResponse
from peer_support.research.models import ResearchConsent
from tests.conftest import sign_in
from tests.feedback.conftest import new_consent, new_form, new_invitation, new_study
from tests.feedback.test_invitations import open_token, person_with_email
from tests.helpers import audit_entries, has_field_error
from tests.triage.conftest import units  # noqa: F401  (shared fixture)

TEXT = "Très bien 😊 — l'écoute, « sans jugement ».\r\nÀ refaire : oui !"
STORED_TEXT = "Très bien 😊 — l'écoute, « sans jugement ».\nÀ refaire : oui !"
GOOD = {"q1": TEXT, "q2": "Écoute", "q3": "4", "q4": "right", "q5": ["group", "individual"], "q6": "1",
        "q7": "26-35"}


def invited(privacy="anonymous", *, language="en", study=None, audience="service_user", account=None):
    """(form, invitation, token) for a new person (or the account), the link ready to use."""
    form = new_form(privacy=privacy, study=study, audience=audience)
    if audience == "staff":
        invitation = new_invitation(form, account=account)
    else:
        invitation = new_invitation(form, service_user=person_with_email(language=language))
    return form, invitation, open_token(invitation)


def responses() -> list[FeedbackResponse]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(FeedbackResponse).order_by(FeedbackResponse.id)))


def neutral(html: str) -> str:
    """The page without what differs per request (the language switch's CSRF token and return address)."""
    return re.sub(r'name="(csrf_token|next)" value="[^"]*"', "", html)


# --- Answering by link ------------------------------------------------------------------------------

def test_an_anonymous_answer_keeps_no_link_to_the_person(client, app):
    form, invitation, token = invited("anonymous")
    page = client.get(f"/feedback/answer/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "I felt understood." in html and "<legend" in html and "(required)" in html
    assert "From 1 (Not at all) to 5 (Completely)." in html
    response = client.post(f"/feedback/answer/{token}", data=GOOD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/feedback/thanks")
    assert "Thank you" in client.get("/feedback/thanks", headers={"Accept-Language": "en"}).get_data(as_text=True)
    [stored] = responses()
    assert (stored.service_user_id, stored.account_id, stored.invitation_id) == (None, None, None)
    assert (stored.submitted_at.hour, stored.submitted_at.minute, stored.submitted_at.microsecond) == (0, 0, 0)
    db.session.expire_all()
    used = db.session.get(FeedbackInvitation, invitation.id)
    assert used.answered_at == stored.submitted_at  # the day only
    values = {a.question_id: a for a in db.session.scalars(sa.select(FeedbackAnswer))}
    assert sorted(a.text_value for a in values.values() if a.text_value) == sorted([STORED_TEXT, "Écoute"])
    assert sorted(a.number_value for a in values.values() if a.number_value is not None) == [1, 4]
    assert sorted(map(tuple, (a.choice_values for a in values.values() if a.choice_values))) == sorted(
        [("right",), ("individual", "group"), ("26-35",)])
    [entry] = audit_entries("feedback.response_submit")
    assert (entry.object_type, entry.object_id, entry.ip, entry.actor_id) == ("feedback_form", str(form.id), None,
                                                                               None)
    assert entry.details == {"privacy": "anonymous"}  # no invitation, no response number


def test_a_care_only_answer_is_linked_to_the_person_and_the_invitation(client):
    form, invitation, token = invited("care_only")
    assert client.post(f"/feedback/answer/{token}", data=GOOD).status_code == 302
    [stored] = responses()
    assert (stored.service_user_id, stored.invitation_id, stored.research_consent_id) == (
        invitation.service_user_id, invitation.id, None)
    [entry] = audit_entries("feedback.response_submit")
    assert (entry.object_type, entry.details["invitation_id"]) == ("feedback_response", invitation.id)
    assert entry.actor_label == "invitation link"


def test_the_link_works_once_even_for_two_submissions_at_once(client):
    form, invitation, token = invited("care_only")
    first = answering.find_by_token(token, now=utcnow())
    second = answering.find_by_token(token, now=utcnow())  # both opened the page before either sent it
    answering.submit(first, GOOD, consent_choice=None, ip=None, locale="fr", now=utcnow())
    # The claim is one conditional UPDATE: the second submission finds the invitation no longer open.
    with pytest.raises(answering.InvalidLink):
        answering.submit(second, GOOD, consent_choice=None, ip=None, locale="fr", now=utcnow())
    db.session.commit()
    assert len(responses()) == 1
    again = client.post(f"/feedback/answer/{token}", data=GOOD)
    assert again.status_code == 404 and len(responses()) == 1


def test_random_used_expired_and_cancelled_links_get_the_same_page(client):
    _form, used, used_token = invited()
    client.post(f"/feedback/answer/{used_token}", data=GOOD)
    _form, expired, expired_token = invited()
    expired.expires_at = utcnow() - timedelta(minutes=1)
    _form, cancelled, cancelled_token = invited()
    cancelled.cancelled_at, cancelled.cancel_reason = utcnow(), "by_hand"
    db.session.commit()
    pages = [client.get(f"/feedback/answer/{token}", headers={"Accept-Language": "en"}) for token in
             ("x" * 43, used_token, expired_token, cancelled_token, "")]
    assert pages[-1].status_code == 404  # no token at all: no page
    pages = pages[:-1]
    assert {page.status_code for page in pages} == {404}
    assert len({neutral(page.get_data(as_text=True)) for page in pages}) == 1
    assert "This link cannot be used" in pages[0].get_data(as_text=True)
    assert len(audit_entries("feedback.link_refused")) == 4


def test_the_token_is_never_stored_in_clear(client):
    _form, invitation, token = invited()
    row = db.session.execute(sa.select(FeedbackInvitation.__table__).where(
        FeedbackInvitation.id == invitation.id)).mappings().one()
    assert token not in " ".join(str(value) for value in row.values())
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert len(token) >= 43  # 32 random bytes


def test_many_refused_links_from_one_address_are_slowed_down_whatever_the_link(client):
    _form, _invitation, token = invited()
    for _ in range(answer_views.REFUSED_LIMIT):
        assert client.get("/feedback/answer/guess" + "a" * 40).status_code == 404
    assert client.get("/feedback/answer/guess-again").status_code == 429
    assert client.get(f"/feedback/answer/{token}").status_code == 429  # no oracle, even for a good link
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "feedback.link_refused")) == answer_views.REFUSED_LIMIT


# --- Validation -------------------------------------------------------------------------------------

@pytest.mark.parametrize("change, field", [
    ({"q3": ""}, "q3"),                    # required
    ({"q3": "7"}, "q3"),                   # Likert 1 to 5
    ({"q3": "abc"}, "q3"),
    ({"q4": "never"}, "q4"),               # a code not offered
    ({"q5": ["group", "zzz"]}, "q5"),
    ({"q6": "maybe"}, "q6"),
    ({"q2": "x" * 5001}, "q2"),            # text too long
])
def test_bad_answers_are_field_errors_that_keep_what_was_typed(client, change, field):
    _form, invitation, token = invited()
    response = client.post(f"/feedback/answer/{token}", data={**GOOD, **change})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert has_field_error(html, field)
    assert "Très bien 😊" in html  # the free text typed is still there
    assert 'value="right" checked' in html or field == "q4"
    assert responses() == []
    db.session.expire_all()
    assert db.session.get(FeedbackInvitation, invitation.id).answered_at is None


def test_optional_questions_may_stay_empty(client):
    _form, _invitation, token = invited()
    assert client.post(f"/feedback/answer/{token}", data={"q3": "3"}).status_code == 302
    [stored] = responses()
    assert len(db.session.scalars(sa.select(FeedbackAnswer)).all()) == 1


# --- Pseudonymous forms: the consent first ------------------------------------------------------------

def test_without_consent_in_force_the_consent_text_comes_first_and_agreeing_records_it(client):
    study = new_study()
    form, invitation, token = invited("pseudonymous", study=study)
    html = client.get(f"/feedback/answer/{token}").get_data(as_text=True)
    assert html.index("I agree.") < html.index("I felt understood.")
    assert "I agree that my answers are used for research" in html and "I do not agree" in html
    missing = client.post(f"/feedback/answer/{token}", data=GOOD)
    assert missing.status_code == 400 and has_field_error(missing.get_data(as_text=True), "research_consent")
    assert client.post(f"/feedback/answer/{token}", data={**GOOD, "research_consent": "agree"}).status_code == 302
    [consent] = db.session.scalars(sa.select(ResearchConsent)).all()
    assert (consent.service_user_id, consent.method, consent.withdrawn_at) == (invitation.service_user_id, "in_app",
                                                                               None)
    [stored] = responses()
    assert (stored.service_user_id, stored.research_consent_id) == (invitation.service_user_id, consent.id)


def test_declining_still_lets_the_person_answer_but_never_for_research(client):
    form, invitation, token = invited("pseudonymous")
    assert client.post(f"/feedback/answer/{token}", data={**GOOD, "research_consent": "decline"}).status_code == 302
    assert db.session.scalars(sa.select(ResearchConsent)).all() == []
    [stored] = responses()
    assert (stored.service_user_id, stored.research_consent_id) == (invitation.service_user_id, None)


def test_a_consent_in_force_is_not_asked_again_and_is_kept_with_the_answers(client):
    study = new_study()
    form = new_form(privacy="pseudonymous", study=study)
    person = person_with_email()
    consent = new_consent(study, service_user=person)
    token = open_token(new_invitation(form, service_user=person))
    assert "I do not agree" not in client.get(f"/feedback/answer/{token}").get_data(as_text=True)
    assert client.post(f"/feedback/answer/{token}", data=GOOD).status_code == 302
    assert responses()[0].research_consent_id == consent.id


# --- Language, access -------------------------------------------------------------------------------

def test_the_page_speaks_the_persons_language(client):
    _form, _invitation, token = invited(language="fr")
    html = client.get(f"/feedback/answer/{token}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Je me suis senti compris." in html and 'lang="fr"' in html
    _form, _invitation, token = invited(language=None)
    html = client.get(f"/feedback/answer/{token}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "I felt understood." in html


def test_staff_answer_a_staff_form_signed_in_and_no_one_else_can(client, make_account):
    nurse = make_account("staff", locale="en")
    form, invitation, token = invited("care_only", audience="staff", account=nurse)
    for someone in (make_account("staff"), make_account("service_user"), make_account("coordinator")):
        sign_in(client, someone)
        assert client.get(f"/feedback/mine/{invitation.id}").status_code in (403, 404)
    sign_in(client, nurse)
    assert client.post(f"/feedback/mine/{invitation.id}", data=GOOD).status_code == 302
    [stored] = responses()
    assert (stored.account_id, stored.service_user_id, stored.invitation_id) == (nurse.id, None, invitation.id)
    [entry] = audit_entries("feedback.response_submit")
    assert entry.actor_id == nurse.id
    assert client.get(f"/feedback/mine/{invitation.id}").status_code == 404  # used


def test_a_service_user_cannot_answer_someone_elses_invitation(client, make_account):
    form, invitation, _token = invited("care_only")
    other = make_account("service_user")
    sign_in(client, other)
    assert client.get(f"/feedback/mine/{invitation.id}").status_code == 404
    assert client.post(f"/feedback/mine/{invitation.id}", data=GOOD).status_code == 404
    waiting = client.get("/feedback/to-answer", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "No questionnaire is waiting" in waiting
    assert responses() == []


def test_a_signed_in_person_whose_session_is_due_a_refresh_can_open_a_link(client, make_account):
    """Found by the load test (tests/load): loading the signed-in account refreshes its session's last_seen_at at
    most once a minute and commits it; in the middle of the view that expired the questions already loaded."""
    from peer_support.auth.models import AuthSession

    _form, _invitation, token = invited("care_only")
    sign_in(client, make_account("service_user"))
    db.session.execute(sa.update(AuthSession).values(last_seen_at=utcnow() - timedelta(minutes=2)))
    db.session.commit()
    assert client.get(f"/feedback/answer/{token}").status_code == 200
    db.session.execute(sa.update(AuthSession).values(last_seen_at=utcnow() - timedelta(minutes=2)))
    db.session.commit()
    assert client.post(f"/feedback/answer/{token}", data=GOOD).status_code == 302
    assert len(responses()) == 1


def test_a_closed_form_cannot_be_answered(client):
    form, _invitation, token = invited()
    form.status = "closed"
    db.session.commit()
    assert client.get(f"/feedback/answer/{token}").status_code == 404
