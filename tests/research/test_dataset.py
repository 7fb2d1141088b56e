"""The research dataset: which responses research sees, pseudonymised and masked; participants; the dictionary."""
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from peer_support.extensions import db
from peer_support.feedback.models import FeedbackResponse
from peer_support.meetings.models import Meeting, MeetingParticipant
from peer_support.peers.models import PeerProfile
from peer_support.privacy.anonymise import anonymise
from peer_support.referrals.models import Referral
from peer_support.research import dataset, masking
from peer_support.research.models import AnswerRedaction
from peer_support.research.pseudonyms import pseudonym
from tests.helpers import counted_statements
from tests.research.export_world import (
    NOW, QUESTIONS, STAFF_QUESTIONS, consent, later, make_form, make_person, make_study, make_units,
    publish_version, respond, withdraw,
)


def _responses(form):
    return list(dataset.research_responses(form))


def _exportable_ids(form):
    return set(db.session.scalars(sa.select(dataset.exportable_responses(form).subquery().c.id)))


def test_only_consented_responses_of_people_with_a_consent_in_force_are_exportable(app):
    study, text = make_study()
    form = make_form(study)
    lea, marc, ines = make_person("Léa Martin"), make_person("Marc Dupont"), make_person("Inès Roux")
    given = respond(form, {"q2": 4}, person=lea, research_consent=consent(text, person=lea))
    never_consented = respond(form, {"q2": 3}, person=marc)
    ines_consent = consent(text, person=ines)
    withdrawn = respond(form, {"q2": 5}, person=ines, research_consent=ines_consent)
    assert _exportable_ids(form) == {given.id, withdrawn.id}

    withdraw(study, person=ines, at=later())
    assert _exportable_ids(form) == {given.id}
    assert never_consented.id not in _exportable_ids(form)


def test_a_consent_given_again_after_a_withdrawal_brings_the_answers_back(app):
    study, text = make_study()
    form = make_form(study)
    lea = make_person("Léa Martin")
    response = respond(form, {"q2": 4}, person=lea, research_consent=consent(text, person=lea))
    withdraw(study, person=lea, at=later())
    assert _exportable_ids(form) == set()
    consent(text, person=lea, at=later(2))
    assert _exportable_ids(form) == {response.id}


def test_a_consent_to_another_study_does_not_count(app):
    study, text = make_study()
    _other, other_text = make_study("AUTRE")
    form = make_form(study)
    lea = make_person("Léa Martin")
    respond(form, {"q2": 4}, person=lea, research_consent=consent(other_text, person=lea))
    assert _exportable_ids(form) == set()


def test_care_only_forms_are_never_exportable(app):
    study, text = make_study()
    form = make_form(study, privacy="care_only")
    lea = make_person("Léa Martin")
    respond(form, {"q2": 4}, person=lea, research_consent=consent(text, person=lea))
    assert _exportable_ids(form) == set()
    assert _responses(form) == []
    assert dataset.participants(form, now=NOW) == []


def test_anonymised_people_are_not_exported(app):
    study, text = make_study()
    form = make_form(study)
    lea = make_person("Léa Martin")
    respond(form, {"q2": 4}, person=lea, research_consent=consent(text, person=lea))
    anonymise(lea, how="erasure", actor=None, now=later())
    db.session.commit()
    assert _exportable_ids(form) == set()


def test_every_response_of_an_anonymous_form_is_exportable_under_its_own_pseudonym(app):
    form = make_form(privacy="anonymous")
    first = respond(form, {"q1": "Très bien 😊"}, at=datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc))
    second = respond(form, {"q1": "Bien"})
    assert _exportable_ids(form) == {first.id, second.id}
    rows = _responses(form)
    assert [row.pseudonym[:2] for row in rows] == ["R-", "R-"]
    assert rows[0].pseudonym != rows[1].pseudonym
    assert rows[0].submitted_on == date(2026, 3, 1)  # the stored day, not shifted to another time zone
    assert _responses(form)[0].pseudonym == rows[0].pseudonym  # stable from one export to the next


def test_responses_carry_the_study_pseudonym_version_day_and_typed_answers(app):
    study, text = make_study()
    form = make_form(study)
    lea = make_person("Léa Martin")
    respond(form, {"q1": "Ça m'a redonné espoir 🌱\nMerci", "q2": 5, "q3": "grp", "q4": ["hope", "info"],
                   "q5": 0, "q6": "Élan"},
            person=lea, research_consent=consent(text, person=lea),
            at=datetime(2026, 3, 1, 23, 30, tzinfo=timezone.utc), locale="fr")
    [row] = _responses(form)
    assert row.pseudonym == pseudonym(study.id, "service_user", lea.id)
    assert row.version == 1
    assert row.submitted_on == date(2026, 3, 2)  # the day in Paris (00:30 on 2 March)
    assert row.locale == "fr"
    assert row.answers == {"q1": "Ça m'a redonné espoir 🌱\nMerci", "q2": 5, "q3": "grp", "q4": ["hope", "info"],
                           "q5": 0, "q6": "Élan"}


