"""The coordinator's data-protection settings (one row)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from peer_support.db import UTCDateTime, utcnow
from peer_support.extensions import db


class DataProtectionSettings(db.Model):
    """Whether professionals must use a second factor, and how long closed accompaniments keep identifying data."""

    __tablename__ = "data_protection_settings"
    __table_args__ = (
        sa.CheckConstraint("id = 1", name="single_row"),
        sa.CheckConstraint("retention_years BETWEEN 1 AND 30", name="retention_years"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    # When set, coordinator, staff, peer_worker and researcher accounts enrol a second factor before anything else.
    two_factor_required: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Years after an accompaniment closed before the person's identifying data is anonymised.
    retention_years: Mapped[int] = mapped_column(default=5, server_default="5")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
