"""Anonymising a person: every identifying value removed, every record kept so that statistics stay true.

The one function used by erasure (on the person's request) and by retention (past the retention period).

Removed: name (replaced by a neutral label built from a NEW random code: the old code linked research
exports and paper notes to the person), year of birth, phone, e-mail, contact note, every free text written
about them (referrals, their history, notes, summaries, titles and places of their individual meetings,
cancellation reasons, contact-request messages, the wish to become a peer worker, nudges dismissed), their
account invitations, their account's identity, secrets and sessions, their sign-in attempts, and their name
or e-mail in the audit log.
Kept: counts, dates, durations, formats, statuses, units, age band, gender, language, the worker; a group
session keeps only their participation row (attended or not).
"""
from __future__ import annotations

import json
from contextlib import contextmanager
import re
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from peer_support.audit.models import AuditEntry, AuditRedaction
from peer_support.auth.models import Account, AuthSession, LoginAttempt, RecoveryCode
from peer_support.calendars.models import CalendarFeed
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.meetings.models import Meeting, MeetingParticipant
from peer_support.nudges.models import Nudge, NudgeMailPreference
from peer_support.people.models import ANONYMISATIONS, AccountInvitation, PeerWorkInterest, ServiceUser
from peer_support.people.services import name_key, new_code
from peer_support.referrals.history import record_event
from peer_support.referrals.models import Referral, ReferralEvent

# What replaces a name (stored data, not screen text: the same in every language, like the code it carries).
LABEL_PREFIX = "Anonymised person"
# What a referral closed or a meeting cancelled by the anonymisation gives as its reason.
CLOSING_REASON = {"erasure": "erasure", "retention": "retention"}


def anonymised_label(code: str) -> str:
    return f"{LABEL_PREFIX} {code}"


def check_can_anonymise(person: ServiceUser) -> None:
    """Refuse while a legal hold is set, or when it is already done."""
    if person.anonymised_at is not None:
        raise DomainError(_l("This person's data has already been anonymised."))
    if person.legal_hold:
        raise DomainError(_l("A legal hold is set on this record: its data cannot be erased or anonymised "
                             "until the hold is lifted."))


def anonymise(person: ServiceUser, *, how: str, actor, now: datetime) -> str:
    """Remove every identifying value of the person (see the module's docstring); returns their new code.

    Open referrals are closed and planned meetings cancelled first, so no worker keeps a ghost in their
    caseload. Flushes, does not commit; the caller writes its own audit entry."""
    if how not in ANONYMISATIONS:  # a programming error, so no translated message
        raise ValueError(f"unknown anonymisation {how!r}: expected one of {ANONYMISATIONS}")
    check_can_anonymise(person)
    person_id = person.id
    words = _identifying_words(person)
    _scrub_referrals(person_id)
    _close_open_referrals(person_id, how=how, actor=actor, now=now)
    _scrub_meetings(person_id, _with_name_parts(words, person.display_name))
    _cancel_planned_meetings(person_id, how=how, actor=actor, now=now)
    db.session.execute(sa.update(PeerWorkInterest).where(PeerWorkInterest.service_user_id == person_id)
                       .values(message=None, note=None))
    db.session.execute(sa.update(Nudge).where(Nudge.service_user_id == person_id).values(dismiss_reason=None))
    db.session.execute(sa.delete(AccountInvitation).where(AccountInvitation.service_user_id == person_id))
    _forget_feedback(person_id)  # first: it tells the consents the person withdrew from those withdrawn below
    _withdraw_research_consents(person_id, actor=actor, now=now)

    code = new_code()
    label = anonymised_label(code)
    if person.account_id is not None:
        _anonymise_account(person.account_id, label=label, now=now)
    _scrub_audit_log(person.account_id, words, label=label)

    person.code = code
    person.display_name = label
    person.name_key = name_key(label)
    person.year_of_birth = None
    person.phone = person.email = person.contact_note = None
    person.contact_message_opt_in = False
    person.legal_hold_reason = person.legal_hold_set_at = None
    person.anonymised_at = now
    person.anonymisation = how
    person.updated_at = now
    db.session.flush()
    return code


