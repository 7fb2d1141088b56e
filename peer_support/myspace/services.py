"""The service user's own space: what it shows (their worker, their meetings) and what the person does there.

Every function takes the person's own record, found from the signed-in account (own_record), never an id
from the request: a service user cannot reach anyone else's space by changing a URL.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from peer_support.audit.services import record
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.meetings.models import Meeting, MeetingParticipant
from peer_support.peers.models import Absence, PeerProfile, PresenceSlot
from peer_support.people.models import FOLLOW_UP_CHOICES, ServiceUser
from peer_support.referrals.history import record_event
from peer_support.referrals.models import Referral
from peer_support.triage.services import CASELOAD_STATUSES, TO_HANDLE_STATUSES

UPCOMING_LIMIT = 50
CANCEL_REASON_MAX = 500
MESSAGE_MAX = 2000
CONTACT_MAX = 300


def own_record(account) -> ServiceUser | None:
    """The record linked to this service_user account (with its units), or None."""
    if account is None or getattr(account, "role", None) != "service_user":
        return None
    return db.session.scalar(sa.select(ServiceUser).options(selectinload(ServiceUser.units))
                             .where(ServiceUser.account_id == account.id))


def record_view(actor, person: ServiceUser, *, ip: str | None, now: datetime) -> None:
    """A view of a record is audited, the person's own view of their space too."""
    record("myspace.view", actor=actor, object_type="service_user", object_id=person.id, ip=ip, now=now)
    db.session.flush()


def my_workers(person: ServiceUser, *, today: date) -> list[PeerProfile]:
    """The workers accompanying the person (accepted or active referrals), with their presence times and their
    current and coming absences (three queries whatever their number)."""
    accompanying = (sa.select(Referral.peer_profile_id)
                    .where(Referral.service_user_id == person.id, Referral.status.in_(CASELOAD_STATUSES),
                           Referral.peer_profile_id.is_not(None)))
    return list(db.session.scalars(
        sa.select(PeerProfile)
        .options(joinedload(PeerProfile.account),
                 selectinload(PeerProfile.presence_slots).joinedload(PresenceSlot.unit),
                 selectinload(PeerProfile.absences.and_(Absence.ends_on >= today)))
        .where(PeerProfile.id.in_(accompanying))
        .order_by(PeerProfile.id)).unique())


def is_accompanied_by(account, profile_id: int) -> bool:
    """Whether the account's own record is accompanied (accepted or active) by this worker."""
    return bool(db.session.scalar(sa.select(sa.exists().where(
        Referral.peer_profile_id == profile_id, Referral.status.in_(CASELOAD_STATUSES),
        Referral.service_user_id == sa.select(ServiceUser.id).where(ServiceUser.account_id == account.id)
        .scalar_subquery()))))


@dataclass(frozen=True)
class MyMeeting:
    meeting: Meeting
    participation: MeetingParticipant


def my_upcoming_meetings(person: ServiceUser, *, now: datetime) -> list[MyMeeting]:
    """The planned meetings the person is enrolled in and that have not ended, soonest first (one query)."""
    rows = db.session.execute(
        sa.select(Meeting, MeetingParticipant)
        .join(MeetingParticipant, MeetingParticipant.meeting_id == Meeting.id)
        .options(joinedload(Meeting.peer_profile).joinedload(PeerProfile.account), joinedload(Meeting.room))
        .where(MeetingParticipant.service_user_id == person.id, MeetingParticipant.status == "enrolled",
               Meeting.status == "planned", Meeting.ends_at > now)
        .order_by(Meeting.starts_at, Meeting.id).limit(UPCOMING_LIMIT)).unique().all()
    return [MyMeeting(meeting, participation) for meeting, participation in rows]


def my_participation(person: ServiceUser, meeting_id: int) -> MyMeeting | None:
    """The person's participation in this meeting (with the meeting, its worker, room and participants), or None."""
    row = db.session.execute(
        sa.select(Meeting, MeetingParticipant)
        .join(MeetingParticipant, MeetingParticipant.meeting_id == Meeting.id)
        .options(joinedload(Meeting.peer_profile).joinedload(PeerProfile.account), joinedload(Meeting.room),
                 selectinload(Meeting.participants))
        .where(Meeting.id == meeting_id, MeetingParticipant.service_user_id == person.id)).unique().first()
    return MyMeeting(*row) if row else None


def cancel_participation(actor, person: ServiceUser, mine: MyMeeting, *, reason: str | None, ip: str | None,
                         now: datetime) -> bool:
    """The person cancels their place; a meeting with them alone (not a group) is cancelled with it.
    Returns whether the whole meeting was cancelled."""
    meeting, participation = mine.meeting, mine.participation
    if participation.service_user_id != person.id:
        raise DomainError(_l("This is not one of your meetings."))
    if participation.status != "enrolled" or meeting.status != "planned" or meeting.ends_at <= now:
        raise DomainError(_l("This meeting can no longer be cancelled from here. Contact your peer worker."))
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > CANCEL_REASON_MAX:
        raise DomainError(_l("Keep it under %(max)d characters.", max=CANCEL_REASON_MAX), field="reason")
    participation.status = "cancelled"
    participation.cancel_reason = reason
    others = [p for p in meeting.participants if p.service_user_id != person.id and p.status == "enrolled"]
    whole = meeting.format != "group" and not others
    if whole:
        meeting.status = "cancelled"
        meeting.cancel_reason = reason
        meeting.cancelled_by_id = actor.id
        meeting.updated_at = now
    db.session.flush()
    record("myspace.meeting_cancel", actor=actor, object_type="meeting", object_id=meeting.id, ip=ip, now=now,
           details={"service_user_id": person.id, "meeting_cancelled": whole})
    return whole


