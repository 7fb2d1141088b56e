"""The results summary: each figure against a hand-computed expectation, who reads what, constant queries."""
import pytest

from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.feedback import forms_services as services
from peer_support.feedback import results
from tests.conftest import sign_in
from tests.helpers import counted_statements, statements_for_get
from tests.triage.conftest import new_person


def by_key(summary):
    return {item.question.key: item for item in summary.questions}


def _answer_four(form, make_response):
    make_response(form, {"q1": "Texte libre de Mme Dupont", "q3": 5, "q4": "right", "q5": ["individual", "group"],
                         "q6": 1})
    make_response(form, {"q3": 4, "q4": "right", "q5": ["group"], "q6": 0})
    make_response(form, {"q3": 2, "q4": "late", "q5": [], "q6": 1})
    make_response(form, {"q3": 4})


def test_figures_of_an_anonymous_form(app, make_form, make_response, make_invitation, make_account):
    form = make_form()
    _answer_four(form, make_response)
    for answered in (True, True, False, False):
        make_invitation(form, account=make_account("staff"), answered=answered)
    make_invitation(form, account=make_account("staff"), cancelled=True)
    make_invitation(form, account=make_account("staff"), sent=False)

    summary = results.summarise(services.get_form(form.id), for_research=False)
    assert summary.responses == 4
    assert [(v.number, v.responses) for v in summary.versions] == [(1, 4)]
    assert (summary.invitations_sent, summary.invitations_answered, summary.response_rate) == (4, 2, 0.5)
    figures = by_key(summary)
    # Free text is never summed up.
    assert set(figures) == {"q3", "q4", "q5", "q6", "q7"}
    likert = figures["q3"]
    assert likert.counts == {1: 0, 2: 1, 3: 0, 4: 2, 5: 1}
    assert likert.answered == 4 and likert.average == pytest.approx(15 / 4)
    assert likert.share(2) == 0.5
    single = figures["q4"]
    assert (single.counts, single.answered) == ({"early": 0, "right": 2, "late": 1}, 3)
    multiple = figures["q5"]
    # Two people ticked something; "group" by both (100 %), "individual" by one.
    assert (multiple.counts, multiple.answered) == ({"individual": 1, "group": 2, "phone": 0}, 2)
    assert multiple.share(2) == 1.0
    yes_no = figures["q6"]
    assert (yes_no.counts, yes_no.answered) == ({1: 2, 0: 1}, 3)
    assert (figures["q7"].answered, figures["q7"].counts) == (0, {"18-25": 0, "26-35": 0})


def test_no_invitation_means_no_rate(app, make_form):
    summary = results.summarise(make_form(), for_research=False)
    assert (summary.responses, summary.response_rate) == (0, None)
    assert by_key(summary)["q3"].average is None


def test_keys_add_up_across_versions(app, make_form, make_response):
    form = make_form()
    _answer_four(form, make_response)
    form = services.get_form(form.id)
    services.start_new_version(None, form, now=utcnow())
    version = services.draft_version(form)
    # The choice "late" is retired in version 2; answers to it still count, named as before.
    timing = next(q for q in version.questions if q.key == "q4")
    services.update_question(None, form, timing, services.QuestionData(
        kind="single_choice", text_fr="Le moment", text_en="Timing",
        options=[{"code": "early", "fr": "Trop tôt", "en": "Too early"},
                 {"code": "right", "fr": "Au bon moment", "en": "Right"}]), now=utcnow())
    services.publish(None, form, now=utcnow())
    db.session.commit()
    make_response(form, {"q3": 1, "q4": "early"})

    summary = results.summarise(services.get_form(form.id), for_research=False)
    assert [(v.number, v.responses) for v in summary.versions] == [(1, 4), (2, 1)]
    figures = by_key(summary)
    assert figures["q3"].counts == {1: 1, 2: 1, 3: 0, 4: 2, 5: 1}
    assert figures["q3"].average == pytest.approx(16 / 5)
    assert figures["q4"].question.text_en == "Timing"
    assert figures["q4"].counts == {"early": 1, "right": 2, "late": 1}
    assert figures["q4"].other_options["late"]["en"] == "Too late"


def test_who_counts_depends_on_consent_and_reader(app, make_form, make_response, make_consent, make_account,
                                                  make_study):
    study = make_study()
    form = make_form(privacy="pseudonymous", audience="staff", study=study)
    in_force, withdrawn, kept_for_care = (make_account("staff") for _ in range(3))
    make_response(form, {"q3": 5}, account=in_force, consent=make_consent(study, account=in_force))
    make_response(form, {"q3": 1}, account=withdrawn, consent=make_consent(study, account=withdrawn, withdrawn=True))
    make_response(form, {"q3": 3}, account=kept_for_care,
                  consent=make_consent(study, account=kept_for_care, withdrawn=True, care_use=True))
    form = services.get_form(form.id)

    research = results.summarise(form, for_research=True)
    assert research.responses == 1 and by_key(research)["q3"].average == 5
    care = results.summarise(form, for_research=False)
    assert care.responses == 2 and by_key(care)["q3"].average == 4


