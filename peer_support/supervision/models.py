"""Supervision of peer workers, and debriefs asked after hard events."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peer_support.auth.models import Account
from peer_support.db import UTCDateTime, one_of, utcnow
from peer_support.extensions import db
from peer_support.peers.models import PeerProfile

SESSION_KINDS = ("individual", "group", "practice_analysis")
HARD_EVENT_KINDS = ("death", "aggression", "over_identification", "own_health", "other")
DEBRIEF_STATUSES = ("requested", "scheduled", "held")

supervision_attendee = sa.Table(
    "supervision_attendee",
    db.metadata,
    sa.Column("session_id", sa.ForeignKey("supervision_session.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("profile_id", sa.ForeignKey("peer_profile.id", ondelete="CASCADE"), primary_key=True),
    # A worker's sessions from the index alone (the dashboard's supervision compliance, for every worker at once).
    sa.Index("ix_supervision_attendee_profile_id", "profile_id", "session_id"),
)


class SupervisionSession(db.Model):
    """A supervision or analysis-of-practice session, individual or group."""

    __tablename__ = "supervision_session"
    __table_args__ = (
        sa.CheckConstraint(one_of("kind", SESSION_KINDS), name="kind"),
        sa.CheckConstraint("duration_minutes > 0", name="duration"),
        sa.CheckConstraint("supervisor_id IS NOT NULL OR external_supervisor IS NOT NULL", name="supervisor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    duration_minutes: Mapped[int] = mapped_column(default=60)
    kind: Mapped[str] = mapped_column(sa.String(20))
    # A staff account, or the name of an external supervisor (a psychologist from outside ...).
    supervisor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"), index=True)
    external_supervisor: Mapped[str | None] = mapped_column(sa.String(200))
    topics: Mapped[str | None] = mapped_column(sa.Text)
    # Visible to the supervisor and the attending workers only, never to the coordinator.
    private_notes: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    supervisor: Mapped[Account | None] = relationship(foreign_keys=[supervisor_id], lazy="raise")
    attendees: Mapped[list[PeerProfile]] = relationship(secondary=supervision_attendee, lazy="raise")


class DebriefRequest(db.Model):
    """A worker flags a hard event and asks for a debrief (never visible to staff or service users)."""

    __tablename__ = "debrief_request"
    __table_args__ = (
        sa.CheckConstraint(one_of("event_kind", HARD_EVENT_KINDS), name="event_kind"),
        sa.CheckConstraint(one_of("status", DEBRIEF_STATUSES), name="status"),
        sa.Index("ix_debrief_request_profile_status", "profile_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(sa.ForeignKey("peer_profile.id", ondelete="CASCADE"))
    event_kind: Mapped[str] = mapped_column(sa.String(20))
    event_on: Mapped[date | None]
    # In the worker's words; seen by their supervisor and the coordinator only.
    description: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(10), default="requested")
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    held_on: Mapped[date | None]
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    profile: Mapped[PeerProfile] = relationship(lazy="raise")
