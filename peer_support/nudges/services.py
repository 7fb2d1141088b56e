"""The notification centre: who sees which nudges, reading them, and acting on them (done, snooze, dismiss).

A peer worker or a member of staff sees the nudges addressed to their account. A coordinator sees theirs and
the coordination team's (audience "coordination"), and may open the whole programme's: as the keeper of the
programme's frame, a coordinator may act on any nudge. The evaluation that creates and resolves nudges lives
elsewhere (nudges/engine.py); this module never creates one.
"""
from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased, joinedload

from peer_support import permissions
from peer_support.audit.services import record
from peer_support.auth.models import Account
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.nudges.models import ACTIVE_STATUSES, RULES, STATUSES, Nudge, NudgeThreshold
from peer_support.nudges.thresholds import DEFAULTS, set_threshold
from peer_support.pagination import Page
from peer_support.peers.models import PeerProfile
from peer_support.people.models import ServiceUser
from peer_support.units.models import Unit

STATUS_FILTERS = STATUSES + ("all",)
SCOPES = ("mine", "programme")
SNOOZE_MAX_DAYS = 90
REASON_MAX = 500


@dataclass(frozen=True)
class NudgeFilter:
    status: str = "open"
    rule: str | None = None
    unit_id: int | None = None
    # "programme": every nudge (coordinators only); "mine": those addressed to the actor.
    scope: str = "mine"


@dataclass
class NudgeItem:
    """A nudge as the list shows it, with the names it needs (loaded with it, never lazily)."""

    nudge: Nudge
    person_name: str | None
    worker_name: str | None
    # The nudge an escalation points to (None for any other rule, or when it no longer exists).
    original: Nudge | None
    # Whether it was unread by its recipient when the list was loaded.
    unread: bool
    # Whether the actor is the one (or among the team) it is addressed to.
    addressed_to_actor: bool
    # Where the thing to do is: (endpoint, arguments), or None.
    target: tuple[str, dict] | None


# --- Who sees what ------------------------------------------------------------------------------

def _addressed_to(actor):
    """The nudges addressed to the actor: their own, and the coordination team's for a coordinator."""
    return _addressed(actor.id, coordination=permissions.is_coordinator(actor))


def _addressed(account_id, *, coordination: bool):
    """The nudges addressed to an account (its id, or a bound parameter): its own, and the coordination team's
    for a coordinator's."""
    own = Nudge.account_id == account_id
    return sa.or_(own, Nudge.audience == "coordination") if coordination else own


@functools.cache
def _unread_count_statement(coordination: bool) -> sa.Select:
    """unread_count's statement, built once per kind of reader with its cache key: it runs on every page."""
    return sa.select(sa.func.count()).select_from(Nudge).where(
        _addressed(sa.bindparam("account_id"), coordination=coordination), Nudge.status == "open",
        Nudge.read_at.is_(None))


def _visible(actor, scope: str):
    if not permissions.can_receive_nudges(actor):
        return sa.false()
    # A message to the person themselves (audience "person", nudges/person_messages.py) is mailed to them,
    # and never shown in the notification centre, not even in the whole programme's list.
    if scope == "programme" and permissions.is_coordinator(actor):
        return Nudge.audience != "person"
    return sa.and_(_addressed_to(actor), Nudge.audience != "person")


def is_addressed_to(actor, nudge: Nudge) -> bool:
    """The nudge is the actor's own, or the coordination team's and the actor a coordinator."""
    return permissions.is_signed_in(actor) and (
        (nudge.account_id is not None and nudge.account_id == actor.id)
        or (nudge.audience == "coordination" and permissions.is_coordinator(actor)))


# --- The header's count ---------------------------------------------------------------------------

def unread_count(actor) -> int:
    """Open nudges addressed to the actor that nobody has listed yet: one COUNT, none for other roles."""
    if not permissions.can_receive_nudges(actor):
        return 0
    return db.session.scalar(_unread_count_statement(permissions.is_coordinator(actor)), {"account_id": actor.id})


def open_count(actor) -> int:
    """Open nudges addressed to the actor (the home page's summary)."""
    if not permissions.can_receive_nudges(actor):
        return 0
    return db.session.scalar(sa.select(sa.func.count()).select_from(Nudge).where(
        _addressed_to(actor), Nudge.status == "open"))


# --- The list -------------------------------------------------------------------------------------

_ORDER = {
    "open": (Nudge.due_on, Nudge.id),
    "snoozed": (Nudge.snoozed_until, Nudge.id),
    "done": (Nudge.acted_at.desc(), Nudge.id.desc()),
    "dismissed": (Nudge.acted_at.desc(), Nudge.id.desc()),
    "resolved": (Nudge.resolved_at.desc(), Nudge.id.desc()),
    "all": (Nudge.created_at.desc(), Nudge.id.desc()),
}


