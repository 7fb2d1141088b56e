"""The training pages: who sees and changes what, forms and their errors, certificates up and down."""
from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_babel import to_user_timezone

from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.peers.models import PeerProfile
from peer_support.training import services
from peer_support.training.certificates import certificate_store
from peer_support.training.models import ProgrammeRequirements, TrainingProgramme, TrainingRecord
from tests.conftest import sign_in
from tests.helpers import audit_entries, has_field_error, input_value
from tests.training.conftest import PDF, PNG, account_of, day, stored_files

OUTSIDERS = ("other staff", "service user", "researcher", "other peer worker")


@pytest.fixture
def scene(app, make_account, make_profile, make_programme, make_record):
    """A worker with a supervisor, a record with a certificate, and everyone who must not see it."""
    supervisor = make_account("staff", locale="en", name="Sam Supervisor")
    profile = make_profile(supervisor=supervisor, name="Wendy Worker")
    other_profile = make_profile(name="Oscar Other")
    degree = make_programme(kind="initial_qualification", name_en="Peer health mediator bachelor",
                            name_fr="Licence médiateur de santé pair")
    first_aid = make_programme(name_en="Mental health first aid", name_fr="Premiers secours en santé mentale",
                               validity_months=36, default_hours=14)
    record = make_record(profile, first_aid, ends_on=day("2025-03-10"), hours=14, expires_on=day("2028-03-10"))
    services.attach_certificate(account_of(profile), record, stream=io.BytesIO(PDF), filename="attestation PSSM.pdf",
                                store=certificate_store(), ip=None, now=utcnow())
    db.session.commit()
    accounts = {
        "coordinator": make_account("coordinator", locale="en"),
        "worker": account_of(profile),
        "supervisor": supervisor,
        "other staff": make_account("staff", locale="en"),
        "service user": make_account("service_user", locale="en"),
        "researcher": make_account("researcher", locale="en"),
        "other peer worker": account_of(other_profile),
    }
    return SimpleNamespace(profile_id=profile.id, other_profile_id=other_profile.id, record_id=record.id,
                           degree_id=degree.id, first_aid_id=first_aid.id, accounts=accounts,
                           certificate_key=record.certificate_key)


@pytest.fixture
def browser_of(app):
    """A client signed in as this account (each with its own cookies)."""

    def open_as(account):
        client = app.test_client()
        response = sign_in(client, account)
        assert response.status_code == 302
        return client

    return open_as


def _record(record_id: int) -> TrainingRecord | None:
    db.session.expire_all()
    return db.session.get(TrainingRecord, record_id)


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _local_today():
    return to_user_timezone(utcnow()).date()


