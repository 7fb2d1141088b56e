"""The training services: month arithmetic, renewal windows, records, certificates, requirements, status."""
from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.training import services
from peer_support.training.certificates import CertificateStore, sanitise_filename, sniff
from peer_support.training.models import ProgrammeRequirements, TrainingProgramme, TrainingRecord
from peer_support.training.status import add_months, grace_ends_on, renewal_state, training_status
from tests.helpers import audit_entries
from tests.training.conftest import JPEG, PDF, PNG, account_of, day, stored_files

TODAY = date(2026, 5, 15)


@pytest.fixture
def coordinator(make_account):
    return make_account("coordinator", locale="en")


@pytest.fixture
def store(certificate_dir, certificate_max_bytes):
    return CertificateStore(directory=certificate_dir, max_bytes=certificate_max_bytes)


def _reload(record_id: int) -> TrainingRecord | None:
    db.session.expire_all()
    return db.session.get(TrainingRecord, record_id)


# --- month arithmetic ------------------------------------------------------------------------

@pytest.mark.parametrize("start, months, expected", [
    ("2024-01-15", 0, "2024-01-15"),
    ("2024-01-15", 36, "2027-01-15"),
    ("2024-01-31", 1, "2024-02-29"),   # leap year: clamped to the 29th
    ("2023-01-31", 1, "2023-02-28"),
    ("2024-02-29", 12, "2025-02-28"),
    ("2024-02-29", 48, "2028-02-29"),
    ("2024-03-31", 1, "2024-04-30"),
    ("2024-08-31", 1, "2024-09-30"),
    ("2024-12-15", 1, "2025-01-15"),   # across the year
    ("2024-11-30", 3, "2025-02-28"),
    ("2024-01-31", 13, "2025-02-28"),
    ("2024-05-31", -3, "2024-02-29"),  # backwards too
    ("2025-01-10", -1, "2024-12-10"),
    ("2024-12-31", 120, "2034-12-31"),
])
def test_add_months_clamps_the_day_to_the_end_of_the_month(start, months, expected):
    assert add_months(day(start), months) == day(expected)


# --- renewal windows -------------------------------------------------------------------------

EXPIRES = date(2026, 6, 30)


@pytest.mark.parametrize("offset, expected", [
    (-400, "valid"),
    (-61, "valid"),
    (-60, "renewal_due"),   # exactly the notice: due
    (-1, "renewal_due"),
    (0, "in_grace"),        # the expiry date itself is no longer valid
    (29, "in_grace"),
    (30, "expired"),        # grace days past
    (500, "expired"),
])
def test_renewal_state_at_the_boundaries(offset, expected):
    today = EXPIRES + timedelta(days=offset)
    assert renewal_state(EXPIRES, notice_days=60, grace_days=30, today=today) == expected


def test_renewal_state_without_notice_or_grace():
    assert renewal_state(EXPIRES, notice_days=0, grace_days=0, today=EXPIRES - timedelta(days=1)) == "valid"
    assert renewal_state(EXPIRES, notice_days=0, grace_days=0, today=EXPIRES) == "expired"
    assert renewal_state(None, notice_days=60, grace_days=30, today=EXPIRES) is None


def test_last_day_of_grace():
    assert grace_ends_on(EXPIRES, 30) == date(2026, 7, 29)
    assert grace_ends_on(EXPIRES, 1) == EXPIRES
    assert grace_ends_on(EXPIRES, 0) is None
    assert grace_ends_on(None, 30) is None


# --- the catalogue ---------------------------------------------------------------------------

def _programme_data(**values) -> services.ProgrammeData:
    data = {"kind": "ongoing", "name_fr": "Premiers secours en santé mentale", "name_en": "Mental health first aid",
            "provider": " PSSM France ", "default_hours": Decimal("14"), "validity_months": 36,
            "renewal_notice_days": 60, "grace_days": 30}
    data.update(values)
    return services.ProgrammeData(**data)


