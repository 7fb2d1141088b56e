"""The referral workflow: which step may follow which, who takes it, and what each step records.

Allowed steps (anything else is refused with a DomainError):

    new       -> triaged | proposed | on_hold | closed
    triaged   -> proposed | on_hold | closed
    proposed  -> accepted (the proposed worker) | triaged (the worker declines, or the coordinator revokes) | closed
    accepted  -> active | on_hold | closed
    active    -> on_hold | closed
    on_hold   -> back where it was when the worker kept the person (accepted or active), else triaged | closed
    closed    -> nothing (reopening is a new referral)

The coordinator takes every step but accepting and declining, which belong to
the worker it is proposed to; starting the accompaniment (accepted -> active)
is the coordinator's or that worker's. Every step goes through record_event
(who, when, why) and writes an audit entry "triage.<action>" without free text.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from peer_support import permissions
from peer_support.audit.services import record
from peer_support.auth.models import Account
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.peers.models import PeerProfile
from peer_support.referrals.history import record_event
from peer_support.referrals.models import CLOSE_REASONS, STATUSES, Referral, ReferralEvent
from peer_support.timezones import local_date
from peer_support.triage.labels import STATUS_LABELS

TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"triaged", "proposed", "on_hold", "closed"}),
    "triaged": frozenset({"proposed", "on_hold", "closed"}),
    "proposed": frozenset({"accepted", "triaged", "closed"}),
    "accepted": frozenset({"active", "on_hold", "closed"}),
    "active": frozenset({"on_hold", "closed"}),
    # accepted and active only to go back where it was (see resume_status).
    "on_hold": frozenset({"triaged", "accepted", "active", "closed"}),
    "closed": frozenset(),
}
# tests/triage/test_services.py checks that every status has its transitions.

OPEN_STATUSES = tuple(status for status in STATUSES if status != "closed")
# What waits for the coordinator: the queue's default.
TO_HANDLE_STATUSES = ("new", "triaged", "proposed", "on_hold")
# What counts in a worker's caseload.
CASELOAD_STATUSES = ("accepted", "active")
REASON_MAX_LENGTH = 2000


def resume_status(referral: Referral) -> str:
    """Where a referral on hold goes back to: the accompaniment it paused, if the worker kept the person."""
    before = db.session.scalar(
        sa.select(ReferralEvent.from_status)
        .where(ReferralEvent.referral_id == referral.id, ReferralEvent.to_status == "on_hold")
        .order_by(ReferralEvent.id.desc()).limit(1))
    if before in CASELOAD_STATUSES and referral.peer_profile_id is not None:
        return before
    return "triaged"


def allowed_steps(referral: Referral) -> frozenset[str]:
    """The statuses this referral may move to now."""
    if referral.status == "on_hold":
        return frozenset({resume_status(referral), "closed"})
    return TRANSITIONS[referral.status]


def _check_step(referral: Referral, to_status: str, only_from: tuple[str, ...] | None = None) -> None:
    """Refuse a step the table does not allow, or that this action does not take from the current status."""
    if to_status not in allowed_steps(referral) or (only_from is not None and referral.status not in only_from):
        if referral.status == "closed":
            raise DomainError(_l("This referral is closed: nothing more can change. To start again, "
                                 "create a new referral."))
        raise DomainError(_l("A referral that is “%(current)s” cannot become “%(target)s”.",
                             current=STATUS_LABELS[referral.status], target=STATUS_LABELS[to_status]))


def _check_reason(reason: str | None, *, required: bool, message=None) -> str | None:
    reason = (reason or "").strip() or None
    if required and reason is None:
        raise DomainError(message or _l("Say why."), field="reason")
    if reason is not None and len(reason) > REASON_MAX_LENGTH:
        raise DomainError(_l("Keep it under %(max)d characters.", max=REASON_MAX_LENGTH), field="reason")
    return reason


def _check_coordinator(actor) -> None:
    if not permissions.can_triage_referrals(actor):
        raise DomainError(_l("Only the coordinator triages and assigns referrals."))


def own_profile_id(actor) -> int | None:
    """The profile id of a peer_worker account (None for anyone else)."""
    if not permissions.has_role("peer_worker")(actor):
        return None
    return db.session.scalar(sa.select(PeerProfile.id).where(PeerProfile.account_id == actor.id))


def _check_proposed_to(actor, referral: Referral) -> int:
    profile_id = own_profile_id(actor)
    if profile_id is None or referral.peer_profile_id != profile_id:
        raise DomainError(_l("This referral is not proposed to you."))
    return profile_id


def _step(actor, referral: Referral, to_status: str, *, now: datetime, reason: str | None = None,
          peer_profile_id: int | None = None, only_from: tuple[str, ...] | None = None,
          review_on: date | None = None) -> str:
    """Check the step is allowed, take it, keep it in the history; returns the status it came from."""
    _check_step(referral, to_status, only_from)
    from_status = referral.status
    record_event(referral, actor=actor, to_status=to_status, now=now, reason=reason,
                 peer_profile_id=peer_profile_id, review_on=review_on)
    return from_status


def _details(from_status: str, referral: Referral, **extra) -> dict:
    # Codes and ids only: the audit log never holds what people wrote.
    return {"from": from_status, "to": referral.status, **extra}


def caseload_counts(profile_ids) -> dict[int, int]:
    """How many people each worker accompanies now (accepted or active referrals), in one query."""
    ids = sorted({int(i) for i in profile_ids})
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Referral.peer_profile_id, sa.func.count())
        .where(Referral.peer_profile_id.in_(ids), Referral.status.in_(CASELOAD_STATUSES))
        .group_by(Referral.peer_profile_id))
    counts = dict.fromkeys(ids, 0)
    counts.update({profile_id: int(n) for profile_id, n in rows})
    return counts


def in_caseload(profile_id: int, person_ids) -> set[int]:
    """Which of these people the worker accompanies now (an accepted or active referral), in one query."""
    ids = sorted({int(i) for i in person_ids})
    if not ids:
        return set()
    return set(db.session.scalars(
        sa.select(Referral.service_user_id).where(
            Referral.peer_profile_id == profile_id, Referral.status.in_(CASELOAD_STATUSES),
            Referral.service_user_id.in_(ids))))


def record_view(actor, referral: Referral, *, ip: str | None, now: datetime) -> None:
    """Opening a referral shows the person's record: every view is audited."""
    record("triage.view", actor=actor, object_type="referral", object_id=referral.id, ip=ip, now=now)