def _conditions(actor, filters: NudgeFilter) -> list:
    conditions = [_visible(actor, filters.scope)]
    if filters.status != "all":
        conditions.append(Nudge.status == (filters.status if filters.status in STATUSES else "open"))
    if filters.rule in RULES:
        conditions.append(Nudge.rule == filters.rule)
    if filters.unit_id:
        conditions.append(Nudge.unit_id == filters.unit_id)
    return conditions


def target_of(actor, nudge: Nudge, originals: dict[int, Nudge] | None = None) -> tuple[str, dict] | None:
    """Where the thing a nudge asks for is done, for this actor: (endpoint, arguments), or None."""
    subject, subject_id = nudge.subject_type, nudge.subject_id
    if subject == "nudge":
        original = (originals or {}).get(subject_id)
        if original is None or original.subject_type == "nudge":
            return None
        return target_of(actor, original)
    coordinator = permissions.is_coordinator(actor)
    if subject == "referral":
        if coordinator:
            return "triage.show", {"referral_id": subject_id}
        if actor.role == "peer_worker":
            if nudge.rule == "proposal_unanswered":
                return "triage.proposals", {}
            return "caseload.index", {}
        if actor.role == "staff":
            return "referrals.show", {"referral_id": subject_id}
        return None
    if subject == "peer_profile":
        return "supervision.worker", {"profile_id": subject_id}
    if subject == "debrief_request":
        return "supervision.debrief", {"debrief_id": subject_id}
    if subject == "training_record":
        if nudge.peer_profile_id is not None:
            return "training.worker", {"profile_id": nudge.peer_profile_id}
        if coordinator:
            return "training.workers", {}
        if actor.role == "peer_worker":
            return "training.mine", {}
    return None


def list_nudges(actor, filters: NudgeFilter, *, page: int, per_page: int) -> Page:
    """One page of the nudges the actor may see, with the person's, the worker's and the unit's names,
    in a fixed number of statements whatever the page size (a COUNT, the page, and the escalated
    nudges the page points to)."""
    conditions = _conditions(actor, filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Nudge).where(*conditions))
    page = max(1, page)
    worker = aliased(Account)
    rows = db.session.execute(
        sa.select(Nudge, ServiceUser.display_name, worker.name)
        .outerjoin(ServiceUser, ServiceUser.id == Nudge.service_user_id)
        .outerjoin(PeerProfile, PeerProfile.id == Nudge.peer_profile_id)
        .outerjoin(worker, worker.id == PeerProfile.account_id)
        .options(joinedload(Nudge.account), joinedload(Nudge.acted_by), joinedload(Nudge.unit))
        .where(*conditions)
        .order_by(*_ORDER.get(filters.status, _ORDER["open"]))
        .offset((page - 1) * per_page).limit(per_page)
    ).all()
    escalated_ids = {nudge.subject_id for nudge, _person, _worker in rows if nudge.subject_type == "nudge"}
    originals = {}
    if escalated_ids:
        originals = {n.id: n for n in db.session.scalars(sa.select(Nudge).where(Nudge.id.in_(escalated_ids)))}
    items = []
    for nudge, person_name, worker_name in rows:
        addressed = is_addressed_to(actor, nudge)
        items.append(NudgeItem(
            nudge=nudge, person_name=person_name, worker_name=worker_name,
            original=originals.get(nudge.subject_id) if nudge.subject_type == "nudge" else None,
            unread=nudge.status == "open" and nudge.read_at is None and addressed, addressed_to_actor=addressed,
            target=target_of(actor, nudge, originals)))
    return Page(items=items, page=page, per_page=per_page, total=total)


def mark_read(actor, nudge_ids: Iterable[int], *, now: datetime) -> int:
    """Mark as read, in one UPDATE, those of these nudges that are open, addressed to the actor and unread.

    A coordinator looking through the whole programme does not mark a worker's nudges read; a snoozed
    nudge stays unread, so that it counts again in the header when its snooze ends."""
    ids = sorted(set(nudge_ids))
    if not ids or not permissions.can_receive_nudges(actor):
        return 0
    result = db.session.execute(
        sa.update(Nudge).where(Nudge.id.in_(ids), Nudge.status == "open", Nudge.read_at.is_(None),
                               _addressed_to(actor))
        .values(read_at=now).execution_options(synchronize_session=False))
    return result.rowcount


# --- Acting on one nudge --------------------------------------------------------------------------

def get_nudge(nudge_id: int) -> Nudge | None:
    """One nudge by id (the views' loader checks who may see it)."""
    return db.session.get(Nudge, nudge_id)


NO_LONGER_ACTIVE = _l("This nudge is no longer waiting for anyone: it was already marked done, dismissed, "
                      "or it resolved itself. Nothing was changed.")