def test_create_and_update_a_programme(coordinator):
    programme = services.create_programme(coordinator, _programme_data(), ip="10.0.0.1", now=utcnow())
    db.session.commit()
    assert (programme.name("fr"), programme.name("en")) == ("Premiers secours en santé mentale",
                                                            "Mental health first aid")
    assert programme.provider == "PSSM France" and programme.is_active
    [created] = audit_entries("training.programme_create")
    assert (created.actor_id, created.object_id, created.ip) == (coordinator.id, str(programme.id), "10.0.0.1")

    services.update_programme(coordinator, programme, _programme_data(validity_months=None, grace_days=0),
                              ip=None, now=utcnow())
    db.session.commit()
    assert (programme.validity_months, programme.grace_days) == (None, 0)
    [updated] = audit_entries("training.programme_update")
    assert updated.details == {"fields": ["validity_months", "grace_days"]}


@pytest.mark.parametrize("values, field", [
    ({"kind": "hobby"}, "kind"),
    ({"name_fr": "  "}, "name_fr"),
    ({"name_en": ""}, "name_en"),
    ({"default_hours": Decimal("-1")}, "default_hours"),
    ({"default_hours": Decimal("10000")}, "default_hours"),
    ({"validity_months": 0}, "validity_months"),
    ({"validity_months": 601}, "validity_months"),
    ({"renewal_notice_days": -1}, "renewal_notice_days"),
    ({"grace_days": 4000}, "grace_days"),
])
def test_programme_data_is_checked(coordinator, values, field):
    with pytest.raises(DomainError) as refused:
        services.create_programme(coordinator, _programme_data(**values), ip=None, now=utcnow())
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TrainingProgramme)) == 0


def test_a_name_is_used_once_whatever_its_case(coordinator, make_programme):
    make_programme(name_en="Mental health first aid", name_fr="PSSM")
    with pytest.raises(DomainError) as refused:
        services.create_programme(coordinator, _programme_data(name_en="MENTAL HEALTH FIRST AID"), ip=None,
                                  now=utcnow())
    assert refused.value.field == "name_en"
    # A programme keeps its own name when edited.
    db.session.rollback()
    own = make_programme(name_en="Helping relationship", name_fr="Relation d'aide")
    services.update_programme(coordinator, own, _programme_data(name_en="Helping relationship",
                                                                name_fr="Relation d'aide"), ip=None, now=utcnow())


def test_deactivating_a_programme_is_audited_once(coordinator, make_programme):
    programme = make_programme()
    services.set_programme_active(coordinator, programme, False, ip=None, now=utcnow())
    services.set_programme_active(coordinator, programme, False, ip=None, now=utcnow())
    db.session.commit()
    assert programme.is_active is False
    [entry] = audit_entries("training.programme_update")
    assert entry.details == {"fields": ["is_active"], "is_active": False}


def test_programme_choices_offer_active_programmes_and_the_current_one(app, make_programme):
    active = make_programme(name_en="B active", name_fr="A actif")
    qualification = make_programme(kind="initial_qualification", name_en="Z degree", name_fr="Z diplôme")
    retired = make_programme(name_en="Old", name_fr="Ancien", is_active=False)
    assert services.programme_choices("en") == [(qualification.id, "Z degree"), (active.id, "B active")]
    assert services.programme_choices("fr", include_id=retired.id) == [
        (qualification.id, "Z diplôme"), (active.id, "A actif"), (retired.id, "Ancien")]
    # Accents do not send a name to the end of the list.
    accented = make_programme(name_en="Education", name_fr="Éducation thérapeutique")
    assert [name for _, name in services.programme_choices("fr")][1:] == ["A actif", "Éducation thérapeutique"]
    assert accented.is_active


# --- records ---------------------------------------------------------------------------------

def _record_data(programme, **values) -> services.RecordData:
    data = {"programme_id": programme.id, "status": "completed", "starts_on": day("2026-01-05"),
            "ends_on": day("2026-01-31"), "hours": Decimal("14")}
    data.update(values)
    return services.RecordData(**data)