# --- The coordinator's steps -----------------------------------------------------

def mark_triaged(actor, referral: Referral, *, reason: str | None = None, ip: str | None,
                 now: datetime) -> None:
    """The coordinator has looked at a new referral; a worker is still to be found."""
    _check_coordinator(actor)
    reason = _check_reason(reason, required=False)
    from_status = _step(actor, referral, "triaged", now=now, reason=reason, only_from=("new",))
    record("triage.mark_triaged", actor=actor, object_type="referral", object_id=referral.id, ip=ip, now=now,
           details=_details(from_status, referral))
    db.session.flush()


def propose(actor, referral: Referral, peer_profile_id: int | None, *, reason: str | None = None,
            ip: str | None, now: datetime) -> list:
    """Propose the referral to an active worker; returns warnings (no initial qualification, full caseload)."""
    _check_coordinator(actor)
    reason = _check_reason(reason, required=False)
    profile = db.session.get(PeerProfile, peer_profile_id) if peer_profile_id else None
    if profile is None:
        raise DomainError(_l("Choose a peer worker."), field="peer_profile_id")
    account = db.session.get(Account, profile.account_id)
    if profile.status != "active" or not account.is_active:
        raise DomainError(_l("%(name)s is not an active peer worker at the moment: choose someone else.",
                             name=account.name), field="peer_profile_id")
    _check_step(referral, "proposed", only_from=("new", "triaged"))
    warnings = _proposal_warnings(profile, account.name, now)
    from_status = _step(actor, referral, "proposed", now=now, reason=reason, peer_profile_id=profile.id,
                        only_from=("new", "triaged"))
    referral.peer_profile_id = profile.id
    referral.accepted_at = None
    record("triage.propose", actor=actor, object_type="referral", object_id=referral.id, ip=ip, now=now,
           details=_details(from_status, referral, peer_profile_id=profile.id, warnings=len(warnings)))
    db.session.flush()
    return warnings


def _proposal_warnings(profile: PeerProfile, name: str, now: datetime) -> list:
    from peer_support.training.services import current_requirements
    from peer_support.training.status import training_status

    warnings = []
    today = local_date(now)
    if current_requirements().initial_qualification_before_caseload:
        status = training_status([profile.id], today.year, today).get(profile.id)
        if status is None or not status.qualified:
            warnings.append(_l("%(name)s has no completed initial qualification yet, and the programme asks for "
                               "one before taking on a caseload.", name=name))
    if caseload_counts([profile.id])[profile.id] >= profile.max_caseload:
        warnings.append(_l("%(name)s's caseload is full (%(max)d people).", name=name, max=profile.max_caseload))
    return warnings


def revoke(actor, referral: Referral, *, reason: str | None = None, ip: str | None, now: datetime) -> None:
    """The coordinator withdraws a proposal (to reassign it): back to triaged, the worker cleared."""
    _check_coordinator(actor)
    reason = _check_reason(reason, required=False)
    if referral.status != "proposed":
        raise DomainError(_l("Only a proposal still waiting for the worker's answer can be withdrawn."))
    worker = referral.peer_profile_id
    from_status = _step(actor, referral, "triaged", now=now, reason=reason, peer_profile_id=worker)
    referral.peer_profile_id = None
    record("triage.revoke", actor=actor, object_type="referral", object_id=referral.id, ip=ip, now=now,
           details=_details(from_status, referral, peer_profile_id=worker))
    db.session.flush()