def _options(html: str, name: str) -> str:
    """The options of the <select> named `name`."""
    select = re.search(rf'<select[^>]*\bname="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select named {name}"
    return select.group(1)


def _record_form(**values) -> dict:
    data = {"programme_id": "", "status": "completed", "starts_on": "2025-09-01", "ends_on": "2025-09-02",
            "hours": "7"}
    data.update(values)
    return data


def _programme_form(**values) -> dict:
    data = {"kind": "ongoing", "name_fr": "Relation d'aide", "name_en": "Helping relationship",
            "provider": "IFSI", "default_hours": "14", "validity_months": "", "renewal_notice_days": "60",
            "grace_days": "30"}
    data.update(values)
    return data


# --- who reaches what ------------------------------------------------------------------------

def _urls(scene) -> list[tuple[str, str]]:
    return [
        ("GET", "/training/"), ("GET", "/training/programmes/new"), ("POST", "/training/programmes/new"),
        ("GET", f"/training/programmes/{scene.first_aid_id}/edit"),
        ("POST", f"/training/programmes/{scene.first_aid_id}/edit"),
        ("POST", f"/training/programmes/{scene.first_aid_id}/deactivate"),
        ("POST", f"/training/programmes/{scene.first_aid_id}/reactivate"),
        ("GET", "/training/requirements"), ("POST", "/training/requirements"), ("GET", "/training/workers/"),
        ("GET", "/training/mine"), ("GET", f"/training/workers/{scene.profile_id}"),
        ("GET", f"/training/workers/{scene.profile_id}/records/new"),
        ("POST", f"/training/workers/{scene.profile_id}/records/new"),
        ("GET", f"/training/records/{scene.record_id}/edit"), ("POST", f"/training/records/{scene.record_id}/edit"),
        ("POST", f"/training/records/{scene.record_id}/delete"),
        ("GET", f"/training/records/{scene.record_id}/certificate"),
        ("POST", f"/training/records/{scene.record_id}/certificate"),
        ("GET", f"/training/records/{scene.record_id}/certificate/download"),
    ]


def _unchanged(scene) -> None:
    record = _record(scene.record_id)
    assert record is not None and record.status == "completed" and record.certificate_key == scene.certificate_key
    assert _count(TrainingRecord) == 1 and _count(TrainingProgramme) == 2
    assert db.session.get(TrainingProgramme, scene.first_aid_id).name_en == "Mental health first aid"
    assert db.session.get(TrainingProgramme, scene.first_aid_id).is_active
    # (current_requirements: on PostgreSQL the row may be missing, the tables are emptied before each test)
    assert services.current_requirements().ongoing_training_hours_per_year == 14
    assert len(stored_files(certificate_store().directory)) == 1


def _hostile_data(scene) -> dict:
    return {**_programme_form(name_en="Hacked", name_fr="Piraté"), **_record_form(programme_id=scene.degree_id),
            "ongoing_training_hours_per_year": "0", "supervision_interval_weeks": "52",
            "certificate": (io.BytesIO(PNG), "evil.png")}


def test_anonymous_visitors_are_sent_to_sign_in(client, scene):
    for method, url in _urls(scene):
        response = client.open(url, method=method, data=_hostile_data(scene) if method == "POST" else None)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login?next="), url
    _unchanged(scene)


@pytest.mark.parametrize("who", ["supervisor", *OUTSIDERS])
def test_the_catalogue_and_the_requirements_are_for_the_coordinator(scene, browser_of, who):
    browser = browser_of(scene.accounts[who])
    coordinator_only = [(m, u) for m, u in _urls(scene) if "/programmes" in u or u.endswith(("/training/",
                        "/requirements", "/workers/"))]
    for method, url in coordinator_only:
        response = browser.open(url, method=method, data=_hostile_data(scene) if method == "POST" else None)
        assert response.status_code == 403, url
        assert "Mental health first aid" not in response.get_data(as_text=True)
    _unchanged(scene)


@pytest.mark.parametrize("who", ["coordinator", "worker", "supervisor"])
def test_the_coordinator_the_worker_and_their_supervisor_see_the_workers_training(scene, browser_of, who):
    response = browser_of(scene.accounts[who]).get(f"/training/workers/{scene.profile_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Wendy Worker" in html and "Mental health first aid" in html and "attestation PSSM.pdf" in html
    can_change = who != "supervisor"
    assert ("Record a training" in html) is can_change
    assert (f"/training/records/{scene.record_id}/edit" in html) is can_change


@pytest.mark.parametrize("who", OUTSIDERS)
def test_nobody_else_sees_a_workers_training(scene, browser_of, who):
    response = browser_of(scene.accounts[who]).get(f"/training/workers/{scene.profile_id}")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "Mental health first aid" not in html and "attestation" not in html


@pytest.mark.parametrize("who", ["supervisor", *OUTSIDERS])
def test_only_the_coordinator_and_the_worker_change_records(scene, browser_of, who):
    browser = browser_of(scene.accounts[who])
    changes = [(m, u) for m, u in _urls(scene) if "/records" in u and not u.endswith("/download")]
    for method, url in changes:
        response = browser.open(url, method=method, data=_hostile_data(scene) if method == "POST" else None)
        assert response.status_code == 403, url
        assert "Mental health first aid" not in response.get_data(as_text=True)
    _unchanged(scene)
    assert audit_entries("training.record_create") == audit_entries("training.record_delete") == []


def test_unknown_workers_records_and_programmes_give_404(scene, browser_of):
    browser = browser_of(scene.accounts["coordinator"])
    for url in ("/training/workers/999999", "/training/workers/999999/records/new", "/training/records/999999/edit",
                "/training/records/999999/certificate", "/training/records/999999/certificate/download",
                "/training/programmes/999999/edit"):
        assert browser.get(url).status_code == 404, url
    assert browser.post("/training/records/999999/delete").status_code == 404


def test_my_training_leads_a_worker_to_their_page(scene, browser_of, make_account):
    response = browser_of(scene.accounts["worker"]).get("/training/mine")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/training/workers/{scene.profile_id}"
    no_profile = browser_of(make_account("peer_worker", locale="en")).get("/training/mine")
    assert no_profile.status_code == 200
    assert "Your peer worker profile has not been created yet" in no_profile.get_data(as_text=True)


def test_coordinators_find_training_in_the_navigation(scene, browser_of):
    assert 'href="/training/"' in browser_of(scene.accounts["coordinator"]).get("/").get_data(as_text=True)
    assert 'href="/training/"' not in browser_of(scene.accounts["worker"]).get("/").get_data(as_text=True)


# --- certificate downloads -------------------------------------------------------------------

@pytest.mark.parametrize("who", ["coordinator", "worker", "supervisor"])
def test_the_certificate_is_served_to_those_allowed_and_audited(scene, browser_of, who):
    response = browser_of(scene.accounts[who]).get(f"/training/records/{scene.record_id}/certificate/download")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "attestation" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    [entry] = audit_entries("training.certificate_download")
    assert (entry.actor_id, entry.object_id) == (scene.accounts[who].id, str(scene.record_id))


@pytest.mark.parametrize("who", OUTSIDERS)
def test_the_certificate_does_not_exist_for_anyone_else(scene, browser_of, who):
    response = browser_of(scene.accounts[who]).get(f"/training/records/{scene.record_id}/certificate/download")
    assert response.status_code == 404
    assert PDF not in response.data and "attachment" not in response.headers.get("Content-Disposition", "")
    assert audit_entries("training.certificate_download") == []


def test_a_record_without_certificate_has_nothing_to_download(scene, browser_of, make_record):
    record = make_record(db.session.get(PeerProfile, scene.profile_id),
                         db.session.get(TrainingProgramme, scene.degree_id), ends_on=day("2024-06-30"))
    response = browser_of(scene.accounts["worker"]).get(f"/training/records/{record.id}/certificate/download")
    assert response.status_code == 404


def test_a_missing_file_is_a_404_not_an_error(scene, browser_of):
    certificate_store().path(scene.certificate_key).unlink()
    response = browser_of(scene.accounts["worker"]).get(f"/training/records/{scene.record_id}/certificate/download")
    assert response.status_code == 404


# --- certificate uploads ---------------------------------------------------------------------

def _upload(browser, record_id, content: bytes, filename: str):
    return browser.post(f"/training/records/{record_id}/certificate", content_type="multipart/form-data",
                        data={"certificate": (io.BytesIO(content), filename)})


@pytest.mark.parametrize("who", ["worker", "coordinator"])
def test_replacing_a_certificate(scene, browser_of, who):
    directory = certificate_store().directory
    [old] = stored_files(directory)
    browser = browser_of(scene.accounts[who])
    assert browser.get(f"/training/records/{scene.record_id}/certificate").status_code == 200
    response = _upload(browser, scene.record_id, PNG, "scan du diplôme.png")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/training/workers/{scene.profile_id}"
    record = _record(scene.record_id)
    [new] = stored_files(directory)
    assert new != old and new.name == record.certificate_key and new.read_bytes() == PNG
    assert (record.certificate_filename, record.certificate_content_type) == ("scan du diplôme.png", "image/png")
    entries = audit_entries("training.certificate_upload")
    assert entries[-1].actor_id == scene.accounts[who].id and entries[-1].details["replaced"] is True


def test_a_file_that_is_not_a_certificate_is_refused(scene, browser_of):
    browser = browser_of(scene.accounts["worker"])
    before = stored_files(certificate_store().directory)
    response = _upload(browser, scene.record_id, b"This is plain text pretending to be a PDF.", "certificate.pdf")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert has_field_error(html, "certificate")
    assert "This file is not a PDF, PNG or JPEG document." in html
    assert stored_files(certificate_store().directory) == before
    _unchanged(scene)
    assert len(audit_entries("training.certificate_upload")) == 1  # the scene's own upload only


@pytest.mark.parametrize("certificate_max_bytes", [1000])
def test_a_file_too_large_is_refused(scene, browser_of):
    browser = browser_of(scene.accounts["worker"])
    before = stored_files(certificate_store().directory)
    response = _upload(browser, scene.record_id, PDF + b"0" * 1000, "big.pdf")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert has_field_error(html, "certificate")
    assert "This file is too large: a certificate may be at most 1000 bytes." in html
    assert stored_files(certificate_store().directory) == before
    _unchanged(scene)


def test_choosing_no_file_is_a_form_error(scene, browser_of):
    response = browser_of(scene.accounts["worker"]).post(f"/training/records/{scene.record_id}/certificate",
                                                         data={}, content_type="multipart/form-data")
    assert response.status_code == 200
    assert has_field_error(response.get_data(as_text=True), "certificate")
    _unchanged(scene)


@pytest.mark.parametrize("certificate_max_bytes", [1000])
def test_a_huge_request_is_refused_before_it_is_read(app, scene, browser_of):
    # Without a site-wide limit, the limit is the certificate's plus room for the form around it.
    assert app.config["MAX_CONTENT_LENGTH"] == 1000 + 1024 * 1024
    response = _upload(browser_of(scene.accounts["worker"]), scene.record_id, PDF + b"0" * (1024 * 1024 + 2000),
                       "huge.pdf")
    assert response.status_code == 413
    assert "What you sent is too large" in response.get_data(as_text=True)
    _unchanged(scene)


@pytest.mark.parametrize("extra_config", [{"MAX_CONTENT_LENGTH": 50 * 1024 * 1024}])
def test_a_site_wide_request_limit_is_kept(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 50 * 1024 * 1024


# --- workers' records ------------------------------------------------------------------------

def test_a_worker_records_their_own_training(scene, browser_of):
    browser = browser_of(scene.accounts["worker"])
    form_page = browser.get(f"/training/workers/{scene.profile_id}/records/new").get_data(as_text=True)
    assert "Mental health first aid" in form_page
    response = browser.post(f"/training/workers/{scene.profile_id}/records/new",
                            data=_record_form(programme_id=scene.first_aid_id, starts_on="2025-01-30",
                                              ends_on="2025-01-31", hours="1,5"))
    assert response.status_code == 302
    record = db.session.scalar(sa.select(TrainingRecord).order_by(TrainingRecord.id.desc()))
    assert (record.profile_id, record.hours, record.expires_on) == (scene.profile_id, Decimal("1.5"),
                                                                    day("2028-01-31"))
    [entry] = audit_entries("training.record_create")
    assert entry.actor_id == scene.accounts["worker"].id


def test_a_bad_record_form_keeps_what_was_typed(scene, browser_of):
    browser = browser_of(scene.accounts["worker"])
    response = browser.post(f"/training/workers/{scene.profile_id}/records/new",
                            data=_record_form(programme_id=scene.first_aid_id, ends_on="", hours="2,5"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert has_field_error(html, "ends_on") and "Enter the date the training was completed." in html
    assert input_value(html, "hours") == "2,5" and input_value(html, "starts_on") == "2025-09-01"
    assert _count(TrainingRecord) == 1


@pytest.mark.parametrize("values, field", [
    ({"programme_id": "abc"}, "programme_id"),
    ({"programme_id": "999999"}, "programme_id"),
    ({"status": "finished"}, "status"),
    ({"starts_on": "31/12/2025"}, "starts_on"),
    ({"starts_on": "2025-09-03", "ends_on": "2025-09-02"}, "ends_on"),
    ({"ends_on": "2999-01-01"}, "ends_on"),
    ({"hours": "NaN"}, "hours"),
    ({"hours": "-3"}, "hours"),
    ({"hours": "1e40"}, "hours"),
])
def test_tampered_or_wrong_record_values_are_form_errors(scene, browser_of, values, field):
    data = _record_form(programme_id=scene.first_aid_id)
    data.update(values)
    response = browser_of(scene.accounts["worker"]).post(f"/training/workers/{scene.profile_id}/records/new",
                                                         data=data)
    assert response.status_code == 200
    assert has_field_error(response.get_data(as_text=True), field)
    assert _count(TrainingRecord) == 1


def test_a_programme_no_longer_offered_is_not_offered(scene, browser_of):
    browser = browser_of(scene.accounts["coordinator"])
    assert browser.post(f"/training/programmes/{scene.degree_id}/deactivate").status_code == 302
    page = browser.get(f"/training/workers/{scene.profile_id}/records/new").get_data(as_text=True)
    assert "Peer health mediator bachelor" not in _options(page, "programme_id")
    response = browser.post(f"/training/workers/{scene.profile_id}/records/new",
                            data=_record_form(programme_id=scene.degree_id))
    assert has_field_error(response.get_data(as_text=True), "programme_id")
    # ... but a record already using it keeps it.
    browser.post(f"/training/programmes/{scene.first_aid_id}/deactivate")
    edit = browser.get(f"/training/records/{scene.record_id}/edit").get_data(as_text=True)
    assert "Mental health first aid" in _options(edit, "programme_id")
    assert "Mental health first aid" not in _options(
        browser.get(f"/training/workers/{scene.profile_id}/records/new").get_data(as_text=True), "programme_id")


def test_the_coordinator_edits_and_the_worker_deletes_a_record(scene, browser_of):
    coordinator = browser_of(scene.accounts["coordinator"])
    page = coordinator.get(f"/training/records/{scene.record_id}/edit").get_data(as_text=True)
    assert input_value(page, "ends_on") == "2025-03-10" and input_value(page, "hours") == "14.0"
    response = coordinator.post(f"/training/records/{scene.record_id}/edit",
                                data=_record_form(programme_id=scene.first_aid_id, starts_on="", ends_on="2025-04-30",
                                                     hours="12"))
    assert response.status_code == 302
    record = _record(scene.record_id)
    assert (record.ends_on, record.hours, record.expires_on) == (day("2025-04-30"), Decimal("12"), day("2028-04-30"))
    assert audit_entries("training.record_update")[0].actor_id == scene.accounts["coordinator"].id

    worker = browser_of(scene.accounts["worker"])
    response = worker.post(f"/training/records/{scene.record_id}/delete")
    assert response.status_code == 302
    assert _record(scene.record_id) is None
    assert stored_files(certificate_store().directory) == []  # its certificate went with it
    assert audit_entries("training.record_delete")[0].actor_id == scene.accounts["worker"].id


def test_the_page_says_where_each_renewable_item_stands(scene, browser_of, make_programme, make_record):
    profile = db.session.get(PeerProfile, scene.profile_id)
    today = _local_today()
    for name, expires_in_days in (("Due item", 20), ("Grace item", -10), ("Expired item", -100),
                                  ("Valid item", 300)):
        programme = make_programme(name_en=name, validity_months=12)
        make_record(profile, programme, ends_on=today - timedelta(days=100),
                    expires_on=today + timedelta(days=expires_in_days))
    html = browser_of(scene.accounts["worker"]).get(f"/training/workers/{scene.profile_id}").get_data(as_text=True)
    assert html.count("Renewal due: expires on") == 1
    assert html.count("; grace period until") == 1
    assert html.count(": to be renewed") == 1
    assert html.count("Valid; expires on") == 2  # the scene's first aid and the valid item
    assert "Due: 1; in grace period: 1; expired: 1" in html
    assert "Not completed yet" in html  # no initial qualification


# --- the catalogue ---------------------------------------------------------------------------

def test_the_coordinator_adds_a_programme_shown_in_each_language(scene, browser_of, make_account):
    browser = browser_of(scene.accounts["coordinator"])
    assert browser.get("/training/programmes/new").status_code == 200
    response = browser.post("/training/programmes/new", data=_programme_form(validity_months="24",
                                                                             default_hours="3,5"))
    assert response.status_code == 302
    programme = db.session.scalar(sa.select(TrainingProgramme)
                                  .where(TrainingProgramme.name_en == "Helping relationship"))
    assert (programme.kind, programme.default_hours, programme.validity_months, programme.provider) == (
        "ongoing", Decimal("3.5"), 24, "IFSI")
    [entry] = audit_entries("training.programme_create")
    assert entry.object_id == str(programme.id)
    english = browser.get("/training/").get_data(as_text=True)
    assert "Helping relationship" in english and "Relation d&#39;aide" not in english
    french = browser_of(make_account("coordinator", locale="fr")).get("/training/").get_data(as_text=True)
    assert "Relation d&#39;aide" in french and "Helping relationship" not in french


def test_a_bad_programme_form_keeps_what_was_typed(scene, browser_of):
    browser = browser_of(scene.accounts["coordinator"])
    response = browser.post("/training/programmes/new",
                            data=_programme_form(name_en="", validity_months="three years", grace_days="-1"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for field in ("name_en", "validity_months", "grace_days"):
        assert has_field_error(html, field), field
    assert input_value(html, "name_fr") == "Relation d&#39;aide" and input_value(html, "provider") == "IFSI"
    assert _count(TrainingProgramme) == 2
    duplicate = browser.post("/training/programmes/new", data=_programme_form(name_en="MENTAL HEALTH FIRST AID"))
    assert has_field_error(duplicate.get_data(as_text=True), "name_en")
    assert _count(TrainingProgramme) == 2


def test_the_coordinator_edits_deactivates_and_reactivates_a_programme(scene, browser_of):
    browser = browser_of(scene.accounts["coordinator"])
    page = browser.get(f"/training/programmes/{scene.first_aid_id}/edit").get_data(as_text=True)
    assert input_value(page, "name_en") == "Mental health first aid" and input_value(page, "validity_months") == "36"
    response = browser.post(f"/training/programmes/{scene.first_aid_id}/edit",
                            data=_programme_form(name_en="Mental health first aid (PSSM)",
                                                 name_fr="Premiers secours en santé mentale", validity_months="36"))
    assert response.status_code == 302
    assert db.session.get(TrainingProgramme, scene.first_aid_id).name_en == "Mental health first aid (PSSM)"
    assert browser.post(f"/training/programmes/{scene.first_aid_id}/deactivate").status_code == 302
    db.session.expire_all()
    assert db.session.get(TrainingProgramme, scene.first_aid_id).is_active is False
    assert "No longer offered" in browser.get("/training/").get_data(as_text=True)
    assert browser.post(f"/training/programmes/{scene.first_aid_id}/reactivate").status_code == 302
    db.session.expire_all()
    assert db.session.get(TrainingProgramme, scene.first_aid_id).is_active is True
    assert [e.details["fields"] for e in audit_entries("training.programme_update")] == [
        ["name_en", "provider"], ["is_active"], ["is_active"]]


# --- requirements and the overview -----------------------------------------------------------

def test_the_coordinator_sets_the_requirements_even_when_the_row_is_missing(scene, browser_of):
    db.session.execute(sa.delete(ProgrammeRequirements))
    db.session.commit()
    browser = browser_of(scene.accounts["coordinator"])
    page = browser.get("/training/requirements").get_data(as_text=True)
    assert input_value(page, "ongoing_training_hours_per_year") == "14"
    assert input_value(page, "supervision_interval_weeks") == "4"
    refused = browser.post("/training/requirements", data={"ongoing_training_hours_per_year": "20",
                                                           "supervision_interval_weeks": "53"})
    assert refused.status_code == 200
    html = refused.get_data(as_text=True)
    assert has_field_error(html, "supervision_interval_weeks")
    assert input_value(html, "supervision_interval_weeks") == "53"
    assert input_value(html, "ongoing_training_hours_per_year") == "20"
    response = browser.post("/training/requirements", data={"initial_qualification_before_caseload": "y",
                                                            "ongoing_training_hours_per_year": "21",
                                                            "supervision_interval_weeks": "6"})
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(ProgrammeRequirements, 1)
    assert (stored.initial_qualification_before_caseload, stored.ongoing_training_hours_per_year,
            stored.supervision_interval_weeks) == (True, 21, 6)
    [entry] = audit_entries("training.requirements_update")
    assert entry.actor_id == scene.accounts["coordinator"].id


def test_the_overview_lists_every_worker_still_in_the_programme(scene, browser_of, make_profile):
    make_profile(name="Lea Left", status="left")
    html = browser_of(scene.accounts["coordinator"]).get("/training/workers/").get_data(as_text=True)
    assert "Wendy Worker" in html and "Oscar Other" in html and "Lea Left" not in html
    assert f'href="/training/workers/{scene.profile_id}"' in html
