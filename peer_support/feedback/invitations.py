"""Invitations to answer a feedback form: by hand, after a person's Nth held meeting, at the closing of an
accompaniment; e-mailed links, at most two reminders, automatic cancellation, and the scheduled job.

The link carries a random token (secrets.token_urlsafe); only its SHA-256 is stored, so whoever reads the
database cannot answer in someone's name. As the token itself is never kept, each sending makes a NEW token
(first mail, each reminder, a link printed by the worker) and the earlier link stops working: the mail says
so. An invitation made by the job, or for a person without an e-mail address, holds a token nobody knows
until it is sent; meanwhile the person answers it from My space, signed in (answer_views.answer_mine).

The job `feedback.invitations` (every 30 minutes, under its database lease, one commit) is the nudges
engine's sibling: set-based queries find what is due; it creates due invitations, mails the pending ones and
the reminders, and cancels those whose condition stopped. It raises no nudge: an invitation concerns the
person, not a task of their worker, and the worker sees it on the person's questionnaires page.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from peer_support.audit.services import record
from peer_support.auth.models import Account
from peer_support.config import LOCALES
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.feedback.models import MAX_REMINDERS, FeedbackForm, FeedbackInvitation
from peer_support.mail import send_mail
from peer_support.meetings.models import Meeting, MeetingParticipant
from peer_support.nudges.person_messages import person_email
from peer_support.people.models import ServiceUser
from peer_support.referrals.models import Referral
from peer_support.research.models import ConsentText, ResearchConsent
from peer_support.timezones import local_date

log = logging.getLogger(__name__)

LOCK_NAME = "feedback.invitations"
LEASE = timedelta(minutes=20)
TOKEN_BYTES = 32
# The audit entry of a batch (staff of a unit) lists the accounts up to this many.
AUDITED_IDS = 50

invitation_table = FeedbackInvitation.__table__


# --- Tokens and states ------------------------------------------------------------------------------

def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _unknown_token_hash() -> str:
    """The hash of a token nobody holds: the invitation's real link is made when it is sent."""
    return token_hash(secrets.token_urlsafe(TOKEN_BYTES))


def open_condition(now: datetime):
    """SQL: the invitation can still be answered (not answered, not cancelled, not expired)."""
    return sa.and_(FeedbackInvitation.answered_at.is_(None), FeedbackInvitation.cancelled_at.is_(None),
                   FeedbackInvitation.expires_at > now)


def invitation_state(invitation: FeedbackInvitation, *, now: datetime) -> str:
    """open, answered, cancelled or expired."""
    if invitation.answered_at is not None:
        return "answered"
    if invitation.cancelled_at is not None:
        return "cancelled"
    if invitation.expires_at <= now:
        return "expired"
    return "open"


