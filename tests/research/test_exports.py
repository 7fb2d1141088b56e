"""The export page, the CSV downloads (responses, dictionary, participants), the audit entries and the CLI."""
import csv
import io
import zipfile

import pytest

from peer_support.extensions import db
from peer_support.research import exports
from peer_support.research.pseudonyms import pseudonym
from tests.conftest import sign_in
from tests.helpers import audit_entries
from tests.research.export_world import (
    STAFF_QUESTIONS, consent, later, make_form, make_person, make_study, make_units, respond, withdraw,
)


def _csv(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode())  # byte-order mark: spreadsheets on Windows read accents right
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.fixture
def world(app):
    cl3r, _ts2a = make_units()
    study, text = make_study()
    form = make_form(study)
    lea, marc = make_person("Léa Martin", units=[cl3r]), make_person("Marc Dupont")
    respond(form, {"q1": "Ça m'a aidée 🌱, =1+1", "q2": 5, "q4": ["hope", "info"], "q5": 1}, person=lea,
            research_consent=consent(text, person=lea))
    respond(form, {"q1": "Bof", "q3": "grp"}, person=marc, research_consent=consent(text, person=marc), at=later())
    return {"study": study, "text": text, "form": form, "lea": lea, "marc": marc}


def test_the_responses_csv_has_one_row_per_response_and_one_column_per_question(app, client, make_account, world):
    sign_in(client, make_account("researcher"))
    response = client.get(f"/research/forms/{world['form'].id}/export/responses.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv(response.data)
    assert rows[0] == ["pseudonym", "version", "submitted_on", "locale", "q1", "q2", "q3", "q4", "q5", "q6"]
    study_id = world["study"].id
    assert rows[1] == [pseudonym(study_id, "service_user", world["lea"].id), "1", "2026-03-02", "fr",
                       "Ça m'a aidée 🌱, =1+1", "5", "", "hope;info", "1", ""]
    assert rows[2][0] == pseudonym(study_id, "service_user", world["marc"].id)
    assert rows[2][4:7] == ["Bof", "", "grp"]
    assert len(rows) == 3


def test_every_export_is_audited_with_format_count_and_consent_versions(app, client, make_account, world):
    researcher = make_account("researcher")
    sign_in(client, researcher)
    form_id = world["form"].id
    for path in ("responses.csv", "dictionary.csv", "participants.csv", "project.qdpx"):
        assert client.get(f"/research/forms/{form_id}/export/{path}").status_code == 200
    entries = audit_entries("research.export")
    assert [entry.details["format"] for entry in entries] == ["csv", "dictionary", "participants", "qdpx"]
    for entry in entries:
        assert (entry.actor_id, entry.object_type, entry.object_id) == (researcher.id, "feedback_form", str(form_id))
        assert entry.details["responses"] == 2 and entry.details["consent_versions"] == [1]


def test_the_dictionary_csv_lists_questions_values_and_versions(app, client, make_account, world):
    sign_in(client, make_account("coordinator"))
    rows = _csv(client.get(f"/research/forms/{world['form'].id}/export/dictionary.csv").data)
    assert rows[0] == ["question", "versions", "kind", "text_fr", "text_en", "required", "characteristic", "codes",
                       "labels_fr", "labels_en"]
    by_key = {row[0]: row for row in rows[1:]}
    assert by_key["q2"][1:3] == ["1", "likert"]
    assert by_key["q2"][7:] == ["1;2;3;4;5", "1=Pas du tout;2;3;4;5=Tout à fait", "1=Not at all;2;3;4;5=Completely"]
    assert by_key["q3"][7:] == ["ind;grp", "ind=Individuel;grp=Groupe", "ind=Individual;grp=Group"]
    assert by_key["q1"][3:5] == ["Qu'est-ce que ça vous a apporté ?", "What did it bring you?"]


def test_the_participants_page_and_csv(app, client, make_account, world):
    sign_in(client, make_account("researcher", locale="en"))
    form_id = world["form"].id
    page = client.get(f"/research/forms/{form_id}/participants")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert pseudonym(world["study"].id, "service_user", world["lea"].id) in html
    assert "<caption>" in html and 'scope="col"' in html
    assert "36 to 50" in html and "CL3R" in html
    assert [e.details for e in audit_entries("research.participants_view")] == [{"participants": 2}]
    rows = _csv(client.get(f"/research/forms/{form_id}/export/participants.csv").data)
    assert rows[0] == ["pseudonym", "responses", "gender", "age_band", "units", "meeting_formats", "held_meetings",
                       "months_accompanied"]
    assert sorted(row[4] for row in rows[1:]) == ["", "CL3R"]


def test_the_export_page_offers_the_four_downloads(app, client, make_account, world):
    sign_in(client, make_account("researcher", locale="en"))
    html = client.get(f"/research/forms/{world['form'].id}/export").get_data(as_text=True)
    for endpoint in ("responses.csv", "dictionary.csv", "project.qdpx", "participants.csv"):
        assert f"/research/forms/{world['form'].id}/export/{endpoint}" in html
    assert "<h1>" in html and ">2<" in html


@pytest.mark.parametrize("role", ["staff", "peer_worker", "service_user"])
def test_other_roles_are_refused_every_export(app, client, make_account, world, role):
    sign_in(client, make_account(role))
    form_id = world["form"].id
    for path in ("export", "export/responses.csv", "export/dictionary.csv", "export/participants.csv",
                 "export/project.qdpx", "participants"):
        assert client.get(f"/research/forms/{form_id}/{path}").status_code == 403
    assert audit_entries("research.export") == []


def test_signed_out_visitors_are_sent_to_sign_in(client, world):
    response = client.get(f"/research/forms/{world['form'].id}/export/responses.csv")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_care_only_forms_and_unknown_forms_have_no_export(app, client, make_account):
    study, text = make_study()
    care = make_form(study, privacy="care_only")
    sign_in(client, make_account("coordinator"))
    for form_id in (care.id, 9999):
        for path in ("export", "export/responses.csv", "export/project.qdpx", "participants"):
            assert client.get(f"/research/forms/{form_id}/{path}").status_code == 404


def test_a_withdrawal_removes_the_person_from_later_downloads(app, client, make_account, world):
    sign_in(client, make_account("researcher"))
    url = f"/research/forms/{world['form'].id}/export/responses.csv"
    assert len(_csv(client.get(url).data)) == 3
    withdraw(world["study"], person=world["lea"], at=later(3))
    rows = _csv(client.get(url).data)
    assert [row[0] for row in rows[1:]] == [pseudonym(world["study"].id, "service_user", world["marc"].id)]
    assert audit_entries("research.export")[-1].details["responses"] == 1


def test_staff_forms_export_the_oncology_participant_columns(app, make_account):
    study, text = make_study()
    form = make_form(study, audience="staff", questions=STAFF_QUESTIONS)
    nurse = make_account("staff", profession="nurse")
    respond(form, {"q1": "Du soutien", "q2": "35-50", "q3": "16"}, account=nurse,
            research_consent=consent(text, account=nurse))
    rows = list(csv.reader(io.StringIO("".join(exports.participants_csv(form, now=later())).lstrip("\ufeff"))))
    assert rows == [["pseudonym", "responses", "gender", "age_band", "profession", "years_of_experience"],
                    [pseudonym(study.id, "account", nurse.id), "1", "", "35-50", "nurse", "16"]]


def test_the_command_exports_every_form_as_csv_into_a_folder(app, world, tmp_path):
    anonymous = make_form(privacy="anonymous", title="Anonyme")
    respond(anonymous, {"q1": "Super"})
    make_form(make_study("VIDE")[0])  # no response: not exported
    result = app.test_cli_runner().invoke(
        args=["export", "research", "--format", "csv", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    form_id = world["form"].id
    lines = result.output.splitlines()
    assert lines[:3] == [f"{tmp_path / 'out' / f'form-{form_id}-{what}.csv'}\t2 responses"
                         for what in ("responses", "dictionary", "participants")]
    assert f"form-{anonymous.id}-responses.csv\t1 responses" in lines[3]
    assert lines[-1] == "exported 2 forms, 3 responses"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"form-{i}-{what}.csv" for i in (form_id, anonymous.id)
        for what in ("responses", "dictionary", "participants"))
    entries = audit_entries("research.export")
    assert ([(e.actor_label, e.actor_id, e.details["responses"]) for e in entries]
            == [("cli", None, 2), ("cli", None, 1)])


def test_the_command_writes_one_qdpx_for_one_form(app, world, tmp_path):
    out = tmp_path / "study.qdpx"
    result = app.test_cli_runner().invoke(
        args=["export", "research", "--format", "qdpx", "--out", str(out), "--form", str(world["form"].id)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"{out}\t2 responses"
    assert "project.qde" in zipfile.ZipFile(out).namelist()
    assert audit_entries("research.export")[0].details["format"] == "qdpx"


def test_the_command_refuses_a_care_only_form(app, tmp_path):
    study, _text = make_study()
    care = make_form(study, privacy="care_only")
    result = app.test_cli_runner().invoke(
        args=["export", "research", "--format", "qdpx", "--out", str(tmp_path / "x.qdpx"), "--form", str(care.id)])
    assert result.exit_code != 0
    assert not (tmp_path / "x.qdpx").exists()
    db.session.rollback()
    assert audit_entries("research.export") == []
