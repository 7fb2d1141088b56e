"""The feedback-form builder: who reaches it, settings and questions validated, versions, closing."""
import pytest
import sqlalchemy as sa

from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.feedback import forms_services as services
from peer_support.feedback.models import FeedbackForm, FeedbackInvitation, FeedbackResponse, FormQuestion, FormVersion
from tests.conftest import sign_in
from tests.helpers import audit_entries, has_field_error, input_value


def page(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def as_(app, make_account):
    """A client signed in with a new English account of that role: as_("researcher")."""

    def client(role):
        browser = app.test_client()
        if role is not None:
            assert sign_in(browser, make_account(role, locale="en")).status_code == 302
        return browser

    return client


SETTINGS = {"title_fr": "Votre avis", "title_en": "Your view", "description_fr": "", "description_en": "",
            "audience": "service_user", "privacy": "anonymous", "study_id": "", "trigger": "manual",
            "trigger_meeting_count": "", "invitation_valid_days": "14", "reminder_interval_days": "7"}
LIKERT = {"kind": "likert", "text_fr": "J'ai été écouté.", "text_en": "I was listened to.", "required": "y",
          "likert_low_fr": "Pas du tout", "likert_low_en": "Not at all", "likert_high_fr": "Tout à fait",
          "likert_high_en": "Completely", "options": "", "characteristic": ""}


def keys(version) -> list[str]:
    return [question.key for question in sorted(version.questions, key=lambda q: q.position)]


# --- Who reaches the builder ----------------------------------------------------------------------------

GETS = ["/feedback/forms", "/feedback/forms/new", "/feedback/forms/{id}", "/feedback/forms/{id}/settings",
        "/feedback/forms/{id}/questions/new", "/feedback/forms/{id}/results",
        "/feedback/forms/new?template=end_of_accompaniment"]
POSTS = ["/feedback/forms/new", "/feedback/forms/{id}/publish", "/feedback/forms/{id}/close",
         "/feedback/forms/{id}/reopen", "/feedback/forms/{id}/new-version", "/feedback/forms/{id}/discard-version",
         "/feedback/forms/{id}/questions/new", "/feedback/forms/{id}/questions/{q}/remove",
         "/feedback/forms/{id}/questions/{q}/move"]


@pytest.mark.parametrize("role", ["coordinator", "researcher"])
def test_coordinators_and_researchers_build_forms(as_, make_form, role):
    form = make_form(published=False)
    client = as_(role)
    for url in GETS:
        response = client.get(url.format(id=form.id))
        assert response.status_code == 200, url
    assert "Feedback forms" in page(client.get("/"))


@pytest.mark.parametrize("role", ["staff", "peer_worker", "service_user"])
def test_other_roles_are_refused(as_, make_form, role):
    form = make_form(published=False)
    question = services.draft_version(form).questions[0]
    client = as_(role)
    for url in GETS:
        assert client.get(url.format(id=form.id)).status_code == 403, url
    for url in POSTS:
        response = client.post(url.format(id=form.id, q=question.id), data={**SETTINGS, "direction": "up"})
        assert response.status_code == 403, url
    assert db.session.scalar(sa.select(sa.func.count(FeedbackForm.id))) == 1
    assert db.session.get(FeedbackForm, form.id).status == "draft"
    assert "Feedback forms" not in page(client.get("/"))


def test_signed_out_people_are_sent_to_sign_in(as_, make_form):
    form = make_form()
    response = as_(None).get(f"/feedback/forms/{form.id}/results")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_unknown_form_or_question_is_404(as_, make_form):
    form = make_form(published=False)
    client = as_("coordinator")
    assert client.get("/feedback/forms/999").status_code == 404
    assert client.get(f"/feedback/forms/{form.id}/questions/999/edit").status_code == 404
    assert client.get("/feedback/forms/new?template=nope").status_code == 404


# --- Settings ----------------------------------------------------------------------------------------------

def test_creating_a_blank_form(as_):
    client = as_("coordinator")
    response = client.post("/feedback/forms/new", data=SETTINGS)
    assert response.status_code == 302
    form = db.session.scalar(sa.select(FeedbackForm))
    assert (form.title_fr, form.title_en, form.status, form.privacy) == ("Votre avis", "Your view", "draft",
                                                                         "anonymous")
    assert db.session.scalar(sa.select(FormVersion.number).where(FormVersion.form_id == form.id)) == 1
    assert response.headers["Location"].endswith(f"/feedback/forms/{form.id}")
    html = page(client.get(f"/feedback/forms/{form.id}"))
    assert "No link to the person is kept" in html and "Questions of version 1 (draft)" in html
    [entry] = audit_entries("feedback.form_create")
    assert entry.object_id == str(form.id)


@pytest.mark.parametrize("values, field", [
    ({"title_en": ""}, "title_en"),
    ({"privacy": "pseudonymous"}, "study_id"),
    ({"audience": "staff", "trigger": "at_closing"}, "trigger"),
    ({"trigger": "after_meetings"}, "trigger_meeting_count"),
    ({"trigger": "after_meetings", "trigger_meeting_count": "0"}, "trigger_meeting_count"),
    ({"invitation_valid_days": "91"}, "invitation_valid_days"),
    ({"reminder_interval_days": "abc"}, "reminder_interval_days"),
    ({"privacy": "everyone"}, "privacy"),
    ({"privacy": ""}, "privacy"),
    ({"study_id": "4242"}, "study_id"),
])
def test_invalid_settings_say_why_and_keep_what_was_typed(as_, values, field):
    client = as_("coordinator")
    response = client.post("/feedback/forms/new", data={**SETTINGS, "title_fr": "Mon questionnaire é", **values})
    assert response.status_code == 200
    html = page(response)
    assert has_field_error(html, field), html[html.find("invalid-feedback") - 300:][:600]
    assert input_value(html, "title_fr") == "Mon questionnaire é"
    assert db.session.scalar(sa.select(sa.func.count(FeedbackForm.id))) == 0


def test_a_pseudonymous_form_belongs_to_a_study(as_, make_study):
    study = make_study("DIAS")
    client = as_("researcher")
    html = page(client.get("/feedback/forms/new"))
    assert "DIAS — Peer study" in html and "researchers see the answers under a pseudonym" in html
    response = client.post("/feedback/forms/new", data={**SETTINGS, "privacy": "pseudonymous", "study_id": study.id})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(FeedbackForm.study_id)) == study.id


