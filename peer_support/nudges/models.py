"""Nudges, the thresholds of their rules, and the lock that keeps one evaluation at a time."""
from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peer_support.auth.models import Account
from peer_support.db import UTCDateTime, one_of, utcnow
from peer_support.extensions import db
from peer_support.units.models import Unit

# The rules of issue 6, by key. Each rule's plain-language explanation lives in nudges/labels.py.
RULES = (
    "contact_gap",          # 1. no meeting for N days in an active accompaniment, none planned
    "first_meeting",        # 2. first meeting not held within N days of acceptance
    "triage_delay",         # 3a. a referral not triaged within N working days
    "proposal_unanswered",  # 3b. proposed to a worker and not answered within N working days
    "contact_request",      # 4. a person's own contact request not answered within N working days
    "hold_review",          # 5. an on-hold referral reaching its review date
    "supervision_overdue",  # 6a. no supervision session within the required interval
    "debrief_unscheduled",  # 6b. a debrief request not scheduled within N working days
    "training_renewal",     # 7a. a training renewal window opening
    "training_expired",     # 7b. a qualification expired
    "person_message",       # the opt-in message to the person themselves (nudges/person_messages.py)
    "escalation",           # 8. a nudge not acted on within N days, raised to the coordination once
)
# open: waiting for someone; snoozed: hidden until snoozed_until; done / dismissed: acted on by a person;
# resolved: the condition stopped being true (the meeting got planned), closed by the evaluation itself.
STATUSES = ("open", "snoozed", "done", "dismissed", "resolved")
ACTIVE_STATUSES = ("open", "snoozed")
SUBJECT_TYPES = ("referral", "peer_profile", "debrief_request", "training_record", "nudge")
# Who a nudge is for: the peer worker, their supervisor, or the coordination team (every coordinator);
# "person" is the opt-in message to the service user themselves.
AUDIENCES = ("worker", "supervisor", "coordination", "person")


class Nudge(db.Model):
    """A reminder that something is due or overdue, for one account or for the coordination team.

    Its key (rule, subject, period, audience) is unique: rerunning an evaluation, or running it after a
    crash mid-way, never makes a second nudge for the same thing, nor misses one."""

    __tablename__ = "nudge"
    __table_args__ = (
        sa.UniqueConstraint("rule", "subject_type", "subject_id", "period", "audience", name="uq_nudge_key"),
        sa.CheckConstraint(one_of("rule", RULES), name="rule"),
        sa.CheckConstraint(one_of("audience", AUDIENCES), name="audience"),
        sa.CheckConstraint(one_of("status", STATUSES), name="status"),
        sa.CheckConstraint(one_of("subject_type", SUBJECT_TYPES), name="subject_type"),
        sa.Index("ix_nudge_account_status", "account_id", "status"),
        sa.Index("ix_nudge_rule_status", "rule", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(sa.String(24))
    subject_type: Mapped[str] = mapped_column(sa.String(20))
    subject_id: Mapped[int]
    # What makes this occurrence distinct, e.g. the date the gap became due: a new last meeting
    # gives a new period, hence a new nudge when the next gap opens.
    period: Mapped[str] = mapped_column(sa.String(32))
    audience: Mapped[str] = mapped_column(sa.String(12))
    # The account that should act; NULL for the coordination team (every coordinator sees it).
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    # The person concerned, when there is one (never shown in e-mails).
    service_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_user.id"), index=True)
    peer_profile_id: Mapped[int | None] = mapped_column(sa.ForeignKey("peer_profile.id"), index=True)
    # The day the thing became due (the threshold passed), for the explanation and the measures.
    due_on: Mapped[date]
    # Figures for the plain-language explanation (threshold in days, last meeting date ...): no free text.
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    snoozed_until: Mapped[date | None]
    acted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    dismiss_reason: Mapped[str | None] = mapped_column(sa.String(500))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set on a nudge raised to the coordination (rule "escalation" points back to it by subject_id).
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # E-mail delivery: when it went out (immediately or in a digest); NULL while waiting.
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    account: Mapped[Account | None] = relationship(foreign_keys=[account_id], lazy="raise")
    acted_by: Mapped[Account | None] = relationship(foreign_keys=[acted_by_id], lazy="raise")
    unit: Mapped[Unit | None] = relationship(lazy="raise")


class NudgeThreshold(db.Model):
    """A rule's threshold set by the coordinator, for the whole programme (unit_id NULL) or for one unit.

    The unit's value wins over the programme's; without either, the default in nudges/rules.py applies."""

    __tablename__ = "nudge_threshold"
    __table_args__ = (
        sa.UniqueConstraint("name", "unit_id", name="uq_nudge_threshold"),
        # NULLs are distinct in a unique constraint: the programme's own value needs its own index.
        sa.Index("uq_nudge_threshold_programme", "name", unique=True,
                 sqlite_where=sa.text("unit_id IS NULL"), postgresql_where=sa.text("unit_id IS NULL")),
        sa.CheckConstraint("days >= 0 AND days <= 3650", name="days"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # e.g. "contact_gap.contact_me_again", "first_meeting", "escalation"
    name: Mapped[str] = mapped_column(sa.String(48))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"))
    days: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))


class JobLock(db.Model):
    """A lease on a scheduled job: a scheduler process runs a job only while it holds the lease.

    Taken with a single conditional UPDATE (free or expired), so it works the same on SQLite and
    PostgreSQL and survives a crashed holder once its lease runs out."""

    __tablename__ = "job_lock"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    holder: Mapped[str | None] = mapped_column(sa.String(120))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


# E-mail about nudges, per account: none, one mail as they come (outside quiet hours), or one a day.
MAIL_MODES = ("off", "immediate", "digest")


class NudgeMailPreference(db.Model):
    """How an account wants to hear about its nudges by e-mail (nudges/delivery.py).

    A row exists only once the person saved their choice, or once a digest went out (last_digest_on);
    without one the defaults in nudges/delivery.py apply (a daily digest at 08:00, quiet 20:00-08:00).
    Times are local times of the site (PEER_SUPPORT_TIMEZONE)."""

    __tablename__ = "nudge_mail_preference"
    __table_args__ = (
        sa.CheckConstraint(one_of("mode", MAIL_MODES), name="mode"),
        sa.CheckConstraint("digest_hour >= 0 AND digest_hour <= 23", name="digest_hour"),
        sa.CheckConstraint("quiet_start <> quiet_end", name="quiet_hours"),
    )

    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)
    mode: Mapped[str] = mapped_column(sa.String(10))
    quiet_start: Mapped[time]
    quiet_end: Mapped[time]
    digest_hour: Mapped[int]
    # The local day the last digest went out: one digest a day, whatever the number of runs.
    last_digest_on: Mapped[date | None]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class NudgeMailReceipt(db.Model):
    """That one recipient was mailed about one nudge: a coordination nudge goes to every coordinator,
    each with their own choice (immediate, digest, off), so each is tracked on its own.

    A receipt counts for the nudge's current occurrence only (mailed_at >= nudge.created_at): a nudge that
    resolved itself and came back is mailed again."""

    __tablename__ = "nudge_mail_receipt"

    nudge_id: Mapped[int] = mapped_column(sa.ForeignKey("nudge.id", ondelete="CASCADE"), primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)
    mailed_at: Mapped[datetime] = mapped_column(UTCDateTime)
