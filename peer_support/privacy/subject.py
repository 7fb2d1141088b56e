"""People's rights: everything the app holds about one service user (the right of access), and nothing about
anyone else.

subject_record() gathers it with the app's own values (datetimes, dates) for the readable page;
subject_data() is the same content as plain JSON values (ISO 8601 datetimes) for the download. Both read a
constant number of statements, whatever the number of meetings, referrals or accesses.

What is left out on purpose: secrets (password hash, second-factor secret, recovery codes, session and
invitation tokens, calendar feed address), and whatever concerns other people. In a meeting shared with
others (a group session, or any meeting where someone else took part) the worker's notes, the team summary
and the cancellation reason may speak of them: they are given only for meetings with the person alone.
Other people who took part are never named; another service user who appears as an actor (cancelling a
shared meeting) is shown as "another person".
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload, selectinload

from peer_support.audit.labels import SYSTEM_ACTOR_LABELS
from peer_support.audit.models import AuditEntry
from peer_support.audit.services import record
from peer_support.auth.models import Account, AuthSession
from peer_support.calendars.models import CalendarFeed
from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.meetings.models import Meeting, MeetingParticipant
from peer_support.nudges.models import Nudge
from peer_support.peers.models import PeerProfile
from peer_support.people.accesses import record_accesses
from peer_support.people.models import AccountInvitation, PeerWorkInterest, ServiceUser
from peer_support.referrals.models import Referral, ReferralEvent

FORMAT_NAME = "peer-support-subject-access"
FORMAT_VERSION = 1
# Every access is part of the answer; the bound only keeps one query's size finite.
ACCESSES_LIMIT = 1_000_000
INTEREST_HISTORY_ACTIONS = ("becoming.interest", "becoming.create", "becoming.update")


def get_subject(person_id: int) -> ServiceUser | None:
    """The record with its units and account (what the export starts from)."""
    return db.session.scalar(sa.select(ServiceUser)
                             .options(selectinload(ServiceUser.units), joinedload(ServiceUser.account))
                             .where(ServiceUser.id == person_id))


def _names(entry) -> dict:
    """A bilingual vocabulary entry (topic, domain, programme) in both languages."""
    return {"fr": entry.name_fr, "en": entry.name_en}


def _professional(account: Account | None, person: ServiceUser) -> dict | None:
    """Who acted: a professional's name and role (part of the person's record), the person themself, or
    "another person" for any other service user, never named here."""
    if account is None:
        return None
    if account.role == "service_user" and account.id != person.account_id:
        return {"name": None, "role": "service_user", "is_the_person": False}
    return {"name": account.name, "role": account.role, "is_the_person": account.id == person.account_id}


def _person(person: ServiceUser) -> dict:
    return {
        "code": person.code,
        "display_name": person.display_name,
        "year_of_birth": person.year_of_birth,
        "age_band": person.age_band,
        "gender": person.gender,
        "preferred_language": person.preferred_language,
        "contact_channel": person.contact_channel,
        "phone": person.phone,
        "email": person.email,
        "contact_note": person.contact_note,
        "units": [{"code": unit.code, "name": unit.name} for unit in person.units],
        "follow_up_choice": person.follow_up_choice,
        "follow_up_choice_at": person.follow_up_choice_at,
        "contact_message_opt_in": person.contact_message_opt_in,
        "created_at": person.created_at,
        "updated_at": person.updated_at,
    }


def _data_protection(person: ServiceUser) -> dict:
    return {
        "legal_hold": person.legal_hold,
        "legal_hold_reason": person.legal_hold_reason,
        "legal_hold_set_at": person.legal_hold_set_at,
        "anonymised_at": person.anonymised_at,
        "anonymisation": person.anonymisation,
    }


def _account(account: Account | None) -> dict | None:
    # Never the password hash, the second factor's secret or last step, nor recovery codes.
    if account is None:
        return None
    return {
        "email": account.email,
        "name": account.name,
        "role": account.role,
        "locale": account.locale,
        "is_active": account.is_active,
        "created_at": account.created_at,
        "last_login_at": account.last_login_at,
        "password_changed_at": account.password_changed_at,
        "two_factor_enabled_at": account.totp_enabled_at,
        "deactivated_at": account.deactivated_at,
    }


def _sessions(account_id: int | None) -> list[dict]:
    # The browsers where the account signed in; never the session token (nor its hash).
    if account_id is None:
        return []
    sessions = db.session.scalars(sa.select(AuthSession).where(AuthSession.account_id == account_id)
                                  .order_by(AuthSession.created_at, AuthSession.id))
    return [{"created_at": s.created_at, "last_seen_at": s.last_seen_at, "ended_at": s.ended_at,
             "end_reason": s.end_reason, "ip": s.ip, "user_agent": s.user_agent} for s in sessions]


def _calendar_feed(account_id: int | None) -> dict | None:
    # Whether the personal calendar feed is on; never its address (it is the key to the feed).
    if account_id is None:
        return None
    feed = db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.account_id == account_id))
    if feed is None:
        return None
    return {"is_enabled": feed.is_enabled, "show_details": feed.show_details, "created_at": feed.created_at,
            "updated_at": feed.updated_at}


def _referrals(person: ServiceUser) -> list[dict]:
    """Referrals and the person's own contact requests, each with its history (three statements)."""
    referrals = list(db.session.scalars(
        sa.select(Referral)
        .options(joinedload(Referral.unit), joinedload(Referral.referred_by), joinedload(Referral.wanted_domain),
                 joinedload(Referral.peer_profile).joinedload(PeerProfile.account),
                 selectinload(Referral.events).joinedload(ReferralEvent.actor))
        .where(Referral.service_user_id == person.id)
        .order_by(Referral.created_at, Referral.id)))
    # The workers named in the history (proposed to, then declined ...): one more statement.
    profile_ids = {event.peer_profile_id for referral in referrals for event in referral.events
                   if event.peer_profile_id is not None}
    workers = {profile.id: profile.account.name for profile in db.session.scalars(
        sa.select(PeerProfile).options(joinedload(PeerProfile.account))
        .where(PeerProfile.id.in_(sorted(profile_ids))))} if profile_ids else {}
    return [{
        "created_at": referral.created_at,
        "source": referral.source,
        "unit": {"code": referral.unit.code, "name": referral.unit.name} if referral.unit else None,
        "referred_by": _professional(referral.referred_by, person),
        "reason": referral.reason,
        "care_stage": referral.care_stage,
        "information_given": referral.information_given,
        "information_page_given": referral.information_page_given,
        "agreed_to_contact": referral.agreed_to_contact,
        "preferred_formats": list(referral.preferred_formats or []),
        "lived_experience_wanted": _names(referral.wanted_domain) if referral.wanted_domain else None,
        "constraints": referral.constraints,
        "requester_name": referral.requester_name,
        "requester_contact": referral.requester_contact,
        "message": referral.message,
        "status": referral.status,
        "status_changed_at": referral.status_changed_at,
        "review_on": referral.review_on,
        "close_reason": referral.close_reason,
        "peer_worker": referral.peer_profile.account.name if referral.peer_profile else None,
        "accepted_at": referral.accepted_at,
        "history": [{
            "at": event.at,
            "by": _professional(event.actor, person),
            "from_status": event.from_status,
            "to_status": event.to_status,
            "peer_worker": workers.get(event.peer_profile_id),
            "reason": event.reason,
            "review_on": event.review_on,
        } for event in referral.events],
    } for referral in referrals]


