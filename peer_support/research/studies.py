"""Studies and their versioned consent texts; which studies a person is asked about (their own consents page).

A consent text is written as a draft (French and English, both required), then published: a published version
never changes, and the next change is a new version. A person consents to one version (research/consent.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager

from peer_support.audit.services import record
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.research.models import ConsentText, ResearchConsent, ResearchStudy

CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{2,20}$")
TEXT_MAX = 20_000


@dataclass(frozen=True)
class StudyData:
    code: str
    title_fr: str
    title_en: str
    description_fr: str | None = None
    description_en: str | None = None


@dataclass(frozen=True)
class StudyRow:
    study: ResearchStudy
    forms: int
    consents_in_force: int


@dataclass(frozen=True)
class TextRow:
    text: ConsentText
    # People (service users and accounts, each counted once) who consented to this version.
    consented: int
    in_force: int


def _subjects_count(condition):
    """SQL: how many distinct people (service user or account) have consents matching the condition."""
    return (sa.func.count(sa.distinct(sa.case((condition, ResearchConsent.service_user_id))))
            + sa.func.count(sa.distinct(sa.case((condition, ResearchConsent.account_id)))))


def list_studies() -> list[StudyRow]:
    """Every study with its number of forms and of people whose consent is in force, by code (three queries)."""
    from peer_support.feedback.models import FeedbackForm

    studies = db.session.scalars(sa.select(ResearchStudy).order_by(ResearchStudy.code)).all()
    forms = dict(db.session.execute(sa.select(FeedbackForm.study_id, sa.func.count())
                                    .where(FeedbackForm.study_id.is_not(None))
                                    .group_by(FeedbackForm.study_id)).all())
    consents = dict(db.session.execute(
        sa.select(ConsentText.study_id, _subjects_count(ResearchConsent.withdrawn_at.is_(None)))
        .join(ResearchConsent, ResearchConsent.consent_text_id == ConsentText.id)
        .group_by(ConsentText.study_id)).all())
    return [StudyRow(study, forms.get(study.id, 0), consents.get(study.id, 0)) for study in studies]


def get_study(study_id: int) -> ResearchStudy | None:
    return db.session.get(ResearchStudy, study_id)


def _clean(data: StudyData, study_id: int | None) -> dict:
    code = (data.code or "").strip()
    if not CODE_PATTERN.match(code):
        raise DomainError(_l("Use 2 to 20 letters, digits, - and _."), field="code")
    taken = db.session.scalar(sa.select(ResearchStudy.id).where(
        sa.func.upper(ResearchStudy.code) == code.upper(), ResearchStudy.id != (study_id or 0)))
    if taken:
        raise DomainError(_l("A study with the code %(code)s already exists.", code=code), field="code")
    values = {"code": code}
    for name in ("title_fr", "title_en"):
        value = (getattr(data, name) or "").strip()
        if not value:
            raise DomainError(_l("Enter the study's title in both languages."), field=name)
        values[name] = value
    for name in ("description_fr", "description_en"):
        values[name] = (getattr(data, name) or "").strip() or None
    return values


def create_study(actor, data: StudyData, *, ip: str | None, now: datetime) -> ResearchStudy:
    """A new study; codes are unique whatever their case. Audited."""
    study = ResearchStudy(**_clean(data, None), created_by_id=actor.id if actor else None, created_at=now)
    db.session.add(study)
    db.session.flush()
    record("research.study_create", actor=actor, object_type="research_study", object_id=study.id, ip=ip, now=now,
           details={"code": study.code})
    return study


def update_study(actor, study: ResearchStudy, data: StudyData, *, ip: str | None, now: datetime) -> None:
    """Change a study's code, titles or description (its pseudonyms do not depend on them). Audited."""
    values = _clean(data, study.id)
    changed = sorted(name for name, value in values.items() if getattr(study, name) != value)
    for name, value in values.items():
        setattr(study, name, value)
    db.session.flush()
    if changed:
        record("research.study_update", actor=actor, object_type="research_study", object_id=study.id, ip=ip,
               now=now, details={"fields": changed})


