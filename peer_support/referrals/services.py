"""Referrals by staff, and what their referrers may follow of them."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from peer_support.audit.services import record
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.pagination import Page
from peer_support.peers.models import MEETING_FORMATS, LivedExperienceDomain, PeerProfile
from peer_support.people.models import ServiceUser
from peer_support.referrals.history import record_event
from peer_support.referrals.models import CARE_STAGES, Referral, ReferralEvent
from peer_support.timezones import local_date

# Once a worker has accepted, the referrer may know who accompanies the person.
WORKER_SHOWN_FROM = ("accepted", "active")


@dataclass
class ReferralData:
    unit_id: int | None
    reason: str | None = None
    care_stage: str | None = None
    information_given: str | None = None
    information_page_given: bool = False
    agreed_to_contact: bool = False
    preferred_formats: list[str] = field(default_factory=list)
    constraints: str | None = None
    wanted_domain_id: int | None = None
    on_hold: bool = False
    review_on: date | None = None


def _clean(text: str | None) -> str | None:
    return (text or "").strip() or None


def check_referral(person: ServiceUser | None, data: ReferralData, *, now: datetime,
                   unit_ids: set[int] | None = None) -> None:
    """Refuse what a referral cannot hold; `unit_ids` replaces the person's units (person not created yet)."""
    allowed_units = unit_ids if unit_ids is not None else {unit.id for unit in person.units}
    if data.unit_id not in allowed_units:
        raise DomainError(_l("Choose one of the person's units."), field="unit_id")
    if not _clean(data.reason):
        raise DomainError(_l("Say why you refer this person."), field="reason")
    if data.care_stage not in CARE_STAGES:
        raise DomainError(_l("Choose the stage in care."), field="care_stage")
    if not set(data.preferred_formats) <= set(MEETING_FORMATS):
        raise DomainError(_l("Unknown meeting format."), field="preferred_formats")
    if data.wanted_domain_id is not None and not db.session.scalar(
            sa.select(LivedExperienceDomain.is_active).where(LivedExperienceDomain.id == data.wanted_domain_id)):
        raise DomainError(_l("Choose a lived experience from the list."), field="wanted_domain_id")
    if not data.agreed_to_contact:
        raise DomainError(_l("A peer worker contacts only people who agreed to it. Ask the person first; if they "
                             "do not agree yet, do not refer them now."), field="agreed_to_contact")
    if data.on_hold:
        if data.review_on is None:
            raise DomainError(_l("Enter the date when the referral should be looked at again."), field="review_on")
        if data.review_on <= local_date(now):
            raise DomainError(_l("The review date must be in the future."), field="review_on")


def create_staff_referral(actor, person: ServiceUser, data: ReferralData, *, ip: str | None,
                          now: datetime) -> Referral:
    """A referral by a member of staff (the person's units loaded): new, or on hold until a review date."""
    check_referral(person, data, now=now)
    referral = Referral(
        service_user_id=person.id, unit_id=data.unit_id, source="staff", referred_by_id=actor.id,
        reason=_clean(data.reason), care_stage=data.care_stage, information_given=_clean(data.information_given),
        information_page_given=bool(data.information_page_given), agreed_to_contact=True,
        preferred_formats=[f for f in MEETING_FORMATS if f in data.preferred_formats],
        constraints=_clean(data.constraints), wanted_domain_id=data.wanted_domain_id,
        review_on=data.review_on if data.on_hold else None,
        created_at=now, updated_at=now)
    record_event(referral, actor=actor, to_status="on_hold" if data.on_hold else "new", now=now,
                 reason=None, review_on=referral.review_on)
    db.session.add(referral)
    db.session.flush()
    record("referrals.create", actor=actor, object_type="referral", object_id=referral.id, ip=ip, now=now,
           details={"service_user_id": person.id, "status": referral.status})
    return referral


def has_referred(actor_id: int, person_id: int) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(Referral.service_user_id == person_id,
                                                         Referral.referred_by_id == actor_id)))


def _with_what_referrers_see(query):
    return query.options(joinedload(Referral.service_user), joinedload(Referral.unit),
                         joinedload(Referral.peer_profile).joinedload(PeerProfile.account))


def my_referrals(actor, *, page: int, per_page: int) -> Page:
    """The referrals the actor made, newest first, in a fixed number of queries."""
    condition = Referral.referred_by_id == actor.id
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Referral).where(condition))
    page = max(1, page)
    items = db.session.scalars(
        _with_what_referrers_see(sa.select(Referral)).where(condition)
        .order_by(Referral.created_at.desc(), Referral.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total)


def get_referral(referral_id: int) -> Referral | None:
    """A referral with its person, unit, referrer, worker and history (with each step's actor)."""
    return db.session.scalar(
        _with_what_referrers_see(sa.select(Referral))
        .options(joinedload(Referral.referred_by), joinedload(Referral.wanted_domain),
                 selectinload(Referral.events).joinedload(ReferralEvent.actor))
        .where(Referral.id == referral_id)
    )


def referrals_of_person(person_id: int, *, referred_by_id: int | None = None) -> list[Referral]:
    """A person's referrals, newest first; only those made by `referred_by_id` when given."""
    query = (sa.select(Referral).options(joinedload(Referral.unit))
             .where(Referral.service_user_id == person_id)
             .order_by(Referral.created_at.desc(), Referral.id.desc()))
    if referred_by_id is not None:
        query = query.where(Referral.referred_by_id == referred_by_id)
    return list(db.session.scalars(query))


def worker_shown(referral: Referral):
    """The accompanying worker's account, once they accepted (never the one merely proposed to)."""
    if referral.peer_profile is None:
        return None
    if referral.status in WORKER_SHOWN_FROM or (referral.accepted_at is not None and referral.status != "proposed"):
        return referral.peer_profile.account
    return None


def record_view(actor, referral: Referral, *, ip: str | None, now: datetime) -> None:
    """A referral page shows the person's record: every view of it is audited."""
    record("referrals.view", actor=actor, object_type="referral", object_id=referral.id, ip=ip, now=now)
    db.session.flush()
