"""Answering a feedback form: which invitation a link or a signed-in person may use, validating the answers,
and storing the response under the form's privacy mode.

- anonymous: the response keeps no person, no invitation, and the day only; the invitation's answered_at is
  the day too, so that neither time nor row links a person to their answers;
- pseudonymous: linked to the person, with the research consent in force when they answered (given on the
  page itself if they had none; without it the answers are kept but never exported);
- care_only: linked to the person, never exported.

Single use: the invitation is claimed by ONE conditional UPDATE (still open) before anything is written, so
two submissions of the same link cannot both pass, on SQLite as on PostgreSQL.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from peer_support.audit.services import record
from peer_support.auth.models import Account
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.feedback.invitations import open_condition, token_hash
from peer_support.feedback.labels import bilingual, option_label
from peer_support.feedback.models import (FeedbackAnswer, FeedbackForm, FeedbackInvitation, FeedbackResponse,
                                          FormQuestion, FormVersion)
from peer_support.people.models import ServiceUser
from peer_support.research.models import ConsentText

TEXT_MAX = 5000
TEXT_KINDS = ("long_text", "short_text")
CONSENT_CHOICES = ("agree", "decline")
# Who answered, in the audit log, when nobody is signed in (the link is the key).
LINK_ACTOR = "invitation link"


class InvalidLink(DomainError):
    """Unknown, used, expired or cancelled: one neutral page, whatever the reason."""

    def __init__(self):
        super().__init__(_l("This link cannot be used."))


@dataclass
class Answerable:
    """An open invitation with what the page needs: its form, the version to answer, the invitee."""

    invitation: FeedbackInvitation
    form: FeedbackForm
    version: FormVersion
    person: ServiceUser | None
    account: Account | None
    # The consent text to show first (pseudonymous form, no consent in force), else None.
    consent_text: ConsentText | None

    @property
    def language(self) -> str | None:
        """The invitee's own language, if known."""
        if self.person is not None:
            return self.person.preferred_language or None
        return self.account.locale if self.account is not None else None


def current_version(form_id: int) -> FormVersion | None:
    """The latest published version of the form, with its questions."""
    return db.session.scalar(
        sa.select(FormVersion).options(selectinload(FormVersion.questions))
        .where(FormVersion.form_id == form_id, FormVersion.published_at.is_not(None))
        .order_by(FormVersion.number.desc()).limit(1))


def _answerable(invitation: FeedbackInvitation | None, *, now: datetime) -> Answerable | None:
    if invitation is None:
        return None
    form = db.session.get(FeedbackForm, invitation.form_id)
    if form is None or form.status != "published":
        return None
    version = current_version(form.id)
    if version is None or not version.questions:
        return None
    person = account = None
    if invitation.service_user_id is not None:
        person = db.session.get(ServiceUser, invitation.service_user_id)
        if person is None or person.anonymised_at is not None:
            return None
    else:
        account = db.session.get(Account, invitation.account_id)
        if account is None or not account.is_active:
            return None
    consent_text = None
    if form.privacy == "pseudonymous":
        from peer_support.research.consent import consent_in_force, current_text

        if consent_in_force(form.study_id, service_user_id=invitation.service_user_id,
                            account_id=invitation.account_id) is None:
            consent_text = current_text(form.study_id)
    return Answerable(invitation, form, version, person, account, consent_text)


def find_by_token(token: str, *, now: datetime) -> Answerable | None:
    """The open invitation of this link, ready to answer, or None (whatever the reason)."""
    if not token or len(token) > 200:
        return None
    invitation = db.session.scalar(sa.select(FeedbackInvitation).where(
        FeedbackInvitation.token_hash == token_hash(token), open_condition(now)))
    return _answerable(invitation, now=now)


def _own_condition(account):
    """SQL: the invitation is the account's own (a staff invitation, or one to the record linked to it)."""
    return sa.or_(FeedbackInvitation.account_id == account.id,
                  FeedbackInvitation.service_user_id.in_(
                      sa.select(ServiceUser.id).where(ServiceUser.account_id == account.id)))


