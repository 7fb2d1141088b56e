"""Debrief requests: a peer worker flags a hard event; their supervisor and the coordinator follow it up.

A request is never visible to other staff, to service users, to researchers or to
other peer workers (see permissions.can_view_debrief); its description, in the
worker's own words, never goes into the audit log.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from peer_support import permissions
from peer_support.audit.services import record
from peer_support.auth.models import Account
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.pagination import Page
from peer_support.peers.models import PeerProfile
from peer_support.supervision.models import DEBRIEF_STATUSES, HARD_EVENT_KINDS, DebriefRequest

DESCRIPTION_MAX = 5000
OPEN_STATUSES = ("requested", "scheduled")


@dataclass
class DebriefData:
    event_kind: str
    event_on: date | None
    description: str | None


def _query():
    return sa.select(DebriefRequest).options(
        joinedload(DebriefRequest.profile).joinedload(PeerProfile.account),
        joinedload(DebriefRequest.profile).joinedload(PeerProfile.supervisor),
    )


def get_debrief(debrief_id: int) -> DebriefRequest | None:
    """A request with its worker and their supervisor (what its page and its access rule need)."""
    return db.session.scalar(_query().where(DebriefRequest.id == debrief_id))


def _status_order():
    return sa.case({status: rank for rank, status in enumerate(DEBRIEF_STATUSES)}, value=DebriefRequest.status)


def requests_of(profile_id: int) -> list[DebriefRequest]:
    """A worker's own requests, newest first."""
    return list(db.session.scalars(
        _query().where(DebriefRequest.profile_id == profile_id)
        .order_by(DebriefRequest.requested_at.desc(), DebriefRequest.id.desc())))


def requests_to_handle(actor, *, open_only: bool, page: int, per_page: int) -> Page:
    """The requests the actor follows up: all for the coordinator, their supervisees' for a
    supervisor; open ones (requested, then scheduled) first, oldest request first."""
    if permissions.is_coordinator(actor):
        condition = sa.true()
    elif actor.role == "staff":
        condition = DebriefRequest.profile.has(PeerProfile.supervisor_id == actor.id)
    else:
        condition = sa.false()
    if open_only:
        condition = sa.and_(condition, DebriefRequest.status.in_(OPEN_STATUSES))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(DebriefRequest).where(condition))
    page = max(1, page)
    items = db.session.scalars(
        _query().where(condition)
        .order_by(_status_order(), DebriefRequest.requested_at, DebriefRequest.id)
        .offset((page - 1) * per_page).limit(per_page)
    ).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total)


def open_request_count(actor) -> int:
    if not permissions.can_list_debriefs(actor):
        return 0
    return requests_to_handle(actor, open_only=True, page=1, per_page=1).total


def request_debrief(actor: Account, profile: PeerProfile, data: DebriefData, *, ip: str | None, now: datetime,
                    today: date) -> DebriefRequest:
    """A worker flags a hard event and asks for a debrief; audited without the description."""
    if not permissions.is_own_profile(actor, profile):
        raise DomainError(_l("You can only ask for a debrief for yourself."))
    if data.event_kind not in HARD_EVENT_KINDS:
        raise DomainError(_l("Choose what happened."), field="event_kind")
    if data.event_on is not None and data.event_on > today:
        raise DomainError(_l("The date of the event cannot be in the future."), field="event_on")
    description = (data.description or "").strip() or None
    if description is not None and len(description) > DESCRIPTION_MAX:
        raise DomainError(_l("The description is too long (at most %(n)d characters).", n=DESCRIPTION_MAX),
                          field="description")
    debrief = DebriefRequest(profile_id=profile.id, event_kind=data.event_kind, event_on=data.event_on,
                             description=description, status="requested", requested_at=now, updated_at=now)
    db.session.add(debrief)
    db.session.flush()
    record("debrief.request", actor=actor, object_type="debrief_request", object_id=debrief.id, ip=ip, now=now)
    return debrief


def set_status(actor: Account, debrief: DebriefRequest, *, status: str, scheduled_for: datetime | None,
               held_on: date | None, ip: str | None, now: datetime, today: date) -> DebriefRequest:
    """The supervisor or the coordinator says where the debrief stands: requested, scheduled
    (with its date and time) or held (with its date)."""
    if not permissions.can_handle_debrief(actor, debrief):
        raise DomainError(_l("Only the worker's supervisor or the coordinator can change this request."))
    if status not in DEBRIEF_STATUSES:
        raise DomainError(_l("Choose a status."), field="status")
    if status == "scheduled" and scheduled_for is None:
        raise DomainError(_l("Give the date and time of the debrief."), field="scheduled_on")
    if status == "held":
        if held_on is None:
            raise DomainError(_l("Give the date the debrief was held."), field="held_on")
        if held_on > today:
            raise DomainError(_l("A debrief cannot have been held in the future."), field="held_on")
    before = (debrief.status, debrief.scheduled_for, debrief.held_on)
    debrief.status = status
    if status == "requested":
        debrief.scheduled_for, debrief.held_on = None, None
    elif status == "scheduled":
        debrief.scheduled_for, debrief.held_on = scheduled_for, None
    else:
        # The planned time stays known once held; a debrief held without being planned has none.
        debrief.held_on = held_on
        if scheduled_for is not None:
            debrief.scheduled_for = scheduled_for
    if (debrief.status, debrief.scheduled_for, debrief.held_on) != before:
        debrief.updated_at = now
        record("debrief.status", actor=actor, object_type="debrief_request", object_id=debrief.id, ip=ip, now=now,
               details={"from": before[0], "to": status})
    db.session.flush()
    return debrief


def record_view(actor: Account, debrief: DebriefRequest, *, ip: str | None, now: datetime) -> None:
    """Someone other than the worker read the request: the audit log keeps it."""
    if not permissions.is_own_profile(actor, debrief.profile):
        record("debrief.view", actor=actor, object_type="debrief_request", object_id=debrief.id, ip=ip, now=now)
