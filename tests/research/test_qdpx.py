"""The REFI-QDA export: a zip with project.qde valid against the schema and one text source per free-text answer."""
import io
import tracemalloc
import zipfile
from datetime import timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
import sqlalchemy as sa
import xmlschema

from peer_support.extensions import db
from peer_support.feedback.models import FeedbackAnswer, FeedbackResponse, FormQuestion, FormVersion
from peer_support.meetings.models import Meeting, MeetingParticipant
from peer_support.peers.models import PeerProfile
from peer_support.research import qdpx
from peer_support.research.models import ResearchConsent
from peer_support.research.pseudonyms import pseudonym
from tests.conftest import sign_in
from tests.research.export_world import (
    NOW, STAFF_QUESTIONS, consent, later, make_form, make_person, make_study, make_units, respond, withdraw,
)

SCHEMA = xmlschema.XMLSchema(str(Path(__file__).resolve().parent.parent / "data" / "refi-qda" / "Project-mrt2019.xsd"))
NS = {"q": "urn:QDA-XML:project:1.0"}


def export(form) -> zipfile.ZipFile:
    buffer = io.BytesIO()
    qdpx.write_qdpx(form, buffer, now=NOW)
    archive = zipfile.ZipFile(buffer)
    SCHEMA.validate(archive.read("project.qde").decode("utf-8"))  # every export in these tests is valid
    return archive


def project(archive) -> ElementTree.Element:
    return ElementTree.fromstring(archive.read("project.qde"))


def sources(archive) -> dict[str, str]:
    """Source name -> its text in Sources/."""
    root = project(archive)
    result = {}
    for source in root.iterfind("q:Sources/q:TextSource", NS):
        path = source.get("plainTextPath")
        assert path.startswith("internal://")
        result[source.get("name")] = archive.read("Sources/" + path.removeprefix("internal://")).decode("utf-8")
    return result


def test_the_text_in_sources_equals_the_masked_answer_accents_emoji_and_line_feeds(app):
    study, text = make_study()
    form = make_form(study)
    lea = make_person("Léa Martin")
    respond(form, {"q1": "Ça m'a redonné l'espoir 🌱💪\nÉnorme merci à Léa, vraiment", "q6": "Élan 😊",
                   "q2": 4}, person=lea, research_consent=consent(text, person=lea))
    archive = export(form)
    name = pseudonym(study.id, "service_user", lea.id)
    assert sources(archive) == {
        f"{name} — q1 — 2026-03-02": "Ça m'a redonné l'espoir 🌱💪\nÉnorme merci à [NAME], vraiment",
        f"{name} — q6 — 2026-03-02": "Élan 😊",
    }


def test_windows_line_endings_become_line_feeds(app):
    form = make_form(privacy="anonymous")
    respond(form, {"q1": "ligne 1\r\nligne 2\rligne 3"})
    [text] = sources(export(form)).values()
    assert text == "ligne 1\nligne 2\nligne 3"


def test_one_code_per_question_and_each_source_coded_whole_with_its_question(app):
    study, text = make_study()
    form = make_form(study)
    lea = make_person("Léa Martin")
    respond(form, {"q1": "Très utile 👍", "q6": "Oui"}, person=lea, research_consent=consent(text, person=lea))
    root = project(export(form))
    codes = {code.get("name").split(" — ")[0]: code.get("guid") for code in root.iterfind(".//q:Codes/q:Code", NS)}
    assert list(codes) == ["q1", "q2", "q3", "q4", "q5", "q6"]
    for source in root.iterfind("q:Sources/q:TextSource", NS):
        key = source.get("name").split(" — ")[1]
        selection = source.find("q:PlainTextSelection", NS)
        assert selection.get("startPosition") == "0"
        text_length = len("Très utile 👍") if key == "q1" else len("Oui")
        assert selection.get("endPosition") == str(text_length)
        assert selection.find("q:Coding/q:CodeRef", NS).get("targetGUID") == codes[key]