def test_staff_answers_carry_an_account_pseudonym(app, make_account):
    study, text = make_study()
    form = make_form(study, audience="staff", questions=STAFF_QUESTIONS)
    nurse = make_account("staff", profession="nurse")
    respond(form, {"q1": "Du soutien"}, account=nurse, research_consent=consent(text, account=nurse))
    [row] = _responses(form)
    assert row.pseudonym == pseudonym(study.id, "account", nurse.id)
    assert row.pseudonym.startswith("S-")


def test_free_text_is_masked_with_known_names_contacts_and_hand_redactions(app, make_account):
    study, text = make_study()
    form = make_form(study)
    make_account("peer_worker", name="Hélène Rivière")
    lea = make_person("Léa Martin")
    response = respond(form, {"q1": "helene m'a appelée au 06 12 34 56 78, écrivez à lea@example.org. Mon secret"},
                       person=lea, research_consent=consent(text, person=lea))
    answer_id = db.session.execute(sa.text("SELECT id FROM feedback_answer WHERE response_id = :r"),
                                   {"r": response.id}).scalar()
    original = "helene m'a appelée au 06 12 34 56 78, écrivez à lea@example.org. Mon secret"
    start = original.index("secret")
    db.session.add(AnswerRedaction(answer_id=answer_id, start_offset=start, end_offset=start + len("secret")))
    db.session.commit()
    [row] = _responses(form)
    assert row.answers["q1"] == "[NAME] m'a appelée au [PHONE], écrivez à [EMAIL]. Mon [REDACTED]"
    assert row.answer_ids == {"q1": answer_id}


def test_each_response_keeps_the_version_it_answered(app):
    study, text = make_study()
    form = make_form(study)
    changed = [dict(q, text_fr="Ce que ça a changé", text_en="What changed") if q["key"] == "q1" else q
               for q in QUESTIONS] + [dict(key="q7", kind="short_text", text_fr="Autre", text_en="Other")]
    publish_version(form, changed, 2)
    lea, marc = make_person("Léa Martin"), make_person("Marc Dupont")
    respond(form, {"q1": "avant"}, person=lea, research_consent=consent(text, person=lea), version_number=1)
    respond(form, {"q1": "après", "q7": "x"}, person=marc, research_consent=consent(text, person=marc))
    assert [(row.version, row.answers) for row in _responses(form)] == [
        (1, {"q1": "avant"}), (2, {"q1": "après", "q7": "x"})]
    entries = dataset.dictionary(form)
    assert [(e.key, e.versions) for e in entries] == [
        ("q1", (1,)), ("q1", (2,)), ("q2", (1, 2)), ("q3", (1, 2)), ("q4", (1, 2)), ("q5", (1, 2)), ("q6", (1, 2)),
        ("q7", (2,))]
    assert dataset.question_keys(form) == ["q1", "q2", "q3", "q4", "q5", "q6", "q7"]


def test_the_dictionary_gives_the_allowed_values_and_their_codes(app):
    form = make_form(privacy="anonymous")
    entries = {e.key: e for e in dataset.dictionary(form)}
    assert entries["q2"].values[0] == ("1", "Pas du tout", "Not at all")
    assert entries["q2"].values[4] == ("5", "Tout à fait", "Completely")
    assert [v[0] for v in entries["q2"].values] == ["1", "2", "3", "4", "5"]
    assert entries["q3"].values == (("ind", "Individuel", "Individual"), ("grp", "Groupe", "Group"))
    assert entries["q5"].values == (("1", "Oui", "Yes"), ("0", "Non", "No"))
    assert entries["q1"].values == () and entries["q1"].kind == "long_text"
    assert entries["q1"].text_fr == "Qu'est-ce que ça vous a apporté ?"


def _profile(make_account):
    worker = make_account("peer_worker")
    profile = PeerProfile(account_id=worker.id)
    db.session.add(profile)
    db.session.commit()
    return profile


def _meeting(profile, person, meeting_format, *, status="held", participant="attended", day=1):
    starts = NOW - timedelta(days=100 - day)
    meeting = Meeting(peer_profile_id=profile.id, format=meeting_format, status=status, starts_at=starts,
                      duration_minutes=45, ends_at=starts + timedelta(minutes=45), place_kind="hospital")
    meeting.participants = [MeetingParticipant(service_user_id=person.id, status=participant)]
    db.session.add(meeting)
    db.session.commit()