def test_who_answers_and_what_is_kept_are_fixed_once_published(as_, make_form):
    form = make_form(privacy="anonymous")
    client = as_("coordinator")
    response = client.post(f"/feedback/forms/{form.id}/settings", data={**SETTINGS, "privacy": "care_only"})
    assert response.status_code == 200 and has_field_error(page(response), "privacy")
    assert db.session.get(FeedbackForm, form.id).privacy == "anonymous"
    response = client.post(f"/feedback/forms/{form.id}/settings",
                           data={**SETTINGS, "title_en": "New title", "invitation_valid_days": "30"})
    assert response.status_code == 302
    changed = db.session.get(FeedbackForm, form.id)
    assert (changed.title_en, changed.invitation_valid_days) == ("New title", 30)


# --- Questions ---------------------------------------------------------------------------------------------

def test_adding_questions_of_each_kind(as_, make_form):
    form = make_form(published=False, questions=[])
    client = as_("coordinator")
    assert client.post(f"/feedback/forms/{form.id}/questions/new", data=LIKERT).status_code == 302
    choice = {**LIKERT, "kind": "multiple_choice", "text_fr": "Formats", "text_en": "Formats",
              "options": "individual | Seul à seul | One to one\r\n\r\ngroup | En groupe 😊 | In a group\n"}
    assert client.post(f"/feedback/forms/{form.id}/questions/new", data=choice).status_code == 302
    [likert, multiple] = services.draft_version(services.get_form(form.id)).questions
    assert (likert.key, likert.kind, likert.required, likert.likert_high_en) == ("q1", "likert", True, "Completely")
    assert likert.options is None
    assert (multiple.key, multiple.position) == ("q2", 2)
    assert multiple.options == [{"code": "individual", "fr": "Seul à seul", "en": "One to one"},
                                {"code": "group", "fr": "En groupe 😊", "en": "In a group"}]
    # Likert end labels typed for a choice question are not kept.
    assert multiple.likert_low_fr is None
    html = page(client.get(f"/feedback/forms/{form.id}/questions/{multiple.id}/edit"))
    assert "group | En groupe 😊 | In a group" in html