def test_a_completed_renewable_training_expires_after_its_validity(coordinator, make_profile, make_programme):
    profile = make_profile()
    programme = make_programme(validity_months=1)
    record = services.create_record(coordinator, profile, _record_data(programme), ip="10.0.0.2", now=utcnow(),
                                    today=TODAY)
    db.session.commit()
    assert _reload(record.id).expires_on == day("2026-02-28")
    [entry] = audit_entries("training.record_create")
    assert entry.object_id == str(record.id)
    assert entry.details == {"profile_id": profile.id, "programme_id": programme.id, "status": "completed"}


def test_planned_or_non_renewable_trainings_do_not_expire(coordinator, make_profile, make_programme):
    profile = make_profile()
    renewable, lasting = make_programme(validity_months=12), make_programme()
    planned = services.create_record(coordinator, profile, _record_data(renewable, status="planned",
                                                                        ends_on=day("2026-09-01")),
                                     ip=None, now=utcnow(), today=TODAY)
    done = services.create_record(coordinator, profile, _record_data(lasting), ip=None, now=utcnow(), today=TODAY)
    db.session.commit()
    assert _reload(planned.id).expires_on is None and _reload(done.id).expires_on is None


def test_hours_default_to_the_programmes_usual_hours(coordinator, make_profile, make_programme):
    profile = make_profile()
    programme = make_programme(default_hours=21)
    record = services.create_record(coordinator, profile, _record_data(programme, hours=None), ip=None,
                                    now=utcnow(), today=TODAY)
    db.session.commit()
    assert _reload(record.id).hours == Decimal("21")


@pytest.mark.parametrize("values, field", [
    ({"programme_id": None}, "programme_id"),
    ({"programme_id": 999999}, "programme_id"),
    ({"status": "abandoned"}, "status"),
    ({"starts_on": day("2026-02-01"), "ends_on": day("2026-01-31")}, "ends_on"),
    ({"ends_on": None}, "ends_on"),                                   # completed: when?
    ({"ends_on": TODAY + timedelta(days=1)}, "ends_on"),              # completed in the future
    ({"hours": Decimal("-0.5")}, "hours"),
    ({"hours": Decimal("10000")}, "hours"),
])
def test_record_data_is_checked(coordinator, make_profile, make_programme, values, field):
    profile = make_profile()
    programme = make_programme()
    with pytest.raises(DomainError) as refused:
        services.create_record(coordinator, profile, _record_data(programme, **values), ip=None, now=utcnow(),
                               today=TODAY)
    assert refused.value.field == field
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TrainingRecord)) == 0
    assert audit_entries("training.record_create") == []


def test_completion_today_is_accepted(coordinator, make_profile, make_programme):
    record = services.create_record(coordinator, make_profile(), _record_data(make_programme(), ends_on=TODAY),
                                    ip=None, now=utcnow(), today=TODAY)
    assert record.status == "completed"


def test_a_programme_no_longer_offered_stays_on_its_records_only(coordinator, make_profile, make_programme,
                                                                 make_record):
    profile = make_profile()
    retired = make_programme(is_active=False)
    with pytest.raises(DomainError) as refused:
        services.create_record(coordinator, profile, _record_data(retired), ip=None, now=utcnow(), today=TODAY)
    assert refused.value.field == "programme_id"
    db.session.rollback()
    record = make_record(profile, retired, status="in_progress", starts_on=day("2026-01-05"))
    services.update_record(coordinator, record, _record_data(retired), ip=None, now=utcnow(), today=TODAY)
    db.session.commit()
    assert _reload(record.id).status == "completed"


