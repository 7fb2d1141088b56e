"""Meetings, who took part, what was talked about, and what follows."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peer_support.auth.models import Account
from peer_support.db import BilingualVocabulary, UTCDateTime, one_of, utcnow
from peer_support.extensions import db
from peer_support.peers.models import MEETING_FORMATS, PeerProfile
from peer_support.people.models import ServiceUser
from peer_support.rooms.models import Room

STATUSES = ("planned", "held", "cancelled", "missed")
# A room (booked), elsewhere in the hospital, off site, or remote (phone, video).
PLACE_KINDS = ("room", "hospital", "off_site", "remote")
INITIATORS = ("service_user", "peer_worker", "staff")
# After a held meeting: what the worker intends (the nudges follow it).
FOLLOW_UP_INTENTIONS = ("person_will_get_in_touch", "next_meeting_by", "no_further_meeting")
PARTICIPANT_STATUSES = ("enrolled", "attended", "absent", "cancelled")
# Taking part in a meeting: enrolled (not yet marked) or attended; absent and cancelled do not count.
TOOK_PART = ("enrolled", "attended")
MAX_DURATION_MINUTES = 8 * 60

meeting_topic_link = sa.Table(
    "meeting_topic_link",
    db.metadata,
    sa.Column("meeting_id", sa.ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("topic_id", sa.ForeignKey("meeting_topic.id"), primary_key=True, index=True),
)

meeting_co_facilitator = sa.Table(
    "meeting_co_facilitator",
    db.metadata,
    sa.Column("meeting_id", sa.ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("account_id", sa.ForeignKey("account.id"), primary_key=True, index=True),
)


class MeetingTopic(BilingualVocabulary, db.Model):
    """A coordinator-managed vocabulary entry: what a meeting was about."""

    __tablename__ = "meeting_topic"


class Meeting(db.Model):
    """One encounter led by a peer worker: planned ahead or logged after the fact. Never recurring."""

    __tablename__ = "meeting"
    __table_args__ = (
        sa.CheckConstraint(one_of("format", MEETING_FORMATS), name="format"),
        sa.CheckConstraint(one_of("status", STATUSES), name="status"),
        sa.CheckConstraint(one_of("place_kind", PLACE_KINDS), name="place_kind"),
        sa.CheckConstraint(one_of("initiated_by", INITIATORS), name="initiated_by"),
        sa.CheckConstraint(f"follow_up_intention IS NULL OR {one_of('follow_up_intention', FOLLOW_UP_INTENTIONS)}",
                           name="follow_up_intention"),
        sa.CheckConstraint("follow_up_intention != 'next_meeting_by' OR follow_up_by IS NOT NULL",
                           name="follow_up_by"),
        sa.CheckConstraint(f"duration_minutes BETWEEN 1 AND {MAX_DURATION_MINUTES}", name="duration"),
        sa.CheckConstraint("ends_at > starts_at", name="order"),
        sa.CheckConstraint("place_kind != 'room' OR room_id IS NOT NULL", name="room"),
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity"),
        sa.Index("ix_meeting_peer_starts", "peer_profile_id", "starts_at"),
        # A worker's meetings in one status by time, read from the index alone: the next planned meeting of each
        # person on the caseload page (without it, every future meeting's row is read to check its status).
        sa.Index("ix_meeting_peer_status_starts", "peer_profile_id", "status", "starts_at"),
        # Room bookings: overlap checks look up a room's meetings by time.
        sa.Index("ix_meeting_room_starts", "room_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    peer_profile_id: Mapped[int] = mapped_column(sa.ForeignKey("peer_profile.id"))
    format: Mapped[str] = mapped_column(sa.String(12))
    status: Mapped[str] = mapped_column(sa.String(10), default="planned")
    # A group session's name ("Asperger psychoeducation group"); optional for other meetings.
    title: Mapped[str | None] = mapped_column(sa.String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int]
    # starts_at + duration, stored so that overlaps are plain SQL comparisons on both engines.
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place_kind: Mapped[str] = mapped_column(sa.String(10))
    room_id: Mapped[int | None] = mapped_column(sa.ForeignKey("room.id"))
    # Where, when not a booked room ("cafeteria", "town library"), or the phone/video detail.
    place_detail: Mapped[str | None] = mapped_column(sa.String(200))
    initiated_by: Mapped[str] = mapped_column(sa.String(12), default="peer_worker")
    # Group sessions: how many people can enrol.
    capacity: Mapped[int | None]
    # The peer worker's own notes: nobody else reads them.
    private_notes: Mapped[str | None] = mapped_column(sa.Text)
    # What may be shared with the care team, only when the person agreed to it.
    team_summary: Mapped[str | None] = mapped_column(sa.Text)
    team_summary_agreed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    follow_up_intention: Mapped[str | None] = mapped_column(sa.String(30))
    follow_up_by: Mapped[date | None]
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(500))
    cancelled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    # The meeting this one was planned from ("plan the next one").
    previous_meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    peer_profile: Mapped[PeerProfile] = relationship(lazy="raise")
    room: Mapped[Room | None] = relationship(lazy="raise")
    participants: Mapped[list[MeetingParticipant]] = relationship(
        back_populates="meeting", lazy="raise", cascade="all, delete-orphan", order_by="MeetingParticipant.enrolled_at")
    topics: Mapped[list[MeetingTopic]] = relationship(secondary=meeting_topic_link, lazy="raise",
                                                      order_by=MeetingTopic.name_en)
    co_facilitators: Mapped[list[Account]] = relationship(secondary=meeting_co_facilitator, lazy="raise",
                                                          order_by=Account.name)
    cancelled_by: Mapped[Account | None] = relationship(foreign_keys=[cancelled_by_id], lazy="raise")


class MeetingParticipant(db.Model):
    """A service user in a meeting: enrolled, then attended or absent; or cancelled with a reason."""

    __tablename__ = "meeting_participant"
    __table_args__ = (
        sa.CheckConstraint(one_of("status", PARTICIPANT_STATUSES), name="status"),
        # A person's meetings, and whether they took part, read from the index alone: the last and next meeting of
        # each person on the caseload page (without the status, every one of their participations' rows is read).
        sa.Index("ix_meeting_participant_person", "service_user_id", "meeting_id", "status"),
    )

    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    service_user_id: Mapped[int] = mapped_column(sa.ForeignKey("service_user.id"), primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="enrolled")
    # Why the person cancelled (from their own space): the peer worker sees it.
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(500))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="participants", lazy="raise")
    service_user: Mapped[ServiceUser] = relationship(lazy="raise")


class LastMeeting(db.Model):
    """The start of the last held meeting of a peer worker in which a person took part (enrolled or attended),
    kept by meetings/last_meetings.py on every flush that changes a meeting or a participant: the caseload sorts
    a worker's people by it without aggregating years of meetings on every view."""

    __tablename__ = "last_meeting"

    peer_profile_id: Mapped[int] = mapped_column(sa.ForeignKey("peer_profile.id"), primary_key=True)
    service_user_id: Mapped[int] = mapped_column(sa.ForeignKey("service_user.id"), primary_key=True, index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
