"""Reading referrals for triage: the coordinator's queue, one referral's page, a worker's proposals."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from peer_support.auth.models import Account
from peer_support.extensions import db
from peer_support.pagination import Page
from peer_support.peers.models import PeerProfile
from peer_support.people.models import ServiceUser
from peer_support.referrals.models import Referral, ReferralEvent
from peer_support.triage.services import TO_HANDLE_STATUSES


@dataclass(frozen=True)
class QueueFilter:
    statuses: tuple[str, ...] = TO_HANDLE_STATUSES
    unit_id: int | None = None
    care_stage: str | None = None
    # Only requests made more than this many days ago.
    older_than_days: int | None = None


def _listed():
    """A referral with what a list row shows: the person, the unit, the worker."""
    return (sa.select(Referral)
            .options(joinedload(Referral.service_user), joinedload(Referral.unit),
                     joinedload(Referral.peer_profile).joinedload(PeerProfile.account)))


def triage_queue(filters: QueueFilter, *, now: datetime, page: int, per_page: int = 25) -> Page:
    """One page of referrals matching the filters, the longest waiting first (two queries)."""
    conditions = [Referral.status.in_(filters.statuses)]
    if filters.unit_id:
        conditions.append(Referral.unit_id == filters.unit_id)
    if filters.care_stage:
        conditions.append(Referral.care_stage == filters.care_stage)
    if filters.older_than_days:
        conditions.append(Referral.created_at < now - timedelta(days=filters.older_than_days))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Referral).where(*conditions))
    page = max(1, page)
    items = db.session.scalars(
        _listed().where(*conditions)
        .order_by(Referral.created_at, Referral.id)
        .offset((page - 1) * per_page).limit(per_page)
    ).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total)


def load_referral(referral_id: int) -> Referral | None:
    """A referral with everything its triage page shows, in a fixed number of queries."""
    return db.session.scalar(
        sa.select(Referral)
        .options(joinedload(Referral.service_user).selectinload(ServiceUser.units),
                 joinedload(Referral.unit), joinedload(Referral.referred_by), joinedload(Referral.wanted_domain),
                 joinedload(Referral.peer_profile).joinedload(PeerProfile.account),
                 selectinload(Referral.events).joinedload(ReferralEvent.actor))
        .where(Referral.id == referral_id)
    )


def worker_names(profile_ids) -> dict[int, str]:
    """The names of the workers a history mentions, in one query."""
    ids = {i for i in profile_ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(
        sa.select(PeerProfile.id, Account.name).join(Account, Account.id == PeerProfile.account_id)
        .where(PeerProfile.id.in_(ids))).all())


def referrals_of_worker(profile_id: int, statuses: tuple[str, ...]) -> list[Referral]:
    """The worker's referrals in these statuses, oldest change first, with the person and the unit."""
    return list(db.session.scalars(
        sa.select(Referral)
        .options(joinedload(Referral.service_user), joinedload(Referral.unit))
        .where(Referral.peer_profile_id == profile_id, Referral.status.in_(statuses))
        .order_by(Referral.status_changed_at, Referral.id)
    ))


def load_with_worker(referral_id: int) -> Referral | None:
    """A referral with its worker's profile (what the proposal rule reads)."""
    return db.session.scalar(
        sa.select(Referral).options(joinedload(Referral.peer_profile)).where(Referral.id == referral_id))


def count_by_status(status: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Referral).where(Referral.status == status))


def count_for_worker(profile_id: int | None, status: str) -> int:
    if profile_id is None:
        return 0
    return db.session.scalar(sa.select(sa.func.count()).select_from(Referral)
                             .where(Referral.peer_profile_id == profile_id, Referral.status == status))