# --- Asking for contact ---------------------------------------------------------

def open_self_request(person: ServiceUser) -> Referral | None:
    """The person's own request still waiting for the coordinator, if any."""
    return db.session.scalar(
        sa.select(Referral).where(Referral.service_user_id == person.id, Referral.source == "self",
                                  Referral.status.in_(TO_HANDLE_STATUSES))
        .order_by(Referral.id.desc()).limit(1))


def _unit_for_request(person: ServiceUser) -> int | None:
    """The unit of the person's accompaniment if any, else their only unit (the triage queue filters by unit)."""
    current = db.session.scalar(
        sa.select(Referral.unit_id).where(Referral.service_user_id == person.id,
                                          Referral.status.in_(CASELOAD_STATUSES), Referral.unit_id.is_not(None))
        .order_by(Referral.status_changed_at.desc()).limit(1))
    if current is not None:
        return current
    return person.units[0].id if len(person.units) == 1 else None


def ask_for_contact(actor, person: ServiceUser, *, contact: str | None, message: str | None, ip: str | None,
                    now: datetime) -> Referral:
    """"Ask my peer worker to contact me": a new self-referred referral in the triage queue, one open at a time.

    It is not tied to a worker here: the coordinator sees the person's accompaniment and routes it (a referral
    linked to a worker while "new" would look like a proposal to them).
    """
    if open_self_request(person) is not None:
        raise DomainError(_l("You have already asked to be contacted, and your request is being handled. "
                             "You can ask again once it has been answered."))
    contact = (contact or "").strip() or None
    message = (message or "").strip() or None
    if contact is not None and len(contact) > CONTACT_MAX:
        raise DomainError(_l("Keep this under %(max)d characters.", max=CONTACT_MAX), field="contact")
    if message is not None and len(message) > MESSAGE_MAX:
        raise DomainError(_l("Keep your message under %(max)d characters.", max=MESSAGE_MAX), field="message")
    referral = Referral(source="self", service_user_id=person.id, unit_id=_unit_for_request(person),
                        referred_by_id=None, requester_name=person.display_name, requester_contact=contact,
                        message=message, agreed_to_contact=True, created_at=now, updated_at=now)
    db.session.add(referral)
    record_event(referral, actor=actor, to_status="new", now=now)
    db.session.flush()
    record("myspace.contact_request", actor=actor, object_type="referral", object_id=referral.id, ip=ip, now=now,
           details={"service_user_id": person.id})
    return referral


# --- Follow-up choice -------------------------------------------------------------

def set_follow_up_choice(actor, person: ServiceUser, choice: str, *, ip: str | None, now: datetime) -> None:
    """The person's own choice: contacted again after each meeting, or getting in touch themself."""
    if choice not in FOLLOW_UP_CHOICES:
        raise DomainError(_l("Choose one of the two ways."), field="choice")
    previous = person.follow_up_choice
    person.follow_up_choice = choice
    person.follow_up_choice_at = now
    person.updated_at = now
    db.session.flush()
    record("myspace.follow_up_choice", actor=actor, object_type="service_user", object_id=person.id, ip=ip,
           now=now, details={"from": previous, "to": choice})


# --- The opt-in message when the peer worker has not been in touch (nudges/person_messages.py) ----------

def contact_messages_offered(person: ServiceUser) -> bool:
    """Whether the person may opt in: they chose "contact me again", and the unit of one of their
    accompaniments (accepted or active) allows the messages (Unit.person_messages). One query."""
    from peer_support.units.models import Unit

    if person.follow_up_choice != "contact_me_again":
        return False
    return bool(db.session.scalar(sa.select(sa.exists().where(
        Referral.service_user_id == person.id, Referral.status.in_(CASELOAD_STATUSES),
        Unit.id == Referral.unit_id, Unit.person_messages))))


def set_contact_message_opt_in(actor, person: ServiceUser, wanted: bool, *, ip: str | None, now: datetime) -> None:
    """The person's own opt-in; turning it on only where it is offered, turning it off always."""
    wanted = bool(wanted)
    if wanted and not contact_messages_offered(person):
        raise DomainError(_l("These messages are offered only when you chose to be contacted again after each "
                             "meeting, and your unit offers them."))
    previous = person.contact_message_opt_in
    if previous == wanted:
        return
    person.contact_message_opt_in = wanted
    person.updated_at = now
    db.session.flush()
    record("myspace.contact_message_opt_in", actor=actor, object_type="service_user", object_id=person.id, ip=ip,
           now=now, details={"from": previous, "to": wanted})
