"""What the scheduler last did, per job: /healthz and the operator read it."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from peer_support.db import UTCDateTime
from peer_support.extensions import db


class JobRun(db.Model):
    """The last start, success and failure of one scheduled job (one row per job, updated in place)."""

    __tablename__ = "job_run"

    job_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The exception's class name only: messages may carry data.
    last_error: Mapped[str | None] = mapped_column(sa.String(200))
    last_duration_ms: Mapped[int | None]