def test_updating_a_record_follows_its_completion(coordinator, make_profile, make_programme, make_record):
    profile = make_profile()
    programme = make_programme(validity_months=36)
    record = make_record(profile, programme, status="in_progress", starts_on=day("2026-01-05"))
    services.update_record(coordinator, record, _record_data(programme, ends_on=day("2026-02-28")), ip=None,
                           now=utcnow(), today=TODAY)
    db.session.commit()
    assert _reload(record.id).expires_on == day("2029-02-28")
    [entry] = audit_entries("training.record_update")
    assert entry.details == {"profile_id": profile.id, "fields": ["status", "ends_on", "hours", "expires_on"]}
    # Back to "in progress": nothing is valid, so nothing expires.
    services.update_record(coordinator, _reload(record.id), _record_data(programme, status="in_progress",
                                                                         ends_on=None), ip=None, now=utcnow(),
                           today=TODAY)
    db.session.commit()
    assert _reload(record.id).expires_on is None


def test_deleting_a_record_is_audited(coordinator, make_profile, make_programme, make_record, store):
    profile = make_profile()
    programme = make_programme()
    record = make_record(profile, programme, ends_on=day("2026-01-31"))
    record_id = record.id
    services.delete_record(coordinator, record, store=store, ip=None, now=utcnow())
    db.session.commit()
    assert _reload(record_id) is None
    [entry] = audit_entries("training.record_delete")
    assert entry.object_id == str(record_id)
    assert entry.details == {"profile_id": profile.id, "programme_id": programme.id, "status": "completed",
                             "had_certificate": False}


def test_worker_records_by_kind_with_their_renewal_state(make_profile, make_programme, make_record):
    profile, other = make_profile(), make_profile()
    degree = make_programme(kind="initial_qualification")
    first_aid = make_programme(validity_months=36)
    topic = make_programme()
    make_record(profile, degree, ends_on=day("2024-06-30"))
    old = make_record(profile, first_aid, ends_on=day("2022-01-10"), expires_on=day("2025-01-10"))
    new = make_record(profile, first_aid, ends_on=day("2023-06-20"), expires_on=day("2026-06-20"))
    planned = make_record(profile, topic, status="planned")
    make_record(other, topic, ends_on=day("2026-01-31"))
    lines = services.worker_records(profile.id, today=TODAY)
    assert [line.record.programme_id for line in lines["initial_qualification"]] == [degree.id]
    ongoing = {line.record.id: line for line in lines["ongoing"]}
    assert list(ongoing) == [planned.id, new.id, old.id]  # current first, then newest completion first
    assert ongoing[new.id].renewal == "renewal_due"
    assert ongoing[old.id].renewal == "renewed"  # expired, but completed again since
    assert ongoing[planned.id].renewal is None
    assert lines["initial_qualification"][0].renewal is None


# --- certificates ----------------------------------------------------------------------------

