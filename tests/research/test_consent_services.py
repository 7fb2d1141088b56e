"""Research consent services: given on a published text, one in force at a time, withdrawn at once, audited."""
from datetime import timedelta

import pytest

from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.research.consent import consent_in_force, current_text, give_consent, withdraw_consent
from peer_support.research.models import ConsentText, ResearchStudy
from tests.helpers import audit_entries
from tests.triage.conftest import new_person


def _study(code="PAIR-2026"):
    study = ResearchStudy(code=code, title_fr="Étude", title_en="Study")
    db.session.add(study)
    db.session.flush()
    return study


def _text(study, version, published=True):
    text = ConsentText(study_id=study.id, version=version, text_fr=f"Texte v{version}", text_en=f"Text v{version}",
                       published_at=utcnow() if published else None)
    db.session.add(text)
    db.session.flush()
    return text


def test_the_current_text_is_the_latest_published_version(app):
    study = _study()
    assert current_text(study.id) is None
    _text(study, 1)
    second = _text(study, 2)
    _text(study, 3, published=False)
    assert current_text(study.id).id == second.id


def test_consent_is_given_withdrawn_and_audited(app, make_account):
    study, other_study = _study(), _study("OTHER")
    text, other_text = _text(study, 1), _text(other_study, 1)
    person = new_person(name="Inès")
    nurse = make_account("staff", profession="nurse")
    now = utcnow()
    with pytest.raises(DomainError):
        give_consent(_text(study, 2, published=False), service_user_id=person.id, now=now)
    given = give_consent(text, service_user_id=person.id, method="paper", recorded_by=nurse, actor=nurse,
                         care_use=True, now=now)
    assert (given.method, given.recorded_by_id, given.care_use) == ("paper", nurse.id, True)
    assert give_consent(text, service_user_id=person.id, method="paper", care_use=True, now=now).id == given.id
    give_consent(other_text, service_user_id=person.id, now=now)
    assert consent_in_force(study.id, service_user_id=person.id).id == given.id

    assert withdraw_consent(study.id, service_user_id=person.id, actor=None, now=now + timedelta(days=1)) == 1
    assert consent_in_force(study.id, service_user_id=person.id) is None
    assert consent_in_force(other_study.id, service_user_id=person.id) is not None  # the other study's stays
    assert withdraw_consent(study.id, service_user_id=person.id, now=now) == 0
    assert [e.details["study_id"] for e in audit_entries("research.consent_give")] == [study.id, other_study.id]
    assert audit_entries("research.consent_withdraw")[0].object_id == str(person.id)


def test_a_staff_account_consents_too(app, make_account):
    study = _study()
    text = _text(study, 1)
    nurse = make_account("staff", profession="nurse")
    give_consent(text, account_id=nurse.id, actor=nurse, now=utcnow())
    assert consent_in_force(study.id, account_id=nurse.id) is not None
    with pytest.raises(ValueError):
        consent_in_force(study.id)