# --- Consent texts ------------------------------------------------------------------

def consent_texts(study_id: int) -> list[TextRow]:
    """The study's versions, newest first, each with how many people consented to it (two queries)."""
    texts = db.session.scalars(sa.select(ConsentText).where(ConsentText.study_id == study_id)
                               .order_by(ConsentText.version.desc())).all()
    counts = {row.consent_text_id: (row.consented, row.in_force) for row in db.session.execute(
        sa.select(ResearchConsent.consent_text_id, _subjects_count(sa.true()).label("consented"),
                  _subjects_count(ResearchConsent.withdrawn_at.is_(None)).label("in_force"))
        .join(ConsentText, ConsentText.id == ResearchConsent.consent_text_id)
        .where(ConsentText.study_id == study_id)
        .group_by(ResearchConsent.consent_text_id))}
    return [TextRow(text, *counts.get(text.id, (0, 0))) for text in texts]


def get_consent_text(study_id: int, version: int) -> ConsentText | None:
    return db.session.scalar(sa.select(ConsentText).where(ConsentText.study_id == study_id,
                                                          ConsentText.version == version))


def draft_text(study_id: int) -> ConsentText | None:
    """The study's version being written, if any (there is at most one)."""
    return db.session.scalar(sa.select(ConsentText).where(ConsentText.study_id == study_id,
                                                          ConsentText.published_at.is_(None)))


def _check_texts(text_fr: str | None, text_en: str | None) -> tuple[str, str]:
    text_fr, text_en = (text_fr or "").strip(), (text_en or "").strip()
    if not text_fr:
        raise DomainError(_l("Write the text in French: people read it before they consent."), field="text_fr")
    if not text_en:
        raise DomainError(_l("Write the text in English: people read it before they consent."), field="text_en")
    for name, value in (("text_fr", text_fr), ("text_en", text_en)):
        if len(value) > TEXT_MAX:
            raise DomainError(_l("Keep it under %(max)d characters.", max=TEXT_MAX), field=name)
    return text_fr, text_en


def save_draft_text(actor, study: ResearchStudy, *, text_fr: str, text_en: str, ip: str | None,
                    now: datetime) -> ConsentText:
    """Write the study's next version (or change the draft being written). Audited."""
    text_fr, text_en = _check_texts(text_fr, text_en)
    text = draft_text(study.id)
    if text is None:
        last = db.session.scalar(sa.select(sa.func.max(ConsentText.version)).where(ConsentText.study_id == study.id))
        text = ConsentText(study_id=study.id, version=(last or 0) + 1, created_by_id=actor.id if actor else None,
                           created_at=now, text_fr=text_fr, text_en=text_en)
        db.session.add(text)
        action = "research.consent_text_create"
    else:
        text.text_fr, text.text_en = text_fr, text_en
        action = "research.consent_text_update"
    db.session.flush()
    record(action, actor=actor, object_type="research_study", object_id=study.id, ip=ip, now=now,
           details={"version": text.version})
    return text


def publish_text(actor, text: ConsentText, *, ip: str | None, now: datetime) -> None:
    """From now on people consent to this version; it never changes again. Audited."""
    if text.published_at is not None:
        raise DomainError(_l("This version is already published: it cannot change. Write a new version."))
    _check_texts(text.text_fr, text.text_en)
    text.published_at = now
    db.session.flush()
    record("research.consent_text_publish", actor=actor, object_type="research_study", object_id=text.study_id,
           ip=ip, now=now, details={"version": text.version})


# --- A person's studies: what their consent page shows --------------------------------------

