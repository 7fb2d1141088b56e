"""Studies and their versioned consent texts: created by the coordinator and researchers, published then frozen."""
import pytest
import sqlalchemy as sa

from peer_support.extensions import db
from peer_support.research.models import ConsentText, ResearchStudy
from tests.conftest import sign_in
from tests.helpers import audit_entries, has_field_error, input_value
from tests.research.export_world import consent, make_person, make_study, withdraw

STUDY = {"code": "PAIR-2026", "title_fr": "Pair-aidance en réhabilitation", "title_en": "Peer support in rehab",
         "description_fr": "Étude qualitative 🌱", "description_en": ""}


def _study(code):
    return db.session.scalar(sa.select(ResearchStudy).where(ResearchStudy.code == code))


@pytest.mark.parametrize("role", ["coordinator", "researcher"])
def test_the_coordinator_and_researchers_create_and_edit_a_study(client, make_account, role):
    author = make_account(role)
    sign_in(client, author)
    response = client.post("/research/studies/new", data=STUDY)
    assert response.status_code == 302
    study = _study("PAIR-2026")
    assert (study.title_fr, study.description_fr, study.description_en) == (
        "Pair-aidance en réhabilitation", "Étude qualitative 🌱", None)
    assert audit_entries("research.study_create")[0].actor_id == author.id

    response = client.post(f"/research/studies/{study.id}/edit", data={**STUDY, "title_en": "Peer support"})
    assert response.status_code == 302
    db.session.expire_all()
    assert _study("PAIR-2026").title_en == "Peer support"
    assert audit_entries("research.study_update")[0].details == {"fields": ["title_en"]}
    page = client.get("/research/studies").get_data(as_text=True)
    assert "PAIR-2026" in page and f"/research/studies/{study.id}" in page


def test_a_code_already_taken_is_a_form_error_that_keeps_what_was_typed(client, make_account):
    make_study("PAIR-2026")
    sign_in(client, make_account("researcher"))
    response = client.post("/research/studies/new", data={**STUDY, "code": "pair-2026"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert has_field_error(html, "code")
    assert input_value(html, "title_fr") == "Pair-aidance en réhabilitation"
    response = client.post("/research/studies/new", data={**STUDY, "code": "a b", "title_en": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert has_field_error(html, "code") and has_field_error(html, "title_en")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ResearchStudy)) == 1


@pytest.mark.parametrize("role", ["staff", "peer_worker", "service_user"])
def test_other_roles_are_refused_the_study_pages(client, make_account, role):
    study, _text = make_study()
    sign_in(client, make_account(role))
    for url in ("/research/studies", "/research/studies/new", f"/research/studies/{study.id}",
                f"/research/studies/{study.id}/consent-texts/1"):
        assert client.get(url).status_code == 403, url
    assert client.post("/research/studies/new", data=STUDY).status_code == 403
    assert client.post(f"/research/studies/{study.id}/consent-texts/1/publish").status_code == 403


def test_a_consent_text_is_written_in_both_languages_published_then_frozen(client, make_account):
    sign_in(client, make_account("researcher"))
    client.post("/research/studies/new", data=STUDY)
    study = _study("PAIR-2026")
    base = f"/research/studies/{study.id}/consent-texts"

    response = client.post(f"{base}/new", data={"text_fr": "J'accepte que mes réponses… 😊", "text_en": ""})
    assert response.status_code == 400 and has_field_error(response.get_data(as_text=True), "text_en")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ConsentText)) == 0

    assert client.post(f"{base}/new", data={"text_fr": "J'accepte que mes réponses… 😊",
                                            "text_en": "I agree that my answers…"}).status_code == 302
    # A second "new" while the draft exists goes back to the draft, no second draft.
    assert client.get(f"{base}/new").headers["Location"].endswith(f"{base}/1")
    assert client.post(f"{base}/1", data={"text_fr": "Version corrigée 😊", "text_en": "Corrected"}).status_code == 302
    text = db.session.scalar(sa.select(ConsentText).where(ConsentText.study_id == study.id))
    assert (text.version, text.text_fr, text.published_at) == (1, "Version corrigée 😊", None)

    assert client.post(f"{base}/1/publish").status_code == 302
    db.session.expire_all()
    assert text.published_at is not None
    # Published: frozen; a POST changes nothing and the page has no form.
    page = client.post(f"{base}/1", data={"text_fr": "Changé", "text_en": "Changed"})
    db.session.expire_all()
    assert text.text_fr == "Version corrigée 😊" and 'name="text_fr"' not in page.get_data(as_text=True)
    assert "Version corrigée 😊" in page.get_data(as_text=True)
    client.post(f"{base}/1/publish")  # publishing twice is refused, nothing changes
    assert len(audit_entries("research.consent_text_publish")) == 1

    # The next version starts from the current text and is a new row.
    assert "Version corrigée 😊" in client.get(f"{base}/new").get_data(as_text=True)
    client.post(f"{base}/new", data={"text_fr": "Deuxième version", "text_en": "Second version"})
    versions = db.session.scalars(sa.select(ConsentText.version).where(ConsentText.study_id == study.id)
                                  .order_by(ConsentText.version)).all()
    assert versions == [1, 2]
    assert [e.details["version"] for e in audit_entries("research.consent_text_create")] == [1, 2]


def test_the_study_page_counts_the_people_who_consented_to_each_version(client, make_account):
    study, first = make_study()
    second = ConsentText(study_id=study.id, version=2, text_fr="v2", text_en="v2", published_at=first.published_at)
    db.session.add(second)
    db.session.commit()
    people = [make_person(name) for name in ("Inès", "Bruno", "Chloé")]
    consent(first, person=people[0])
    consent(first, person=people[1])
    withdraw(study, person=people[1])
    consent(second, person=people[2])
    sign_in(client, make_account("coordinator"))
    html = client.get(f"/research/studies/{study.id}").get_data(as_text=True)
    rows = [row for row in html.split("<tr>") if "consent-texts/" in row and "<td>" in row]
    cells = [[cell.split("<")[0].strip() for cell in row.split("<td>")[2:]] for row in rows]
    assert cells == [["1", "1"], ["2", "1"]]  # version 2 (newest first): 1 and 1; version 1: 2 consented, 1 in force
    assert "Inès" not in html and "Bruno" not in html
