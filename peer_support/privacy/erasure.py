"""Erasure on the person's request, and the legal hold that blocks it (and retention)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from peer_support.audit.services import record
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.meetings.models import Meeting, MeetingParticipant
from peer_support.people.models import ServiceUser
from peer_support.privacy.anonymise import anonymise, check_can_anonymise
from peer_support.referrals.models import Referral

REASON_MAX = 500
HOLD_REASON_MAX = 300


@dataclass(frozen=True)
class ErasureEffects:
    """What an erasure would change beyond the person's own record."""
    open_referrals: int
    planned_meetings: int
    has_account: bool


def erasure_effects(person: ServiceUser) -> ErasureEffects:
    """How many open referrals would be closed and planned meetings cancelled (or left, for a group)."""
    open_referrals = db.session.scalar(
        sa.select(sa.func.count()).select_from(Referral)
        .where(Referral.service_user_id == person.id, Referral.status != "closed"))
    planned = db.session.scalar(
        sa.select(sa.func.count()).select_from(MeetingParticipant).join(Meeting)
        .where(MeetingParticipant.service_user_id == person.id, MeetingParticipant.status == "enrolled",
               Meeting.status == "planned"))
    return ErasureEffects(open_referrals=open_referrals, planned_meetings=planned,
                          has_account=person.account_id is not None)


def _text(value: str | None, *, limit: int, required_message, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(required_message, field=field)
    if len(value) > limit:
        raise DomainError(_l("At most %(max)d characters.", max=limit), field=field)
    return value


def erase(actor, person: ServiceUser, *, reason: str | None, confirmation: str | None, ip: str | None,
          now: datetime) -> str:
    """Erase the person's identifying data on their request (refused under a legal hold); returns the new code.
    The reason is kept in the audit entry only."""
    check_can_anonymise(person)
    reason = _text(reason, limit=REASON_MAX, field="reason",
                   required_message=_l("Say why the data is erased (without identifying the person)."))
    if (confirmation or "").strip().upper() != person.code.upper():
        raise DomainError(_l("Type the person's code exactly as shown, to confirm."), field="confirmation")
    effects = erasure_effects(person)
    code = anonymise(person, how="erasure", actor=actor, now=now)
    record("privacy.erasure", actor=actor, object_type="service_user", object_id=person.id, ip=ip, now=now,
           details={"reason": reason, "referrals_closed": effects.open_referrals,
                    "meetings_cancelled": effects.planned_meetings})
    db.session.flush()
    return code


def set_legal_hold(actor, person: ServiceUser, *, reason: str | None, ip: str | None, now: datetime) -> None:
    """Block erasure and retention of this record, saying why."""
    if person.anonymised_at is not None:
        raise DomainError(_l("This person's data has already been anonymised."))
    if person.legal_hold:
        raise DomainError(_l("A legal hold is already set on this record."))
    person.legal_hold_reason = _text(reason, limit=HOLD_REASON_MAX, field="reason",
                                     required_message=_l("Say why the record must be kept."))
    person.legal_hold = True
    person.legal_hold_set_at = now
    person.updated_at = now
    record("privacy.legal_hold_set", actor=actor, object_type="service_user", object_id=person.id, ip=ip, now=now)
    db.session.flush()


def lift_legal_hold(actor, person: ServiceUser, *, ip: str | None, now: datetime) -> None:
    """Lift the hold: erasure and retention apply again."""
    if not person.legal_hold:
        raise DomainError(_l("No legal hold is set on this record."))
    person.legal_hold = False
    person.legal_hold_reason = person.legal_hold_set_at = None
    person.updated_at = now
    record("privacy.legal_hold_lift", actor=actor, object_type="service_user", object_id=person.id, ip=ip, now=now)
    db.session.flush()