def find_own(account, invitation_id: int, *, now: datetime) -> Answerable | None:
    """The signed-in person's own open invitation, or None (someone else's is never found)."""
    invitation = db.session.scalar(sa.select(FeedbackInvitation).where(
        FeedbackInvitation.id == invitation_id, _own_condition(account), open_condition(now)))
    return _answerable(invitation, now=now)


@dataclass(frozen=True)
class ToAnswer:
    invitation_id: int
    form: FeedbackForm
    expires_at: datetime


def open_for_account(account, *, now: datetime) -> list[ToAnswer]:
    """The questionnaires the signed-in person may answer now (My space, the staff home page), soonest to expire
    first: one query."""
    rows = db.session.execute(
        sa.select(FeedbackInvitation.id, FeedbackInvitation.expires_at, FeedbackForm)
        .join(FeedbackForm, FeedbackForm.id == FeedbackInvitation.form_id)
        .where(_own_condition(account), open_condition(now), FeedbackForm.status == "published")
        .order_by(FeedbackInvitation.expires_at, FeedbackInvitation.id)).all()
    return [ToAnswer(row.id, row[2], row.expires_at) for row in rows]


# --- Validation ------------------------------------------------------------------------------------------

def _codes(question: FormQuestion) -> list[str]:
    return [str(option.get("code")) for option in (question.options or [])]


def clean_answer(question: FormQuestion, raw):
    """The answer in storable form (text, number or list of codes), or None when not answered; raises
    DomainError on the question's field when it is not acceptable."""
    field = question.key
    if question.kind in TEXT_KINDS:
        text = (raw or "").replace("\r\n", "\n").replace("\r", "\n").strip() if isinstance(raw, str) else ""
        if len(text) > TEXT_MAX:
            raise DomainError(_l("Keep your answer under %(max)d characters.", max=TEXT_MAX), field=field)
        return text or None
    if question.kind == "multiple_choice":
        values = [raw] if isinstance(raw, str) else list(raw or [])
        values = [str(value) for value in values if value not in (None, "")]
        if any(value not in _codes(question) for value in values):
            raise DomainError(_l("Choose among the answers offered."), field=field)
        # In the form's order, each once.
        return [code for code in _codes(question) if code in values] or None
    if raw in (None, "") or (isinstance(raw, list) and not raw):
        return None
    value = str(raw[0] if isinstance(raw, list) else raw)
    if question.kind == "likert":
        if value not in ("1", "2", "3", "4", "5"):
            raise DomainError(_l("Choose a number from 1 to 5."), field=field)
        return int(value)
    if question.kind == "yes_no":
        if value not in ("1", "0"):
            raise DomainError(_l("Choose yes or no."), field=field)
        return int(value)
    if question.kind == "single_choice":
        if value not in _codes(question):
            raise DomainError(_l("Choose among the answers offered."), field=field)
        return value
    raise ValueError(question.kind)


def check_answers(questions: list[FormQuestion], raw: dict) -> tuple[dict[int, object], list[DomainError]]:
    """({question id: cleaned value} of the answered questions, the problems found, each on its question's
    field): a required question left empty, a value not offered, a text too long. Writes nothing."""
    cleaned, problems = {}, []
    for question in questions:
        try:
            value = clean_answer(question, raw.get(question.key))
        except DomainError as problem:
            problems.append(problem)
            continue
        if value is None:
            if question.required:
                problems.append(DomainError(_l("This question needs an answer."), field=question.key))
            continue
        cleaned[question.id] = value
    return cleaned, problems


def check_consent_choice(answerable: Answerable, consent_choice: str | None) -> DomainError | None:
    """A problem when the consent text is shown and neither choice was made."""
    if answerable.consent_text is not None and consent_choice not in CONSENT_CHOICES:
        return DomainError(_l("Say whether you agree that your answers are used for research."),
                           field="research_consent")
    return None


def _answer_row(question: FormQuestion, value) -> FeedbackAnswer:
    if question.kind in TEXT_KINDS:
        return FeedbackAnswer(question_id=question.id, text_value=value)
    if question.kind in ("likert", "yes_no"):
        return FeedbackAnswer(question_id=question.id, number_value=value)
    return FeedbackAnswer(question_id=question.id, choice_values=[value] if isinstance(value, str) else value)


