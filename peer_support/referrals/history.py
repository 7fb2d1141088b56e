"""The history of a referral: every change of status is a ReferralEvent (who, when, why)."""
from __future__ import annotations

from datetime import date, datetime

from peer_support.extensions import db
from peer_support.referrals.models import Referral, ReferralEvent


def record_event(referral: Referral, *, actor, to_status: str, now: datetime, reason: str | None = None,
                 peer_profile_id: int | None = None, review_on: date | None = None) -> ReferralEvent:
    """Move the referral to `to_status` and keep the step in its history (the caller checks it is allowed)."""
    event = ReferralEvent(referral=referral, at=now, actor_id=actor.id if actor is not None else None,
                          from_status=referral.status if referral.id is not None else None, to_status=to_status,
                          peer_profile_id=peer_profile_id, reason=(reason or "").strip() or None,
                          review_on=review_on if to_status == "on_hold" else None)
    referral.status = to_status
    referral.status_changed_at = now
    db.session.add(event)
    return event
