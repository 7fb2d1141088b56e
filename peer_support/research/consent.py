"""Research consent: versioned texts per study, given in the app or on paper, withdrawn at any time.

A response feeds research only if it was given under a consent (feedback_response.research_consent_id) AND
its author has a consent in force for the study now: a withdrawal removes all their answers from every later
export, whatever version they answered under.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from peer_support.audit.services import record
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.research.models import CONSENT_METHODS, ConsentText, ResearchConsent


def current_text(study_id: int) -> ConsentText | None:
    """The study's latest published consent text (what a person consents to today)."""
    return db.session.scalar(
        sa.select(ConsentText).where(ConsentText.study_id == study_id, ConsentText.published_at.is_not(None))
        .order_by(ConsentText.version.desc()).limit(1))


def _subject(service_user_id: int | None, account_id: int | None):
    if (service_user_id is None) == (account_id is None):
        raise ValueError("a consent is about one service user or one account")
    return (ResearchConsent.service_user_id == service_user_id if service_user_id is not None
            else ResearchConsent.account_id == account_id)


def in_force_condition(study_id, service_user_id, account_id):
    """SQL: the author (service user or account columns) has a consent in force for the study (for queries).
    The people who have one are listed once (an IN over a subquery that does not depend on the row), rather than
    looked up again for every row: a form's tens of thousands of responses are counted in one pass."""
    def holders(column):
        return (sa.select(column).join(ConsentText, ResearchConsent.consent_text_id == ConsentText.id)
                .where(ConsentText.study_id == study_id, ResearchConsent.withdrawn_at.is_(None), column.is_not(None)))

    return sa.or_(service_user_id.in_(holders(ResearchConsent.service_user_id)),
                  account_id.in_(holders(ResearchConsent.account_id)))


def consent_in_force(study_id: int, *, service_user_id: int | None = None,
                     account_id: int | None = None) -> ResearchConsent | None:
    """The person's latest consent to this study that is not withdrawn, if any."""
    return db.session.scalar(
        sa.select(ResearchConsent).join(ConsentText, ResearchConsent.consent_text_id == ConsentText.id)
        .where(ConsentText.study_id == study_id, ResearchConsent.withdrawn_at.is_(None),
               _subject(service_user_id, account_id))
        .order_by(ResearchConsent.given_at.desc(), ResearchConsent.id.desc()).limit(1))


def give_consent(text: ConsentText, *, service_user_id: int | None = None, account_id: int | None = None,
                 method: str = "in_app", care_use: bool = False, recorded_by=None, actor=None,
                 ip: str | None = None, now: datetime) -> ResearchConsent:
    """Record a consent to this text (in the app by the person, or on paper recorded by staff); audited.

    Consenting again to the text already in force changes nothing and returns that consent."""
    if text.published_at is None:
        raise DomainError(_l("This consent text is not published yet."))
    if method not in CONSENT_METHODS:
        raise ValueError(method)
    existing = consent_in_force(text.study_id, service_user_id=service_user_id, account_id=account_id)
    if existing is not None and existing.consent_text_id == text.id and existing.care_use == care_use:
        return existing
    consent = ResearchConsent(consent_text_id=text.id, service_user_id=service_user_id, account_id=account_id,
                              given_at=now, method=method, care_use=care_use,
                              recorded_by_id=recorded_by.id if recorded_by is not None else None)
    db.session.add(consent)
    db.session.flush()
    record("research.consent_give", actor=actor, ip=ip, now=now,
           object_type="service_user" if service_user_id is not None else "account",
           object_id=service_user_id if service_user_id is not None else account_id,
           details={"study_id": text.study_id, "version": text.version, "method": method, "care_use": care_use,
                    "consent_id": consent.id})
    return consent


def withdraw_consent(study_id: int, *, service_user_id: int | None = None, account_id: int | None = None,
                     method: str = "in_app", recorded_by=None, actor=None, ip: str | None = None,
                     now: datetime) -> int:
    """Withdraw every consent in force to this study; open invitations to its forms are cancelled. Audited."""
    ids = db.session.scalars(
        sa.select(ResearchConsent.id).join(ConsentText, ResearchConsent.consent_text_id == ConsentText.id)
        .where(ConsentText.study_id == study_id, ResearchConsent.withdrawn_at.is_(None),
               _subject(service_user_id, account_id))).all()
    if not ids:
        return 0
    db.session.execute(sa.update(ResearchConsent).where(ResearchConsent.id.in_(ids)).values(
        withdrawn_at=now, withdrawal_method=method,
        withdrawal_recorded_by_id=recorded_by.id if recorded_by is not None else None))
    from peer_support.feedback.invitations import cancel_open_invitations

    cancel_open_invitations(service_user_id=service_user_id, account_id=account_id, study_id=study_id,
                            reason="consent_withdrawn", now=now)
    record("research.consent_withdraw", actor=actor, ip=ip, now=now,
           object_type="service_user" if service_user_id is not None else "account",
           object_id=service_user_id if service_user_id is not None else account_id,
           details={"study_id": study_id, "method": method, "consents": len(ids)})
    db.session.flush()
    return len(ids)
