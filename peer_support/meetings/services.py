"""Reading meetings: a meeting with what its page needs, a worker's list, the choices of the forms,
and what a referrer may know of the meetings of people they referred (dates, format, status).

Who sees what (see permissions.py): the worker leading a meeting sees everything; its
co-facilitators and the coordinator see the meeting without the private notes; the team
summary reaches the care team only when the person agreed to share it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload, selectinload

from peer_support.audit.services import record
from peer_support.auth.models import Account
from peer_support.extensions import db
from peer_support.meetings.models import Meeting, MeetingParticipant, MeetingTopic
from peer_support.pagination import Page
from peer_support.peers.models import PeerProfile
from peer_support.people.models import ServiceUser
from peer_support.referrals.models import Referral
from peer_support.rooms.models import Room
from peer_support.units.models import Unit, account_unit

# What counts in a worker's caseload (triage.services.CASELOAD_STATUSES).
CASELOAD_STATUSES = ("accepted", "active")


def _meeting_options():
    return (joinedload(Meeting.peer_profile).joinedload(PeerProfile.account),
            joinedload(Meeting.room).joinedload(Room.unit),
            selectinload(Meeting.participants).joinedload(MeetingParticipant.service_user),
            selectinload(Meeting.topics),
            selectinload(Meeting.co_facilitators),
            joinedload(Meeting.cancelled_by))


def get_meeting(meeting_id: int) -> Meeting | None:
    """A meeting with its worker, room, participants, topics and co-facilitators (what its page and rules need)."""
    return db.session.scalar(sa.select(Meeting).options(*_meeting_options()).where(Meeting.id == meeting_id))


def own_profile(actor) -> PeerProfile | None:
    """The profile of a peer_worker account (None for anyone else, or before the coordinator opens it)."""
    if getattr(actor, "role", None) != "peer_worker":
        return None
    return db.session.scalar(sa.select(PeerProfile).options(joinedload(PeerProfile.account))
                             .where(PeerProfile.account_id == actor.id))


def worker_meetings(profile_id: int, *, now: datetime, status: str | None = None, page: int = 1,
                    per_page: int = 25) -> Page:
    """One page of a worker's meetings: upcoming first (soonest first), then past ones (latest first).

    Three queries whatever the number of meetings (count, meetings, participants, topics)."""
    conditions = [Meeting.peer_profile_id == profile_id]
    if status:
        conditions.append(Meeting.status == status)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Meeting).where(*conditions))
    page = max(1, page)
    upcoming = sa.case((Meeting.starts_at >= now, 0), else_=1)
    items = db.session.scalars(
        sa.select(Meeting)
        .options(joinedload(Meeting.room),
                 selectinload(Meeting.participants).joinedload(MeetingParticipant.service_user),
                 selectinload(Meeting.topics))
        .where(*conditions)
        .order_by(upcoming, sa.case((Meeting.starts_at >= now, Meeting.starts_at)).asc(),
                  Meeting.starts_at.desc(), Meeting.id.desc())
        .offset((page - 1) * per_page).limit(per_page)
    ).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total)


def worker_list() -> list[PeerProfile]:
    """Peer workers who have not left, by name (the coordinator chooses whose meetings to open)."""
    return list(db.session.scalars(
        sa.select(PeerProfile).join(PeerProfile.account).options(joinedload(PeerProfile.account))
        .where(PeerProfile.status != "left").order_by(Account.name, PeerProfile.id)))


def record_view(actor, meeting: Meeting, *, ip: str | None, now: datetime) -> None:
    """A meeting's page shows service users' data: every view is audited."""
    record("meetings.view", actor=actor, object_type="meeting", object_id=meeting.id, ip=ip, now=now,
           details={"people": sorted(p.service_user_id for p in meeting.participants)})
    db.session.flush()


def record_list_view(actor, profile_id: int, *, ip: str | None, now: datetime) -> None:
    """A worker's meeting list names the people met: audited too."""
    record("meetings.list_view", actor=actor, object_type="peer_profile", object_id=profile_id, ip=ip, now=now)
    db.session.flush()


