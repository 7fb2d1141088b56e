"""The training feature's operations: the catalogue, workers' records and certificates, the requirements.

Every operation takes the acting account and plain data, flushes, writes its
audit entry and leaves the commit to the caller.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from peer_support.audit.services import record as audit
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.peers.models import PeerProfile
from peer_support.training.certificates import (CertificateStore, remove_after_commit, remove_after_rollback,
                                                sanitise_filename)
from peer_support.training.models import (PROGRAMME_KINDS, RECORD_STATUSES, ProgrammeRequirements,
                                          TrainingProgramme, TrainingRecord)
# training_status is this feature's service for rosters: importable from here as well.
from peer_support.training.status import (RENEWED, TrainingStatus, expiry_date, grace_ends_on, renewal_state,
                                          training_status)

MAX_HOURS = Decimal("9999.9")
MAX_VALIDITY_MONTHS = 600
MAX_WINDOW_DAYS = 3650


# --- the catalogue ---------------------------------------------------------------------------

@dataclass
class ProgrammeData:
    kind: str
    name_fr: str
    name_en: str
    provider: str | None = None
    default_hours: Decimal | None = None
    validity_months: int | None = None
    renewal_notice_days: int = 60
    grace_days: int = 30


def _check_programme(data: ProgrammeData, *, programme_id: int | None = None) -> ProgrammeData:
    if data.kind not in PROGRAMME_KINDS:
        raise DomainError(_l("Choose the kind of programme."), field="kind")
    names = {"name_fr": (data.name_fr or "").strip(), "name_en": (data.name_en or "").strip()}
    if not names["name_fr"]:
        raise DomainError(_l("Enter the French name."), field="name_fr")
    if not names["name_en"]:
        raise DomainError(_l("Enter the English name."), field="name_en")
    for field, name in names.items():
        column = getattr(TrainingProgramme, field)
        taken = db.session.scalar(sa.select(TrainingProgramme.id).where(
            sa.func.lower(column) == name.lower(), TrainingProgramme.id != (programme_id or 0)))
        if taken:
            raise DomainError(_l("A programme with this name is already in the catalogue."), field=field)
    if data.default_hours is not None and not Decimal(0) <= data.default_hours <= MAX_HOURS:
        raise DomainError(_l("Enter a number of hours between 0 and 9999."), field="default_hours")
    if data.validity_months is not None and not 1 <= data.validity_months <= MAX_VALIDITY_MONTHS:
        raise DomainError(_l("Enter a validity between 1 and 600 months, or leave it empty."),
                          field="validity_months")
    for field in ("renewal_notice_days", "grace_days"):
        if not 0 <= getattr(data, field) <= MAX_WINDOW_DAYS:
            raise DomainError(_l("Enter a number of days between 0 and 3650."), field=field)
    return ProgrammeData(kind=data.kind, **names, provider=(data.provider or "").strip() or None,
                         default_hours=data.default_hours, validity_months=data.validity_months or None,
                         renewal_notice_days=data.renewal_notice_days, grace_days=data.grace_days)


_PROGRAMME_FIELDS = ("kind", "name_fr", "name_en", "provider", "default_hours", "validity_months",
                     "renewal_notice_days", "grace_days")


def create_programme(actor, data: ProgrammeData, *, ip: str | None, now: datetime) -> TrainingProgramme:
    """A new catalogue entry."""
    data = _check_programme(data)
    programme = TrainingProgramme(**{name: getattr(data, name) for name in _PROGRAMME_FIELDS}, created_at=now)
    db.session.add(programme)
    db.session.flush()
    audit("training.programme_create", actor=actor, object_type="training_programme", object_id=programme.id,
          ip=ip, now=now, details={"kind": programme.kind})
    return programme


def update_programme(actor, programme: TrainingProgramme, data: ProgrammeData, *, ip: str | None,
                     now: datetime) -> TrainingProgramme:
    """Change a catalogue entry; expiry dates already computed for completed records stay as they are."""
    data = _check_programme(data, programme_id=programme.id)
    changed = [name for name in _PROGRAMME_FIELDS if getattr(programme, name) != getattr(data, name)]
    for name in changed:
        setattr(programme, name, getattr(data, name))
    db.session.flush()
    audit("training.programme_update", actor=actor, object_type="training_programme", object_id=programme.id,
          ip=ip, now=now, details={"fields": changed})
    return programme


def set_programme_active(actor, programme: TrainingProgramme, active: bool, *, ip: str | None,
                         now: datetime) -> None:
    """Deactivate (no longer offered for new records; history kept) or reactivate a programme."""
    if programme.is_active == active:
        return
    programme.is_active = active
    db.session.flush()
    audit("training.programme_update", actor=actor, object_type="training_programme", object_id=programme.id,
          ip=ip, now=now, details={"fields": ["is_active"], "is_active": active})


def get_programme(programme_id: int) -> TrainingProgramme | None:
    return db.session.get(TrainingProgramme, programme_id)


def _by_name(name: str) -> str:
    # "Éducation" sorts with the E's, not after "Z".
    return "".join(ch for ch in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(ch))


def list_programmes(locale: str) -> list[TrainingProgramme]:
    """The whole catalogue: active first, initial qualifications first, then by name in `locale`."""
    programmes = db.session.scalars(sa.select(TrainingProgramme)).all()
    return sorted(programmes, key=lambda p: (not p.is_active, PROGRAMME_KINDS.index(p.kind), _by_name(p.name(locale))))


def programme_choices(locale: str, *, include_id: int | None = None) -> list[tuple[int, str]]:
    """(id, name) of the programmes offered, plus an inactive one still attached to the record edited."""
    condition = TrainingProgramme.is_active
    if include_id:
        condition = sa.or_(condition, TrainingProgramme.id == include_id)
    programmes = db.session.scalars(sa.select(TrainingProgramme).where(condition)).all()
    programmes.sort(key=lambda p: (PROGRAMME_KINDS.index(p.kind), _by_name(p.name(locale))))
    return [(p.id, p.name(locale)) for p in programmes]


# --- workers' records ------------------------------------------------------------------------

@dataclass
class RecordData:
    programme_id: int | None
    status: str
    starts_on: date | None = None
    ends_on: date | None = None
    hours: Decimal | None = None


def _check_record(data: RecordData, *, today: date, current_programme_id: int | None = None) -> TrainingProgramme:
    programme = db.session.get(TrainingProgramme, data.programme_id) if data.programme_id else None
    if programme is None:
        raise DomainError(_l("Choose a programme from the catalogue."), field="programme_id")
    if not programme.is_active and programme.id != current_programme_id:
        raise DomainError(_l("This programme is no longer offered: choose another one."), field="programme_id")
    if data.status not in RECORD_STATUSES:
        raise DomainError(_l("Choose a status."), field="status")
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        raise DomainError(_l("The end date cannot be before the start date."), field="ends_on")
    if data.status == "completed":
        if data.ends_on is None:
            raise DomainError(_l("Enter the date the training was completed."), field="ends_on")
        if data.ends_on > today:
            raise DomainError(_l("A training cannot be completed in the future: keep it planned or in "
                                 "progress until then."), field="ends_on")
    if data.hours is not None and not Decimal(0) <= data.hours <= MAX_HOURS:
        raise DomainError(_l("Enter a number of hours between 0 and 9999."), field="hours")
    return programme


def _apply(record: TrainingRecord, programme: TrainingProgramme, data: RecordData) -> list[str]:
    """Set the record from the data; returns the names of the fields that changed."""
    values = {
        "programme_id": programme.id,
        "status": data.status,
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
        # No hours given: the programme's usual hours.
        "hours": data.hours if data.hours is not None else programme.default_hours,
        "expires_on": expiry_date(data.ends_on, programme.validity_months) if data.status == "completed" else None,
    }
    changed = [name for name, value in values.items() if getattr(record, name) != value]
    for name in changed:
        setattr(record, name, values[name])
    return changed


def create_record(actor, profile: PeerProfile, data: RecordData, *, ip: str | None, now: datetime,
                  today: date) -> TrainingRecord:
    """A training (planned, in progress or completed) in a worker's record."""
    programme = _check_record(data, today=today)
    record = TrainingRecord(profile_id=profile.id, created_at=now, updated_at=now)
    _apply(record, programme, data)
    db.session.add(record)
    db.session.flush()
    audit("training.record_create", actor=actor, object_type="training_record", object_id=record.id, ip=ip,
          now=now, details={"profile_id": profile.id, "programme_id": programme.id, "status": record.status})
    return record


