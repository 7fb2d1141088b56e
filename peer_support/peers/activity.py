"""A worker's activity over a period, for a yearly review or a pay discussion: every figure one aggregate query."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from peer_support.audit.services import record
from peer_support.extensions import db
from peer_support.meetings.models import TOOK_PART, Meeting, MeetingParticipant
from peer_support.peers.models import MEETING_FORMATS
from peer_support.referrals.models import Referral, ReferralEvent
from peer_support.supervision.models import SupervisionSession, supervision_attendee
from peer_support.timezones import start_of_local_day
from peer_support.training.models import TrainingProgramme, TrainingRecord


@dataclass(frozen=True)
class FormatLine:
    format: str
    meetings: int
    minutes: int


@dataclass(frozen=True)
class TrainingLine:
    programme: TrainingProgramme
    ends_on: date | None
    hours: Decimal | None


@dataclass(frozen=True)
class ActivitySummary:
    starts_on: date
    ends_on: date  # inclusive
    by_format: list[FormatLine]
    people_met: int
    accompaniments_started: int
    accompaniments_closed: int
    meetings_missed: int
    meetings_cancelled: int
    trainings: list[TrainingLine]
    supervisions: int
    supervision_minutes: int

    @property
    def meetings_held(self) -> int:
        return sum(line.meetings for line in self.by_format)

    @property
    def meeting_minutes(self) -> int:
        return sum(line.minutes for line in self.by_format)

    @property
    def training_hours(self) -> Decimal:
        return sum((line.hours or Decimal(0) for line in self.trainings), Decimal(0))


def _period(starts_on: date, ends_on: date) -> tuple[datetime, datetime]:
    """[start, end) in UTC for local dates, the end date included."""
    return start_of_local_day(starts_on), start_of_local_day(ends_on + timedelta(days=1))


def activity_summary(profile_id: int, starts_on: date, ends_on: date) -> ActivitySummary:
    """What the worker did between two local dates (inclusive), in a fixed number of aggregate queries."""
    start, end = _period(starts_on, ends_on)
    in_period = (Meeting.peer_profile_id == profile_id, Meeting.starts_at >= start, Meeting.starts_at < end)
    by_format = {fmt: (int(n), int(minutes or 0)) for fmt, n, minutes in db.session.execute(
        sa.select(Meeting.format, sa.func.count(), sa.func.sum(Meeting.duration_minutes))
        .where(*in_period, Meeting.status == "held").group_by(Meeting.format))}
    other_statuses = dict(db.session.execute(
        sa.select(Meeting.status, sa.func.count()).where(*in_period, Meeting.status.in_(("missed", "cancelled")))
        .group_by(Meeting.status)).all())
    people_met = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(MeetingParticipant.service_user_id)))
        .join(Meeting, Meeting.id == MeetingParticipant.meeting_id)
        .where(*in_period, Meeting.status == "held", MeetingParticipant.status.in_(TOOK_PART)))
    started = db.session.scalar(
        sa.select(sa.func.count()).select_from(Referral)
        .where(Referral.peer_profile_id == profile_id, Referral.accepted_at >= start, Referral.accepted_at < end))
    closed = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(ReferralEvent.referral_id)))
        .join(Referral, Referral.id == ReferralEvent.referral_id)
        .where(Referral.peer_profile_id == profile_id, ReferralEvent.to_status == "closed",
               ReferralEvent.at >= start, ReferralEvent.at < end))
    trainings = [TrainingLine(programme, record_ends_on, hours) for programme, record_ends_on, hours in
                 db.session.execute(
                     sa.select(TrainingProgramme, TrainingRecord.ends_on, TrainingRecord.hours)
                     .join(TrainingProgramme, TrainingProgramme.id == TrainingRecord.programme_id)
                     .where(TrainingRecord.profile_id == profile_id, TrainingRecord.status == "completed",
                            TrainingRecord.ends_on >= starts_on, TrainingRecord.ends_on <= ends_on)
                     .order_by(TrainingRecord.ends_on, TrainingRecord.id))]
    supervisions, supervision_minutes = db.session.execute(
        sa.select(sa.func.count(), sa.func.sum(SupervisionSession.duration_minutes))
        .join(supervision_attendee, supervision_attendee.c.session_id == SupervisionSession.id)
        .where(supervision_attendee.c.profile_id == profile_id, SupervisionSession.held_at >= start,
               SupervisionSession.held_at < end)).one()
    return ActivitySummary(
        starts_on=starts_on, ends_on=ends_on,
        by_format=[FormatLine(fmt, *by_format[fmt]) for fmt in MEETING_FORMATS if fmt in by_format],
        people_met=int(people_met or 0), accompaniments_started=int(started or 0),
        accompaniments_closed=int(closed or 0), meetings_missed=int(other_statuses.get("missed", 0)),
        meetings_cancelled=int(other_statuses.get("cancelled", 0)), trainings=trainings,
        supervisions=int(supervisions or 0), supervision_minutes=int(supervision_minutes or 0))


def record_view(actor, profile_id: int, *, ip: str | None, now: datetime) -> None:
    record("peers.activity_view", actor=actor, object_type="peer_profile", object_id=profile_id, ip=ip, now=now)
