"""The people a peer worker accompanies, each with their last and next meeting, in a constant number of queries."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from peer_support.audit.services import record
from peer_support.auth.models import Account
from peer_support.extensions import db
from peer_support.meetings.models import TOOK_PART, LastMeeting, Meeting, MeetingParticipant
from peer_support.pagination import Page
from peer_support.peers.models import PeerProfile
from peer_support.people.models import ServiceUser
from peer_support.referrals.models import Referral

# The accompaniments a worker holds: accepted (first contact to make), active, or paused with the worker kept.
CASELOAD_PAGE_STATUSES = ("accepted", "active", "on_hold")
SORTS = ("name", "status", "last_meeting", "next_meeting", "since")
PER_PAGE = 25


@dataclass(frozen=True)
class CaseloadRow:
    """One person on the caseload: what the page shows of their accompaniment and of them, as plain values (a page
    of rows is read as columns: loading two wide entities per row cost more than the rest of the query)."""

    person_id: int
    code: str
    display_name: str
    contact_channel: str
    phone: str | None
    email: str | None
    follow_up_choice: str | None
    status: str
    review_on: date | None
    accepted_at: datetime | None
    last_meeting_at: datetime | None
    next_meeting_at: datetime | None

    def days_since_last_meeting(self, now: datetime) -> int | None:
        return (now - self.last_meeting_at).days if self.last_meeting_at else None

    def days_since_accepted(self, now: datetime) -> int | None:
        return (now - self.accepted_at).days if self.accepted_at else None


# The columns of a CaseloadRow, in its order.
_ROW_COLUMNS = (ServiceUser.id, ServiceUser.code, ServiceUser.display_name, ServiceUser.contact_channel,
                ServiceUser.phone, ServiceUser.email, ServiceUser.follow_up_choice, Referral.status, Referral.review_on,
                Referral.accepted_at)


# The values a caseload statement is run with (bound at execution: the statements are built once).
_PROFILE = sa.bindparam("profile_id")
_STATUSES = sa.bindparam("statuses", expanding=True)
_WHERE = (Referral.peer_profile_id == _PROFILE, Referral.status.in_(_STATUSES), Referral.service_user_id.is_not(None))
_COUNT = sa.select(sa.func.count()).select_from(Referral).where(*_WHERE)


def _next_meetings():
    """Per person accompanied, the first start of this worker's planned meetings from the instant `after` they
    take part in. Reached from the worker's few future meetings (ix_meeting_peer_status_starts): the "+ 0" keeps
    SQLite from starting with the people's whole history of participations."""
    people = sa.select(Referral.service_user_id).where(*_WHERE)
    return (sa.select(MeetingParticipant.service_user_id.label("person_id"), sa.func.min(Meeting.starts_at).label("at"))
            .join(Meeting, Meeting.id == MeetingParticipant.meeting_id)
            .where(Meeting.peer_profile_id == _PROFILE, Meeting.status == "planned",
                   Meeting.starts_at >= sa.bindparam("after"), MeetingParticipant.status.in_(TOOK_PART),
                   (MeetingParticipant.service_user_id + 0).in_(people))
            .group_by(MeetingParticipant.service_user_id)
            .subquery())


@functools.cache
def _page_statement(sort: str, descending: bool) -> sa.Select:
    """A page of the caseload in one order, built once per order with its cache key (SQLAlchemy memoizes a
    statement's key): building it again on every view cost a tenth of the page. The last meeting is stored
    (meetings/last_meetings.py); the next one depends on the instant."""
    last = LastMeeting.starts_at
    upcoming = _next_meetings()
    order = {
        "name": ServiceUser.display_name,
        "status": Referral.status,
        # Longest without a meeting first: people never met come first, then the oldest last meeting.
        "last_meeting": last.asc().nulls_first() if not descending else last.desc().nulls_last(),
        "next_meeting": upcoming.c.at.asc().nulls_last() if not descending else upcoming.c.at.desc().nulls_last(),
        "since": Referral.accepted_at,
    }
    key = order[sort]
    if sort in ("name", "status", "since"):
        key = key.desc() if descending else key.asc()
    return (sa.select(*_ROW_COLUMNS, last, upcoming.c.at)
            .select_from(Referral)
            .join(Referral.service_user)
            .outerjoin(LastMeeting, sa.and_(LastMeeting.peer_profile_id == _PROFILE,
                                            LastMeeting.service_user_id == Referral.service_user_id))
            .outerjoin(upcoming, upcoming.c.person_id == Referral.service_user_id)
            .where(*_WHERE)
            .order_by(key, ServiceUser.display_name, Referral.id)
            .limit(sa.bindparam("limit")).offset(sa.bindparam("offset")))


def caseload(profile_id: int, *, now: datetime, sort: str = "last_meeting", descending: bool = False,
             status: str | None = None, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of the worker's accompaniments, sorted; two queries whatever the caseload size."""
    statuses = [status] if status in CASELOAD_PAGE_STATUSES else list(CASELOAD_PAGE_STATUSES)
    page = max(1, page)
    values = {"profile_id": profile_id, "statuses": statuses}
    total = db.session.scalar(_COUNT, values)
    rows = db.session.execute(_page_statement(sort if sort in SORTS else "last_meeting", bool(descending)),
                              {**values, "after": now, "limit": per_page, "offset": (page - 1) * per_page})
    items = [CaseloadRow(*row) for row in rows]
    return Page(items=items, page=page, per_page=per_page, total=int(total or 0))


def worker_choices() -> list[tuple[int, str]]:
    """(profile id, name) of every worker who has not left, by name: the coordinator's chooser."""
    return [(profile_id, name) for profile_id, name in db.session.execute(
        sa.select(PeerProfile.id, Account.name).join(Account, Account.id == PeerProfile.account_id)
        .where(PeerProfile.status != "left").order_by(Account.name, PeerProfile.id))]


def record_view(actor, profile_id: int, *, ip: str | None, now: datetime) -> None:
    """The caseload lists people accompanied: every view is audited."""
    record("caseload.view", actor=actor, object_type="peer_profile", object_id=profile_id, ip=ip, now=now)