def update_record(actor, record: TrainingRecord, data: RecordData, *, ip: str | None, now: datetime,
                  today: date) -> TrainingRecord:
    """Change a training record; its expiry date follows its completion date."""
    programme = _check_record(data, today=today, current_programme_id=record.programme_id)
    changed = _apply(record, programme, data)
    if changed:
        record.updated_at = now
    db.session.flush()
    audit("training.record_update", actor=actor, object_type="training_record", object_id=record.id, ip=ip,
          now=now, details={"profile_id": record.profile_id, "fields": changed})
    return record


def delete_record(actor, record: TrainingRecord, *, store: CertificateStore, ip: str | None,
                  now: datetime) -> None:
    """Remove a record, and its certificate file once the deletion is committed."""
    details = {"profile_id": record.profile_id, "programme_id": record.programme_id,
               "status": record.status, "had_certificate": record.certificate_key is not None}
    if record.certificate_key:
        remove_after_commit(db.session(), store.path(record.certificate_key))
    db.session.delete(record)
    db.session.flush()
    audit("training.record_delete", actor=actor, object_type="training_record", object_id=record.id, ip=ip,
          now=now, details=details)


def get_record(record_id: int) -> TrainingRecord | None:
    """A record with its worker's profile and its programme."""
    return db.session.scalar(
        sa.select(TrainingRecord)
        .options(joinedload(TrainingRecord.profile).joinedload(PeerProfile.account),
                 joinedload(TrainingRecord.programme))
        .where(TrainingRecord.id == record_id)
    )