def test_one_case_per_participant_with_variables_and_source_refs(app, make_account):
    cl3r, ts2a = make_units()
    study, text = make_study()
    form = make_form(study)
    lea = make_person("Léa Martin", units=[cl3r, ts2a], gender="woman", age_band="36-50")
    marc = make_person("Marc Dupont", units=[ts2a], gender="man", age_band="51-65")
    profile = PeerProfile(account_id=make_account("peer_worker").id)
    db.session.add(profile)
    db.session.flush()
    for meeting_format in ("group", "individual"):
        starts = NOW - timedelta(days=9)
        meeting = Meeting(peer_profile_id=profile.id, format=meeting_format, status="held", starts_at=starts,
                          duration_minutes=45, ends_at=starts + timedelta(minutes=45), place_kind="hospital")
        meeting.participants = [MeetingParticipant(service_user_id=lea.id, status="attended")]
        db.session.add(meeting)
    db.session.commit()
    respond(form, {"q1": "Premier"}, person=lea, research_consent=consent(text, person=lea))
    respond(form, {"q1": "Second", "q6": "Mot"}, person=lea, research_consent=consent(text, person=lea), at=later())
    respond(form, {"q2": 3}, person=marc, research_consent=consent(text, person=marc))
    root = project(export(form))
    variables = {v.get("guid"): v.get("name") for v in root.iterfind("q:Variables/q:Variable", NS)}
    assert sorted(variables.values()) == sorted(["Unit", "Gender", "Age band", "Meeting formats",
                                                 "Number of meetings", "Months accompanied"])
    source_guids = {s.get("name"): s.get("guid") for s in root.iterfind("q:Sources/q:TextSource", NS)}
    cases = {case.get("name"): case for case in root.iterfind("q:Cases/q:Case", NS)}
    lea_name, marc_name = (pseudonym(study.id, "service_user", p.id) for p in (lea, marc))
    assert set(cases) == {lea_name, marc_name}

    def values(case):
        return {variables[v.find("q:VariableRef", NS).get("targetGUID")]: (v[1].tag.split("}")[1], v[1].text)
                for v in case.iterfind("q:VariableValue", NS)}

    assert values(cases[lea_name]) == {"Unit": ("TextValue", "CL3R;TS2A"), "Gender": ("TextValue", "woman"),
                                       "Age band": ("TextValue", "36-50"),
                                       "Meeting formats": ("TextValue", "group;individual"),
                                       "Number of meetings": ("IntegerValue", "2")}
    assert [ref.get("targetGUID") for ref in cases[lea_name].iterfind("q:SourceRef", NS)] == [
        source_guids[f"{lea_name} — q1 — 2026-03-02"], source_guids[f"{lea_name} — q1 — 2026-03-03"],
        source_guids[f"{lea_name} — q6 — 2026-03-03"]]
    assert list(cases[marc_name].iterfind("q:SourceRef", NS)) == []
    assert values(cases[marc_name])["Number of meetings"] == ("IntegerValue", "0")


def test_staff_cases_carry_profession_age_band_and_experience(app, make_account):
    study, text = make_study()
    form = make_form(study, audience="staff", questions=STAFF_QUESTIONS)
    nurse = make_account("staff", profession="nurse")
    respond(form, {"q1": "Un soutien en plus", "q2": "35-50", "q3": "16", "q4": "woman"}, account=nurse,
            research_consent=consent(text, account=nurse))
    root = project(export(form))
    variables = {v.get("guid"): v.get("name") for v in root.iterfind("q:Variables/q:Variable", NS)}
    [case] = root.iterfind("q:Cases/q:Case", NS)
    assert case.get("name") == pseudonym(study.id, "account", nurse.id)
    assert {variables[v.find("q:VariableRef", NS).get("targetGUID")]: v[1].text
            for v in case.iterfind("q:VariableValue", NS)} == {
        "Profession": "nurse", "Gender": "woman", "Age band": "35-50", "Years of experience": "16"}


def test_two_exports_of_the_same_data_are_identical(app):
    study, text = make_study()
    form = make_form(study)
    lea = make_person("Léa Martin")
    respond(form, {"q1": "Même texte"}, person=lea, research_consent=consent(text, person=lea))

    def raw():
        buffer = io.BytesIO()
        qdpx.write_qdpx(form, buffer, now=NOW)
        return buffer.getvalue()

    assert raw() == raw()


def test_a_withdrawn_participant_is_absent_from_later_exports(app):
    study, text = make_study()
    form = make_form(study)
    lea, marc = make_person("Léa Martin"), make_person("Marc Dupont")
    respond(form, {"q1": "De Léa"}, person=lea, research_consent=consent(text, person=lea))
    respond(form, {"q1": "De Marc"}, person=marc, research_consent=consent(text, person=marc))
    assert len(sources(export(form))) == 2
    withdraw(study, person=lea, at=later())
    archive = export(form)
    lea_name = pseudonym(study.id, "service_user", lea.id)
    assert list(sources(archive).values()) == ["De [NAME]"]
    assert lea_name.encode() not in archive.read("project.qde")
    assert len([n for n in archive.namelist() if n.startswith("Sources/")]) == 1


def test_anonymous_forms_have_one_case_per_response_and_no_link(app):
    form = make_form(privacy="anonymous")
    respond(form, {"q1": "Un"})
    respond(form, {"q1": "Deux"})
    root = project(export(form))
    cases = list(root.iterfind("q:Cases/q:Case", NS))
    assert len(cases) == 2 and all(case.get("name").startswith("R-") for case in cases)
    assert len({case.get("name") for case in cases}) == 2


def test_an_export_without_responses_is_still_a_valid_project(app):
    study, _text = make_study()
    archive = export(make_form(study))
    assert archive.namelist() == ["project.qde"]


