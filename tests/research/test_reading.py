"""The researchers' pages: only consenting participants' responses, under pseudonyms, free text masked, no person's
id in any address; a withdrawal hides the responses at once; other roles refused; reading is audited."""
import re

import pytest

from peer_support.research.reading import response_key
from tests.conftest import sign_in
from tests.helpers import audit_entries
from tests.research.export_world import consent, later, make_form, make_person, make_study, respond, withdraw

SECRET_TEXT = ("J'ai parlé avec Hélène Dubreuil, écrivez-moi à ines.martin@example.org ou au 06 12 34 56 78. "
               "Ça m'a redonné espoir 🌈 — merci à l'équipe ! Élan, cœur, naïve.")


@pytest.fixture
def world(app):
    study, text = make_study("PAIR-2026")
    form = make_form(study)
    ines = make_person("Inès Martin", year_of_birth=1984, email="ines.martin@example.org", phone="06 12 34 56 78")
    helene = make_person("Hélène Dubreuil", year_of_birth=1971)
    given = consent(text, person=ines)
    kept = respond(form, {"q1": SECRET_TEXT, "q2": 4, "q3": "grp", "q4": ["hope", "info"], "q5": 1},
                   person=ines, research_consent=given)
    # Hélène answered without a consent: never shown.
    hidden = respond(form, {"q1": "Réponse sans consentement"}, person=helene)
    return study, form, ines, helene, kept, hidden


def _links(html):
    return re.findall(r'href="([^"]+)"', html)


def test_a_researcher_reads_pseudonymised_masked_answers_and_nothing_that_identifies(client, make_account, world):
    study, form, ines, helene, kept, hidden = world
    researcher = make_account("researcher")
    sign_in(client, researcher)
    listing = client.get(f"/research/forms/{form.id}/responses")
    assert listing.status_code == 200
    html = listing.get_data(as_text=True)
    assert "Réponse sans consentement" not in html
    [link] = [href for href in _links(html) if href.startswith(f"/research/forms/{form.id}/responses/")]
    key = link.rsplit("/", 1)[1]
    assert re.fullmatch(r"[a-z2-7]{16}", key) and key != str(kept.id)

    page = client.get(link)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "[NAME]" in html and "[EMAIL]" in html and "[PHONE]" in html
    assert "Ça m&#39;a redonné espoir 🌈 — merci à l&#39;équipe ! Élan, cœur, naïve." in html  # accents, emoji intact
    for identifying in ("Hélène", "Dubreuil", "Inès", "Martin", "ines.martin", "example.org", "06 12 34 56 78",
                        ines.code, helene.code, "1984", "1971"):
        assert identifying not in html, identifying
    for href in _links(html) + _links(listing.get_data(as_text=True)):
        assert not re.search(rf"/(?:{ines.id}|{helene.id})(?:/|$|\?)", href.replace(f"/forms/{form.id}/", "/forms/F/")
                             .replace(f"/studies/{study.id}", "/studies/S")), href
    assert "Groupe" in html or "Group" in html  # choices shown with their labels
    views = audit_entries("research.responses_view")
    assert [v.details.get("responses") for v in views] == [1, 1]
    assert views[1].details["response_id"] == kept.id and views[0].actor_id == researcher.id


def test_a_withdrawal_hides_the_responses_at_once(client, make_account, world):
    study, form, ines, _helene, kept, _hidden = world
    sign_in(client, make_account("researcher", locale="en"))
    url = f"/research/forms/{form.id}/responses/{response_key(kept.id)}"
    assert client.get(url).status_code == 200
    withdraw(study, person=ines, at=later())
    assert client.get(url).status_code == 404
    html = client.get(f"/research/forms/{form.id}/responses").get_data(as_text=True)
    assert f"/responses/{response_key(kept.id)}" not in html and "0 responses" in html


def test_a_guessed_key_or_a_response_id_gives_404(client, make_account, world):
    _study, form, _ines, _helene, kept, hidden = world
    sign_in(client, make_account("researcher"))
    assert client.get(f"/research/forms/{form.id}/responses/{kept.id}").status_code == 404
    assert client.get(f"/research/forms/{form.id}/responses/{response_key(hidden.id)}").status_code == 404
    assert client.get(f"/research/forms/{form.id}/responses/{'a' * 16}").status_code == 404


def test_care_only_forms_are_never_shown(client, make_account, world):
    care = make_form(None, privacy="care_only", title="Suivi")
    respond(care, {"q1": "texte"})
    sign_in(client, make_account("researcher"))
    assert client.get(f"/research/forms/{care.id}/responses").status_code == 404


def test_the_coordinator_sees_the_same_masked_view(client, make_account, world):
    _study, form, _ines, _helene, kept, _hidden = world
    sign_in(client, make_account("coordinator"))
    html = client.get(f"/research/forms/{form.id}/responses/{response_key(kept.id)}").get_data(as_text=True)
    assert "[NAME]" in html and "Hélène" not in html


@pytest.mark.parametrize("role", ["staff", "peer_worker", "service_user"])
def test_other_roles_are_refused(client, make_account, world, role):
    _study, form, _ines, _helene, kept, _hidden = world
    sign_in(client, make_account(role))
    assert client.get(f"/research/forms/{form.id}/responses").status_code == 403
    assert client.get(f"/research/forms/{form.id}/responses/{response_key(kept.id)}").status_code == 403
    assert client.post(f"/research/forms/{form.id}/responses/{response_key(kept.id)}/redactions",
                       data={"answer": "q1", "phrase": "espoir"}).status_code == 403
    assert audit_entries("research.responses_view") == []


def test_the_researchers_home_lists_studies_and_forms_with_counts(client, make_account, world):
    _study, form, *_ = world
    sign_in(client, make_account("researcher"))
    html = client.get("/").get_data(as_text=True)
    assert "PAIR-2026" in html and f"/research/forms/{form.id}/responses" in html
    row = html.split(f"/research/forms/{form.id}/responses")[1].split("</tr>")[0]
    assert "<td>1</td>" in row  # one response of a consenting participant, not two