@pytest.mark.parametrize("content, expected", [
    (PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg"),
    (b"PDF-1.4 but not really", None), (b"GIF89a...", None), (b"", None), (b"\x89PNG\r\n", None),
    (b"<html>%PDF-</html>", None),
])
def test_certificates_are_recognised_by_their_content(content, expected):
    assert sniff(content) == expected


@pytest.mark.parametrize("filename, content_type, expected", [
    ("attestation.pdf", "application/pdf", "attestation.pdf"),
    ("Attestation PSSM été 2025.PDF", "application/pdf", "Attestation PSSM été 2025.PDF"),
    ("../../etc/passwd", "application/pdf", "passwd.pdf"),
    ("C:\\Users\\julie\\scan.jpeg", "image/jpeg", "scan.jpeg"),
    ("scan.exe", "image/png", "scan.exe.png"),
    ("photo.png", "image/jpeg", "photo.png.jpg"),
    ('bad"name\r\n.pdf', "application/pdf", "badname.pdf"),
    ("", "application/pdf", "certificate.pdf"),
    (None, "image/png", "certificate.png"),
    ("x" * 300 + ".pdf", "application/pdf", "x" * 196 + ".pdf"),
])
def test_certificate_names_are_sanitised(filename, content_type, expected):
    assert sanitise_filename(filename, content_type) == expected


def test_attach_a_certificate(coordinator, make_profile, make_programme, make_record, store, certificate_dir):
    profile = make_profile()
    record = make_record(profile, make_programme(), ends_on=day("2026-01-31"))
    services.attach_certificate(account_of(profile), record, stream=io.BytesIO(PDF), filename="../attestation.pdf",
                                store=store, ip="10.0.0.3", now=utcnow())
    db.session.commit()
    stored = _reload(record.id)
    [path] = stored_files(certificate_dir)
    assert path.name == stored.certificate_key and len(stored.certificate_key) == 32
    assert path.read_bytes() == PDF
    assert (stored.certificate_filename, stored.certificate_content_type, stored.certificate_size) == (
        "attestation.pdf", "application/pdf", len(PDF))
    [entry] = audit_entries("training.certificate_upload")
    assert (entry.actor_id, entry.object_id) == (profile.account_id, str(record.id))
    assert entry.details == {"profile_id": profile.id, "size": len(PDF), "content_type": "application/pdf",
                             "replaced": False}


@pytest.mark.parametrize("certificate_max_bytes", [1000])
@pytest.mark.parametrize("content", [b"just some text, named .pdf", b"", PDF + b"x" * 1000],
                         ids=["wrong type", "empty", "too large"])
def test_a_refused_certificate_stores_nothing(make_profile, make_programme, make_record, store, certificate_dir,
                                              content):
    profile = make_profile()
    record = make_record(profile, make_programme(), ends_on=day("2026-01-31"))
    with pytest.raises(DomainError) as refused:
        services.attach_certificate(account_of(profile), record, stream=io.BytesIO(content), filename="cert.pdf",
                                    store=store, ip=None, now=utcnow())
    assert refused.value.field == "certificate"
    db.session.rollback()
    assert stored_files(certificate_dir) == []
    assert _reload(record.id).certificate_key is None
    assert audit_entries("training.certificate_upload") == []


def test_a_replaced_certificate_is_deleted_once_committed(make_profile, make_programme, make_record, store,
                                                          certificate_dir):
    profile = make_profile()
    record = make_record(profile, make_programme(), ends_on=day("2026-01-31"))
    services.attach_certificate(account_of(profile), record, stream=io.BytesIO(PDF), filename="a.pdf", store=store,
                                ip=None, now=utcnow())
    db.session.commit()
    [first] = stored_files(certificate_dir)

    record = _reload(record.id)
    services.attach_certificate(account_of(profile), record, stream=io.BytesIO(PNG), filename="b.png", store=store,
                                ip=None, now=utcnow())
    # Not committed yet: both files exist, so a failure keeps the old one.
    assert len(stored_files(certificate_dir)) == 2
    db.session.commit()
    [second] = stored_files(certificate_dir)
    assert second != first and second.read_bytes() == PNG
    assert _reload(record.id).certificate_key == second.name


def test_a_certificate_change_rolled_back_leaves_the_old_file_alone(make_profile, make_programme, make_record, store,
                                                                    certificate_dir):
    profile = make_profile()
    record = make_record(profile, make_programme(), ends_on=day("2026-01-31"))
    services.attach_certificate(account_of(profile), record, stream=io.BytesIO(PDF), filename="a.pdf", store=store,
                                ip=None, now=utcnow())
    db.session.commit()
    [first] = stored_files(certificate_dir)
    services.attach_certificate(account_of(profile), _reload(record.id), stream=io.BytesIO(JPEG), filename="b.jpg",
                                store=store, ip=None, now=utcnow())
    db.session.rollback()
    assert stored_files(certificate_dir) == [first]
    assert _reload(record.id).certificate_key == first.name


def test_a_savepoint_does_not_settle_certificate_files(make_profile, make_programme, make_record, store,
                                                       certificate_dir):
    profile = make_profile()
    record = make_record(profile, make_programme(), ends_on=day("2026-01-31"))
    services.attach_certificate(account_of(profile), record, stream=io.BytesIO(PDF), filename="a.pdf", store=store,
                                ip=None, now=utcnow())
    db.session.commit()
    [first] = stored_files(certificate_dir)
    services.attach_certificate(account_of(profile), _reload(record.id), stream=io.BytesIO(PNG), filename="b.png",
                                store=store, ip=None, now=utcnow())
    with db.session.begin_nested():
        db.session.execute(sa.select(1))
    assert first in stored_files(certificate_dir)  # the savepoint's commit is not the transaction's
    db.session.rollback()
    assert stored_files(certificate_dir) == [first]


def test_deleting_a_record_deletes_its_certificate_after_commit(coordinator, make_profile, make_programme,
                                                                make_record, store, certificate_dir):
    profile = make_profile()
    record = make_record(profile, make_programme(), ends_on=day("2026-01-31"))
    services.attach_certificate(account_of(profile), record, stream=io.BytesIO(PDF), filename="a.pdf", store=store,
                                ip=None, now=utcnow())
    db.session.commit()
    services.delete_record(coordinator, _reload(record.id), store=store, ip=None, now=utcnow())
    db.session.rollback()
    assert len(stored_files(certificate_dir)) == 1  # not deleted: the deletion was not kept
    services.delete_record(coordinator, _reload(record.id), store=store, ip=None, now=utcnow())
    db.session.commit()
    assert stored_files(certificate_dir) == []


def test_certificate_for_download_records_who_took_it(coordinator, make_profile, make_programme, make_record, store):
    profile = make_profile()
    record = make_record(profile, make_programme(), ends_on=day("2026-01-31"))
    assert services.certificate_for_download(coordinator, record, store=store, ip=None, now=utcnow()) is None
    services.attach_certificate(account_of(profile), record, stream=io.BytesIO(PDF), filename="a.pdf", store=store,
                                ip=None, now=utcnow())
    db.session.commit()
    path = services.certificate_for_download(coordinator, _reload(record.id), store=store, ip="10.0.0.9",
                                             now=utcnow())
    db.session.commit()
    assert path.read_bytes() == PDF
    [entry] = audit_entries("training.certificate_download")
    assert (entry.actor_id, entry.object_id, entry.ip) == (coordinator.id, str(record.id), "10.0.0.9")


def test_store_refuses_keys_that_are_not_its_own(store):
    for key in ("../secret_key", "", "ABCDEF" * 6, "0" * 31):
        with pytest.raises(ValueError):
            store.path(key)


# --- requirements ----------------------------------------------------------------------------

def test_current_requirements_exist_even_when_the_row_is_missing(app):
    db.session.execute(sa.delete(ProgrammeRequirements))
    db.session.commit()
    requirements = services.current_requirements()
    db.session.commit()
    assert (requirements.initial_qualification_before_caseload, requirements.ongoing_training_hours_per_year,
            requirements.supervision_interval_weeks) == (True, 14, 4)
    assert services.current_requirements() is requirements
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgrammeRequirements)) == 1