def _withdraw_research_consents(person_id: int, *, actor, now: datetime) -> None:
    """Every research consent in force is withdrawn (recorded as on paper, by whoever anonymises): nothing of
    the person is exported again. Also past the retention period: once their name is gone from the database,
    it could no longer be masked in what they wrote."""
    from peer_support.research.consent import withdraw_consent
    from peer_support.research.models import ConsentText, ResearchConsent

    study_ids = db.session.scalars(
        sa.select(ConsentText.study_id).join(ResearchConsent, ResearchConsent.consent_text_id == ConsentText.id)
        .where(ResearchConsent.service_user_id == person_id, ResearchConsent.withdrawn_at.is_(None))
        .distinct()).all()
    for study_id in sorted(study_ids):
        withdraw_consent(study_id, service_user_id=person_id, method="paper", recorded_by=actor, actor=actor, now=now)


def _forget_feedback(person_id: int) -> None:
    """Their questionnaire responses stay for the statistics, unlinked from them and without free text; their
    invitations are deleted (feedback/answering.py)."""
    from peer_support.feedback.answering import forget_person

    forget_person(person_id)


def _identifying_words(person: ServiceUser) -> list[str]:
    """The values that identify the person, as they may appear in free text written by others."""
    words = [person.display_name, person.email, person.phone, person.code]
    if person.account_id is not None:
        account = db.session.get(Account, person.account_id)
        words += [account.email, account.name]
    # Longest first, so that "Léa Martin" is replaced before "Léa".
    return sorted({w.strip() for w in words if w and len(w.strip()) >= 2}, key=len, reverse=True)


def _with_name_parts(words: list[str], display_name: str) -> list[str]:
    """In notes shared with others, people are named by a first name or a surname alone: each part counts too."""
    parts = [part for part in re.split(r"[\s\-]+", display_name or "") if len(part) >= 3]
    return sorted(set(words) | set(parts), key=len, reverse=True)


def _replace_words(text: str | None, words: list[str], label: str) -> str | None:
    if not text:
        return text
    for word in words:
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", label, text, flags=re.IGNORECASE)
    return text


def _mentions(column, words: list[str]):
    """SQL: the text column mentions one of the words (case-insensitive on both engines for ASCII)."""
    return sa.or_(*(sa.func.lower(column).contains(word.lower(), autoescape=True) for word in words))


def _scrub_referrals(person_id: int) -> None:
    theirs = sa.select(Referral.id).where(Referral.service_user_id == person_id).scalar_subquery()
    db.session.execute(
        sa.update(Referral).where(Referral.service_user_id == person_id)
        .values(reason=None, information_given=None, constraints=None, requester_name=None, requester_contact=None,
                message=None)
        .execution_options(synchronize_session=False))
    db.session.execute(sa.update(ReferralEvent).where(ReferralEvent.referral_id.in_(theirs)).values(reason=None)
                       .execution_options(synchronize_session=False))


def _close_open_referrals(person_id: int, *, how: str, actor, now: datetime) -> None:
    open_referrals = db.session.scalars(
        sa.select(Referral).where(Referral.service_user_id == person_id, Referral.status != "closed")
        .execution_options(populate_existing=True)).all()
    for referral in open_referrals:
        record_event(referral, actor=actor, to_status="closed", now=now, reason=CLOSING_REASON[how],
                     peer_profile_id=referral.peer_profile_id)
        referral.close_reason = "other"
        referral.review_on = None
        if referral.accepted_at is None:
            referral.peer_profile_id = None
        referral.updated_at = now
    db.session.flush()


def _scrub_meetings(person_id: int, words: list[str]) -> None:
    """Individual meetings (they were the only person): every free text. Group sessions: their name
    taken out of what the worker wrote; their own cancellation reason."""
    theirs = sa.select(MeetingParticipant.meeting_id).where(MeetingParticipant.service_user_id == person_id)
    shared = (sa.select(MeetingParticipant.meeting_id)
              .where(MeetingParticipant.meeting_id.in_(theirs), MeetingParticipant.service_user_id != person_id))
    db.session.execute(
        sa.update(Meeting).where(Meeting.id.in_(theirs), Meeting.id.not_in(shared))
        .values(title=None, place_detail=None, private_notes=None, team_summary=None, team_summary_agreed=False,
                cancel_reason=None)
        .execution_options(synchronize_session=False))
    db.session.execute(
        sa.update(MeetingParticipant).where(MeetingParticipant.service_user_id == person_id).values(cancel_reason=None)
        .execution_options(synchronize_session=False))
    # Few rows (the person's group sessions): read and rewritten here, matching case-insensitively in Python,
    # which SQLite's lower() does not do beyond ASCII.
    texts = ("title", "place_detail", "private_notes", "team_summary", "cancel_reason")
    for row in db.session.execute(sa.select(Meeting.id, *(getattr(Meeting, name) for name in texts))
                                  .where(Meeting.id.in_(shared))).all():
        values = {name: _replace_words(getattr(row, name), words, "—") for name in texts}
        if any(values[name] != getattr(row, name) for name in texts):
            db.session.execute(sa.update(Meeting).where(Meeting.id == row.id).values(**values)
                               .execution_options(synchronize_session=False))


