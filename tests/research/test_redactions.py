"""Researchers' hand redactions: named by copying words of the masked text, kept for every researcher and every
export, audited without the words; removed by their author only."""
import pytest
import sqlalchemy as sa

from peer_support.extensions import db
from peer_support.research import dataset, masking
from peer_support.research.models import AnswerRedaction
from peer_support.research.reading import response_key
from peer_support.research.redactions import stored_spans
from tests.conftest import sign_in
from tests.helpers import audit_entries
from tests.research.export_world import consent, make_form, make_person, make_study, respond

TEXT = "Avec Hélène au Café des Arts, rue Mercière 🌈, j'ai retrouvé espoir. Le Café des Arts, c'est chez nous."


@pytest.fixture
def world(app):
    study, text = make_study()
    form = make_form(study)
    person = make_person("Hélène Dubreuil")
    response = respond(form, {"q1": TEXT, "q2": 5}, person=person, research_consent=consent(text, person=person))
    url = f"/research/forms/{form.id}/responses/{response_key(response.id)}"
    return form, response, url


def _redactions():
    db.session.expire_all()
    return db.session.scalars(sa.select(AnswerRedaction).order_by(AnswerRedaction.id)).all()


def test_spans_copied_from_the_masked_text_map_back_to_the_stored_text():
    known = masking.name_words(["Hélène Dubreuil"])
    text = "Hélène m'a appelée au 06 12 34 56 78, Hélène encore."
    # "[NAME] m'a" in the masked text: the whole name, then the verbatim words.
    assert stored_spans(text, "[NAME] m'a", known, []) == [(0, 10)]
    assert [text[s:e] for s, e in stored_spans(text, "encore", known, [])] == ["encore"]
    # Part of a mask token counts as the whole token.
    assert stored_spans(text, "NAME", known, []) == [(0, 6), (38, 44)]
    assert stored_spans(text, "absent", known, []) == []
    # An existing hand redaction shifts nothing: offsets stay those of the stored text.
    assert [text[s:e] for s, e in stored_spans(text, "encore", known, [(11, 20)])] == ["encore"]


def test_a_redaction_is_kept_applied_for_everyone_and_audited_without_its_words(client, make_account, world):
    form, response, url = world
    author = make_account("researcher")
    sign_in(client, author)
    assert "Café des Arts" in client.get(url).get_data(as_text=True)
    result = client.post(f"{url}/redactions", data={"answer": "q1", "phrase": "Café des Arts"})
    assert result.status_code == 302
    assert [TEXT[r.start_offset:r.end_offset] for r in _redactions()] == ["Café des Arts", "Café des Arts"]
    assert all(r.created_by_id == author.id for r in _redactions())
    [entry] = audit_entries("research.redaction")
    assert entry.details == {"form_id": form.id, "spans": 2} and "Café" not in str(entry.details)

    sign_in(client, make_account("researcher"))  # another researcher sees it masked too
    html = client.get(url).get_data(as_text=True)
    assert "Café des Arts" not in html and html.count("[REDACTED]") >= 2
    assert "rue Mercière 🌈, j&#39;ai retrouvé espoir." in html  # the rest intact, accents and emoji too
    # ... and so does every export (dataset.py applies the redactions).
    [exported] = list(dataset.research_responses(form))
    assert "Café des Arts" not in exported.answers["q1"] and exported.answers["q1"].count("[REDACTED]") == 2


def test_words_not_in_the_answer_are_a_form_error_that_keeps_them(client, make_account, world):
    _form, _response, url = world
    sign_in(client, make_account("researcher"))
    result = client.post(f"{url}/redactions", data={"answer": "q1", "phrase": "Hélène"})  # already [NAME]
    assert result.status_code == 400
    html = result.get_data(as_text=True)
    assert 'id="phrase-q1-error"' in html and 'value="Hélène"' in html
    assert client.post(f"{url}/redactions", data={"answer": "q2", "phrase": "5"}).status_code == 400
    assert client.post(f"{url}/redactions", data={"answer": "q99", "phrase": "espoir"}).status_code == 400
    assert _redactions() == [] and audit_entries("research.redaction") == []


def test_only_its_author_removes_a_redaction(client, make_account, world):
    _form, _response, url = world
    author, other = make_account("researcher"), make_account("researcher")
    sign_in(client, author)
    client.post(f"{url}/redactions", data={"answer": "q1", "phrase": "rue Mercière"})
    [redaction] = _redactions()
    sign_in(client, other)
    assert "/remove" not in client.get(url).get_data(as_text=True)
    client.post(f"{url}/redactions/{redaction.id}/remove")
    assert len(_redactions()) == 1
    sign_in(client, author)
    assert f"/redactions/{redaction.id}/remove" in client.get(url).get_data(as_text=True)
    assert client.post(f"{url}/redactions/{redaction.id}/remove").status_code == 302
    assert _redactions() == []
    assert len(audit_entries("research.redaction_remove")) == 1