def test_update_requirements(coordinator):
    data = services.RequirementsData(initial_qualification_before_caseload=False, ongoing_training_hours_per_year=21,
                                     supervision_interval_weeks=6)
    services.update_requirements(coordinator, data, ip=None, now=utcnow())
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(ProgrammeRequirements, 1)
    assert (stored.initial_qualification_before_caseload, stored.ongoing_training_hours_per_year,
            stored.supervision_interval_weeks) == (False, 21, 6)
    [entry] = audit_entries("training.requirements_update")
    assert entry.details == {"fields": ["initial_qualification_before_caseload", "ongoing_training_hours_per_year",
                                        "supervision_interval_weeks"], "initial_qualification_before_caseload": False,
                             "ongoing_training_hours_per_year": 21, "supervision_interval_weeks": 6}


@pytest.mark.parametrize("hours, weeks, field", [
    (-1, 4, "ongoing_training_hours_per_year"), (1001, 4, "ongoing_training_hours_per_year"),
    (14, 0, "supervision_interval_weeks"), (14, 53, "supervision_interval_weeks"),
])
def test_requirements_are_checked(coordinator, hours, weeks, field):
    data = services.RequirementsData(initial_qualification_before_caseload=True, ongoing_training_hours_per_year=hours,
                                     supervision_interval_weeks=weeks)
    with pytest.raises(DomainError) as refused:
        services.update_requirements(coordinator, data, ip=None, now=utcnow())
    assert refused.value.field == field


