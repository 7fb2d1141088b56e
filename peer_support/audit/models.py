"""The append-only audit log."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peer_support.db import UTCDateTime, utcnow
from peer_support.extensions import db

OUTCOMES = ("success", "failure", "denied")


class AuditEntry(db.Model):
    """Who did what to which object, when, from where, and how it ended.

    Rows are never updated or deleted: the ORM refuses it (see audit/services.py)
    and the database refuses it too (triggers created by the migration).
    """

    __tablename__ = "audit_entry"
    __table_args__ = (
        sa.Index("ix_audit_entry_object", "object_type", "object_id"),
        sa.Index("ix_audit_entry_actor_at", "actor_id", "at"),
        sa.CheckConstraint("outcome IN ('success', 'failure', 'denied')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # No foreign key constraint action: entries outlive anything they mention.
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    # What identified the actor at the time (e.g. the e-mail typed at a failed sign-in).
    actor_label: Mapped[str | None] = mapped_column(sa.String(254))
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(40))
    object_id: Mapped[str | None] = mapped_column(sa.String(40))
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    outcome: Mapped[str] = mapped_column(sa.String(10), default="success")
    details: Mapped[dict | None] = mapped_column(sa.JSON)

    actor = relationship("Account", lazy="raise")


class AuditRedaction(db.Model):
    """The one way an audit entry may change: a person's identifying values are removed (erasure, retention).

    A row exists only inside the anonymising transaction (inserted, then deleted before commit); while it is
    visible the database triggers accept UPDATE of audit entries — never DELETE — and no other transaction ever
    sees it."""

    __tablename__ = "audit_redaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(sa.String(20))