def test_the_page(app, make_form, make_response, make_account, make_invitation):
    form = make_form()
    _answer_four(form, make_response)
    make_invitation(form, account=make_account("staff"), answered=True)
    make_invitation(form, account=make_account("staff"))
    client = app.test_client()
    sign_in(client, make_account("researcher", locale="en"))
    html = client.get(f"/feedback/forms/{form.id}/results").get_data(as_text=True)
    assert 'id="total-responses">4<' in html
    assert "50%" in html and "1 of 2 invitations answered" in html
    assert "average 3.8 out of 5" in html
    assert "Too late" in html and "One to one" in html
    assert "Dupont" not in html


def test_the_page_in_french(app, make_form, make_response, make_account):
    form = make_form()
    _answer_four(form, make_response)
    client = app.test_client()
    sign_in(client, make_account("coordinator", locale="fr"))
    html = client.get(f"/feedback/forms/{form.id}/results").get_data(as_text=True)
    assert "3,8" in html and "Trop tard" in html and "Je me suis senti compris." in html


@pytest.mark.parametrize("role, status", [("coordinator", 200), ("researcher", 403), ("staff", 403),
                                          ("peer_worker", 403), ("service_user", 403)])
def test_care_only_results_stay_with_the_care_team(app, make_form, make_account, role, status):
    form = make_form(privacy="care_only")
    client = app.test_client()
    sign_in(client, make_account(role))
    assert client.get(f"/feedback/forms/{form.id}/results").status_code == status


def test_a_constant_number_of_statements(app, make_form, make_response, make_account):
    forms = [make_form(), make_form()]
    for count, form in zip((3, 30), forms, strict=True):
        for n in range(count):
            make_response(form, {"q1": "texte", "q3": n % 5 + 1, "q4": "right", "q5": ["group", "phone"],
                                 "q6": n % 2})
    counts = []
    for form_id in [form.id for form in forms]:
        db.session.commit()  # each measure opens its own transaction
        with counted_statements() as statements:
            summary = results.summarise(services.get_form(form_id), for_research=False)
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert by_key(summary)["q5"].counts == {"individual": 0, "group": 30, "phone": 30}
    client = app.test_client()
    sign_in(client, make_account("coordinator"))
    pages = [statements_for_get(client, f"/feedback/forms/{form.id}/results") for form in forms]
    assert pages[0] == pages[1]


def test_erasure_counts_no_answer_the_person_had_withdrawn(app, make_form, make_response, make_consent, make_study):
    """Answers withdrawn without care use count for nobody; erasing the person unlinks their consent, after which
    they would have counted as answers given without one: they are deleted. Those whose consent was in force, or
    withdrawn with care use, stay in the care team's figures, unlinked."""
    from peer_support.feedback.models import FeedbackResponse
    from peer_support.privacy.anonymise import anonymise
    from peer_support.people.models import ServiceUser

    study = make_study()
    form = make_form(privacy="pseudonymous", study=study)
    in_force, withdrawn, kept_for_care = (new_person(name=name) for name in ("Anne Un", "Bea Deux", "Chloe Trois"))
    make_response(form, {"q3": 5}, service_user=in_force, consent=make_consent(study, service_user=in_force))
    make_response(form, {"q3": 1}, service_user=withdrawn,
                  consent=make_consent(study, service_user=withdrawn, withdrawn=True))
    make_response(form, {"q3": 3}, service_user=kept_for_care,
                  consent=make_consent(study, service_user=kept_for_care, withdrawn=True, care_use=True))
    before = results.summarise(services.get_form(form.id), for_research=False)
    assert before.responses == 2 and by_key(before)["q3"].average == 4

    for person in (in_force, withdrawn, kept_for_care):
        anonymise(db.session.get(ServiceUser, person.id), how="erasure", actor=None, now=utcnow())
    db.session.commit()
    db.session.expire_all()
    after = results.summarise(services.get_form(form.id), for_research=False)
    assert after.responses == 2 and by_key(after)["q3"].counts == {1: 0, 2: 0, 3: 1, 4: 0, 5: 1}
    assert results.summarise(services.get_form(form.id), for_research=True).responses == 0
    assert db.session.query(FeedbackResponse).filter_by(form_id=form.id).count() == 2
