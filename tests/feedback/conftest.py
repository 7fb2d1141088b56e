"""Factories of the feedback tests (others reuse them): studies and consents, published forms with a question
of every kind, responses, invitations."""
from __future__ import annotations

import hashlib
import itertools
import secrets
from datetime import timedelta

import pytest
import sqlalchemy as sa

from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.feedback import forms_services as services
from peer_support.feedback.models import FeedbackAnswer, FeedbackInvitation, FeedbackResponse
from peer_support.research.models import ConsentText, ResearchConsent, ResearchStudy

_codes = itertools.count(1)

# One question of every kind, in this order (keys q1 ... q7); q7 describes the participant.
EVERY_KIND = [
    services.QuestionData(kind="long_text", text_fr="Qu'est-ce qui vous a aidé ?", text_en="What helped you?"),
    services.QuestionData(kind="short_text", text_fr="En un mot ?", text_en="In one word?"),
    services.QuestionData(kind="likert", text_fr="Je me suis senti compris.", text_en="I felt understood.",
                          required=True, likert_low_fr="Pas du tout", likert_low_en="Not at all",
                          likert_high_fr="Tout à fait", likert_high_en="Completely"),
    services.QuestionData(kind="single_choice", text_fr="Le moment était", text_en="The timing was",
                          options=[{"code": "early", "fr": "Trop tôt", "en": "Too early"},
                                   {"code": "right", "fr": "Au bon moment", "en": "Right"},
                                   {"code": "late", "fr": "Trop tard", "en": "Too late"}]),
    services.QuestionData(kind="multiple_choice", text_fr="Formats", text_en="Formats",
                          options=[{"code": "individual", "fr": "Seul à seul", "en": "One to one"},
                                   {"code": "group", "fr": "En groupe", "en": "In a group"},
                                   {"code": "phone", "fr": "Par téléphone", "en": "By phone"}]),
    services.QuestionData(kind="yes_no", text_fr="Recontacté ?", text_en="Contacted again?"),
    services.QuestionData(kind="single_choice", text_fr="Votre âge", text_en="Your age", characteristic="age_band",
                          options=[{"code": "18-25", "fr": "18 à 25 ans", "en": "18 to 25"},
                                   {"code": "26-35", "fr": "26 à 35 ans", "en": "26 to 35"}]),
]


def new_study(code: str | None = None, *, with_text: bool = True) -> ResearchStudy:
    """A study (and a published consent text, version 1)."""
    study = ResearchStudy(code=code or f"S{next(_codes)}", title_fr="Étude pair-aidance", title_en="Peer study")
    db.session.add(study)
    db.session.flush()
    if with_text:
        db.session.add(ConsentText(study_id=study.id, version=1, text_fr="J'accepte.", text_en="I agree.",
                                   published_at=utcnow()))
    db.session.commit()
    return study


def new_consent(study: ResearchStudy, *, account=None, service_user=None, withdrawn: bool = False,
                care_use: bool = False) -> ResearchConsent:
    """A consent to the study's first text, given in the app (withdrawn if asked)."""
    text = db.session.scalars(sa.select(ConsentText).where(ConsentText.study_id == study.id)).first()
    consent = ResearchConsent(consent_text_id=text.id, account_id=account.id if account else None,
                              service_user_id=service_user.id if service_user else None, care_use=care_use,
                              withdrawn_at=utcnow() if withdrawn else None,
                              withdrawal_method="in_app" if withdrawn else None)
    db.session.add(consent)
    db.session.commit()
    return consent


def new_form(*, privacy: str = "anonymous", audience: str = "service_user", study: ResearchStudy | None = None,
             published: bool = True, questions=None, actor=None, title: str = "Retour"):
    """A form built through the real services: a question of every kind (EVERY_KIND), published by default."""
    if privacy == "pseudonymous" and study is None:
        study = new_study()
    now = utcnow()
    form = services.create_form(actor, services.FormSettings(
        title_fr=title, title_en=title + " (en)", audience=audience, privacy=privacy,
        study_id=study.id if study else None), now=now)
    db.session.commit()
    form = services.get_form(form.id)
    for data in EVERY_KIND if questions is None else questions:
        services.add_question(actor, form, data, now=now)
    if published:
        services.publish(actor, form, now=now)
    db.session.commit()
    return services.get_form(form.id)


def new_response(form, answers: dict, *, version=None, account=None, service_user=None, consent=None,
                 locale: str = "fr", submitted_at=None) -> FeedbackResponse:
    """A response to a version (the current one by default): answers by question key.

    A str answers a text question (or a single choice: its code), an int a scale or yes/no, a list a choice."""
    form = services.get_form(form.id)
    version = version or services.current_version(form)
    questions = {question.key: question for question in version.questions}
    response = FeedbackResponse(form_id=form.id, version_id=version.id, locale=locale,
                                account_id=account.id if account else None,
                                service_user_id=service_user.id if service_user else None,
                                research_consent_id=consent.id if consent else None,
                                submitted_at=submitted_at or utcnow())
    db.session.add(response)
    db.session.flush()
    for key, value in answers.items():
        question = questions[key]
        answer = FeedbackAnswer(response_id=response.id, question_id=question.id)
        if isinstance(value, list):
            answer.choice_values = value
        elif isinstance(value, int):
            answer.number_value = value
        elif question.kind == "single_choice":
            answer.choice_values = [value]
        else:
            answer.text_value = value
        db.session.add(answer)
    db.session.commit()
    return response


def new_invitation(form, *, account=None, service_user=None, sent: bool = True, answered: bool = False,
                   cancelled: bool = False) -> FeedbackInvitation:
    """An invitation (a random token hash; the token itself is not needed here)."""
    now = utcnow()
    invitation = FeedbackInvitation(
        form_id=form.id, account_id=account.id if account else None,
        service_user_id=service_user.id if service_user else None, trigger="manual",
        token_hash=hashlib.sha256(secrets.token_bytes(16)).hexdigest(), expires_at=now + timedelta(days=14),
        sent_at=now if sent else None, answered_at=now if answered else None,
        cancelled_at=now if cancelled else None, cancel_reason="by_hand" if cancelled else None)
    db.session.add(invitation)
    db.session.commit()
    return invitation


@pytest.fixture
def make_study(app):
    return new_study


@pytest.fixture
def make_consent(app):
    return new_consent


@pytest.fixture
def make_form(app):
    """make_form(privacy="pseudonymous", published=False ...): see new_form."""
    return new_form


@pytest.fixture
def make_response(app):
    """make_response(form, {"q3": 4, "q4": "right", "q5": ["group"]}, account=...): see new_response."""
    return new_response


@pytest.fixture
def make_invitation(app):
    return new_invitation