@pytest.mark.parametrize("values, field", [
    ({"text_en": ""}, "text_en"),
    ({"likert_high_fr": ""}, "likert_high_fr"),
    ({"kind": "single_choice", "options": "only | Seul | Only"}, "options"),
    ({"kind": "single_choice", "options": "a | Un | One\na | Deux | Two"}, "options"),
    ({"kind": "single_choice", "options": "a | Un | One\nb, Deux, Two"}, "options"),
    ({"kind": "single_choice", "options": "a | Un | One\nb c | Deux | Two"}, "options"),
    ({"kind": "single_choice", "options": "a | Un | One\nb |  | Two"}, "options"),
    ({"kind": "multiple_choice", "options": "\n".join(f"c{n} | {n} | {n}" for n in range(21))}, "options"),
    ({"kind": "long_text", "characteristic": "age_band"}, "characteristic"),
    ({"kind": "wizardry"}, "kind"),
])
def test_invalid_questions_say_why_and_keep_what_was_typed(as_, make_form, values, field):
    form = make_form(published=False, questions=[])
    client = as_("coordinator")
    response = client.post(f"/feedback/forms/{form.id}/questions/new",
                           data={**LIKERT, "help_fr": "Aide tapée", **values})
    assert response.status_code == 200
    html = page(response)
    assert has_field_error(html, field)
    assert input_value(html, "help_fr") == "Aide tapée"
    assert services.draft_version(services.get_form(form.id)).questions == []


def test_a_characteristic_is_described_once(make_form):
    form = make_form(published=False)
    again = services.QuestionData(kind="short_text", text_fr="Âge", text_en="Age", characteristic="age_band")
    with pytest.raises(DomainError):
        services.add_question(None, form, again, now=utcnow())


def test_moving_and_removing_questions(as_, make_form):
    client = as_("coordinator")
    form = make_form(published=False)
    version = services.draft_version(form)
    q1, q2 = version.questions[0], version.questions[1]
    move = f"/feedback/forms/{form.id}/questions/{q1.id}/move"
    assert client.post(move, data={"direction": "down"}).status_code == 302
    assert keys(services.draft_version(services.get_form(form.id)))[:3] == ["q2", "q1", "q3"]
    assert client.post(move, data={"direction": "sideways"}).status_code == 400
    assert client.post(f"/feedback/forms/{form.id}/questions/{q2.id}/remove").status_code == 302
    version = services.draft_version(services.get_form(form.id))
    assert keys(version) == ["q1", "q3", "q4", "q5", "q6", "q7"]
    assert [q.position for q in sorted(version.questions, key=lambda q: q.position)] == [1, 2, 3, 4, 5, 6]


def test_publishing_needs_a_question(as_, make_form):
    form = make_form(published=False, questions=[])
    client = as_("coordinator")
    response = client.post(f"/feedback/forms/{form.id}/publish", follow_redirects=True)
    assert "Add at least one question before publishing." in page(response)
    assert db.session.get(FeedbackForm, form.id).status == "draft"
    assert audit_entries("feedback.form_publish") == []


# --- Versions ----------------------------------------------------------------------------------------------

def test_publish_freezes_then_editing_makes_a_new_version(as_, make_form, make_response):
    form = make_form(published=False)
    client = as_("coordinator")
    assert client.post(f"/feedback/forms/{form.id}/publish").status_code == 302
    form = services.get_form(form.id)
    [v1] = form.versions
    assert form.status == "published" and v1.published_at is not None and form.published_at is not None
    [entry] = audit_entries("feedback.form_publish")
    assert entry.details == {"version": 1, "questions": 7}
    old_response = make_response(form, {"q3": 4})
    [v1] = services.get_form(form.id).versions

    # A published version never changes.
    question = v1.questions[0]
    response = client.post(f"/feedback/forms/{form.id}/questions/{question.id}/edit",
                           data={**LIKERT, "text_fr": "Changé"})
    assert response.status_code == 302
    assert client.post(f"/feedback/forms/{form.id}/questions/{question.id}/remove").status_code == 302
    assert db.session.get(FormQuestion, question.id).text_fr == "Qu'est-ce qui vous a aidé ?"
    assert client.post(f"/feedback/forms/{form.id}/questions/new", data=LIKERT).status_code == 302
    assert len(services.get_form(form.id).versions[0].questions) == 7

    # Editing starts version 2: a copy with the same keys; the form stays answerable on version 1.
    assert client.post(f"/feedback/forms/{form.id}/new-version").status_code == 302
    form = services.get_form(form.id)
    v1, v2 = form.versions
    assert (v2.number, v2.published_at, form.status) == (2, None, "published")
    assert keys(v2) == keys(v1) and {q.id for q in v2.questions}.isdisjoint({q.id for q in v1.questions})
    assert [q.options for q in v2.questions] == [q.options for q in v1.questions]
    assert services.current_version(form).id == v1.id
    assert len(audit_entries("feedback.form_new_version")) == 1

    # A question removed, one changed, one added: new keys never reuse an old one.
    v1, v2 = services.get_form(form.id).versions
    ids = {q.key: q.id for q in v2.questions}
    assert client.post(f"/feedback/forms/{form.id}/questions/{ids['q7']}/remove").status_code == 302
    assert client.post(f"/feedback/forms/{form.id}/questions/{ids['q3']}/edit",
                       data={**LIKERT, "text_en": "I felt heard."}).status_code == 302
    assert client.post(f"/feedback/forms/{form.id}/questions/new", data=LIKERT).status_code == 302
    assert client.post(f"/feedback/forms/{form.id}/publish").status_code == 302
    form = services.get_form(form.id)
    v1, v2 = form.versions
    assert keys(v2) == ["q1", "q2", "q3", "q4", "q5", "q6", "q8"]
    assert next(q for q in v2.questions if q.key == "q3").text_en == "I felt heard."
    assert next(q for q in v1.questions if q.key == "q3").text_en == "I felt understood."
    assert v2.published_at is not None and services.current_version(form).id == v2.id

    # Responses keep the version they answered.
    new_response = make_response(form, {"q3": 5, "q8": 2})
    assert db.session.get(FeedbackResponse, old_response.id).version_id == v1.id
    assert db.session.get(FeedbackResponse, new_response.id).version_id == v2.id
    html = page(client.get(f"/feedback/forms/{form.id}"))
    assert "Questions of version 2 (published)" in html
    assert len(audit_entries("feedback.form_publish")) == 2


