"""Referrals and contact requests, their workflow history, and the "What is a peer worker?" page."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peer_support.auth.models import Account
from peer_support.db import UTCDateTime, one_of, utcnow
from peer_support.extensions import db
from peer_support.peers.models import LivedExperienceDomain, PeerProfile
from peer_support.people.models import ServiceUser
from peer_support.units.models import Unit

SOURCES = ("staff", "self", "self_public")
CARE_STAGES = ("diagnosis", "start_of_care", "ongoing_care", "after_acute_phase", "follow_up")
STATUSES = ("new", "triaged", "proposed", "accepted", "active", "on_hold", "closed")
CLOSE_REASONS = ("goals_reached", "user_declined", "no_contact_possible", "transferred", "deceased", "other")


class Referral(db.Model):
    """A request that a service user meet a peer worker, from staff or from the person themself."""

    __tablename__ = "referral"
    __table_args__ = (
        sa.CheckConstraint(one_of("source", SOURCES), name="source"),
        sa.CheckConstraint(f"care_stage IS NULL OR {one_of('care_stage', CARE_STAGES)}", name="care_stage"),
        sa.CheckConstraint(one_of("status", STATUSES), name="status"),
        sa.CheckConstraint(f"close_reason IS NULL OR {one_of('close_reason', CLOSE_REASONS)}", name="close_reason"),
        sa.CheckConstraint("status != 'on_hold' OR review_on IS NOT NULL", name="review_date"),
        sa.CheckConstraint("service_user_id IS NOT NULL OR source = 'self_public'", name="person"),
        sa.Index("ix_referral_status_created", "status", "created_at"),
        sa.Index("ix_referral_peer_status", "peer_profile_id", "status"),
        # The referrals made in a period, by source, read from the index alone (the dashboard's new referrals
        # per month: without it, every referral ever made is read).
        sa.Index("ix_referral_created_source", "created_at", "source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Null only for a contact request from the public form, until triage links it to a record.
    service_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_user.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    source: Mapped[str] = mapped_column(sa.String(12))
    referred_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"), index=True)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    care_stage: Mapped[str | None] = mapped_column(sa.String(20))
    # What the person was told about peer support before meeting one (the thesis: "vague details").
    information_given: Mapped[str | None] = mapped_column(sa.Text)
    information_page_given: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    agreed_to_contact: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    preferred_formats: Mapped[list] = mapped_column(sa.JSON, default=list)
    # A lived-experience domain the person would like to share with their peer worker (matching uses it).
    wanted_domain_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lived_experience_domain.id"))
    constraints: Mapped[str | None] = mapped_column(sa.Text)
    # A contact request from the public form: what the person left, as they typed it.
    requester_name: Mapped[str | None] = mapped_column(sa.String(200))
    requester_contact: Mapped[str | None] = mapped_column(sa.String(300))
    message: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(10), default="new")
    # "Not now": on hold until this date (acute phase, poor moment).
    review_on: Mapped[date | None]
    close_reason: Mapped[str | None] = mapped_column(sa.String(20))
    # The worker it is proposed to, then accompanied by.
    peer_profile_id: Mapped[int | None] = mapped_column(sa.ForeignKey("peer_profile.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    service_user: Mapped[ServiceUser | None] = relationship(lazy="raise")
    unit: Mapped[Unit | None] = relationship(lazy="raise")
    referred_by: Mapped[Account | None] = relationship(foreign_keys=[referred_by_id], lazy="raise")
    peer_profile: Mapped[PeerProfile | None] = relationship(lazy="raise")
    wanted_domain: Mapped[LivedExperienceDomain | None] = relationship(lazy="raise")
    events: Mapped[list[ReferralEvent]] = relationship(back_populates="referral", lazy="raise",
                                                       order_by="ReferralEvent.id", cascade="all, delete-orphan")


class ReferralEvent(db.Model):
    """One step of a referral's history: who moved it, when, from what to what, and why."""

    __tablename__ = "referral_event"
    __table_args__ = (
        # The history rebuilt at an instant (nudges/measures.status_spans, the dashboard): the steps into a
        # status, then each one's next step, read from the indexes alone.
        sa.Index("ix_referral_event_status_referral_at", "to_status", "referral_id", "at"),
        sa.Index("ix_referral_event_referral_at", "referral_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(sa.ForeignKey("referral.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    from_status: Mapped[str | None] = mapped_column(sa.String(10))
    to_status: Mapped[str] = mapped_column(sa.String(10))
    peer_profile_id: Mapped[int | None] = mapped_column(sa.ForeignKey("peer_profile.id"))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    # A step to "on hold" keeps its review date, so the history shows every date set, not just the last.
    review_on: Mapped[date | None]

    referral: Mapped[Referral] = relationship(back_populates="events", lazy="raise")
    actor: Mapped[Account | None] = relationship(lazy="raise")


class InformationPage(db.Model):
    """Text a coordinator can edit, per language (the "What is a peer worker?" page)."""

    __tablename__ = "information_page"
    __table_args__ = (sa.UniqueConstraint("slug", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(40))
    locale: Mapped[str] = mapped_column(sa.String(5))
    title: Mapped[str] = mapped_column(sa.String(200))
    # Plain text; blank lines separate paragraphs (no HTML, nothing to sanitise).
    body: Mapped[str] = mapped_column(sa.Text)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