@dataclass(frozen=True)
class RecordLine:
    """A record as a worker's page shows it, with where it stands on `today`."""

    record: TrainingRecord
    # valid, renewal_due, in_grace, expired, renewed; None when nothing expires.
    renewal: str | None
    grace_ends_on: date | None


_STATUS_ORDER = {"in_progress": 0, "planned": 1, "completed": 2}


def worker_records(profile_id: int, *, today: date) -> dict[str, list[RecordLine]]:
    """A worker's records by kind of programme: current ones first, then completed ones, newest first."""
    records = db.session.scalars(
        sa.select(TrainingRecord).options(joinedload(TrainingRecord.programme))
        .where(TrainingRecord.profile_id == profile_id)
    ).all()
    latest_expiry: dict[int, date] = {}
    for record in records:
        if record.status == "completed" and record.expires_on:
            latest_expiry[record.programme_id] = max(record.expires_on,
                                                     latest_expiry.get(record.programme_id, record.expires_on))
    lines: dict[str, list[RecordLine]] = {kind: [] for kind in PROGRAMME_KINDS}
    for record in sorted(records, key=lambda r: (_STATUS_ORDER[r.status],
                                                 -(r.ends_on or r.starts_on or date.max).toordinal(), -r.id)):
        programme = record.programme
        state = None
        if record.status == "completed":
            state = renewal_state(record.expires_on, notice_days=programme.renewal_notice_days,
                                  grace_days=programme.grace_days, today=today)
            if state and record.expires_on < latest_expiry[record.programme_id]:
                state = RENEWED
        lines[programme.kind].append(RecordLine(record=record, renewal=state,
                                                grace_ends_on=grace_ends_on(record.expires_on, programme.grace_days)))
    return lines


# --- certificates ----------------------------------------------------------------------------