# --- Choices of the forms -----------------------------------------------------------------------

def caseload_people(profile_id: int, include_ids=()) -> list[ServiceUser]:
    """The people the worker accompanies now (accepted or active referral), plus `include_ids`
    (the participants of the meeting being changed), by name."""
    in_caseload = sa.select(Referral.service_user_id).where(
        Referral.peer_profile_id == profile_id, Referral.status.in_(CASELOAD_STATUSES))
    condition = ServiceUser.id.in_(in_caseload)
    include_ids = list(include_ids)
    if include_ids:
        condition = sa.or_(condition, ServiceUser.id.in_(include_ids))
    return list(db.session.scalars(sa.select(ServiceUser).where(condition)
                                   .order_by(ServiceUser.display_name, ServiceUser.id)))


def worker_rooms(profile: PeerProfile, include_id: int | None = None) -> list[Room]:
    """Active rooms of the worker's units (plus the room of the meeting being changed), by unit and name."""
    unit_ids = sa.select(account_unit.c.unit_id).where(account_unit.c.account_id == profile.account_id)
    condition = sa.and_(Room.is_active, Room.unit_id.in_(unit_ids))
    if include_id:
        condition = sa.or_(condition, Room.id == include_id)
    return list(db.session.scalars(sa.select(Room).join(Room.unit).options(joinedload(Room.unit))
                                   .where(condition).order_by(Unit.code, Room.name)))


def co_facilitator_choices(include_ids=()) -> list[tuple[int, str]]:
    """(id, name) of active care staff, plus the co-facilitators already on the meeting."""
    condition = sa.and_(Account.role == "staff", Account.is_active)
    include_ids = list(include_ids)
    if include_ids:
        condition = sa.or_(condition, Account.id.in_(include_ids))
    return [(a.id, a.name) for a in db.session.scalars(sa.select(Account).where(condition)
                                                      .order_by(Account.name, Account.id))]


def list_topics(*, active_only: bool = False, include_ids=()) -> list[MeetingTopic]:
    """The topic vocabulary; `include_ids` keeps inactive topics already on a meeting."""
    query = sa.select(MeetingTopic).order_by(MeetingTopic.name_fr)
    if active_only:
        include_ids = list(include_ids)
        query = query.where(sa.or_(MeetingTopic.is_active, MeetingTopic.id.in_(include_ids))
                            if include_ids else MeetingTopic.is_active)
    return list(db.session.scalars(query))


# --- What a referrer sees -------------------------------------------------------------------------

@dataclass(frozen=True)
class ReferrerMeeting:
    """A meeting as the staff member who referred the person sees it: no notes, no other participant."""

    starts_at: datetime
    duration_minutes: int
    format: str
    status: str
    # Only when the person agreed to share it, and the person was the meeting's only participant.
    team_summary: str | None


def meetings_for_referrer(actor, person_id: int) -> list[ReferrerMeeting]:
    """Dates, format and status of the meetings of a person the actor referred (newest first);
    nothing for anyone who did not refer them."""
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.role != "staff":
        return []
    referred = db.session.scalar(sa.select(sa.exists().where(Referral.referred_by_id == actor.id,
                                                             Referral.service_user_id == person_id)))
    if not referred:
        return []
    everyone = aliased(MeetingParticipant)
    others = (sa.select(sa.func.count()).select_from(everyone)
              .where(everyone.meeting_id == Meeting.id).correlate(Meeting).scalar_subquery())
    rows = db.session.execute(
        sa.select(Meeting.starts_at, Meeting.duration_minutes, Meeting.format, Meeting.status,
                  Meeting.team_summary, Meeting.team_summary_agreed, others)
        .join(MeetingParticipant, MeetingParticipant.meeting_id == Meeting.id)
        .where(MeetingParticipant.service_user_id == person_id)
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc()))
    return [ReferrerMeeting(starts_at=starts_at, duration_minutes=minutes, format=format_, status=status,
                            team_summary=summary if agreed and count == 1 else None)
            for starts_at, minutes, format_, status, summary, agreed, count in rows]
