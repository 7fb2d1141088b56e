"""Feedback forms, their versions and questions, invitations to answer, responses and answers."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peer_support.db import UTCDateTime, one_of, utcnow
from peer_support.extensions import db

# Who answers: service users (by invitation link, no account needed) or staff accounts.
AUDIENCES = ("service_user", "staff")
# What is kept: anonymous (no link to the person), pseudonymous (research use, consent required), care_only
# (seen by the care team, never exported).
PRIVACY_MODES = ("anonymous", "pseudonymous", "care_only")
FORM_STATUSES = ("draft", "published", "closed")
# When a service user is invited: by hand, after their Nth held meeting, at the closing of the accompaniment.
TRIGGERS = ("manual", "after_meetings", "at_closing")
QUESTION_KINDS = ("long_text", "short_text", "likert", "single_choice", "multiple_choice", "yes_no")
# Closed questions: answered by a number (a scale 1-5, yes/no as 1/0) or by choosing codes.
NUMBER_KINDS = ("likert", "yes_no")
CHOICE_KINDS = ("single_choice", "multiple_choice")
# A question whose answer describes the participant (the participants' table of the studies), not an opinion.
CHARACTERISTICS = ("age_band", "profession", "years_of_experience", "gender")
CANCEL_REASONS = ("by_hand", "reopened", "consent_withdrawn", "form_closed", "erasure")
MAX_REMINDERS = 2


class FeedbackForm(db.Model):
    """A questionnaire; its questions live in versions, and editing a published form makes a new version."""

    __tablename__ = "feedback_form"
    __table_args__ = (
        sa.CheckConstraint(one_of("audience", AUDIENCES), name="audience"),
        sa.CheckConstraint(one_of("privacy", PRIVACY_MODES), name="privacy"),
        sa.CheckConstraint(one_of("status", FORM_STATUSES), name="status"),
        sa.CheckConstraint(one_of("trigger", TRIGGERS), name="trigger"),
        sa.CheckConstraint("trigger != 'after_meetings' OR trigger_meeting_count >= 1", name="meeting_count"),
        sa.CheckConstraint("invitation_valid_days BETWEEN 1 AND 90", name="valid_days"),
        sa.CheckConstraint("reminder_interval_days BETWEEN 1 AND 30", name="reminder_days"),
        sa.CheckConstraint("privacy != 'pseudonymous' OR study_id IS NOT NULL", name="study"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title_fr: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200))
    description_fr: Mapped[str | None] = mapped_column(sa.Text)
    description_en: Mapped[str | None] = mapped_column(sa.Text)
    audience: Mapped[str] = mapped_column(sa.String(20), default="service_user")
    privacy: Mapped[str] = mapped_column(sa.String(20), default="pseudonymous")
    status: Mapped[str] = mapped_column(sa.String(10), default="draft", index=True)
    # The built-in template this form was copied from, if any (post_meeting, end_of_accompaniment, staff_perception).
    template_key: Mapped[str | None] = mapped_column(sa.String(40))
    # Pseudonymous forms belong to a study: the pseudonyms and the consent are the study's.
    study_id: Mapped[int | None] = mapped_column(sa.ForeignKey("research_study.id"), index=True)
    trigger: Mapped[str] = mapped_column(sa.String(20), default="manual")
    trigger_meeting_count: Mapped[int | None]
    invitation_valid_days: Mapped[int] = mapped_column(default=14, server_default="14")
    reminder_interval_days: Mapped[int] = mapped_column(default=7, server_default="7")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    versions: Mapped[list[FormVersion]] = relationship(back_populates="form", lazy="raise",
                                                       order_by="FormVersion.number")


class FormVersion(db.Model):
    """The questions of a form as they were answered; a published version never changes."""

    __tablename__ = "feedback_form_version"
    __table_args__ = (sa.UniqueConstraint("form_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_form.id", ondelete="CASCADE"))
    number: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    form: Mapped[FeedbackForm] = relationship(back_populates="versions", lazy="raise")
    questions: Mapped[list[FormQuestion]] = relationship(back_populates="version", lazy="raise",
                                                         order_by="FormQuestion.position")


class FormQuestion(db.Model):
    """One question of one version. `key` stays the same across versions (q1, q2 ...): exports join on it."""

    __tablename__ = "feedback_question"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "key"),
        sa.CheckConstraint(one_of("kind", QUESTION_KINDS), name="kind"),
        sa.CheckConstraint(f"characteristic IS NULL OR {one_of('characteristic', CHARACTERISTICS)}",
                           name="characteristic"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_form_version.id", ondelete="CASCADE"),
                                            index=True)
    position: Mapped[int]
    key: Mapped[str] = mapped_column(sa.String(20))
    kind: Mapped[str] = mapped_column(sa.String(20))
    text_fr: Mapped[str] = mapped_column(sa.Text)
    text_en: Mapped[str] = mapped_column(sa.Text)
    help_fr: Mapped[str | None] = mapped_column(sa.String(300))
    help_en: Mapped[str | None] = mapped_column(sa.String(300))
    required: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Likert 1 to 5: the labels of both ends.
    likert_low_fr: Mapped[str | None] = mapped_column(sa.String(100))
    likert_low_en: Mapped[str | None] = mapped_column(sa.String(100))
    likert_high_fr: Mapped[str | None] = mapped_column(sa.String(100))
    likert_high_en: Mapped[str | None] = mapped_column(sa.String(100))
    # Single and multiple choice: [{"code": "a", "fr": "...", "en": "..."}, ...] in display order.
    options: Mapped[list | None] = mapped_column(sa.JSON)
    characteristic: Mapped[str | None] = mapped_column(sa.String(30))

    version: Mapped[FormVersion] = relationship(back_populates="questions", lazy="raise")


class FeedbackInvitation(db.Model):
    """A personal link to answer a form: a random token (only its hash kept), single use, valid for some days."""

    __tablename__ = "feedback_invitation"
    __table_args__ = (
        sa.CheckConstraint(one_of("trigger", TRIGGERS), name="trigger"),
        sa.CheckConstraint(f"cancel_reason IS NULL OR {one_of('cancel_reason', CANCEL_REASONS)}",
                           name="cancel_reason"),
        sa.CheckConstraint("(service_user_id IS NULL) <> (account_id IS NULL)", name="invitee"),
        sa.CheckConstraint(f"reminders_sent BETWEEN 0 AND {MAX_REMINDERS}", name="reminders"),
        sa.Index("ix_feedback_invitation_form_person", "form_id", "service_user_id"),
        # The dashboard's response rate: a form's invitations sent in a period, counted from the index alone.
        sa.Index("ix_feedback_invitation_form_sent", "form_id", "sent_at", "cancelled_at", "answered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_form.id", ondelete="CASCADE"))
    service_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_user.id", ondelete="CASCADE"))
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="CASCADE"), index=True)
    # The accompaniment it is about (closing trigger: cancelled if the referral reopens).
    referral_id: Mapped[int | None] = mapped_column(sa.ForeignKey("referral.id", ondelete="SET NULL"))
    trigger: Mapped[str] = mapped_column(sa.String(20), default="manual")
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminders_sent: Mapped[int] = mapped_column(default=0, server_default="0")
    last_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When used (for anonymous forms, the day only: no link to the response by its time).
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(20))


class FeedbackResponse(db.Model):
    """One submitted answer to a form version. Anonymous forms keep no link to the person or the invitation."""

    __tablename__ = "feedback_response"
    __table_args__ = (sa.CheckConstraint("NOT (service_user_id IS NOT NULL AND account_id IS NOT NULL)",
                                         name="respondent"),
                      # The responses given under a consent: those whose consent was withdrawn since the night's
                      # tally (feedback/tallies.py) or the dashboard's snapshot.
                      sa.Index("ix_feedback_response_consent", "research_consent_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_form.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_form_version.id"), index=True)
    service_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_user.id", ondelete="CASCADE"),
                                                        index=True)
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id", ondelete="SET NULL"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("feedback_invitation.id", ondelete="SET NULL"))
    # For anonymous forms, the day only.
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    # The research consent in force when the answers were given (pseudonymous forms).
    research_consent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("research_consent.id"))

    answers: Mapped[list[FeedbackAnswer]] = relationship(back_populates="response", lazy="raise",
                                                         cascade="all, delete-orphan")


class FeedbackAnswer(db.Model):
    """The answer to one question: text (free text), number (Likert 1-5, yes/no 1/0) or chosen codes."""

    __tablename__ = "feedback_answer"
    __table_args__ = (sa.UniqueConstraint("response_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_response.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_question.id"), index=True)
    text_value: Mapped[str | None] = mapped_column(sa.Text)
    number_value: Mapped[int | None]
    choice_values: Mapped[list | None] = mapped_column(sa.JSON)

    response: Mapped[FeedbackResponse] = relationship(back_populates="answers", lazy="raise")


# The consent behind a response, as the results count it (feedback/results.py): none (anonymous forms, care-only
# forms, or a response whose consent link was removed at erasure), in force, withdrawn with care use kept,
# withdrawn.
CONSENT_CLASSES = ("none", "in_force", "withdrawn_care", "withdrawn")


class FeedbackTally(db.Model):
    """The closed answers of a form counted by the night (feedback/tallies.py): how many of its responses up to
    feedback_tally_form.last_response_id gave this number or this set of choices (JSON text) to this question,
    by the class of their consent when counted."""

    __tablename__ = "feedback_tally"
    __table_args__ = (sa.CheckConstraint(one_of("consent", CONSENT_CLASSES), name="consent"),
                      sa.Index("ix_feedback_tally_form", "form_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_form.id", ondelete="CASCADE"))
    question_id: Mapped[int]
    number_value: Mapped[int | None]
    choice_values: Mapped[str | None] = mapped_column(sa.Text)
    consent: Mapped[str] = mapped_column(sa.String(20))
    answers: Mapped[int]


class FeedbackTallyVersion(db.Model):
    """The responses of a form up to feedback_tally_form.last_response_id per version, by the class of their
    consent when counted (feedback/tallies.py)."""

    __tablename__ = "feedback_tally_version"
    __table_args__ = (sa.CheckConstraint(one_of("consent", CONSENT_CLASSES), name="consent"),
                      sa.Index("ix_feedback_tally_version_form", "form_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_form.id", ondelete="CASCADE"))
    version_id: Mapped[int]
    consent: Mapped[str] = mapped_column(sa.String(20))
    responses: Mapped[int]


class FeedbackTallyForm(db.Model):
    """A form whose tally holds its responses up to last_response_id, with consents as they stood at
    computed_at. No row: no tally (never computed, or dropped at an erasure), the results are counted live."""

    __tablename__ = "feedback_tally_form"

    form_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_form.id", ondelete="CASCADE"), primary_key=True)
    last_response_id: Mapped[int]
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