def attach_certificate(actor, record: TrainingRecord, *, stream, filename: str | None, store: CertificateStore,
                       ip: str | None, now: datetime) -> None:
    """Store a certificate for the record (checked by content and size); a previous one is deleted on commit.

    Wrong type or size: a DomainError, and nothing is stored.
    """
    content, content_type = store.read_upload(stream)
    key = store.save(content)
    session = db.session()
    remove_after_rollback(session, store.path(key))
    replaced = record.certificate_key
    if replaced:
        remove_after_commit(session, store.path(replaced))
    record.certificate_key = key
    record.certificate_filename = sanitise_filename(filename, content_type)
    record.certificate_content_type = content_type
    record.certificate_size = len(content)
    record.certificate_uploaded_at = now
    record.updated_at = now
    db.session.flush()
    audit("training.certificate_upload", actor=actor, object_type="training_record", object_id=record.id, ip=ip,
          now=now, details={"profile_id": record.profile_id, "size": len(content), "content_type": content_type,
                            "replaced": replaced is not None})


def certificate_for_download(actor, record: TrainingRecord, *, store: CertificateStore, ip: str | None,
                             now: datetime) -> Path | None:
    """The certificate file to send, recording who downloaded it; None when there is none."""
    if not record.certificate_key:
        return None
    path = store.path(record.certificate_key)
    if not path.is_file():
        return None
    audit("training.certificate_download", actor=actor, object_type="training_record", object_id=record.id,
          ip=ip, now=now, details={"profile_id": record.profile_id})
    db.session.flush()
    return path


# --- programme requirements ------------------------------------------------------------------

@dataclass
class RequirementsData:
    initial_qualification_before_caseload: bool
    ongoing_training_hours_per_year: int
    supervision_interval_weeks: int


def current_requirements() -> ProgrammeRequirements:
    """The programme's requirements (the single row, created with its defaults if it is missing)."""
    requirements = db.session.get(ProgrammeRequirements, 1)
    if requirements is not None:
        return requirements
    try:
        with db.session.begin_nested():
            requirements = ProgrammeRequirements(id=1, initial_qualification_before_caseload=True,
                                                 ongoing_training_hours_per_year=14, supervision_interval_weeks=4)
            db.session.add(requirements)
    except IntegrityError:
        # Created by another request at the same moment: use theirs.
        requirements = db.session.get(ProgrammeRequirements, 1)
    return requirements


_REQUIREMENT_FIELDS = ("initial_qualification_before_caseload", "ongoing_training_hours_per_year",
                       "supervision_interval_weeks")


def update_requirements(actor, data: RequirementsData, *, ip: str | None, now: datetime) -> ProgrammeRequirements:
    """Set what the programme asks of every peer worker."""
    if not 0 <= data.ongoing_training_hours_per_year <= 1000:
        raise DomainError(_l("Enter a number of hours between 0 and 1000."), field="ongoing_training_hours_per_year")
    if not 1 <= data.supervision_interval_weeks <= 52:
        raise DomainError(_l("Enter a number of weeks between 1 and 52."), field="supervision_interval_weeks")
    requirements = current_requirements()
    changed = [name for name in _REQUIREMENT_FIELDS if getattr(requirements, name) != getattr(data, name)]
    for name in changed:
        setattr(requirements, name, getattr(data, name))
    if changed:
        requirements.updated_at = now
    db.session.flush()
    audit("training.requirements_update", actor=actor, object_type="programme_requirements", object_id=1, ip=ip,
          now=now, details={"fields": changed, **{name: getattr(data, name) for name in changed}})
    return requirements


# --- the coordinator's overview --------------------------------------------------------------

def workers_overview(*, today: date) -> list[tuple[PeerProfile, TrainingStatus]]:
    """Every worker still in the programme with their training status this year (two queries)."""
    profiles = db.session.scalars(
        sa.select(PeerProfile).options(joinedload(PeerProfile.account)).where(PeerProfile.status != "left")
    ).all()
    statuses = training_status([p.id for p in profiles], today.year, today)
    profiles = sorted(profiles, key=lambda p: p.account.name.lower())
    return [(profile, statuses[profile.id]) for profile in profiles]
