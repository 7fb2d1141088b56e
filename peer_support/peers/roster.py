"""The coordinator's roster: every worker's frame at a glance, in a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, load_only, selectinload

from peer_support.auth.models import Account
from peer_support.extensions import db
from peer_support.peers.models import PeerProfile
from peer_support.supervision.models import DebriefRequest
from peer_support.supervision.services import SupervisionStatus, supervision_status
from peer_support.training.services import current_requirements
from peer_support.training.status import TrainingStatus, training_status
from peer_support.triage.services import caseload_counts
from peer_support.units.models import Unit


@dataclass(frozen=True)
class RosterRow:
    profile: PeerProfile
    training: TrainingStatus
    supervision: SupervisionStatus
    open_debriefs: int
    required_hours: int
    # People accompanied now (accepted or active referrals), against the worker's maximum.
    caseload: int = 0

    @property
    def hours_missing(self) -> Decimal:
        return max(Decimal(self.required_hours) - self.training.ongoing_hours, Decimal(0))


def roster(*, today: date, unit_id: int | None = None, include_left: bool = False) -> list[RosterRow]:
    """Every worker with qualification, training hours, supervision, open debriefs and caseload.

    Only the columns the roster and its CSV show are loaded (a few hundred workers on one page: whole rows of
    profiles and accounts made the ORM work cost more than the SQL)."""
    query = (
        sa.select(PeerProfile).join(PeerProfile.account)
        .options(load_only(PeerProfile.id, PeerProfile.status, PeerProfile.max_caseload, PeerProfile.account_id),
                 joinedload(PeerProfile.account).load_only(Account.id, Account.name)
                 .options(selectinload(Account.units).load_only(Unit.id, Unit.code)))
        .order_by(Account.name)
    )
    if not include_left:
        query = query.where(PeerProfile.status != "left")
    if unit_id:
        query = query.where(Account.units.any(Unit.id == unit_id))
    profiles = list(db.session.scalars(query).unique())
    ids = [profile.id for profile in profiles]
    training = training_status(ids, today.year, today)
    supervision = supervision_status(ids, today)
    debriefs = dict(db.session.execute(
        sa.select(DebriefRequest.profile_id, sa.func.count())
        .where(DebriefRequest.profile_id.in_(ids), DebriefRequest.status != "held")
        .group_by(DebriefRequest.profile_id)
    ).all()) if ids else {}
    caseloads = caseload_counts(ids)
    required = current_requirements().ongoing_training_hours_per_year
    return [RosterRow(profile=p, training=training[p.id], supervision=supervision[p.id],
                      open_debriefs=debriefs.get(p.id, 0), required_hours=required, caseload=caseloads.get(p.id, 0))
            for p in profiles]