def day_of(moment: datetime) -> datetime:
    """The UTC day of a moment, as midnight (anonymous forms keep no time of day)."""
    moment = moment.astimezone(timezone.utc)
    return datetime(moment.year, moment.month, moment.day, tzinfo=timezone.utc)


# --- Submitting ------------------------------------------------------------------------------------------

def submit(answerable: Answerable, raw: dict, *, consent_choice: str | None, actor=None, ip: str | None,
           locale: str | None, now: datetime) -> FeedbackResponse:
    """Validate and store the response, claim the invitation (single use), record the consent if given.

    Raises DomainError (on a field) for bad answers, InvalidLink when the invitation was used meanwhile.
    Flushes, does not commit."""
    form, invitation = answerable.form, answerable.invitation
    cleaned, problems = check_answers(answerable.version.questions, raw)
    problem = check_consent_choice(answerable, consent_choice)
    if problems or problem:
        raise (problems or [problem])[0]
    anonymous = form.privacy == "anonymous"
    stamp = day_of(now) if anonymous else now
    claimed = db.session.execute(
        sa.update(FeedbackInvitation)
        .where(FeedbackInvitation.id == invitation.id, open_condition(now))
        .values(answered_at=stamp).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise InvalidLink()

    consent_id = None
    if form.privacy == "pseudonymous":
        from peer_support.research.consent import consent_in_force, give_consent

        if answerable.consent_text is not None and consent_choice == "agree":
            consent_id = give_consent(answerable.consent_text, service_user_id=invitation.service_user_id,
                                      account_id=invitation.account_id, method="in_app", actor=actor, ip=ip,
                                      now=now).id
        elif answerable.consent_text is None:
            consent = consent_in_force(form.study_id, service_user_id=invitation.service_user_id,
                                       account_id=invitation.account_id)
            consent_id = consent.id if consent is not None else None

    response = FeedbackResponse(
        form_id=form.id, version_id=answerable.version.id,
        service_user_id=None if anonymous else invitation.service_user_id,
        account_id=None if anonymous else invitation.account_id,
        invitation_id=None if anonymous else invitation.id,
        submitted_at=stamp, locale=locale, research_consent_id=consent_id)
    by_id = {question.id: question for question in answerable.version.questions}
    response.answers = [_answer_row(by_id[question_id], value) for question_id, value in cleaned.items()]
    db.session.add(response)
    db.session.flush()
    if anonymous:
        # No person, no invitation, no address, no response number: the entry says only that the form was answered.
        record("feedback.response_submit", actor_label=LINK_ACTOR, object_type="feedback_form", object_id=form.id,
               now=stamp, details={"privacy": "anonymous"})
    else:
        record("feedback.response_submit", actor=actor, actor_label=None if actor is not None else LINK_ACTOR,
               object_type="feedback_response", object_id=response.id, ip=ip, now=now,
               details={"form_id": form.id, "invitation_id": invitation.id, "privacy": form.privacy,
                        "research_consent": consent_id is not None})
    db.session.flush()
    return response


# --- The person's own data (right of access) -------------------------------------------------------------

def _shown(question: FormQuestion, answer: FeedbackAnswer, locale: str) -> str | int | list | None:
    if answer.text_value is not None:
        return answer.text_value
    if answer.number_value is not None:
        return answer.number_value
    labels = {str(option.get("code")): option_label(option, locale) for option in (question.options or [])}
    return [labels.get(code, code) for code in (answer.choice_values or [])]


def subject_feedback(person_id: int) -> dict:
    """The person's questionnaires for the right of access: their invitations and the responses linked to them
    (anonymous responses are not linked to anyone, so they cannot be part of it). Four statements."""
    forms = {}
    invitations = list(db.session.scalars(
        sa.select(FeedbackInvitation).where(FeedbackInvitation.service_user_id == person_id)
        .order_by(FeedbackInvitation.created_at, FeedbackInvitation.id)))
    responses = list(db.session.scalars(
        sa.select(FeedbackResponse).options(selectinload(FeedbackResponse.answers))
        .where(FeedbackResponse.service_user_id == person_id)
        .order_by(FeedbackResponse.submitted_at, FeedbackResponse.id)))
    form_ids = {i.form_id for i in invitations} | {r.form_id for r in responses}
    if form_ids:
        forms = {form.id: form for form in db.session.scalars(sa.select(FeedbackForm)
                                                               .where(FeedbackForm.id.in_(sorted(form_ids))))}
    question_ids = {answer.question_id for response in responses for answer in response.answers}
    questions = {question.id: question for question in db.session.scalars(
        sa.select(FormQuestion).where(FormQuestion.id.in_(sorted(question_ids))))} if question_ids else {}

    def title(form_id):
        form = forms.get(form_id)
        return {"fr": form.title_fr, "en": form.title_en} if form else None

    return {
        "invitations": [{"questionnaire": title(i.form_id), "trigger": i.trigger, "created_at": i.created_at,
                         "expires_at": i.expires_at, "sent_at": i.sent_at, "reminders_sent": i.reminders_sent,
                         "answered_at": i.answered_at, "cancelled_at": i.cancelled_at,
                         "cancel_reason": i.cancel_reason} for i in invitations],
        "responses": [{"questionnaire": title(r.form_id), "submitted_at": r.submitted_at,
                       "research_consent": r.research_consent_id is not None,
                       "answers": [{"question": {"fr": questions[a.question_id].text_fr,
                                                 "en": questions[a.question_id].text_en},
                                    "answer": _shown(questions[a.question_id], a, r.locale or "fr")}
                                   for a in sorted(r.answers, key=lambda a: (questions[a.question_id].position,
                                                                              a.question_id))]}
                      for r in responses],
    }


def question_text(question: FormQuestion, locale: str) -> str:
    return bilingual(question, "text", locale)


# --- Erasure ---------------------------------------------------------------------------------------------

def forget_person(person_id: int) -> None:
    """Erasure and retention (privacy/anonymise.py): the person's responses stay for the statistics but lose
    every link to them (person, invitation, consent) and their free text, with its hand redactions; their
    invitations are deleted. Flushes nothing else; does not commit.

    Responses whose research consent the person had withdrawn without letting the care team keep them are
    deleted instead: nobody may count them any more, and unlinked from their consent they would count again as
    answers given without one. Called before the erasure withdraws the consents still in force: those
    answers stay, as the statistics had them."""
    from peer_support.feedback.tallies import drop_tallies_of
    from peer_support.research.models import AnswerRedaction, ResearchConsent

    drop_tallies_of(person_id)
    withdrawn = (sa.select(FeedbackResponse.id)
                 .join(ResearchConsent, ResearchConsent.id == FeedbackResponse.research_consent_id)
                 .join(FeedbackForm, FeedbackForm.id == FeedbackResponse.form_id)
                 .where(FeedbackResponse.service_user_id == person_id, FeedbackForm.privacy != "anonymous",
                        ResearchConsent.withdrawn_at.is_not(None), ResearchConsent.care_use.is_(False)))
    db.session.execute(sa.delete(FeedbackResponse).where(FeedbackResponse.id.in_(withdrawn))
                       .execution_options(synchronize_session=False))
    theirs = sa.select(FeedbackResponse.id).where(FeedbackResponse.service_user_id == person_id)
    texts = sa.select(FeedbackAnswer.id).where(FeedbackAnswer.response_id.in_(theirs),
                                               FeedbackAnswer.text_value.is_not(None))
    db.session.execute(sa.delete(AnswerRedaction).where(AnswerRedaction.answer_id.in_(texts))
                       .execution_options(synchronize_session=False))
    db.session.execute(sa.update(FeedbackAnswer).where(FeedbackAnswer.response_id.in_(theirs))
                       .values(text_value=None).execution_options(synchronize_session=False))
    db.session.execute(sa.update(FeedbackResponse).where(FeedbackResponse.service_user_id == person_id)
                       .values(service_user_id=None, invitation_id=None, research_consent_id=None)
                       .execution_options(synchronize_session=False))
    db.session.execute(sa.delete(FeedbackInvitation).where(FeedbackInvitation.service_user_id == person_id)
                       .execution_options(synchronize_session=False))