@dataclass(frozen=True)
class PersonStudy:
    study: ResearchStudy
    # The version a person consents to today (None while no version is published).
    current_text: ConsentText | None
    # The consent in force, if any (with its consent_text loaded).
    consent: ResearchConsent | None
    # Every consent of the person to this study, newest first, withdrawn ones too.
    history: list[ResearchConsent]

    @property
    def agreed_to_current(self) -> bool:
        return (self.consent is not None and self.current_text is not None
                and self.consent.consent_text_id == self.current_text.id)


def _subject_condition(model, service_user_id: int | None, account_id: int | None):
    if (service_user_id is None) == (account_id is None):
        raise ValueError("one service user or one account")
    return (model.service_user_id == service_user_id if service_user_id is not None
            else model.account_id == account_id)


def studies_of(*, service_user_id: int | None = None, account_id: int | None = None,
               every_study: bool = False) -> list[PersonStudy]:
    """The studies a person is asked about: invited to or answered a pseudonymous form of, or consented to
    (every study with a published text when `every_study`, for consents recorded on paper). Four queries."""
    from peer_support.feedback.models import FeedbackForm, FeedbackInvitation, FeedbackResponse

    history = db.session.scalars(
        sa.select(ResearchConsent).join(ResearchConsent.consent_text)
        .options(contains_eager(ResearchConsent.consent_text))
        .where(_subject_condition(ResearchConsent, service_user_id, account_id))
        .order_by(ResearchConsent.given_at.desc(), ResearchConsent.id.desc())).all()
    if every_study:
        wanted = sa.select(ConsentText.study_id).where(ConsentText.published_at.is_not(None))
    else:
        wanted = sa.union(
            sa.select(FeedbackForm.study_id).join(FeedbackInvitation, FeedbackInvitation.form_id == FeedbackForm.id)
            .where(_subject_condition(FeedbackInvitation, service_user_id, account_id),
                   FeedbackForm.privacy == "pseudonymous"),
            sa.select(FeedbackForm.study_id).join(FeedbackResponse, FeedbackResponse.form_id == FeedbackForm.id)
            .where(_subject_condition(FeedbackResponse, service_user_id, account_id),
                   FeedbackForm.privacy == "pseudonymous"))
    study_ids = set(db.session.scalars(wanted).all()) | {consent.consent_text.study_id for consent in history}
    study_ids.discard(None)
    if not study_ids:
        return []
    studies = db.session.scalars(sa.select(ResearchStudy).where(ResearchStudy.id.in_(sorted(study_ids)))
                                 .order_by(ResearchStudy.code)).all()
    current = {}
    for text in db.session.scalars(sa.select(ConsentText).where(ConsentText.study_id.in_(sorted(study_ids)),
                                                                ConsentText.published_at.is_not(None))
                                   .order_by(ConsentText.version)):
        current[text.study_id] = text  # the highest version wins
    result = []
    for study in studies:
        mine = [consent for consent in history if consent.consent_text.study_id == study.id]
        in_force = next((consent for consent in mine if consent.withdrawn_at is None), None)
        result.append(PersonStudy(study, current.get(study.id), in_force, mine))
    return result


def person_study(study_id: int, *, service_user_id: int | None = None,
                 account_id: int | None = None, every_study: bool = False) -> PersonStudy | None:
    """One of studies_of(...), or None when the person is not asked about it."""
    return next((item for item in studies_of(service_user_id=service_user_id, account_id=account_id,
                                             every_study=every_study) if item.study.id == study_id), None)


def is_accompanied_by_account(service_user_id: int, account_id: int) -> bool:
    """Whether this peer worker's account accompanies the person now (an accepted or active referral)."""
    from peer_support.peers.models import PeerProfile
    from peer_support.referrals.models import Referral
    from peer_support.triage.services import CASELOAD_STATUSES

    return bool(db.session.scalar(sa.select(sa.exists().where(
        Referral.service_user_id == service_user_id, Referral.status.in_(CASELOAD_STATUSES),
        Referral.peer_profile_id == PeerProfile.id, PeerProfile.account_id == account_id))))
