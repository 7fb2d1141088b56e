"""What the researchers' pages read, on top of research/dataset.py (which alone decides what research sees).

A response is named in addresses by an opaque key (a keyed hash of its id, with the pseudonyms' key), never by a
database id: the address of a response tells nothing of the person, nor of the order or number of responses.
A key is resolved among the responses research may see now, so the page of someone who withdrew is gone at once.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

import sqlalchemy as sa

from peer_support.extensions import db
from peer_support.feedback.models import FeedbackForm, FeedbackResponse, FormQuestion, FormVersion
from peer_support.pagination import Page
from peer_support.research import dataset, masking
from peer_support.research.pseudonyms import pseudonym_key

# Forms whose answers research may read (care-only forms are never exported nor shown).
RESEARCH_PRIVACY = ("pseudonymous", "anonymous")


@dataclass(frozen=True)
class FormRow:
    form: FeedbackForm
    responses: int


@dataclass(frozen=True)
class KeyedResponse:
    key: str
    response: dataset.ResearchResponse


def response_key(response_id: int, key: bytes | None = None) -> str:
    digest = hmac.new(key or pseudonym_key(), f"research-response:{response_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:10]).decode().lower()


def research_form(form_id: int) -> FeedbackForm | None:
    """A form whose answers research may read (pseudonymous or anonymous), or None."""
    form = db.session.get(FeedbackForm, form_id)
    return form if form is not None and form.privacy in RESEARCH_PRIVACY else None


def forms_of_study(study_id: int | None) -> list[FormRow]:
    """The study's forms research may read (anonymous forms without a study for None), each with how many
    responses research sees now."""
    condition = (FeedbackForm.study_id == study_id if study_id is not None
                 else sa.and_(FeedbackForm.study_id.is_(None), FeedbackForm.privacy == "anonymous"))
    forms = db.session.scalars(sa.select(FeedbackForm).where(condition, FeedbackForm.privacy.in_(RESEARCH_PRIVACY))
                               .order_by(FeedbackForm.created_at, FeedbackForm.id)).all()
    return [FormRow(form, dataset.count_exportable(form)) for form in forms]


def _visible_ids(form: FeedbackForm):
    return dataset.exportable_responses(form).with_only_columns(FeedbackResponse.id).order_by(FeedbackResponse.id)


def find_response_id(form: FeedbackForm, key: str) -> int | None:
    """The id of the visible response with this key, or None (one query, then a keyed hash per response)."""
    if not key or len(key) != 16:
        return None
    secret = pseudonym_key()
    for response_id in db.session.scalars(_visible_ids(form)):
        if hmac.compare_digest(response_key(response_id, secret), key):
            return response_id
    return None


def _build(form: FeedbackForm, rows, known_words: frozenset[str]) -> list[KeyedResponse]:
    # dataset's own pieces, so a page shows exactly what the exports give.
    questions = dataset.questions_of(form)
    versions = dataset.version_numbers(form)
    pseudonym_of = dataset.pseudonymiser(form)
    answers = dataset.answers_of([row.id for row in rows], questions, known_words) if rows else {}
    secret = pseudonym_key()
    result = []
    for row in rows:
        values, ids = answers.get(row.id, ({}, {}))
        result.append(KeyedResponse(response_key(row.id, secret), dataset.ResearchResponse(
            pseudonym=pseudonym_of(row.id, row.service_user_id, row.account_id), version=versions[row.version_id],
            submitted_on=dataset.submitted_on_day(row.submitted_at, form.privacy), locale=row.locale, answers=values,
            answer_ids=ids)))
    return result


def _rows(visible: sa.Select):
    """The columns _build needs of these visible responses (a select of exportable_responses), oldest first."""
    visible = visible.subquery()
    return db.session.execute(
        sa.select(visible.c.id, visible.c.version_id, visible.c.service_user_id, visible.c.account_id,
                  visible.c.submitted_at, visible.c.locale).order_by(visible.c.id)).all()


def responses_page(form: FeedbackForm, *, page: int, per_page: int) -> Page:
    """One page of the responses research sees, oldest first, as KeyedResponse."""
    total = dataset.count_exportable(form)
    page = max(1, min(page, max(1, -(-total // per_page))))
    # The page's rows straight from the visible responses in id order: their consents are checked once, not
    # again for ids picked beforehand.
    rows = _rows(dataset.exportable_responses(form).order_by(FeedbackResponse.id)
                 .limit(per_page).offset((page - 1) * per_page))
    return Page(items=_build(form, rows, masking.known_name_words(db.session)), page=page, per_page=per_page,
                total=total)


def one_response(form: FeedbackForm, response_id: int) -> KeyedResponse | None:
    rows = _rows(dataset.exportable_responses(form).where(FeedbackResponse.id == response_id))
    return _build(form, rows, masking.known_name_words(db.session))[0] if rows else None


def questions_of(form: FeedbackForm, version: int) -> list[FormQuestion]:
    """The questions of one version of the form, in order."""
    return list(db.session.scalars(
        sa.select(FormQuestion).join(FormVersion, FormQuestion.version_id == FormVersion.id)
        .where(FormVersion.form_id == form.id, FormVersion.number == version).order_by(FormQuestion.position)))
