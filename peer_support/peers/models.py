"""Peer workers: their profile, the lived experience they agree to share, and when they can be found."""
from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peer_support.auth.models import Account
from peer_support.db import BilingualVocabulary, UTCDateTime, one_of, utcnow
from peer_support.extensions import db
from peer_support.units.models import Unit

PEER_STATUSES = ("active", "on_leave", "left")
MEETING_FORMATS = ("individual", "group", "informal", "phone", "video", "outing")
ABSENCE_KINDS = ("leave", "training", "sick", "other")


class LivedExperienceDomain(BilingualVocabulary, db.Model):
    """A coordinator-managed vocabulary entry: what a peer worker may have lived through."""

    __tablename__ = "lived_experience_domain"


class PeerProfile(db.Model):
    """The professional profile of a peer_worker account (its units are the account's units)."""

    __tablename__ = "peer_profile"
    __table_args__ = (
        sa.CheckConstraint(one_of("status", PEER_STATUSES), name="status"),
        sa.CheckConstraint("max_caseload >= 0", name="max_caseload"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("account.id"), unique=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="active", index=True)
    max_caseload: Mapped[int] = mapped_column(default=12)
    # Language codes (fr, en, ar ...) and meeting formats offered, as short lists.
    languages: Mapped[list] = mapped_column(sa.JSON, default=list)
    meeting_formats: Mapped[list] = mapped_column(sa.JSON, default=list)
    # What the worker tells the people they accompany about themselves (public to staff and users).
    presentation: Mapped[str | None] = mapped_column(sa.Text)
    # The staff account that supervises this worker (sees their supervision and debrief requests).
    supervisor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"), index=True)
    started_on: Mapped[date | None]
    # A photo the worker chose to give (shown to the people they accompany): a key in the photo store.
    photo_key: Mapped[str | None] = mapped_column(sa.String(32))
    photo_content_type: Mapped[str | None] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    account: Mapped[Account] = relationship(foreign_keys=[account_id], lazy="raise")
    supervisor: Mapped[Account | None] = relationship(foreign_keys=[supervisor_id], lazy="raise")
    domains: Mapped[list[PeerDomain]] = relationship(back_populates="profile", lazy="raise",
                                                     cascade="all, delete-orphan")
    presence_slots: Mapped[list[PresenceSlot]] = relationship(
        back_populates="profile", lazy="raise", cascade="all, delete-orphan",
        order_by="(PresenceSlot.weekday, PresenceSlot.starts_at)")
    absences: Mapped[list[Absence]] = relationship(
        back_populates="profile", lazy="raise", cascade="all, delete-orphan", order_by="Absence.starts_on")


class PeerDomain(db.Model):
    """A lived-experience domain of a worker, and whether they consent to its use for matching."""

    __tablename__ = "peer_domain"

    profile_id: Mapped[int] = mapped_column(sa.ForeignKey("peer_profile.id", ondelete="CASCADE"), primary_key=True)
    domain_id: Mapped[int] = mapped_column(sa.ForeignKey("lived_experience_domain.id"), primary_key=True,
                                           index=True)
    # The worker's own decision: only consented domains are used to match referrals.
    consent_to_matching: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    consent_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    profile: Mapped[PeerProfile] = relationship(back_populates="domains", lazy="raise")
    domain: Mapped[LivedExperienceDomain] = relationship(lazy="raise")


class PresenceSlot(db.Model):
    """A weekly time and place where the worker can be found (local time of the site)."""

    __tablename__ = "presence_slot"
    __table_args__ = (
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        sa.CheckConstraint("ends_at > starts_at", name="order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(sa.ForeignKey("peer_profile.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]  # 0 = Monday, as Python's date.weekday()
    starts_at: Mapped[time]
    ends_at: Mapped[time]
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    place: Mapped[str] = mapped_column(sa.String(200))

    profile: Mapped[PeerProfile] = relationship(back_populates="presence_slots", lazy="raise")
    unit: Mapped[Unit | None] = relationship(lazy="raise")


class Absence(db.Model):
    """An exception to the presence times: leave, training, sickness ... (dates inclusive)."""

    __tablename__ = "absence"
    __table_args__ = (
        sa.CheckConstraint(one_of("kind", ABSENCE_KINDS), name="kind"),
        sa.CheckConstraint("ends_on >= starts_on", name="order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(sa.ForeignKey("peer_profile.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    kind: Mapped[str] = mapped_column(sa.String(10))
    # Shown to the people accompanied ("back on 3 March"); the kind is not shown to them.
    public_note: Mapped[str | None] = mapped_column(sa.String(200))

    profile: Mapped[PeerProfile] = relationship(back_populates="absences", lazy="raise")