def new_link(invitation_id: int) -> str:
    """A new token for the invitation (the earlier link stops working); returns the token."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    db.session.execute(sa.update(invitation_table).where(invitation_table.c.id == invitation_id)
                       .values(token_hash=token_hash(token)))
    return token


def answer_url(token: str) -> str:
    """The link of the answering page, from APP_BASE_URL (mails are sent outside any request)."""
    from peer_support.nudges.delivery import absolute_url

    return absolute_url("feedback.answer", token=token)


# --- Conditions shared by creation and cancellation --------------------------------------------------

def _withdrew_from_study(study_id, service_user_id=None, account_id=None):
    """SQL: the person withdrew their research consent to the study and has none in force now."""
    subject = (ResearchConsent.service_user_id == service_user_id if service_user_id is not None
               else ResearchConsent.account_id == account_id)
    of_study = sa.and_(ResearchConsent.consent_text_id == ConsentText.id, ConsentText.study_id == study_id, subject)
    withdrawn = sa.exists().where(of_study, ResearchConsent.withdrawn_at.is_not(None))
    in_force = sa.exists().where(of_study, ResearchConsent.withdrawn_at.is_(None))
    return sa.and_(withdrawn, ~in_force)


def _deceased(person_id):
    """SQL: an accompaniment of the person was closed because they died: nobody sends them a questionnaire."""
    return sa.exists().where(Referral.service_user_id == person_id, Referral.close_reason == "deceased")


def _may_be_invited(form, person_id):
    """SQL: the person may be invited to this form (record not anonymised, alive, not withdrawn from its study)."""
    return sa.and_(
        ServiceUser.anonymised_at.is_(None), ~_deceased(person_id),
        sa.or_(form.privacy != "pseudonymous", ~_withdrew_from_study(form.study_id, service_user_id=person_id)))


# --- Mail --------------------------------------------------------------------------------------------

def _locale(*candidates) -> str:
    for candidate in candidates:
        if candidate in LOCALES:
            return candidate
    return current_app.config.get("PEER_SUPPORT_DEFAULT_LOCALE", "fr")


def invitation_message(link: str, expires_at: datetime, *, locale: str, reminder: bool) -> tuple[str, str]:
    """Subject and plain-text body: who invites, the link and its expiry. No name, no health detail."""
    template = current_app.jinja_env.get_template("feedback/mail_reminder.txt" if reminder
                                                  else "feedback/mail_invitation.txt")
    with force_locale(locale):
        subject = (_("Reminder: a short questionnaire from the peer support team") if reminder
                   else _("A short questionnaire from the peer support team"))
        body = template.render(link=link, expires_on=format_date(local_date(expires_at), "long"))
    return subject, body.strip() + "\n"


@dataclass
class JobReport:
    created: int = 0
    sent: int = 0
    reminded: int = 0
    cancelled: int = 0
    failures: int = 0


def _mail(invitation_id: int, to: str, expires_at: datetime, locale: str, *, reminder: bool, now: datetime,
          actor=None, ip: str | None = None) -> bool:
    """Send the link (a new token) and record it, in a savepoint: a mail that fails leaves the invitation as it
    was (tried again at the next run). Returns whether it was sent."""
    try:
        with db.session.begin_nested():
            token = new_link(invitation_id)
            conditions = [invitation_table.c.id == invitation_id, invitation_table.c.answered_at.is_(None),
                          invitation_table.c.cancelled_at.is_(None)]
            if reminder:
                values = {"reminders_sent": invitation_table.c.reminders_sent + 1, "last_reminder_at": now}
                conditions.append(invitation_table.c.reminders_sent < MAX_REMINDERS)
            else:
                values = {"sent_at": now}
            if db.session.execute(sa.update(invitation_table).where(*conditions).values(**values)).rowcount != 1:
                return False
            record("feedback.invitation_reminder" if reminder else "feedback.invitation_sent", actor=actor,
                   actor_label=None if actor is not None else "scheduler", object_type="feedback_invitation",
                   object_id=invitation_id, ip=ip, now=now)
            db.session.flush()
            subject, body = invitation_message(answer_url(token), expires_at, locale=locale, reminder=reminder)
            send_mail(to, subject, body, config=current_app.config, now=now)
    except Exception:
        log.exception("feedback invitation %s could not be mailed; it will be tried again", invitation_id)
        return False
    return True


def _service_user_rows(*conditions):
    return db.session.execute(
        sa.select(FeedbackInvitation.id, FeedbackInvitation.expires_at, FeedbackInvitation.sent_at,
                  FeedbackInvitation.last_reminder_at, FeedbackForm.reminder_interval_days,
                  person_email().label("email"), ServiceUser.preferred_language.label("language"),
                  Account.locale.label("locale"))
        .join(FeedbackForm, FeedbackForm.id == FeedbackInvitation.form_id)
        .join(ServiceUser, ServiceUser.id == FeedbackInvitation.service_user_id)
        .outerjoin(Account, Account.id == ServiceUser.account_id)
        .where(FeedbackForm.status == "published", ServiceUser.anonymised_at.is_(None), person_email().is_not(None),
               *conditions)
        .order_by(FeedbackInvitation.id)).all()


def _account_rows(*conditions):
    return db.session.execute(
        sa.select(FeedbackInvitation.id, FeedbackInvitation.expires_at, FeedbackInvitation.sent_at,
                  FeedbackInvitation.last_reminder_at, FeedbackForm.reminder_interval_days,
                  Account.email.label("email"), sa.null().label("language"), Account.locale.label("locale"))
        .join(FeedbackForm, FeedbackForm.id == FeedbackInvitation.form_id)
        .join(Account, Account.id == FeedbackInvitation.account_id)
        .where(FeedbackForm.status == "published", Account.is_active, *conditions)
        .order_by(FeedbackInvitation.id)).all()


def _invitee_rows(*conditions):
    return _service_user_rows(*conditions) + _account_rows(*conditions)


def send_pending(now: datetime, *, only_ids: list[int] | None = None, actor=None, ip: str | None = None) -> int:
    """Mail every open invitation not sent yet whose invitee has an address (or only these); returns how many."""
    conditions = [open_condition(now), FeedbackInvitation.sent_at.is_(None)]
    if only_ids is not None:
        if not only_ids:
            return 0
        conditions.append(FeedbackInvitation.id.in_(only_ids))
    sent = 0
    for row in _invitee_rows(*conditions):
        sent += _mail(row.id, row.email, row.expires_at, _locale(row.language, row.locale), reminder=False, now=now,
                      actor=actor, ip=ip)
    return sent


def send_reminders(now: datetime) -> int:
    """At most MAX_REMINDERS per invitation, the form's reminder interval apart, while it is open."""
    # reminder_interval_days is at least one day: the SQL keeps the candidates, the interval is checked below.
    candidates = _invitee_rows(open_condition(now), FeedbackInvitation.sent_at.is_not(None),
                               FeedbackInvitation.reminders_sent < MAX_REMINDERS,
                               sa.func.coalesce(FeedbackInvitation.last_reminder_at, FeedbackInvitation.sent_at)
                               <= now - timedelta(days=1))
    reminded = 0
    for row in candidates:
        if (row.last_reminder_at or row.sent_at) + timedelta(days=row.reminder_interval_days) > now:
            continue
        reminded += _mail(row.id, row.email, row.expires_at, _locale(row.language, row.locale), reminder=True,
                          now=now)
    return reminded