def test_participants_of_a_service_user_form_have_the_thesis_columns(app, make_account):
    cl3r, ts2a = make_units()
    study, text = make_study()
    form = make_form(study)
    lea = make_person("Léa Martin", units=[cl3r, ts2a], gender="woman", age_band="36-50", year_of_birth=1984)
    marc = make_person("Marc Dupont", units=[ts2a], gender="man", age_band="51-65")
    profile = _profile(make_account)
    _meeting(profile, lea, "individual", day=1)
    _meeting(profile, lea, "individual", day=2)
    _meeting(profile, lea, "informal", day=3)
    _meeting(profile, lea, "group", day=4, status="cancelled", participant="cancelled")
    _meeting(profile, lea, "group", day=5, participant="absent")
    db.session.add_all([
        Referral(service_user_id=lea.id, source="staff", status="closed", accepted_at=NOW - timedelta(days=200),
                 status_changed_at=NOW - timedelta(days=20)),
        Referral(service_user_id=marc.id, source="self", status="active", accepted_at=NOW - timedelta(days=95)),
    ])
    db.session.commit()
    respond(form, {"q2": 4}, person=lea, research_consent=consent(text, person=lea))
    respond(form, {"q2": 2}, person=lea, research_consent=consent(text, person=lea), at=later())
    respond(form, {"q2": 5}, person=marc, research_consent=consent(text, person=marc))
    rows = {row.pseudonym: row for row in dataset.participants(form, now=NOW)}
    first = rows[pseudonym(study.id, "service_user", lea.id)]
    assert (first.kind, first.responses, first.gender, first.age_band, first.units, first.meeting_formats,
            first.held_meetings, first.months_accompanied) == (
        "service_user", 2, "woman", "36-50", ["CL3R", "TS2A"], ["individual", "informal"], 3, 5)
    second = rows[pseudonym(study.id, "service_user", marc.id)]
    assert (second.units, second.meeting_formats, second.held_meetings, second.months_accompanied) == (
        ["TS2A"], [], 0, 3)


def test_participants_of_a_staff_form_have_the_oncology_columns(app, make_account):
    study, text = make_study()
    form = make_form(study, audience="staff", questions=STAFF_QUESTIONS)
    nurse = make_account("staff", profession="nurse")
    doctor = make_account("staff", profession="doctor")
    respond(form, {"q2": "35-50", "q3": "16", "q4": "woman"}, account=nurse,
            research_consent=consent(text, account=nurse))
    respond(form, {"q2": "20-35", "q3": "5"}, account=doctor, research_consent=consent(text, account=doctor))
    rows = {row.pseudonym: row for row in dataset.participants(form, now=NOW)}
    first = rows[pseudonym(study.id, "account", nurse.id)]
    assert (first.kind, first.profession, first.age_band, first.years_of_experience, first.gender) == (
        "staff", "nurse", "35-50", "16", "woman")
    second = rows[pseudonym(study.id, "account", doctor.id)]
    assert (second.profession, second.age_band, second.years_of_experience, second.gender) == (
        "doctor", "20-35", "5", None)


def test_a_withdrawn_participant_leaves_the_participants_table(app):
    study, text = make_study()
    form = make_form(study)
    lea, marc = make_person("Léa Martin"), make_person("Marc Dupont")
    respond(form, {"q2": 4}, person=lea, research_consent=consent(text, person=lea))
    respond(form, {"q2": 4}, person=marc, research_consent=consent(text, person=marc))
    withdraw(study, person=lea, at=later())
    assert [row.pseudonym for row in dataset.participants(form, now=NOW)] == [
        pseudonym(study.id, "service_user", marc.id)]


def _populate(form, text, count, start=0):
    for number in range(start, start + count):
        person = make_person(f"Personne{number}")
        respond(form, {"q1": f"Réponse {number}", "q2": 3, "q4": ["hope"]}, person=person,
                research_consent=consent(text, person=person))


@pytest.mark.parametrize("batch_size", [4, 500])
def test_the_number_of_statements_does_not_grow_with_each_response(app, make_account, batch_size):
    study, text = make_study()
    form = make_form(study)
    _profile(make_account)

    def statements():
        db.session.expire_all()
        with counted_statements() as executed:
            rows = list(dataset.research_responses(form, batch_size=batch_size))
            people = dataset.participants(form, now=NOW)
        return len(rows), len(people), len(executed)

    _populate(form, text, 3)
    few = statements()
    _populate(form, text, 3, start=3)
    more = statements()
    assert (few[0], more[0]) == (3, 6) and (few[1], more[1]) == (3, 6)
    if batch_size == 500:
        assert few[2] == more[2]
    else:  # a fixed number of statements per batch of responses
        assert more[2] - few[2] <= 4


def test_responses_stream_in_batches_in_the_order_given(app):
    study, text = make_study()
    form = make_form(study)
    _populate(form, text, 7)
    rows = list(dataset.research_responses(form, batch_size=3))
    assert [row.answers["q1"] for row in rows] == [f"Réponse {n}" for n in range(7)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FeedbackResponse)) == 7


@pytest.mark.parametrize("typed, masked", [
    ("Mon code PA-K7M9Q2, pa-k7m9q2.", "Mon code [CODE], [CODE]."),
    ("Née le 12/05/1984, ou 1984-05-12, ou 3.4.2001", "Née le [DATE], ou [DATE], ou [DATE]"),
    ("Depuis 2019, 3 rencontres sur 12 mois", "Depuis 2019, 3 rencontres sur 12 mois"),
    ("Le pseudonyme P-ABCDEFGH reste", "Le pseudonyme P-ABCDEFGH reste"),
])
def test_answers_also_mask_person_codes_and_full_dates(app, typed, masked):
    assert masking.mask(typed, frozenset()) == masked