def _meetings(person: ServiceUser) -> list[dict]:
    """The meetings the person took part in, with their own participation (four statements in all)."""
    someone_else = aliased(MeetingParticipant)
    shared = sa.exists().where(someone_else.meeting_id == MeetingParticipant.meeting_id,
                               someone_else.service_user_id != person.id)
    rows = db.session.execute(
        sa.select(MeetingParticipant, shared.label("shared"))
        .join(MeetingParticipant.meeting)
        .options(joinedload(MeetingParticipant.meeting).options(
            joinedload(Meeting.peer_profile).joinedload(PeerProfile.account), joinedload(Meeting.room),
            joinedload(Meeting.cancelled_by), selectinload(Meeting.topics), selectinload(Meeting.co_facilitators)))
        .where(MeetingParticipant.service_user_id == person.id)
        .order_by(Meeting.starts_at, Meeting.id)).all()
    meetings = []
    for participation, is_shared in rows:
        meeting = participation.meeting
        alone = meeting.format != "group" and not is_shared
        meetings.append({
            "starts_at": meeting.starts_at,
            "ends_at": meeting.ends_at,
            "duration_minutes": meeting.duration_minutes,
            "format": meeting.format,
            "title": meeting.title,
            "status": meeting.status,
            "place_kind": meeting.place_kind,
            "room": meeting.room.name if meeting.room else None,
            "place_detail": meeting.place_detail,
            "initiated_by": meeting.initiated_by,
            "topics": [_names(topic) for topic in meeting.topics],
            "peer_worker": meeting.peer_profile.account.name,
            "co_facilitators": [account.name for account in meeting.co_facilitators],
            "with_others": not alone,
            "participation": {"status": participation.status, "cancel_reason": participation.cancel_reason,
                              "enrolled_at": participation.enrolled_at},
            # What the worker wrote about the meeting: only when it was with the person alone.
            "private_notes": meeting.private_notes if alone else None,
            "team_summary": meeting.team_summary if alone else None,
            "team_summary_agreed": meeting.team_summary_agreed if alone else None,
            "follow_up_intention": meeting.follow_up_intention if alone else None,
            "follow_up_by": meeting.follow_up_by if alone else None,
            "cancel_reason": meeting.cancel_reason if alone else None,
            "cancelled_by": _professional(meeting.cancelled_by, person) if alone else None,
        })
    return meetings


