"""The night's tally of each form (feedback/tallies.py): the results read from it are those counted live, for
every reader, form and consent, and it stops holding whenever a response it counted changed class."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.feedback import forms_services as services
from peer_support.feedback import results, tallies
from peer_support.feedback.models import CONSENT_CLASSES, FeedbackTally, FeedbackTallyForm
from peer_support.people.models import ServiceUser
from tests.feedback.conftest import new_consent, new_form, new_response, new_study
from tests.helpers import counted_statements
from tests.triage.conftest import new_person

# After every consent written by the tests: the tally sees them all as they stand (MARGIN is five minutes).
LATER = timedelta(minutes=10)


def figures(form_id: int, *, for_research: bool):
    """What the results page shows of a form, comparable."""
    summary = results.summarise(services.get_form(form_id), for_research=for_research)
    return ([(v.number, v.responses) for v in summary.versions], summary.responses,
            [(q.question.key, q.kind, q.answered, q.counts, q.average) for q in summary.questions])


def live_figures(form_id: int, *, for_research: bool):
    """The same, counted from every answer (no tally)."""
    saved = db.session.execute(sa.select(FeedbackTallyForm.form_id, FeedbackTallyForm.last_response_id,
                                         FeedbackTallyForm.computed_at)).all()
    db.session.execute(sa.delete(FeedbackTallyForm))
    try:
        return figures(form_id, for_research=for_research)
    finally:
        db.session.rollback()
        assert len(db.session.execute(sa.select(FeedbackTallyForm.form_id)).all()) == len(saved)


def answer_every_way(form, study):
    """Responses with no consent, a consent in force, withdrawn, withdrawn with care use, and every kind of
    closed answer (some left blank)."""
    people = [new_person(name=name) for name in ("Anne Un", "Bea Deux", "Chloe Trois", "Dina Quatre", "Eva Cinq")]
    consents = [None] + ([new_consent(study, service_user=people[1]),
                          new_consent(study, service_user=people[2], withdrawn=True),
                          new_consent(study, service_user=people[3], withdrawn=True, care_use=True),
                          new_consent(study, service_user=people[4])] if study else [None] * 4)
    answers = [{"q3": 5, "q4": "right", "q5": ["individual", "group"], "q6": 1, "q7": "18-25"},
               {"q3": 4, "q4": "late", "q5": ["group"], "q6": 0},
               {"q3": 1, "q4": "early", "q5": ["phone"], "q6": 0, "q7": "26-35"},
               {"q3": 3, "q5": [], "q6": 1},
               {"q4": "right"}]
    for person, consent, given in zip(people, consents, answers, strict=True):
        new_response(form, given, service_user=person if form.privacy != "anonymous" else None, consent=consent)
    return people


@pytest.mark.parametrize("privacy", ["anonymous", "pseudonymous", "care_only"])
def test_the_tally_gives_the_live_figures_for_every_reader(app, privacy):
    study = new_study() if privacy == "pseudonymous" else None
    form = new_form(privacy=privacy, study=study)
    answer_every_way(form, study)
    expected = {reader: live_figures(form.id, for_research=reader) for reader in (False, True)}

    tallies.compute_tallies(utcnow() + LATER)
    db.session.commit()
    assert tallies.stored_tally(services.get_form(form.id)) is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedbackTally)) > 0
    for reader in (False, True):
        assert figures(form.id, for_research=reader) == expected[reader]


def test_responses_given_since_the_night_are_added_live(app):
    study = new_study()
    form = new_form(privacy="pseudonymous", study=study)
    answer_every_way(form, study)
    tallies.compute_tallies(utcnow() + LATER)
    db.session.commit()
    latecomer = new_person(name="Fanny Six")
    new_response(form, {"q3": 2, "q4": "early", "q5": ["group", "phone"], "q6": 1}, service_user=latecomer,
                 consent=new_consent(study, service_user=latecomer))
    new_response(form, {"q3": 5}, service_user=new_person(name="Gina Sept"))

    assert tallies.stored_tally(services.get_form(form.id)) is not None
    for reader in (False, True):
        assert figures(form.id, for_research=reader) == live_figures(form.id, for_research=reader)
    care = figures(form.id, for_research=False)
    assert care[1] == 6  # five, one withdrawn without care use left out, and the two since


def test_a_consent_withdrawn_since_the_night_counts_the_form_live(app):
    from peer_support.research.consent import withdraw_consent

    study = new_study()
    form = new_form(privacy="pseudonymous", study=study)
    people = answer_every_way(form, study)
    tallies.compute_tallies(utcnow() - timedelta(hours=1))  # before the consents: they were withdrawn since...
    db.session.commit()
    assert tallies.stored_tally(services.get_form(form.id)) is None  # ...so it does not hold
    tallies.compute_tallies(utcnow() + LATER)
    db.session.commit()
    before = figures(form.id, for_research=True)

    withdraw_consent(study.id, service_user_id=people[1].id, actor=None, now=utcnow() + 2 * LATER)
    db.session.commit()
    assert tallies.stored_tally(services.get_form(form.id)) is None
    after = figures(form.id, for_research=True)
    assert after == live_figures(form.id, for_research=True)
    assert after[1] == before[1] - 1


def test_an_erasure_drops_the_tally_of_the_forms_the_person_answered(app):
    from peer_support.privacy.anonymise import anonymise

    study = new_study()
    form, other = new_form(privacy="pseudonymous", study=study), new_form(privacy="pseudonymous", study=study)
    people = answer_every_way(form, study)
    tallies.compute_tallies(utcnow() + LATER)
    db.session.commit()
    before = figures(form.id, for_research=True)

    anonymise(db.session.get(ServiceUser, people[1].id), how="erasure", actor=None, now=utcnow())
    db.session.commit()
    assert tallies.stored_tally(services.get_form(form.id)) is None
    assert tallies.stored_tally(services.get_form(other.id)) is not None  # not answered: still holds
    after = figures(form.id, for_research=True)
    assert after[1] == before[1] - 1  # unlinked from their consent: no longer research data
    assert after == live_figures(form.id, for_research=True)


def test_a_constant_number_of_statements_with_a_tally(app):
    counts = []
    for answered in (2, 12):
        form = new_form()
        for number in range(answered):
            new_response(form, {"q3": 1 + number % 5, "q5": ["group"]})
        tallies.compute_tallies(utcnow() + LATER)
        db.session.commit()
        form = services.get_form(form.id)
        with counted_statements() as statements:
            results.summarise(form, for_research=False)
        counts.append(len(statements))
    assert counts[0] == counts[1] == 7


def test_the_nightly_snapshot_takes_the_tallies(app):
    from peer_support.reports.snapshots import run_snapshot

    form = new_form()
    new_response(form, {"q3": 4})
    assert tallies.stored_tally(services.get_form(form.id)) is None
    db.session.rollback()
    run_snapshot(utcnow() + LATER)
    stored = tallies.stored_tally(services.get_form(form.id))
    assert stored is not None and stored.answer_counts(CONSENT_CLASSES) == [(stored.answers[0].question_id, 4, None, 1)]
