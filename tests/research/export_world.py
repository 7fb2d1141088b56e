"""Factories for the dataset and export tests: studies, forms with a published version, people, consents,
responses. Plain functions (need an application context), committed as they go."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from peer_support.extensions import db
from peer_support.feedback.models import FeedbackAnswer, FeedbackForm, FeedbackResponse, FormQuestion, FormVersion
from peer_support.people.models import ServiceUser
from peer_support.people.services import name_key, new_code
from peer_support.research.consent import give_consent, withdraw_consent
from peer_support.research.models import ConsentText, ResearchStudy
from peer_support.units.models import Unit

NOW = datetime(2026, 3, 2, 10, 30, tzinfo=timezone.utc)

QUESTIONS = [
    dict(key="q1", kind="long_text", text_fr="Qu'est-ce que ça vous a apporté ?", text_en="What did it bring you?"),
    dict(key="q2", kind="likert", text_fr="Vous êtes-vous senti compris ?", text_en="Did you feel understood?",
         likert_low_fr="Pas du tout", likert_low_en="Not at all", likert_high_fr="Tout à fait",
         likert_high_en="Completely"),
    dict(key="q3", kind="single_choice", text_fr="Format préféré", text_en="Preferred format",
         options=[{"code": "ind", "fr": "Individuel", "en": "Individual"},
                  {"code": "grp", "fr": "Groupe", "en": "Group"}]),
    dict(key="q4", kind="multiple_choice", text_fr="Ce qui a aidé", text_en="What helped",
         options=[{"code": "hope", "fr": "Espoir", "en": "Hope"}, {"code": "info", "fr": "Informations",
                                                                      "en": "Information"}]),
    dict(key="q5", kind="yes_no", text_fr="Devenir pair-aidant ?", text_en="Become a peer worker?"),
    dict(key="q6", kind="short_text", text_fr="Un mot ?", text_en="One word?"),
]

STAFF_QUESTIONS = [
    dict(key="q1", kind="long_text", text_fr="Vos attentes ?", text_en="Your expectations?"),
    dict(key="q2", kind="single_choice", text_fr="Tranche d'âge", text_en="Age band", characteristic="age_band",
         options=[{"code": "20-35", "fr": "20-35", "en": "20-35"}, {"code": "35-50", "fr": "35-50", "en": "35-50"}]),
    dict(key="q3", kind="short_text", text_fr="Ancienneté (années)", text_en="Years of experience",
         characteristic="years_of_experience"),
    dict(key="q4", kind="single_choice", text_fr="Genre", text_en="Gender", characteristic="gender",
         options=[{"code": "woman", "fr": "Femme", "en": "Woman"}, {"code": "man", "fr": "Homme", "en": "Man"}]),
]


def make_units():
    units = [Unit(code="CL3R", name="Réhabilitation psychosociale"), Unit(code="TS2A", name="Autisme adulte")]
    db.session.add_all(units)
    db.session.commit()
    return units


def make_study(code="ETUDE1"):
    study = ResearchStudy(code=code, title_fr="Étude", title_en="Study")
    db.session.add(study)
    db.session.flush()
    text = ConsentText(study_id=study.id, version=1, text_fr="J'accepte", text_en="I agree", published_at=NOW)
    db.session.add(text)
    db.session.commit()
    return study, text


def publish_version(form, questions, number, *, at=NOW):
    version = FormVersion(form_id=form.id, number=number, published_at=at)
    db.session.add(version)
    db.session.flush()
    for position, question in enumerate(questions, start=1):
        db.session.add(FormQuestion(version_id=version.id, position=position, **question))
    db.session.commit()
    return version


def make_form(study=None, *, privacy="pseudonymous", audience="service_user", questions=QUESTIONS,
              title="Retour après rencontre"):
    form = FeedbackForm(title_fr=title, title_en="Post-meeting feedback", audience=audience, privacy=privacy,
                        status="published", study_id=study.id if study is not None else None, published_at=NOW)
    db.session.add(form)
    db.session.commit()
    publish_version(form, questions, 1)
    return form


def make_person(name, *, units=(), year_of_birth=1984, email=None, phone=None, gender="woman", age_band="36-50"):
    person = ServiceUser(code=new_code(), display_name=name, name_key=name_key(name), year_of_birth=year_of_birth,
                         email=email, phone=phone, gender=gender, age_band=age_band)
    person.units = list(units)
    db.session.add(person)
    db.session.commit()
    return person


def consent(text, *, person=None, account=None, at=NOW):
    given = give_consent(text, service_user_id=person.id if person else None,
                         account_id=account.id if account else None, now=at)
    db.session.commit()
    return given


def withdraw(study, *, person=None, account=None, at=NOW):
    withdraw_consent(study.id, service_user_id=person.id if person else None,
                     account_id=account.id if account else None, now=at)
    db.session.commit()


def respond(form, answers, *, person=None, account=None, research_consent=None, at=NOW, locale="fr",
            version_number=None, commit=True):
    """A response with {key: value} answers (text, number or list of codes), to the latest (or given) version."""
    version = db.session.scalar(
        sa.select(FormVersion).where(FormVersion.form_id == form.id)
        .where(FormVersion.number == version_number if version_number else sa.true())
        .order_by(FormVersion.number.desc()).limit(1))
    questions = {q.key: q for q in db.session.scalars(
        sa.select(FormQuestion).where(FormQuestion.version_id == version.id))}
    if form.privacy == "anonymous":
        at = at.replace(hour=0, minute=0, second=0, microsecond=0)
    response = FeedbackResponse(form_id=form.id, version_id=version.id, submitted_at=at, locale=locale,
                                service_user_id=person.id if person else None,
                                account_id=account.id if account else None,
                                research_consent_id=research_consent.id if research_consent else None)
    db.session.add(response)
    db.session.flush()
    for key, value in answers.items():
        question = questions[key]
        answer = FeedbackAnswer(response_id=response.id, question_id=question.id)
        if question.kind in ("long_text", "short_text"):
            answer.text_value = value
        elif question.kind in ("likert", "yes_no"):
            answer.number_value = value
        else:
            answer.choice_values = value if isinstance(value, list) else [value]
        db.session.add(answer)
    if commit:
        db.session.commit()
    return response


def later(days=1):
    return NOW + timedelta(days=days)