def _nudges(person: ServiceUser) -> list[dict]:
    nudges = db.session.scalars(sa.select(Nudge).where(Nudge.service_user_id == person.id)
                                .order_by(Nudge.created_at, Nudge.id))
    return [{"rule": nudge.rule, "audience": nudge.audience, "due_on": nudge.due_on, "status": nudge.status,
             "created_at": nudge.created_at, "snoozed_until": nudge.snoozed_until, "acted_at": nudge.acted_at,
             "dismiss_reason": nudge.dismiss_reason, "resolved_at": nudge.resolved_at,
             "escalated_at": nudge.escalated_at, "mailed_at": nudge.mailed_at,
             "details": dict(nudge.details or {})} for nudge in nudges]


def _peer_work_interest(person: ServiceUser) -> dict | None:
    interest = db.session.scalar(sa.select(PeerWorkInterest).options(selectinload(PeerWorkInterest.programmes))
                                 .where(PeerWorkInterest.service_user_id == person.id))
    if interest is None:
        return None
    # Its history is in the audit log: each time the person or the coordinator changed it.
    steps = db.session.scalars(
        sa.select(AuditEntry).options(joinedload(AuditEntry.actor))
        .where(AuditEntry.object_type == "peer_work_interest", AuditEntry.object_id == str(interest.id),
               AuditEntry.action.in_(INTEREST_HISTORY_ACTIONS))
        .order_by(AuditEntry.at, AuditEntry.id))
    return {
        "status": interest.status,
        "message": interest.message,
        "note": interest.note,
        "created_at": interest.created_at,
        "status_changed_at": interest.status_changed_at,
        "training_programmes": [{**_names(programme), "provider": programme.provider}
                                for programme in interest.programmes],
        "history": [{"at": step.at, "action": step.action, "by": _professional(step.actor, person),
                     "status": (step.details or {}).get("status")} for step in steps],
    }


