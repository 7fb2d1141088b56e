"""Snapshots of the dashboard's costliest figures, computed at night (reports/snapshots.py).

contact_gap_month: for one month and one "as of" day, the accompaniments active at the end of that day and
how many had a contact gap longer than their threshold (nudges/measures.py's meaning), per unit and peer
worker of the referral as they were when computed. Derived data, recomputed at will: no foreign keys (a unit
or worker removed later leaves its numbers, which still add up to the programme's).

activity_month marks the months computed (and as of which day) for the three activity tables, written together:
first_meeting_month (referrals by month of their first meeting, unit and worker of the referral, and days
waited rounded to a tenth: the median and 90th percentile are exact at the shown precision), meeting_month
(held meetings per month, leading worker and format) and topic_month (held meetings per month, leading worker
and topic). The unit of meetings and topics is the worker's, applied when read (as the live figures do).
likert_month is written with them too: per month of submission, form and question key, the scale answers the
care team may count and their sum (the dashboard's averages); and caseload_month: per worker of the referral,
the people in their caseload at the end of the month's `last_day` (the caseload against capacity).

The monthly tables' indexes begin with the month and hold every column the dashboard reads: a period's rows are
read from the index alone, in the order of the figure's grouping (migration 0017).
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


class ActivityMonth(db.Model):
    """A month of first_meeting_month, meeting_month and topic_month, computed as of the end of `last_day`."""

    __tablename__ = "activity_month"

    month: Mapped[date] = mapped_column(primary_key=True)   # the month's first day
    last_day: Mapped[date]                 # the month's last day, or yesterday for the current month
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FirstMeetingMonth(db.Model):
    """Referrals whose first meeting was held in `month`, per unit, worker and days waited (tenths)."""

    __tablename__ = "first_meeting_month"
    __table_args__ = (sa.Index("ix_first_meeting_month_month", "month", "days_tenths", "unit_id", "peer_profile_id",
                               "referrals"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date]
    unit_id: Mapped[int | None]            # the referral's unit when computed
    peer_profile_id: Mapped[int | None]    # the referral's peer worker when computed
    days_tenths: Mapped[int]               # days from the referral to its first meeting, x 10, rounded
    referrals: Mapped[int]


class MeetingMonth(db.Model):
    """Held meetings of `month` led by one peer worker in one format, and their minutes."""

    __tablename__ = "meeting_month"
    __table_args__ = (sa.Index("ix_meeting_month_month", "month", "format", "peer_profile_id", "meetings", "minutes"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date]
    peer_profile_id: Mapped[int | None]
    format: Mapped[str] = mapped_column(sa.String(20))
    meetings: Mapped[int]
    minutes: Mapped[int]


class TopicMonth(db.Model):
    """Held meetings of `month` led by one peer worker that addressed one topic."""

    __tablename__ = "topic_month"
    __table_args__ = (sa.Index("ix_topic_month_month", "month", "topic_id", "peer_profile_id", "meetings"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date]
    peer_profile_id: Mapped[int | None]
    topic_id: Mapped[int]
    meetings: Mapped[int]


class LikertMonth(db.Model):
    """Answers to one scale question (form, key) submitted in `month` that the care team may count, and their
    sum: the average of the month is total / answers."""

    __tablename__ = "likert_month"
    __table_args__ = (sa.Index("ix_likert_month_month", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date]
    form_id: Mapped[int]
    question_key: Mapped[str] = mapped_column(sa.String(20))
    answers: Mapped[int]
    total: Mapped[int]


class CaseloadMonth(db.Model):
    """The people in one worker's caseload (accepted or active referrals, from their history) at the end of the
    `last_day` of activity_month for `month`; the worker is the referral's when computed."""

    __tablename__ = "caseload_month"
    __table_args__ = (sa.Index("ix_caseload_month_month", "month", "peer_profile_id", "people"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date]
    peer_profile_id: Mapped[int | None]
    people: Mapped[int]