# --- Cancellation ------------------------------------------------------------------------------------

def cancel_open_invitations(*, service_user_id: int | None = None, account_id: int | None = None,
                            study_id: int | None = None, form_id: int | None = None, reason: str,
                            now: datetime) -> int:
    """Cancel the open invitations matching every filter given (consent withdrawn, erasure, form closed ...);
    returns how many. Flushes nothing else; does not commit."""
    conditions = [open_condition(now)]
    if service_user_id is not None:
        conditions.append(FeedbackInvitation.service_user_id == service_user_id)
    if account_id is not None:
        conditions.append(FeedbackInvitation.account_id == account_id)
    if form_id is not None:
        conditions.append(FeedbackInvitation.form_id == form_id)
    if study_id is not None:
        conditions.append(FeedbackInvitation.form_id.in_(sa.select(FeedbackForm.id)
                                                          .where(FeedbackForm.study_id == study_id)))
    if len(conditions) == 1:
        raise ValueError("cancel_open_invitations() needs at least one filter")
    return db.session.execute(sa.update(FeedbackInvitation).where(*conditions)
                              .values(cancelled_at=now, cancel_reason=reason)
                              .execution_options(synchronize_session=False)).rowcount


def cancel_stale(now: datetime) -> int:
    """Cancel the open invitations whose condition stopped: the accompaniment reopened, the consent to the
    form's study withdrawn, the form closed (three UPDATEs)."""
    reopened = (sa.update(FeedbackInvitation)
                .where(open_condition(now), FeedbackInvitation.trigger == "at_closing",
                       FeedbackInvitation.referral_id.in_(sa.select(Referral.id).where(Referral.status != "closed")))
                .values(cancelled_at=now, cancel_reason="reopened"))
    form = aliased(FeedbackForm)
    withdrawn = (sa.update(FeedbackInvitation)
                 .where(open_condition(now), sa.exists().where(
                     form.id == FeedbackInvitation.form_id, form.privacy == "pseudonymous",
                     sa.or_(sa.and_(FeedbackInvitation.service_user_id.is_not(None),
                                    _withdrew_from_study(form.study_id,
                                                         service_user_id=FeedbackInvitation.service_user_id)),
                            sa.and_(FeedbackInvitation.account_id.is_not(None),
                                    _withdrew_from_study(form.study_id, account_id=FeedbackInvitation.account_id)))))
                 .values(cancelled_at=now, cancel_reason="consent_withdrawn"))
    closed = (sa.update(FeedbackInvitation)
              .where(open_condition(now), FeedbackInvitation.form_id.in_(
                  sa.select(FeedbackForm.id).where(FeedbackForm.status == "closed")))
              .values(cancelled_at=now, cancel_reason="form_closed"))
    return sum(db.session.execute(statement.execution_options(synchronize_session=False)).rowcount
               for statement in (reopened, withdrawn, closed))