def test_a_draft_version_can_be_discarded(as_, make_form):
    form = make_form()
    client = as_("researcher")
    client.post(f"/feedback/forms/{form.id}/new-version")
    assert len(services.get_form(form.id).versions) == 2
    assert client.post(f"/feedback/forms/{form.id}/discard-version").status_code == 302
    form = services.get_form(form.id)
    assert [v.number for v in form.versions] == [1] and form.status == "published"
    assert db.session.scalar(sa.select(sa.func.count(FormQuestion.id))) == 7


def test_closing_cancels_pending_invitations_and_reopening(as_, make_form, make_invitation, make_account):
    form = make_form(audience="staff")
    nurse = make_account("staff")
    pending = make_invitation(form, account=nurse)
    answered = make_invitation(form, account=make_account("staff"), answered=True)
    client = as_("coordinator")
    assert client.post(f"/feedback/forms/{form.id}/close").status_code == 302
    closed = db.session.get(FeedbackForm, form.id)
    assert closed.status == "closed" and closed.closed_at is not None
    assert db.session.get(FeedbackInvitation, pending.id).cancel_reason == "form_closed"
    assert db.session.get(FeedbackInvitation, answered.id).cancelled_at is None
    assert audit_entries("feedback.form_close")[0].details == {"invitations_cancelled": 1}
    # A closed form does not change.
    assert client.post(f"/feedback/forms/{form.id}/new-version").status_code == 302
    assert len(services.get_form(form.id).versions) == 1
    assert client.post(f"/feedback/forms/{form.id}/reopen").status_code == 302
    assert db.session.get(FeedbackForm, form.id).status == "published"
    assert db.session.get(FeedbackInvitation, pending.id).cancelled_at is not None
    assert len(audit_entries("feedback.form_reopen")) == 1


def test_creating_from_a_template_copies_its_questions(as_, make_study):
    study = make_study()
    client = as_("coordinator")
    html = page(client.get("/feedback/forms/new?template=end_of_accompaniment"))
    assert input_value(html, "title_fr") == "Votre accompagnement par un pair-aidant : votre bilan"
    data = {**SETTINGS, "title_fr": "Bilan CL3R", "title_en": "CL3R review", "privacy": "pseudonymous",
            "study_id": study.id, "trigger": "at_closing"}
    response = client.post("/feedback/forms/new?template=end_of_accompaniment", data=data)
    assert response.status_code == 302
    form = services.get_form(db.session.scalar(sa.select(FeedbackForm.id)))
    assert (form.title_fr, form.template_key, form.status, form.trigger) == ("Bilan CL3R", "end_of_accompaniment",
                                                                             "draft", "at_closing")
    assert len(form.versions[0].questions) == 16
    assert audit_entries("feedback.form_create")[0].details == {"template": "end_of_accompaniment"}
