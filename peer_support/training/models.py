"""Qualifications and ongoing training: the catalogue, each worker's records, and the requirements."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peer_support.db import UTCDateTime, one_of, utcnow
from peer_support.extensions import db
from peer_support.peers.models import PeerProfile

PROGRAMME_KINDS = ("initial_qualification", "ongoing")
RECORD_STATUSES = ("planned", "in_progress", "completed")


class TrainingProgramme(db.Model):
    """A catalogue entry: an initial qualification or an ongoing-training topic."""

    __tablename__ = "training_programme"
    __table_args__ = (
        sa.CheckConstraint(one_of("kind", PROGRAMME_KINDS), name="kind"),
        sa.CheckConstraint("validity_months IS NULL OR validity_months > 0", name="validity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    name_fr: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    provider: Mapped[str | None] = mapped_column(sa.String(200))
    default_hours: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 1))
    # Renewable items (e.g. a first-aid certificate): valid this long after completion...
    validity_months: Mapped[int | None]
    # ... with a notice this many days before expiry, and a grace period after it.
    renewal_notice_days: Mapped[int] = mapped_column(default=60, server_default="60")
    grace_days: Mapped[int] = mapped_column(default=30, server_default="30")
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def name(self, locale: str) -> str:
        return self.name_fr if locale == "fr" else self.name_en


class TrainingRecord(db.Model):
    """One worker's participation in one programme, with its certificate if any."""

    __tablename__ = "training_record"
    __table_args__ = (
        sa.CheckConstraint(one_of("status", RECORD_STATUSES), name="status"),
        sa.CheckConstraint("hours IS NULL OR hours >= 0", name="hours"),
        sa.CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="order"),
        sa.Index("ix_training_record_profile_status", "profile_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(sa.ForeignKey("peer_profile.id", ondelete="CASCADE"))
    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("training_programme.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(12), default="planned")
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    hours: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 1))
    # Set when completed, from the programme's validity: renewal is due before this date.
    expires_on: Mapped[date | None]
    # The certificate file is stored outside the web root under a random name.
    certificate_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    certificate_filename: Mapped[str | None] = mapped_column(sa.String(200))
    certificate_content_type: Mapped[str | None] = mapped_column(sa.String(100))
    certificate_size: Mapped[int | None]
    certificate_uploaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    profile: Mapped[PeerProfile] = relationship(lazy="raise")
    programme: Mapped[TrainingProgramme] = relationship(lazy="raise")


class ProgrammeRequirements(db.Model):
    """What the programme asks of every peer worker (one row, set by the coordinator)."""

    __tablename__ = "programme_requirements"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    initial_qualification_before_caseload: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    ongoing_training_hours_per_year: Mapped[int] = mapped_column(default=14, server_default="14")
    supervision_interval_weeks: Mapped[int] = mapped_column(default=4, server_default="4")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