# --- Automatic creation ------------------------------------------------------------------------------

def _due_after_meetings(now: datetime) -> list:
    """(form, person) pairs whose Nth held meeting (attended) happened since the form was published, never
    invited to it by this trigger: ONE SELECT over every such form."""
    held = sa.and_(Meeting.status == "held", MeetingParticipant.status == "attended", Meeting.starts_at <= now)
    before_publication = sa.func.sum(sa.case((Meeting.starts_at < FeedbackForm.published_at, 1), else_=0))
    person_id = MeetingParticipant.service_user_id
    already = sa.exists().where(FeedbackInvitation.form_id == FeedbackForm.id,
                                FeedbackInvitation.service_user_id == person_id,
                                FeedbackInvitation.trigger == "after_meetings")
    return db.session.execute(
        sa.select(FeedbackForm.id.label("form_id"), person_id.label("person_id"), sa.null().label("referral_id"),
                  FeedbackForm.invitation_valid_days)
        .select_from(FeedbackForm)
        .join(MeetingParticipant, sa.true())
        .join(Meeting, Meeting.id == MeetingParticipant.meeting_id)
        .join(ServiceUser, ServiceUser.id == person_id)
        .where(FeedbackForm.status == "published", FeedbackForm.audience == "service_user",
               FeedbackForm.trigger == "after_meetings", FeedbackForm.published_at.is_not(None), held,
               ~already, _may_be_invited(FeedbackForm, person_id))
        .group_by(FeedbackForm.id, FeedbackForm.trigger_meeting_count, FeedbackForm.invitation_valid_days, person_id)
        .having(sa.and_(sa.func.count() >= FeedbackForm.trigger_meeting_count,
                        before_publication < FeedbackForm.trigger_meeting_count))
        .order_by(FeedbackForm.id, person_id)).all()


def _due_at_closing(now: datetime) -> list:
    """(form, referral) pairs: an accompaniment closed since the form was published, once per referral (an
    invitation cancelled because the referral reopened does not count): ONE SELECT."""
    already = sa.exists().where(FeedbackInvitation.form_id == FeedbackForm.id,
                                FeedbackInvitation.referral_id == Referral.id,
                                FeedbackInvitation.trigger == "at_closing",
                                sa.func.coalesce(FeedbackInvitation.cancel_reason, "") != "reopened")
    return db.session.execute(
        sa.select(FeedbackForm.id.label("form_id"), Referral.service_user_id.label("person_id"),
                  Referral.id.label("referral_id"), FeedbackForm.invitation_valid_days)
        .select_from(FeedbackForm)
        .join(Referral, sa.and_(Referral.status == "closed", Referral.accepted_at.is_not(None),
                                Referral.service_user_id.is_not(None),
                                Referral.status_changed_at >= FeedbackForm.published_at,
                                Referral.status_changed_at <= now))
        .join(ServiceUser, ServiceUser.id == Referral.service_user_id)
        .where(FeedbackForm.status == "published", FeedbackForm.audience == "service_user",
               FeedbackForm.trigger == "at_closing", FeedbackForm.published_at.is_not(None), ~already,
               _may_be_invited(FeedbackForm, Referral.service_user_id))
        .order_by(FeedbackForm.id, Referral.id)).all()


