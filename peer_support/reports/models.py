"""Snapshots of the dashboard's costliest figure, computed at night (reports/snapshots.py).

contact_gap_month: for one month and one "as of" day, the accompaniments active at the end of that day and
how many had a contact gap longer than their threshold (nudges/measures.py's meaning), per unit and peer
worker of the referral as they were when computed. Derived data, recomputed at will: no foreign keys (a unit
or worker removed later leaves its numbers, which still add up to the programme's).
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from peer_support.db import UTCDateTime, utcnow
from peer_support.extensions import db


class ContactGapMonth(db.Model):
    """One month's contact gap, for one (unit, peer worker) pair of referrals, as of `last_day`.

    Every computed month has a row with unit_id and peer_profile_id both None (zeros when no referral lacks
    both): it marks the month as computed, even when no accompaniment was active."""

    __tablename__ = "contact_gap_month"
    __table_args__ = (
        sa.CheckConstraint("over_threshold >= 0 AND over_threshold <= active", name="counts"),
        sa.Index("ix_contact_gap_month_month", "month", "last_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date]                   # the month's first day
    last_day: Mapped[date]                # "today" at the measure's instant: the month's last day, or earlier
    unit_id: Mapped[int | None]           # the referral's unit when computed
    peer_profile_id: Mapped[int | None]   # the referral's peer worker when computed
    active: Mapped[int]
    over_threshold: Mapped[int]
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
