"""Studies, their versioned consent texts, each person's research consent, and researchers' redactions."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peer_support.db import UTCDateTime, one_of, utcnow
from peer_support.extensions import db

CONSENT_METHODS = ("in_app", "paper")


class ResearchStudy(db.Model):
    """A study that feedback forms feed; pseudonyms are per study (a keyed hash of the study and the person)."""

    __tablename__ = "research_study"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    title_fr: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200))
    description_fr: Mapped[str | None] = mapped_column(sa.Text)
    description_en: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConsentText(db.Model):
    """One version of a study's consent text, in French and English; a published version never changes."""

    __tablename__ = "research_consent_text"
    __table_args__ = (sa.UniqueConstraint("study_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(sa.ForeignKey("research_study.id", ondelete="CASCADE"))
    version: Mapped[int]
    text_fr: Mapped[str] = mapped_column(sa.Text)
    text_en: Mapped[str] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    study: Mapped[ResearchStudy] = relationship(lazy="raise")


class ResearchConsent(db.Model):
    """Who consented to which text, when and how; withdrawn at any time (answers leave every later export)."""

    __tablename__ = "research_consent"
    __table_args__ = (
        sa.CheckConstraint(one_of("method", CONSENT_METHODS), name="method"),
        sa.CheckConstraint(f"withdrawal_method IS NULL OR {one_of('withdrawal_method', CONSENT_METHODS)}",
                           name="withdrawal_method"),
        sa.CheckConstraint("(service_user_id IS NULL) <> (account_id IS NULL)", name="subject"),
        sa.Index("ix_research_consent_person", "service_user_id", "withdrawn_at"),
        sa.Index("ix_research_consent_account", "account_id", "withdrawn_at"),
        # The consents withdrawn since an instant (the night's tallies and snapshots).
        sa.Index("ix_research_consent_withdrawn", "withdrawn_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consent_text_id: Mapped[int] = mapped_column(sa.ForeignKey("research_consent_text.id"), index=True)
    service_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_user.id", ondelete="CASCADE"))
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    method: Mapped[str] = mapped_column(sa.String(10), default="in_app")
    # Staff who recorded a consent given on paper.
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    # Separately agreed: the answers may stay in care use after a withdrawal from research.
    care_use: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawal_method: Mapped[str | None] = mapped_column(sa.String(10))
    withdrawal_recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))

    consent_text: Mapped[ConsentText] = relationship(lazy="raise")


class AnswerRedaction(db.Model):
    """A span of a free-text answer a researcher masked by hand (characters start to end), kept for everyone."""

    __tablename__ = "research_redaction"
    __table_args__ = (sa.CheckConstraint("start_offset >= 0 AND end_offset > start_offset", name="span"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_answer.id", ondelete="CASCADE"), index=True)
    start_offset: Mapped[int]
    end_offset: Mapped[int]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
