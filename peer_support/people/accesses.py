"""Who saw this record: the accesses to a person's data, read back from the audit log (issue 10).

A person's data is shown on their record, on their referrals' pages (triage and referrer) and on the
meetings they took part in; every view of those pages, and every change, is an audit entry. The list
is for the coordinator and, for their own record, the person themselves.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from peer_support.audit.models import AuditEntry
from peer_support.auth.models import Account
from peer_support.audit.services import record
from peer_support.extensions import db
from peer_support.meetings.models import MeetingParticipant
from peer_support.pagination import Page
from peer_support.people.models import ServiceUser
from peer_support.referrals.models import Referral

ACCESSES_PER_PAGE = 50


def _about(person_id: int):
    """Entries about the person's record, their referrals and the meetings they took part in.

    The entry ids come from three lookups of the (object type, object id) index, joined in one list: written
    as one OR of IN conditions, PostgreSQL could not use the index for the last two and read every referral
    and meeting entry of the log."""
    as_text = sa.String(40)
    referrals = sa.select(sa.cast(Referral.id, as_text)).where(Referral.service_user_id == person_id)
    meetings = sa.select(sa.cast(MeetingParticipant.meeting_id, as_text)).where(
        MeetingParticipant.service_user_id == person_id)
    own, of_referral, of_meeting = (aliased(AuditEntry) for _ in range(3))
    return AuditEntry.id.in_(sa.union_all(
        sa.select(own.id).where(own.object_type == "service_user", own.object_id == str(person_id)),
        sa.select(of_referral.id).where(of_referral.object_type == "referral", of_referral.object_id.in_(referrals)),
        sa.select(of_meeting.id).where(of_meeting.object_type == "meeting", of_meeting.object_id.in_(meetings)),
    ))


def record_accesses(person_id: int, *, page: int, per_page: int, except_account_id: int | None = None) -> Page:
    """One page of the accesses, newest first (two statements whatever their number).

    except_account_id leaves out the person's own visits to their space, on the page they read."""
    # Another service user acting on a meeting they share with the person (cancelling their own place in a
    # group) did not see this person's data, and their name must not show on this person's list.
    own_account = sa.select(ServiceUser.account_id).where(ServiceUser.id == person_id).scalar_subquery()
    other_service_users = sa.select(Account.id).where(Account.role == "service_user",
                                                      Account.id != sa.func.coalesce(own_account, 0))
    conditions = [_about(person_id),
                  sa.or_(AuditEntry.actor_id.is_(None), AuditEntry.actor_id.not_in(other_service_users))]
    if except_account_id is not None:
        conditions.append(sa.or_(AuditEntry.actor_id.is_(None), AuditEntry.actor_id != except_account_id))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(*conditions))
    page = max(1, page)
    items = db.session.scalars(
        sa.select(AuditEntry).options(joinedload(AuditEntry.actor))
        .where(*conditions)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * per_page).limit(per_page)).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total)


def record_access_log_view(actor, person_id: int, *, ip: str | None, now: datetime) -> None:
    """The coordinator reading who saw a record is itself an access, audited and listed with the others
    (the person reading their own list is not recorded)."""
    record("people.access_log_view", actor=actor, object_type="service_user", object_id=person_id, ip=ip, now=now)
    db.session.flush()