def _invitations(person: ServiceUser) -> list[dict]:
    # Never the token (only its hash is stored, and it is not given either).
    invitations = db.session.scalars(sa.select(AccountInvitation)
                                     .where(AccountInvitation.service_user_id == person.id)
                                     .order_by(AccountInvitation.created_at, AccountInvitation.id))
    return [{"email": invitation.email, "created_at": invitation.created_at, "expires_at": invitation.expires_at,
             "used_at": invitation.used_at, "revoked_at": invitation.revoked_at} for invitation in invitations]


def _research_consents(person: ServiceUser) -> list[dict]:
    """Each research consent given and withdrawn, with the study and the version of the text (one statement)."""
    from peer_support.research.models import ConsentText, ResearchConsent, ResearchStudy

    rows = db.session.execute(
        sa.select(ResearchConsent, ConsentText.version, ResearchStudy.code, ResearchStudy.title_fr,
                  ResearchStudy.title_en)
        .join(ConsentText, ConsentText.id == ResearchConsent.consent_text_id)
        .join(ResearchStudy, ResearchStudy.id == ConsentText.study_id)
        .where(ResearchConsent.service_user_id == person.id)
        .order_by(ResearchConsent.given_at, ResearchConsent.id)).all()
    return [{"study": {"code": code, "fr": title_fr, "en": title_en}, "text_version": version,
             "given_at": consent.given_at, "method": consent.method, "care_use": consent.care_use,
             "withdrawn_at": consent.withdrawn_at, "withdrawal_method": consent.withdrawal_method}
            for consent, version, code, title_fr, title_en in rows]


def _accesses(person: ServiceUser) -> list[dict]:
    """Who saw or changed the record, its referrals and meetings: when, who (role), what; oldest first."""
    entries = record_accesses(person.id, page=1, per_page=ACCESSES_LIMIT).items
    accesses = []
    for entry in reversed(entries):
        by = _professional(entry.actor, person)
        if by is None and entry.actor_label in SYSTEM_ACTOR_LABELS:
            by = {"name": entry.actor_label, "role": None, "is_the_person": False}
        accesses.append({"at": entry.at, "action": entry.action, "by": by, "outcome": entry.outcome})
    return accesses


def _questionnaires(person: ServiceUser) -> dict:
    """Their invitations to answer questionnaires and the responses linked to them (feedback/answering.py)."""
    from peer_support.feedback.answering import subject_feedback

    return subject_feedback(person.id)


def subject_record(person: ServiceUser, *, now: datetime | None = None) -> dict:
    """Everything about the person, by section, with dates and datetimes as Python values (the page).

    `person` must have its units and account loaded (get_subject)."""
    account_id = person.account_id
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "generated_at": now or utcnow(),
        "person": _person(person),
        "data_protection": _data_protection(person),
        "account": _account(person.account),
        "sign_in_sessions": _sessions(account_id),
        "calendar_feed": _calendar_feed(account_id),
        "referrals": _referrals(person),
        "meetings": _meetings(person),
        "nudges": _nudges(person),
        "peer_work_interest": _peer_work_interest(person),
        "account_invitations": _invitations(person),
        "research_consents": _research_consents(person),
        "questionnaires": _questionnaires(person),
        "record_accesses": _accesses(person),
    }


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def subject_data(service_user: ServiceUser, *, now: datetime | None = None) -> dict:
    """The same content as plain JSON values: datetimes and dates as ISO 8601 strings (UTC for datetimes)."""
    return _plain(subject_record(service_user, now=now))


def record_subject_access(actor, person: ServiceUser, *, export_format: str | None, ip: str | None,
                          now: datetime) -> None:
    """Reading (format None: the page) or downloading everything about the person is an access to the record,
    listed with the others in "Who saw this record"."""
    if export_format is None:
        record("privacy.subject_view", actor=actor, object_type="service_user", object_id=person.id, ip=ip,
               now=now, details={"format": "html"})
    else:
        record("privacy.subject_export", actor=actor, object_type="service_user", object_id=person.id, ip=ip,
               now=now, details={"format": export_format})
    db.session.flush()