def put_on_hold(actor, referral: Referral, *, review_on: date | None, reason: str | None, ip: str | None,
                now: datetime) -> None:
    """"Not now": on hold until a review date after today (an acute phase, a poor moment)."""
    _check_coordinator(actor)
    if review_on is None or review_on <= local_date(now):
        raise DomainError(_l("Choose a review date after today."), field="review_on")
    reason = _check_reason(reason, required=True, message=_l("Say why the referral waits."))
    from_status = _step(actor, referral, "on_hold", now=now, reason=reason, peer_profile_id=referral.peer_profile_id,
                        review_on=review_on)
    referral.review_on = review_on
    record("triage.hold", actor=actor, object_type="referral", object_id=referral.id, ip=ip, now=now,
           details=_details(from_status, referral, review_on=review_on.isoformat()))
    db.session.flush()


def resume(actor, referral: Referral, *, reason: str | None = None, ip: str | None, now: datetime) -> None:
    """End a hold: back to the accompaniment it paused, or to triage."""
    _check_coordinator(actor)
    reason = _check_reason(reason, required=False)
    if referral.status != "on_hold":
        raise DomainError(_l("Only a referral on hold can be resumed."))
    to_status = resume_status(referral)
    from_status = _step(actor, referral, to_status, now=now, reason=reason, peer_profile_id=referral.peer_profile_id)
    referral.review_on = None
    record("triage.resume", actor=actor, object_type="referral", object_id=referral.id, ip=ip, now=now,
           details=_details(from_status, referral))
    db.session.flush()


def close(actor, referral: Referral, *, close_reason: str | None, reason: str | None = None, ip: str | None,
          now: datetime) -> None:
    """Close with one of the reasons; "other" needs a word of explanation. A worker who never accepted is cleared."""
    _check_coordinator(actor)
    if close_reason not in CLOSE_REASONS:
        raise DomainError(_l("Choose why the referral is closed."), field="close_reason")
    reason = _check_reason(reason, required=close_reason == "other",
                           message=_l("Say in a few words why the referral is closed."))
    from_status = _step(actor, referral, "closed", now=now, reason=reason, peer_profile_id=referral.peer_profile_id)
    referral.close_reason = close_reason
    referral.review_on = None
    if referral.accepted_at is None:
        referral.peer_profile_id = None
    record("triage.close", actor=actor, object_type="referral", object_id=referral.id, ip=ip, now=now,
           details=_details(from_status, referral, close_reason=close_reason))
    db.session.flush()


# --- The worker's steps ----------------------------------------------------------------

def accept(actor, referral: Referral, *, ip: str | None, now: datetime) -> None:
    """The worker it is proposed to takes the person on."""
    profile_id = _check_proposed_to(actor, referral)
    from_status = _step(actor, referral, "accepted", now=now, peer_profile_id=profile_id, only_from=("proposed",))
    referral.accepted_at = now
    record("triage.accept", actor=actor, object_type="referral", object_id=referral.id, ip=ip, now=now,
           details=_details(from_status, referral, peer_profile_id=profile_id))
    db.session.flush()


def decline(actor, referral: Referral, *, reason: str | None, ip: str | None, now: datetime) -> None:
    """The worker it is proposed to declines, saying why; the coordinator then proposes someone else."""
    profile_id = _check_proposed_to(actor, referral)
    reason = _check_reason(reason, required=True,
                           message=_l("Say why you decline, so the coordinator can find someone else."))
    from_status = _step(actor, referral, "triaged", now=now, reason=reason, peer_profile_id=profile_id,
                        only_from=("proposed",))
    referral.peer_profile_id = None
    record("triage.decline", actor=actor, object_type="referral", object_id=referral.id, ip=ip, now=now,
           details=_details(from_status, referral, peer_profile_id=profile_id))
    db.session.flush()


def start(actor, referral: Referral, *, reason: str | None = None, ip: str | None, now: datetime) -> None:
    """The first contact is made: the accompaniment is under way (the coordinator or the accepting worker)."""
    if not permissions.can_triage_referrals(actor):
        _check_proposed_to(actor, referral)
    reason = _check_reason(reason, required=False)
    from_status = _step(actor, referral, "active", now=now, reason=reason, peer_profile_id=referral.peer_profile_id,
                        only_from=("accepted",))
    record("triage.start", actor=actor, object_type="referral", object_id=referral.id, ip=ip, now=now,
           details=_details(from_status, referral))
    db.session.flush()