# --- the status of many workers --------------------------------------------------------------

@pytest.fixture
def hand_computed(make_profile, make_programme, make_record):
    """Five workers on 15 May 2026; the expected status of each is worked out by hand in the comments."""
    degree = make_programme(kind="initial_qualification")                                    # never expires
    resource = make_programme(kind="initial_qualification", validity_months=24)              # notice 60, grace 30
    topic = make_programme()                                                                 # never expires
    first_aid = make_programme(validity_months=36)                                           # notice 60, grace 30
    yearly = make_programme(validity_months=12, renewal_notice_days=30, grace_days=0)
    refresher = make_programme(validity_months=12)                                           # notice 60, grace 30
    a, b, c, d, e = (make_profile() for _ in range(5))

    # A: qualified; 7 + 3.5 hours in 2026 (the 2025 ones and the unfinished one do not count);
    # first aid expires 20 June 2026, in 36 days: renewal due.
    make_record(a, degree, ends_on=day("2024-06-01"))
    make_record(a, topic, ends_on=day("2026-02-10"), hours=7)
    make_record(a, topic, ends_on=day("2026-01-01"), hours=3.5)
    make_record(a, topic, ends_on=day("2025-12-31"), hours=14)
    make_record(a, topic, status="in_progress", ends_on=day("2026-03-01"), hours=10)
    make_record(a, first_aid, ends_on=day("2023-06-20"), hours=14, expires_on=day("2026-06-20"))

    # B: the qualification expired 20 April 2026, 25 days ago: in grace, so still qualified;
    # first aid expired in 2025 but was renewed (valid until 2028): not counted;
    # the yearly item expires today with no grace: expired. 2 hours completed today.
    make_record(b, resource, ends_on=day("2024-04-20"), expires_on=day("2026-04-20"))
    make_record(b, first_aid, ends_on=day("2022-01-10"), expires_on=day("2025-01-10"))
    make_record(b, first_aid, ends_on=day("2025-03-01"), expires_on=day("2028-03-01"))
    make_record(b, yearly, ends_on=day("2025-05-15"), hours=7, expires_on=day("2026-05-15"))
    make_record(b, topic, ends_on=TODAY, hours=2)

    # C: the qualification expired 1 March 2026, 75 days ago: past grace, not qualified; the degree is
    # only planned. Completed training without hours adds nothing.
    make_record(c, resource, ends_on=day("2024-03-01"), expires_on=day("2026-03-01"))
    make_record(c, degree, status="planned")
    make_record(c, topic, ends_on=day("2026-03-03"))

    # D: nothing at all.

    # E: qualified; first aid expires in 61 days (valid), the refresher in exactly 60 (due).
    make_record(e, degree, ends_on=day("2020-09-01"))
    make_record(e, first_aid, ends_on=day("2023-07-15"), expires_on=day("2026-07-15"))
    make_record(e, refresher, ends_on=day("2025-07-14"), expires_on=day("2026-07-14"))
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