def create_due(now: datetime) -> int:
    """Create the invitations due by trigger (one INSERT for all); they are mailed by send_pending."""
    rows = [{"form_id": row.form_id, "service_user_id": row.person_id, "referral_id": row.referral_id,
             "trigger": trigger, "token_hash": _unknown_token_hash(), "created_at": now,
             "expires_at": now + timedelta(days=row.invitation_valid_days), "reminders_sent": 0}
            for trigger, found in (("after_meetings", _due_after_meetings(now)), ("at_closing", _due_at_closing(now)))
            for row in found]
    if rows:
        db.session.execute(sa.insert(invitation_table), rows)
    return len(rows)


def process(now: datetime) -> JobReport:
    """One run as of `now`: cancel, create, mail, remind. Idempotent: a second run at the same time does
    nothing. Flushes; the caller commits (run_job)."""
    if now.tzinfo is None:
        raise ValueError("process() needs a timezone-aware `now`")
    report = JobReport()
    report.cancelled = cancel_stale(now)
    report.created = create_due(now)
    report.sent = send_pending(now)
    report.reminded = send_reminders(now)
    db.session.flush()
    log.info("feedback invitations as of %s: %d created, %d sent, %d reminded, %d cancelled", now.isoformat(),
             report.created, report.sent, report.reminded, report.cancelled)
    return report


def run_job(now: datetime, *, holder: str | None = None) -> JobReport | None:
    """The scheduled job: process(now) under the lease "feedback.invitations", committed once; None when
    another process holds it."""
    from peer_support.nudges.lock import run_locked

    return run_locked(LOCK_NAME, LEASE, lambda: process(now), holder=holder)


# --- By hand -----------------------------------------------------------------------------------------

def open_invitation(form_id: int, *, service_user_id: int | None = None, account_id: int | None = None,
                    now: datetime) -> FeedbackInvitation | None:
    condition = (FeedbackInvitation.service_user_id == service_user_id if service_user_id is not None
                 else FeedbackInvitation.account_id == account_id)
    return db.session.scalar(sa.select(FeedbackInvitation).where(FeedbackInvitation.form_id == form_id, condition,
                                                                 open_condition(now)).limit(1))


def _check_published(form: FeedbackForm, audience: str) -> None:
    if form.status != "published":
        raise DomainError(_l("Only a published questionnaire can be sent."))
    if form.audience != audience:
        raise DomainError(_l("This questionnaire is for service users.") if form.audience == "service_user"
                          else _l("This questionnaire is for staff."))


