"""The three built-in templates: they load as ordinary draft forms, bilingual, following the seeds' themes."""
import pytest

from peer_support.db import utcnow
from peer_support.feedback import forms_services as services
from peer_support.feedback.templates_builtin import TEMPLATES
from peer_support.extensions import db

EXPECTED_KINDS = {
    "post_meeting": ["likert", "likert", "likert", "long_text"],
    "end_of_accompaniment": ["long_text", "single_choice", "long_text", "multiple_choice", "likert", "likert",
                             "likert", "long_text", "single_choice", "single_choice", "yes_no", "long_text",
                             "single_choice", "long_text", "single_choice", "single_choice"],
    "staff_perception": ["single_choice", "single_choice", "single_choice", "long_text", "yes_no", "long_text",
                         "yes_no", "long_text", "long_text", "long_text", "long_text", "multiple_choice",
                         "long_text", "long_text", "long_text"],
}
EXPECTED_CHARACTERISTICS = {
    "post_meeting": {},
    "end_of_accompaniment": {"q15": "age_band", "q16": "gender"},
    "staff_perception": {"q1": "profession", "q2": "age_band", "q3": "years_of_experience"},
}
# The themes of the seeds, each found (in French) in the question of that key.
THEMES = {
    "post_meeting": {"q1": "comprenait", "q2": "aide concrète", "q3": "espoir", "q4": "changeriez"},
    # 004, Table 3: knew before, expected, identification, complement to care, recovery, timing,
    # a framework too loose, contacted again, limits, becoming a peer worker.
    "end_of_accompaniment": {"q1": "que saviez-vous", "q3": "attendiez", "q4": "Comment avez-vous rencontré",
                             "q5": "a vécu", "q6": "autres soignants", "q7": "rétablissement",
                             "q9": "parcours de soins", "q10": "calendrier fixe", "q11": "recontacte",
                             "q12": "limites", "q13": "devenir pair-aidant"},
    # 000, Figure 1: prior knowledge, expectations and needs, limits and brakes, what would help.
    "staff_perception": {"q5": "Connaissiez-vous la pair-aidance", "q7": "déjà travaillé avec des pairs-aidants",
                         "q8": "idée générale", "q9": "besoins", "q10": "pas couverts", "q11": "limites",
                         "q12": "freins", "q14": "faciliter", "q15": "autres remarques"},
}


def _create(template_key, make_study):
    settings = services.settings_from_template(template_key)
    if settings.privacy == "pseudonymous":
        settings.study_id = make_study().id
    form = services.create_form(None, settings, template_key=template_key, now=utcnow())
    db.session.commit()
    return services.get_form(form.id)


def test_there_are_three_templates():
    assert set(TEMPLATES) == {"post_meeting", "end_of_accompaniment", "staff_perception"}


@pytest.mark.parametrize("template_key", sorted(TEMPLATES))
def test_a_template_becomes_an_ordinary_draft_form(app, make_study, template_key):
    form = _create(template_key, make_study)
    [version] = form.versions
    questions = sorted(version.questions, key=lambda q: q.position)
    assert (form.status, version.published_at, form.template_key) == ("draft", None, template_key)
    assert [q.key for q in questions] == [f"q{n}" for n in range(1, len(questions) + 1)]
    assert [q.kind for q in questions] == EXPECTED_KINDS[template_key]
    assert {q.key: q.characteristic for q in questions if q.characteristic} == EXPECTED_CHARACTERISTICS[template_key]
    for question in questions:
        assert question.text_fr.strip() and question.text_en.strip() and question.text_fr != question.text_en
        if question.kind == "likert":
            assert all([question.likert_low_fr, question.likert_low_en, question.likert_high_fr,
                        question.likert_high_en])
        if question.kind in ("single_choice", "multiple_choice"):
            assert services.check_options(question.options) == question.options
        else:
            assert question.options is None
    for key, words in THEMES[template_key].items():
        assert words.lower() in next(q.text_fr for q in questions if q.key == key).lower(), key
    assert form.title_fr and form.title_en and form.description_fr and form.description_en
    # The team adapts it like any form, then publishes it.
    services.add_question(None, form, services.QuestionData(kind="short_text", text_fr="Autre ?", text_en="Other?"),
                          now=utcnow())
    services.publish(None, form, now=utcnow())
    db.session.commit()
    assert services.get_form(form.id).status == "published"


def test_who_answers_each_template():
    assert TEMPLATES["staff_perception"]["audience"] == "staff"
    assert TEMPLATES["staff_perception"]["trigger"] == "manual"
    assert TEMPLATES["end_of_accompaniment"]["trigger"] == "at_closing"
    assert TEMPLATES["post_meeting"]["trigger"] == "after_meetings"
    assert TEMPLATES["post_meeting"]["privacy"] == "anonymous"