def _act(actor, nudge: Nudge, values: dict) -> None:
    """Change an active nudge with one conditional UPDATE, so that two people (or the evaluation
    resolving it) acting at the same moment never both succeed."""
    if not permissions.can_act_on_nudge(actor, nudge):
        raise DomainError(_l("You cannot act on this nudge."))
    result = db.session.execute(
        sa.update(Nudge).where(Nudge.id == nudge.id, Nudge.status.in_(ACTIVE_STATUSES))
        .values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise DomainError(NO_LONGER_ACTIVE)
    db.session.refresh(nudge)


def mark_done(actor, nudge: Nudge, *, ip: str | None, now: datetime) -> None:
    """The recipient (or a coordinator) did what the nudge asked."""
    before = nudge.status
    _act(actor, nudge, {"status": "done", "acted_at": now, "acted_by_id": actor.id, "snoozed_until": None})
    record("nudges.done", actor=actor, object_type="nudge", object_id=nudge.id, ip=ip, now=now,
           details={"rule": nudge.rule, "from": before})


def snooze(actor, nudge: Nudge, until: date | None, *, today: date, ip: str | None, now: datetime) -> None:
    """Hide the nudge until a date after today, at most SNOOZE_MAX_DAYS ahead."""
    if until is None:
        raise DomainError(_l("Choose the date until which to snooze it."), field="until")
    if until <= today:
        raise DomainError(_l("Choose a date after today."), field="until")
    if until > today + timedelta(days=SNOOZE_MAX_DAYS):
        raise DomainError(_l("Choose a date at most %(n)d days from today.", n=SNOOZE_MAX_DAYS), field="until")
    before = nudge.status
    # Unread again: when the snooze ends (the evaluation reopens it), it counts in the header anew.
    _act(actor, nudge, {"status": "snoozed", "snoozed_until": until, "read_at": None})
    record("nudges.snooze", actor=actor, object_type="nudge", object_id=nudge.id, ip=ip, now=now,
           details={"rule": nudge.rule, "from": before, "until": until.isoformat()})


def dismiss(actor, nudge: Nudge, reason: str | None, *, ip: str | None, now: datetime) -> None:
    """Close the nudge without doing what it asked, saying why (kept on the nudge, not in the audit log)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Say in a few words why this nudge does not apply."), field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(_l("The reason is too long (at most %(n)d characters).", n=REASON_MAX), field="reason")
    before = nudge.status
    _act(actor, nudge, {"status": "dismissed", "dismiss_reason": reason, "acted_at": now,
                        "acted_by_id": actor.id, "snoozed_until": None})
    record("nudges.dismiss", actor=actor, object_type="nudge", object_id=nudge.id, ip=ip, now=now,
           details={"rule": nudge.rule, "from": before})


# --- Thresholds -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ThresholdRow:
    name: str
    default: int
    working_days: bool
    # The programme's own value (None: the default applies).
    programme: int | None
    # {unit_id: days} for the units with their own value.
    units: dict

    @property
    def programme_effective(self) -> int:
        return self.default if self.programme is None else self.programme


def threshold_table() -> list[ThresholdRow]:
    """Every threshold with its default, the programme's value and the units' own values (one query)."""
    stored: dict[str, dict] = {name: {} for name in DEFAULTS}
    for name, unit_id, days in db.session.execute(
            sa.select(NudgeThreshold.name, NudgeThreshold.unit_id, NudgeThreshold.days)
            .order_by(NudgeThreshold.id)):
        if name in stored:
            stored[name][unit_id] = days
    return [ThresholdRow(name=name, default=default, working_days=working, programme=stored[name].get(None),
                         units={unit_id: days for unit_id, days in stored[name].items() if unit_id is not None})
            for name, (default, working) in DEFAULTS.items()]


def units_by_id() -> dict:
    """Every unit by id (the thresholds page names the units with their own values)."""
    return {unit.id: unit for unit in db.session.scalars(sa.select(Unit).order_by(Unit.code))}


def save_thresholds(actor, values: dict[str, int | None], *, unit_id: int | None, ip: str | None,
                    now: datetime) -> list[str]:
    """Set the programme's (unit_id None) or one unit's values; None removes the value (the programme's,
    or the default, applies again). Returns the names changed; each change is audited."""
    if not permissions.is_coordinator(actor):
        raise DomainError(_l("Only the coordinator sets the thresholds of the nudges."))
    if unit_id is not None and db.session.get(Unit, unit_id) is None:
        raise DomainError(_l("Choose a unit from the list."), field="unit")
    current = {row.name: (row.programme if unit_id is None else row.units.get(unit_id)) for row in threshold_table()}
    changed = []
    for name, days in values.items():
        if name not in DEFAULTS:
            raise DomainError(_l("Unknown threshold."))
        if days is not None and not 0 <= days <= 3650:
            raise DomainError(_l("Enter a number of days between 0 and 3650."), field=name)
        if current.get(name) != days:
            set_threshold(actor, name, days, unit_id=unit_id, ip=ip, now=now)
            changed.append(name)
    return changed
