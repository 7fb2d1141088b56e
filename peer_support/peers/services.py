"""Peer worker profiles: finding them, and (below) creating and changing them."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, time

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from peer_support.audit.services import record
from peer_support.auth.models import Account
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.peers.models import (
    ABSENCE_KINDS, MEETING_FORMATS, PEER_STATUSES, Absence, LivedExperienceDomain, PeerDomain, PeerProfile,
    PresenceSlot,
)
from peer_support.permissions import is_own_profile
from peer_support.units.models import Unit


def get_profile(profile_id: int) -> PeerProfile | None:
    """A profile with its account and supervisor loaded (what every page about a worker shows)."""
    return db.session.scalar(
        sa.select(PeerProfile)
        .options(joinedload(PeerProfile.account), joinedload(PeerProfile.supervisor))
        .where(PeerProfile.id == profile_id)
    )


def profile_of(account) -> PeerProfile | None:
    """The profile of a peer_worker account, if the coordinator has created it."""
    if account is None or getattr(account, "role", None) != "peer_worker":
        return None
    return db.session.scalar(_profile_of_statement(), {"account_id": account.id})


@functools.cache
def _profile_of_statement() -> sa.Select:
    """profile_of's statement, built once with its cache key: a peer worker's every page runs it."""
    return (sa.select(PeerProfile)
            .options(joinedload(PeerProfile.account), joinedload(PeerProfile.supervisor))
            .where(PeerProfile.account_id == sa.bindparam("account_id")))


def record_export(actor, action: str, *, ip: str | None, now: datetime, rows: int) -> None:
    """Every export is audited, with its size."""
    record(action, actor=actor, ip=ip, now=now, details={"rows": rows})


# --- Lived-experience vocabulary ----------------------------------------------

def list_domains(*, active_only: bool = False) -> list[LivedExperienceDomain]:
    query = sa.select(LivedExperienceDomain).order_by(LivedExperienceDomain.name_fr)
    if active_only:
        query = query.where(LivedExperienceDomain.is_active)
    return list(db.session.scalars(query))


def _check_domain_names(name_fr: str, name_en: str, domain_id: int | None) -> tuple[str, str]:
    name_fr, name_en = name_fr.strip(), name_en.strip()
    for column, value, form_field in ((LivedExperienceDomain.name_fr, name_fr, "name_fr"),
                                      (LivedExperienceDomain.name_en, name_en, "name_en")):
        taken = db.session.scalar(sa.select(LivedExperienceDomain.id).where(
            sa.func.lower(column) == value.lower(), LivedExperienceDomain.id != (domain_id or 0)))
        if taken:
            raise DomainError(_l("This name is already in the list."), field=form_field)
    return name_fr, name_en


def save_domain(actor, domain: LivedExperienceDomain | None, *, name_fr: str, name_en: str, is_active: bool,
                ip: str | None, now: datetime) -> LivedExperienceDomain:
    """Create (domain=None) or change an entry of the vocabulary; names are unique in each language."""
    name_fr, name_en = _check_domain_names(name_fr, name_en, domain.id if domain else None)
    created = domain is None
    if created:
        domain = LivedExperienceDomain(created_at=now)
        db.session.add(domain)
    domain.name_fr, domain.name_en, domain.is_active = name_fr, name_en, is_active
    db.session.flush()
    record("peers.domain_create" if created else "peers.domain_update", actor=actor,
           object_type="lived_experience_domain", object_id=domain.id, ip=ip, now=now)
    return domain


# --- Profiles ------------------------------------------------------------------

@dataclass
class ProfileData:
    """What the worker themself may change."""
    presentation: str | None = None
    languages: list[str] = field(default_factory=list)
    meeting_formats: list[str] = field(default_factory=list)


@dataclass
class ProfileAdminData(ProfileData):
    """What only the coordinator may change."""
    status: str = "active"
    max_caseload: int = 12
    supervisor_id: int | None = None
    started_on: date | None = None


def accounts_without_profile() -> list[Account]:
    """Active peer_worker accounts the coordinator has not yet given a profile."""
    return list(db.session.scalars(
        sa.select(Account)
        .where(Account.role == "peer_worker", Account.is_active,
               ~sa.exists().where(PeerProfile.account_id == Account.id))
        .order_by(Account.name)
    ))


def supervisors() -> list[Account]:
    """Who may supervise peer workers: active care staff."""
    return list(db.session.scalars(
        sa.select(Account).where(Account.role == "staff", Account.is_active).order_by(Account.name)))


def _apply(profile: PeerProfile, data: ProfileData) -> None:
    if not set(data.meeting_formats) <= set(MEETING_FORMATS):
        raise DomainError(_l("Unknown meeting format."), field="meeting_formats")
    profile.presentation = (data.presentation or "").strip() or None
    profile.languages = sorted(set(data.languages))
    profile.meeting_formats = [f for f in MEETING_FORMATS if f in data.meeting_formats]
    if isinstance(data, ProfileAdminData):
        if data.status not in PEER_STATUSES:
            raise DomainError(_l("Unknown status."), field="status")
        if data.supervisor_id is not None:
            supervisor = db.session.get(Account, data.supervisor_id)
            if supervisor is None or supervisor.role != "staff" or not supervisor.is_active:
                raise DomainError(_l("The supervisor must be an active member of the care staff."),
                                  field="supervisor_id")
        profile.status = data.status
        profile.max_caseload = data.max_caseload
        profile.supervisor_id = data.supervisor_id
        profile.started_on = data.started_on


def create_profile(actor, account_id: int, data: ProfileAdminData, *, ip: str | None,
                   now: datetime) -> PeerProfile:
    """The coordinator opens the profile of a peer_worker account."""
    account = db.session.get(Account, account_id)
    if account is None or account.role != "peer_worker":
        raise DomainError(_l("Choose a peer worker's account."), field="account_id")
    if db.session.scalar(sa.select(PeerProfile.id).where(PeerProfile.account_id == account_id)):
        raise DomainError(_l("This peer worker already has a profile."), field="account_id")
    profile = PeerProfile(account_id=account_id, created_at=now)
    _apply(profile, data)
    db.session.add(profile)
    db.session.flush()
    record("peers.profile_create", actor=actor, object_type="peer_profile", object_id=profile.id, ip=ip, now=now)
    return profile


def update_profile(actor, profile: PeerProfile, data: ProfileData, *, ip: str | None, now: datetime) -> None:
    """Change a profile: ProfileAdminData from the coordinator, ProfileData from the worker."""
    _apply(profile, data)
    record("peers.profile_update", actor=actor, object_type="peer_profile", object_id=profile.id, ip=ip, now=now)
    db.session.flush()


def load_profile_page(profile_id: int) -> PeerProfile | None:
    """A profile with everything its page shows, in a fixed number of queries."""
    return db.session.scalar(
        sa.select(PeerProfile)
        .options(
            joinedload(PeerProfile.account).selectinload(Account.units),
            joinedload(PeerProfile.supervisor),
            selectinload(PeerProfile.domains).joinedload(PeerDomain.domain),
            selectinload(PeerProfile.presence_slots).joinedload(PresenceSlot.unit),
            selectinload(PeerProfile.absences),
        )
        .where(PeerProfile.id == profile_id)
    )


def directory(*, include_left: bool, unit_id: int | None = None, domain_id: int | None = None) -> list[PeerProfile]:
    """Peer workers with what the directory shows; `domain_id` matches consented domains only."""
    query = (
        sa.select(PeerProfile)
        .join(PeerProfile.account)
        .options(
            joinedload(PeerProfile.account).selectinload(Account.units),
            selectinload(PeerProfile.domains).joinedload(PeerDomain.domain),
        )
        .order_by(Account.name)
    )
    if not include_left:
        query = query.where(PeerProfile.status != "left")
    if unit_id:
        query = query.where(Account.units.any(Unit.id == unit_id))
    if domain_id:
        query = query.where(PeerProfile.domains.any(
            sa.and_(PeerDomain.domain_id == domain_id, PeerDomain.consent_to_matching)))
    return list(db.session.scalars(query).unique())


# --- Lived experience of one worker -------------------------------------------

EXPERIENCE_CHOICES = ("none", "private", "shared")


def set_experience(actor, profile: PeerProfile, choices: dict[int, str], *, ip: str | None, now: datetime) -> None:
    """The worker says, for each domain, whether it is theirs and whether it may be used for matching.

    Only the worker decides this: "private" keeps a domain to themself, "shared"
    consents to its use for matching (and shows it on their public profile).
    """
    if not is_own_profile(actor, profile):
        raise DomainError(_l("Only the peer worker can decide what of their experience is shared."))
    known = {domain.id for domain in list_domains()}
    current = {link.domain_id: link for link in db.session.scalars(
        sa.select(PeerDomain).where(PeerDomain.profile_id == profile.id))}
    changed = []
    for domain_id, choice in choices.items():
        if domain_id not in known or choice not in EXPERIENCE_CHOICES:
            raise DomainError(_l("Unknown lived-experience domain."))
        link = current.get(domain_id)
        if choice == "none":
            if link is not None:
                db.session.delete(link)
                changed.append(domain_id)
            continue
        consent = choice == "shared"
        if link is None:
            db.session.add(PeerDomain(profile_id=profile.id, domain_id=domain_id, consent_to_matching=consent,
                                      consent_changed_at=now))
            changed.append(domain_id)
        elif link.consent_to_matching != consent:
            link.consent_to_matching = consent
            link.consent_changed_at = now
            changed.append(domain_id)
    # Which domains changed is recorded, never what they are: the audit log is read by coordinators.
    record("peers.experience_update", actor=actor, object_type="peer_profile", object_id=profile.id, ip=ip,
           now=now, details={"changed": len(changed)})
    db.session.flush()


# --- Presence times and absences ------------------------------------------------

def add_presence_slot(actor, profile: PeerProfile, *, weekday: int, starts_at: time, ends_at: time,
                      unit_id: int | None, place: str, ip: str | None, now: datetime) -> PresenceSlot:
    """A weekly time and place where the worker can be found; slots of one day must not overlap."""
    if not 0 <= weekday <= 6:
        raise DomainError(_l("Choose a day of the week."), field="weekday")
    if ends_at <= starts_at:
        raise DomainError(_l("The end must be after the start."), field="ends_at")
    overlapping = db.session.scalar(sa.select(PresenceSlot.id).where(
        PresenceSlot.profile_id == profile.id, PresenceSlot.weekday == weekday,
        PresenceSlot.starts_at < ends_at, PresenceSlot.ends_at > starts_at).limit(1))
    if overlapping:
        raise DomainError(_l("This overlaps another presence time on the same day."), field="starts_at")
    slot = PresenceSlot(profile_id=profile.id, weekday=weekday, starts_at=starts_at, ends_at=ends_at,
                        unit_id=unit_id, place=place.strip())
    db.session.add(slot)
    db.session.flush()
    record("peers.presence_add", actor=actor, object_type="peer_profile", object_id=profile.id, ip=ip, now=now)
    return slot


def remove_presence_slot(actor, profile: PeerProfile, slot_id: int, *, ip: str | None, now: datetime) -> None:
    slot = db.session.scalar(sa.select(PresenceSlot).where(PresenceSlot.id == slot_id,
                                                            PresenceSlot.profile_id == profile.id))
    if slot is None:
        raise DomainError(_l("This presence time no longer exists."))
    db.session.delete(slot)
    record("peers.presence_remove", actor=actor, object_type="peer_profile", object_id=profile.id, ip=ip, now=now)
    db.session.flush()


def add_absence(actor, profile: PeerProfile, *, starts_on: date, ends_on: date, kind: str,
                public_note: str | None, ip: str | None, now: datetime) -> Absence:
    """An exception to the presence times (leave, training ...), first and last day included."""
    if kind not in ABSENCE_KINDS:
        raise DomainError(_l("Choose the kind of absence."), field="kind")
    if ends_on < starts_on:
        raise DomainError(_l("The last day must not be before the first day."), field="ends_on")
    absence = Absence(profile_id=profile.id, starts_on=starts_on, ends_on=ends_on, kind=kind,
                      public_note=(public_note or "").strip() or None)
    db.session.add(absence)
    db.session.flush()
    record("peers.absence_add", actor=actor, object_type="peer_profile", object_id=profile.id, ip=ip, now=now)
    return absence


def remove_absence(actor, profile: PeerProfile, absence_id: int, *, ip: str | None, now: datetime) -> None:
    absence = db.session.scalar(sa.select(Absence).where(Absence.id == absence_id, Absence.profile_id == profile.id))
    if absence is None:
        raise DomainError(_l("This absence no longer exists."))
    db.session.delete(absence)
    record("peers.absence_remove", actor=actor, object_type="peer_profile", object_id=profile.id, ip=ip, now=now)
    db.session.flush()


def current_and_coming_absences(profile: PeerProfile, today: date) -> list[Absence]:
    """Absences not yet over, soonest first (what the people accompanied need to know)."""
    return list(db.session.scalars(sa.select(Absence).where(Absence.profile_id == profile.id, Absence.ends_on >= today)
                                   .order_by(Absence.starts_on)))
