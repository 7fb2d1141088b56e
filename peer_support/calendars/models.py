"""Personal iCalendar feeds: one per account, at an address derived from a secret and a version."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peer_support.auth.models import Account
from peer_support.db import UTCDateTime, utcnow
from peer_support.extensions import db


class CalendarFeed(db.Model):
    """An account's feed. The address carries an HMAC of (account, version) under the app's secret:
    nothing in the database reveals it, and raising `version` revokes every earlier address."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), unique=True)
    version: Mapped[int] = mapped_column(default=1)
    is_enabled: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # By default events say only "Peer support meeting", the place and the worker's first name.
    show_details: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    account: Mapped[Account] = relationship(lazy="raise")