def _cancel_planned_meetings(person_id: int, *, how: str, actor, now: datetime) -> None:
    """Planned individual meetings are cancelled; from planned group sessions the person is withdrawn."""
    theirs = sa.select(MeetingParticipant.meeting_id).where(MeetingParticipant.service_user_id == person_id)
    shared = (sa.select(MeetingParticipant.meeting_id)
              .where(MeetingParticipant.meeting_id.in_(theirs), MeetingParticipant.service_user_id != person_id))
    planned = sa.select(Meeting.id).where(Meeting.status == "planned")
    db.session.execute(
        sa.update(Meeting).where(Meeting.id.in_(theirs), Meeting.id.not_in(shared), Meeting.status == "planned")
        .values(status="cancelled", cancel_reason=CLOSING_REASON[how],
                cancelled_by_id=actor.id if actor is not None else None, updated_at=now)
        .execution_options(synchronize_session=False))
    db.session.execute(
        sa.update(MeetingParticipant)
        .where(MeetingParticipant.service_user_id == person_id, MeetingParticipant.meeting_id.in_(planned),
               MeetingParticipant.status == "enrolled")
        .values(status="cancelled")
        .execution_options(synchronize_session=False))


def _anonymise_account(account_id: int, *, label: str, now: datetime) -> None:
    """The person's account: closed for good, with no name, address, password, second factor or session."""
    account = db.session.get(Account, account_id)
    old_email = account.email
    account.email = f"anonymised-{account.id}@anonymised.invalid"
    account.name = label
    account.is_active = False
    account.deactivated_at = account.deactivated_at or now
    account.password_hash = None
    account.must_change_password = False
    account.totp_secret = account.totp_enabled_at = account.totp_last_step = None
    account.updated_at = now
    for model in (RecoveryCode, AuthSession, CalendarFeed, NudgeMailPreference):
        db.session.execute(sa.delete(model).where(model.account_id == account_id))
    db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.email == old_email))
    db.session.flush()


# --- The audit log ---------------------------------------------------------------------------------

def _scrub_audit_log(account_id: int | None, words: list[str], *, label: str) -> None:
    """Entries by the person's account, or naming them, lose that name: the one change the audit log accepts.

    The database refuses any change to the audit log (triggers) unless an audit_redaction row is visible: one
    exists for these updates only, inside this transaction, and is gone before it commits (or rolls back)."""
    audit = AuditEntry.__table__
    by_them = [audit.c.actor_id == account_id] if account_id is not None else []
    labelled = [sa.func.lower(audit.c.actor_label).in_([w.lower() for w in words])] if words else []
    conditions_label = by_them + labelled
    details_text = sa.cast(audit.c.details, sa.Text)
    spellings = sorted({form for word in words for form in (word, json.dumps(word)[1:-1])}, key=len, reverse=True)
    named = db.session.execute(
        sa.select(audit.c.id, audit.c.details).where(_mentions(details_text, spellings))).all() if words else []
    if not conditions_label and not named:
        return
    with _audit_log_open_for_anonymisation():
        if conditions_label:
            db.session.execute(sa.update(audit).where(sa.or_(*conditions_label)).values(actor_label=label, ip=None))
        for row in named:
            db.session.execute(sa.update(audit).where(audit.c.id == row.id)
                               .values(details=_replace_in_json(row.details, words, label)))


def _replace_in_json(value, words: list[str], label: str):
    if isinstance(value, str):
        return _replace_words(value, words, label)
    if isinstance(value, list):
        return [_replace_in_json(item, words, label) for item in value]
    if isinstance(value, dict):
        return {key: _replace_in_json(item, words, label) for key, item in value.items()}
    return value


@contextmanager
def _audit_log_open_for_anonymisation():
    """Within this transaction only, let the database accept UPDATEs of audit entries (see AuditRedaction)."""
    redaction = AuditRedaction(reason="anonymisation")
    db.session.add(redaction)
    db.session.flush()
    yield
    db.session.delete(redaction)
    db.session.flush()