def test_the_download_is_a_valid_qdpx(app, client, make_account):
    study, text = make_study()
    form = make_form(study)
    lea = make_person("Léa Martin")
    respond(form, {"q1": "Téléchargé ✅"}, person=lea, research_consent=consent(text, person=lea))
    sign_in(client, make_account("researcher"))
    response = client.get(f"/research/forms/{form.id}/export/project.qdpx")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert ".qdpx" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    SCHEMA.validate(archive.read("project.qde").decode())
    assert list(sources(archive).values()) == ["Téléchargé ✅"]


# --- Memory stays flat ---------------------------------------------------------------------------------------

def _bulk_responses(form, text, count):
    """`count` consented responses of `count` people, inserted in bulk (fast)."""
    version = db.session.scalar(sa.select(FormVersion).where(FormVersion.form_id == form.id))
    questions = {q.key: q.id for q in db.session.scalars(sa.select(FormQuestion).where(
        FormQuestion.version_id == version.id))}
    start = db.session.scalar(sa.select(sa.func.count()).select_from(FeedbackResponse))
    from peer_support.people.models import ServiceUser
    first_person = (db.session.scalar(sa.select(sa.func.max(ServiceUser.id))) or 0) + 1
    db.session.execute(sa.insert(ServiceUser), [
        {"id": first_person + n, "code": f"B{start + n:010d}", "display_name": f"Bulk {start + n}",
         "name_key": f"bulk{start + n}", "contact_channel": "in_person"} for n in range(count)])
    db.session.execute(sa.insert(ResearchConsent), [
        {"consent_text_id": text.id, "service_user_id": first_person + n, "given_at": NOW, "method": "in_app"}
        for n in range(count)])
    consent_ids = dict(db.session.execute(sa.select(ResearchConsent.service_user_id, ResearchConsent.id).where(
        ResearchConsent.service_user_id >= first_person)).all())
    first_response = (db.session.scalar(sa.select(sa.func.max(FeedbackResponse.id))) or 0) + 1
    db.session.execute(sa.insert(FeedbackResponse), [
        {"id": first_response + n, "form_id": form.id, "version_id": version.id,
         "service_user_id": first_person + n, "submitted_at": NOW, "locale": "fr",
         "research_consent_id": consent_ids[first_person + n]} for n in range(count)])
    db.session.execute(sa.insert(FeedbackAnswer), [
        {"response_id": first_response + n, "question_id": questions["q1"],
         "text_value": f"Réponse numéro {n} : ça m'a beaucoup aidé, vraiment, merci 🌱 " * 3}
        for n in range(count)] + [
        {"response_id": first_response + n, "question_id": questions["q2"], "number_value": 4}
        for n in range(count)])
    db.session.commit()


def _peak(form) -> int:
    tracemalloc.start()
    try:
        qdpx.write_qdpx(form, _Sink(), now=NOW)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


class _Sink(io.RawIOBase):
    """A file that keeps nothing (zipfile streams into it)."""

    def __init__(self):
        self.size = 0

    def writable(self):
        return True

    def write(self, data):
        self.size += len(data)
        return len(data)


@pytest.mark.parametrize("small, large", [(600, 3000)])
def test_peak_memory_of_an_export_stays_flat_as_responses_grow(app, small, large):
    study, text = make_study()
    form = make_form(study)
    _bulk_responses(form, text, small)
    db.session.expire_all()
    small_peak = _peak(form)
    _bulk_responses(form, text, large - small)
    db.session.expire_all()
    large_peak = _peak(form)
    # Ten times the responses (each with a text of 250 characters): the texts, responses and participants are
    # streamed; what grows is the zip's own index of its entries (written at the end, ~400 bytes per source).
    per_added_response = (large_peak - small_peak) / (large - small)
    assert per_added_response < 1000, (small_peak, large_peak)


def test_peak_memory_of_the_csv_exports(app):
    """The responses CSV streams: its peak does not grow with the responses. The participants CSV is sorted by
    pseudonym as a whole (an order that says nothing of when records were created), so it holds one small row
    per participant: its peak grows by well under 1 kB per added participant (each response here is another
    person's)."""
    from peer_support.research import exports

    study, text = make_study()
    form = make_form(study)

    def peak(lines) -> int:
        db.session.expire_all()
        tracemalloc.start()
        try:
            for _line in lines():
                pass
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    # (The known names are the same in both runs: they grow with the people in the database, not with
    # the responses.)
    known_words = frozenset({"martin", "dupont"})

    def responses():
        return exports.responses_csv(form, known_words=known_words)

    def participants():
        return exports.participants_csv(form, now=NOW)

    # Both runs fill whole batches of 500: the responses' peak is one batch's worth, whatever their number.
    _bulk_responses(form, text, 1000)
    small = (peak(responses), peak(participants))
    _bulk_responses(form, text, 2000)
    large = (peak(responses), peak(participants))
    assert large[0] - small[0] < 256 * 1024, (small, large)
    assert (large[1] - small[1]) / 2000 < 1000, (small, large)