def test_training_status_on_a_hand_computed_set(hand_computed):
    ids = {name: profile.id for name, profile in hand_computed.items()}
    status = training_status(ids.values(), 2026, TODAY)
    summary = {name: (status[pid].qualified, status[pid].ongoing_hours, status[pid].renewal_due,
                      status[pid].in_grace, status[pid].expired) for name, pid in ids.items()}
    assert summary == {
        "a": (True, Decimal("10.5"), 1, 0, 0),
        "b": (True, Decimal("2.0"), 0, 1, 1),
        "c": (False, Decimal("0.0"), 0, 0, 1),
        "d": (False, Decimal("0.0"), 0, 0, 0),
        "e": (True, Decimal("0.0"), 1, 0, 0),
    }
    # Another year, another count of hours.
    assert training_status([ids["a"]], 2025, TODAY)[ids["a"]].ongoing_hours == Decimal("14.0")


def test_training_status_asks_only_for_the_given_workers(hand_computed):
    assert training_status([], 2026, TODAY) == {}
    status = training_status([hand_computed["a"].id, 999999], 2026, TODAY)
    assert list(status) == [hand_computed["a"].id]


@pytest.mark.parametrize("kind", ["initial_qualification", "ongoing"])
def test_sql_and_python_agree_on_the_renewal_window(make_profile, make_programme, make_record, kind):
    profile = make_profile()
    programme = make_programme(kind=kind, validity_months=12, renewal_notice_days=10, grace_days=5)
    expires = day("2026-06-30")
    make_record(profile, programme, ends_on=day("2025-06-30"), expires_on=expires)
    for offset in range(-13, 9):
        today = expires + timedelta(days=offset)
        state = renewal_state(expires, notice_days=10, grace_days=5, today=today)
        status = training_status([profile.id], today.year, today)[profile.id]
        assert (status.renewal_due, status.in_grace, status.expired) == (
            int(state == "renewal_due"), int(state == "in_grace"), int(state == "expired")), (offset, state)
        if kind == "initial_qualification":
            assert status.qualified == (state != "expired"), (offset, state)


def _statements_during(action) -> list[str]:
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return statements


def test_training_status_is_one_query_whatever_the_number_of_workers(make_profile, make_programme, make_record):
    degree = make_programme(kind="initial_qualification")
    first_aid = make_programme(validity_months=36)
    topic = make_programme()
    profiles = [make_profile() for _ in range(20)]
    for number, profile in enumerate(profiles):
        make_record(profile, degree, ends_on=day("2024-01-10"))
        make_record(profile, first_aid, ends_on=day("2023-06-01"), expires_on=add_months(day("2023-06-01"), 36))
        make_record(profile, topic, ends_on=day("2026-02-01"), hours=number)
    ids = [profile.id for profile in profiles]
    db.session.execute(sa.select(1))  # the transaction is open: only the status queries are counted

    results = {}
    few = _statements_during(lambda: results.update(few=training_status(ids[:2], 2026, TODAY)))
    many = _statements_during(lambda: results.update(many=training_status(ids, 2026, TODAY)))
    assert len(few) == len(many) == 1
    assert len(results["few"]) == 2 and len(results["many"]) == 20
    assert results["many"][ids[19]].ongoing_hours == Decimal("19.0")
    assert all(s.qualified and s.renewal_due == 1 for s in results["many"].values())


# --- demo data -------------------------------------------------------------------------------

def test_demo_training_is_realistic(make_profile):
    import random

    from peer_support.training.demo import add_demo_training

    profiles = [make_profile() for _ in range(8)]
    now = utcnow()
    programmes = add_demo_training(random.Random(7), profiles, now)
    db.session.commit()
    today = now.date()
    assert {p.kind for p in programmes} == {"initial_qualification", "ongoing"}
    assert any(p.name_fr == "Premiers secours en santé mentale" and p.validity_months == 36 for p in programmes)
    records = db.session.scalars(sa.select(TrainingRecord)).all()
    assert {r.status for r in records} == {"planned", "in_progress", "completed"}
    assert all(r.ends_on <= today for r in records if r.status == "completed")
    ids = [p.id for p in profiles]
    status = training_status(ids, today.year, today)
    assert status[ids[0]].renewal_due == 1
    assert not status[ids[2]].qualified  # still in training
    assert sum(s.qualified for s in status.values()) == 7