def invite_person(actor, form: FeedbackForm, person: ServiceUser, *, ip: str | None,
                  now: datetime) -> FeedbackInvitation:
    """Invite a service user by hand; mailed at once when an address is known (else shown in My space)."""
    _check_published(form, "service_user")
    if person.anonymised_at is not None:
        raise DomainError(_l("This person's data has been anonymised: they cannot be invited."))
    if open_invitation(form.id, service_user_id=person.id, now=now) is not None:
        raise DomainError(_l("This person already has an invitation to this questionnaire waiting."))
    if form.privacy == "pseudonymous" and db.session.scalar(sa.select(
            _withdrew_from_study(form.study_id, service_user_id=person.id))):
        raise DomainError(_l("This person withdrew their consent to the study of this questionnaire."))
    invitation = FeedbackInvitation(form_id=form.id, service_user_id=person.id, trigger="manual",
                                    token_hash=_unknown_token_hash(), created_by_id=actor.id, created_at=now,
                                    expires_at=now + timedelta(days=form.invitation_valid_days))
    db.session.add(invitation)
    db.session.flush()
    record("feedback.invitation_create", actor=actor, object_type="service_user", object_id=person.id, ip=ip,
           now=now, details={"form_id": form.id, "invitation_id": invitation.id})
    send_pending(now, only_ids=[invitation.id], actor=actor, ip=ip)
    # send_pending updates the rows in SQL: the object learns whether the mail went out.
    db.session.refresh(invitation, ["sent_at", "token_hash"])
    return invitation


def staff_accounts_of_unit(unit_id: int) -> list[Account]:
    from peer_support.units.models import account_unit

    return list(db.session.scalars(
        sa.select(Account).join(account_unit, account_unit.c.account_id == Account.id)
        .where(account_unit.c.unit_id == unit_id, Account.role == "staff", Account.is_active)
        .order_by(Account.name, Account.id)))


def invite_staff(actor, form: FeedbackForm, accounts: list[Account], *, ip: str | None, now: datetime) -> int:
    """Invite staff accounts (chosen, or all of a unit) to a staff questionnaire; each is mailed at once.
    Those already invited and not answered yet are skipped. Returns how many were invited."""
    _check_published(form, "staff")
    if not accounts:
        raise DomainError(_l("Choose at least one member of staff, or a unit."), field="account_ids")
    if any(account.role != "staff" or not account.is_active for account in accounts):
        raise DomainError(_l("Only active staff accounts can be sent a staff questionnaire."), field="account_ids")
    waiting = set(db.session.scalars(sa.select(FeedbackInvitation.account_id).where(
        FeedbackInvitation.form_id == form.id, FeedbackInvitation.account_id.in_([a.id for a in accounts]),
        open_condition(now))))
    new = [FeedbackInvitation(form_id=form.id, account_id=account.id, trigger="manual",
                              token_hash=_unknown_token_hash(), created_by_id=actor.id, created_at=now,
                              expires_at=now + timedelta(days=form.invitation_valid_days))
           for account in accounts if account.id not in waiting]
    db.session.add_all(new)
    db.session.flush()
    if new:
        ids = [invitation.account_id for invitation in new]
        record("feedback.invitation_create", actor=actor, object_type="feedback_form", object_id=form.id, ip=ip,
               now=now, details={"count": len(new), **({"account_ids": ids} if len(ids) <= AUDITED_IDS else {})})
        send_pending(now, only_ids=[invitation.id for invitation in new], actor=actor, ip=ip)
    return len(new)


def cancel_by_hand(actor, invitation: FeedbackInvitation, *, ip: str | None, now: datetime) -> None:
    if invitation_state(invitation, now=now) != "open":
        raise DomainError(_l("This invitation can no longer be used: there is nothing to cancel."))
    invitation.cancelled_at = now
    invitation.cancel_reason = "by_hand"
    record("feedback.invitation_cancel", actor=actor, object_type="feedback_invitation", object_id=invitation.id,
           ip=ip, now=now, details={"form_id": invitation.form_id})
    db.session.flush()


def link_to_print(actor, invitation: FeedbackInvitation, *, ip: str | None, now: datetime) -> str:
    """A new link to give the person on paper (the earlier one stops working); returns the token."""
    if invitation_state(invitation, now=now) != "open":
        raise DomainError(_l("This invitation can no longer be used: send a new one."))
    token = new_link(invitation.id)
    record("feedback.invitation_link", actor=actor, object_type="feedback_invitation", object_id=invitation.id,
           ip=ip, now=now, details={"form_id": invitation.form_id})
    db.session.flush()
    return token
