"""What research sees of a feedback form: the one place that decides it (pages and exports use nothing else).

- Which responses: never those of care-only forms; every response of an anonymous form (it carries no link to
  anyone); for a pseudonymous form, the responses given under a research consent whose author has a consent in
  force for the form's study NOW (a withdrawal removes all their answers from every later export) and whose
  record is not anonymised.
- What of them: a per-study pseudonym (keyed hash, never the database id), the form version, the day (never a
  time), the locale and the answers, free text masked (e-mails, phones, known names, hand redactions).
- Who answered: one row per participant with the characteristics of the studies' participants' tables (age
  band, never the year of birth; unit codes, never a name).

Responses are read in batches by id (keyset), a fixed number of statements per batch, so memory stays flat
and the number of statements does not grow with each response.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import sqlalchemy as sa

from peer_support.extensions import db
from peer_support.feedback.models import (
    CHOICE_KINDS, NUMBER_KINDS, FeedbackAnswer, FeedbackForm, FeedbackResponse, FormQuestion, FormVersion,
)
from peer_support.research import masking
from peer_support.research.consent import in_force_condition
from peer_support.research.pseudonyms import pseudonym, pseudonym_key
from peer_support.research.models import AnswerRedaction
from peer_support.timezones import local_date

TEXT_KINDS = ("long_text", "short_text")


@dataclass(frozen=True)
class ResearchResponse:
    """One response as research sees it. `answers`: {question key: masked text | number | choice code | [codes]}
    (single choice: the code; multiple choice: the list of codes). `answer_ids` ({question key: answer id}) serve
    the researchers' hand redactions only and are never exported."""

    pseudonym: str
    version: int
    submitted_on: date
    locale: str | None
    answers: dict[str, object]
    answer_ids: dict[str, int] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class Participant:
    """One participant of a form's exportable responses, described like the studies' participants' tables."""

    pseudonym: str
    kind: str  # service_user, staff, or anonymous (one row per response: nothing links two responses)
    responses: int = 0
    gender: str | None = None
    age_band: str | None = None
    units: list[str] = field(default_factory=list)
    meeting_formats: list[str] = field(default_factory=list)
    held_meetings: int | None = None
    months_accompanied: int | None = None
    profession: str | None = None
    years_of_experience: str | None = None
    # (answer id, question key) of their free-text answers, with_sources only: for the .qdpx cases; never shown.
    source_answers: list[tuple[int, str]] = field(default_factory=list, compare=False, repr=False)


@dataclass(frozen=True)
class DictionaryEntry:
    """One question as the data dictionary describes it; a question whose wording changed has one entry per
    wording, each with the versions that used it."""

    key: str
    versions: tuple[int, ...]
    kind: str
    text_fr: str
    text_en: str
    required: bool
    characteristic: str | None
    # (code, label FR, label EN) of the allowed values: Likert 1-5 (ends labelled), yes/no 1/0, choice codes.
    values: tuple[tuple[str, str, str], ...]


# --- Which responses ------------------------------------------------------------------------------------

def exportable_responses(form: FeedbackForm) -> sa.Select:
    """SQL select of the form's responses a researcher may see (see the module's docstring)."""
    from peer_support.people.models import ServiceUser

    query = sa.select(FeedbackResponse).where(FeedbackResponse.form_id == form.id)
    if form.privacy == "anonymous":
        return query
    if form.privacy != "pseudonymous" or form.study_id is None:
        return query.where(sa.false())
    anonymised = sa.select(ServiceUser.id).where(ServiceUser.anonymised_at.is_not(None))
    return query.where(
        FeedbackResponse.research_consent_id.is_not(None),
        sa.or_(FeedbackResponse.service_user_id.is_not(None), FeedbackResponse.account_id.is_not(None)),
        in_force_condition(form.study_id, FeedbackResponse.service_user_id, FeedbackResponse.account_id),
        sa.or_(FeedbackResponse.service_user_id.is_(None), FeedbackResponse.service_user_id.not_in(anonymised)),
    )


def count_exportable(form: FeedbackForm) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(exportable_responses(form).subquery()))


# --- Pseudonyms ---------------------------------------------------------------------------------------------

def _response_pseudonym(form: FeedbackForm, response_id: int, key: bytes) -> str:
    """An anonymous response's own pseudonym (R-...): it links to nothing, not even another response."""
    digest = hmac.new(key, f"{form.study_id or 0}:{form.id}:response:{response_id}".encode(),
                      hashlib.sha256).digest()
    return f"R-{base64.b32encode(digest[:5]).decode()}"


def pseudonymiser(form: FeedbackForm):
    key = pseudonym_key()

    def of(response_id: int, service_user_id: int | None, account_id: int | None) -> str:
        if form.privacy == "anonymous" or (service_user_id is None and account_id is None):
            return _response_pseudonym(form, response_id, key)
        if service_user_id is not None:
            return pseudonym(form.study_id, "service_user", service_user_id, key=key)
        return pseudonym(form.study_id, "account", account_id, key=key)

    return of


# --- The responses ----------------------------------------------------------------------------------------

def questions_of(form: FeedbackForm) -> dict[int, tuple[str, str]]:
    """question id -> (key, kind) for every version of the form (one query)."""
    rows = db.session.execute(
        sa.select(FormQuestion.id, FormQuestion.key, FormQuestion.kind)
        .join(FormVersion, FormQuestion.version_id == FormVersion.id).where(FormVersion.form_id == form.id))
    return {row.id: (row.key, row.kind) for row in rows}


def version_numbers(form: FeedbackForm) -> dict[int, int]:
    rows = db.session.execute(sa.select(FormVersion.id, FormVersion.number).where(FormVersion.form_id == form.id))
    return {row.id: row.number for row in rows}


def submitted_on_day(moment: datetime, privacy: str) -> date:
    # Anonymous responses keep the day only (stored as midnight UTC): that date, not a shifted one.
    return moment.date() if privacy == "anonymous" else local_date(moment)


def research_responses(form: FeedbackForm, *, known_words: frozenset[str] | None = None,
                       batch_size: int = 500) -> Iterator[ResearchResponse]:
    """The form's exportable responses, pseudonymised and masked, in the order they were given (streamed)."""
    if known_words is None:
        known_words = masking.known_name_words(db.session)
    questions = questions_of(form)
    versions = version_numbers(form)
    pseudonym_of = pseudonymiser(form)
    selectable = exportable_responses(form).subquery()
    last_id = 0
    while True:
        batch = db.session.execute(
            sa.select(selectable.c.id, selectable.c.version_id, selectable.c.service_user_id,
                      selectable.c.account_id, selectable.c.submitted_at, selectable.c.locale)
            .where(selectable.c.id > last_id).order_by(selectable.c.id).limit(batch_size)).all()
        if not batch:
            return
        last_id = batch[-1].id
        answers = answers_of([row.id for row in batch], questions, known_words)
        for row in batch:
            values, ids = answers.get(row.id, ({}, {}))
            yield ResearchResponse(
                pseudonym=pseudonym_of(row.id, row.service_user_id, row.account_id),
                version=versions[row.version_id], submitted_on=submitted_on_day(row.submitted_at, form.privacy),
                locale=row.locale, answers=values, answer_ids=ids)
        db.session.expire_all()  # nothing of the batch stays in the identity map
        if len(batch) < batch_size:
            return


def answers_of(response_ids: list[int], questions: dict[int, tuple[str, str]],
                known_words: frozenset[str]) -> dict[int, tuple[dict, dict]]:
    """response id -> ({key: value}, {key: answer id}) for one batch: two statements."""
    rows = db.session.execute(
        sa.select(FeedbackAnswer.id, FeedbackAnswer.response_id, FeedbackAnswer.question_id,
                  FeedbackAnswer.text_value, FeedbackAnswer.number_value, FeedbackAnswer.choice_values)
        .where(FeedbackAnswer.response_id.in_(response_ids))).all()
    text_ids = [row.id for row in rows if row.text_value and questions.get(row.question_id, ("", ""))[1] in TEXT_KINDS]
    redactions: dict[int, list[tuple[int, int]]] = defaultdict(list)
    if text_ids:
        for answer_id, start, end in db.session.execute(
                sa.select(AnswerRedaction.answer_id, AnswerRedaction.start_offset, AnswerRedaction.end_offset)
                .where(AnswerRedaction.answer_id.in_(text_ids))):
            redactions[answer_id].append((start, end))
    result: dict[int, tuple[dict, dict]] = {}
    for row in rows:
        key, kind = questions.get(row.question_id, (None, None))
        if key is None:
            continue
        value = _value(kind, row, known_words, redactions.get(row.id, ()))
        if value is None:
            continue
        values, ids = result.setdefault(row.response_id, ({}, {}))
        values[key] = value
        ids[key] = row.id
    return result


def _value(kind: str, row, known_words: frozenset[str], redactions) -> object:
    if kind in TEXT_KINDS:
        return masking.mask(row.text_value, known_words, redactions) or None
    if kind in NUMBER_KINDS:
        return row.number_value
    codes = [str(code) for code in (row.choice_values or [])]
    if not codes:
        return None
    return codes[0] if kind == "single_choice" else codes


# --- Participants -------------------------------------------------------------------------------------------

def participants(form: FeedbackForm, *, now: datetime) -> list[Participant]:
    """One row per participant of the exportable responses, ordered by pseudonym (for pages)."""
    return sorted(iter_participants(form, now=now), key=lambda participant: participant.pseudonym)


def iter_participants(form: FeedbackForm, *, now: datetime, batch_size: int = 500,
                      with_sources: bool = False) -> Iterator[Participant]:
    """The participants, streamed in batches (a fixed number of aggregate statements per batch, memory flat);
    in pseudonym order within a batch. `with_sources`: each one's free-text answers (answer id, question key),
    for the .qdpx cases."""
    pseudonym_of = pseudonymiser(form)
    responses = exportable_responses(form).subquery()
    anonymous = form.privacy == "anonymous"
    if anonymous:  # one participant per response: nothing links two of them
        subject = responses.c.id
    else:
        subject = responses.c.account_id if form.audience == "staff" else responses.c.service_user_id
    kind = "anonymous" if anonymous else ("staff" if form.audience == "staff" else "service_user")
    last = 0
    while True:
        batch = db.session.execute(
            sa.select(subject, sa.func.count(), sa.func.min(responses.c.id))
            .where(subject.is_not(None), subject > last).group_by(subject).order_by(subject).limit(batch_size)).all()
        if not batch:
            return
        last = batch[-1][0]
        by_subject: dict[int, Participant] = {}
        for subject_id, count, first_id in batch:
            by_subject[subject_id] = Participant(
                pseudonym=pseudonym_of(subject_id, None, None) if anonymous else pseudonym_of(
                    first_id, subject_id if kind == "service_user" else None, subject_id if kind == "staff" else None),
                kind=kind, responses=count)
        ids = list(by_subject)
        if kind == "service_user":
            _service_user_characteristics(by_subject, ids, now=now)
        elif kind == "staff":
            _staff_characteristics(by_subject, ids)
        in_batch = responses.c.id.in_(ids) if anonymous else subject.in_(ids)
        _answered_characteristics(by_subject, responses, subject, in_batch)
        if with_sources:
            _source_answers(by_subject, responses, subject, in_batch)
        yield from sorted(by_subject.values(), key=lambda participant: participant.pseudonym)
        db.session.expire_all()
        if len(batch) < batch_size:
            return


def _service_user_characteristics(by_subject: dict, people: list[int], *, now: datetime) -> None:
    from peer_support.meetings.models import Meeting, MeetingParticipant
    from peer_support.people.models import ServiceUser, service_user_unit
    from peer_support.referrals.models import Referral
    from peer_support.units.models import Unit

    for person_id, gender, age_band in db.session.execute(
            sa.select(ServiceUser.id, ServiceUser.gender, ServiceUser.age_band).where(ServiceUser.id.in_(people))):
        participant = by_subject[person_id]
        participant.gender, participant.age_band = gender, age_band
    for person_id, code in db.session.execute(
            sa.select(service_user_unit.c.service_user_id, Unit.code)
            .join(Unit, Unit.id == service_user_unit.c.unit_id)
            .where(service_user_unit.c.service_user_id.in_(people)).order_by(Unit.code)):
        by_subject[person_id].units.append(code)
    for participant in by_subject.values():
        participant.held_meetings = 0
    for person_id, meeting_format, count in db.session.execute(
            sa.select(MeetingParticipant.service_user_id, Meeting.format, sa.func.count())
            .join(Meeting, Meeting.id == MeetingParticipant.meeting_id)
            .where(MeetingParticipant.service_user_id.in_(people), Meeting.status == "held",
                   MeetingParticipant.status == "attended")
            .group_by(MeetingParticipant.service_user_id, Meeting.format).order_by(Meeting.format)):
        participant = by_subject[person_id]
        participant.meeting_formats.append(meeting_format)
        participant.held_meetings += count
    still_open = sa.func.sum(sa.case((Referral.status != "closed", 1), else_=0))
    for person_id, started, open_count, last_closed in db.session.execute(
            sa.select(Referral.service_user_id, sa.func.min(Referral.accepted_at), still_open,
                      sa.func.max(sa.case((Referral.status == "closed", Referral.status_changed_at))))
            .where(Referral.service_user_id.in_(people), Referral.accepted_at.is_not(None))
            .group_by(Referral.service_user_id)):
        end = now if open_count or last_closed is None else last_closed
        by_subject[person_id].months_accompanied = max(0, int((_aware(end) - _aware(started)).days / 30.44))


def _aware(moment) -> datetime:
    # SQLite may return aggregates (min/max) as naive UTC text, without the column type's conversion.
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _staff_characteristics(by_subject: dict, accounts: list[int]) -> None:
    from peer_support.auth.models import Account

    for account_id, profession in db.session.execute(
            sa.select(Account.id, Account.profession).where(Account.id.in_(accounts))):
        by_subject[account_id].profession = profession


def _answered_characteristics(by_subject: dict, responses, subject, in_batch) -> None:
    """What participants said of themselves in the questions marked as characteristics (the latest answer wins
    over an earlier one; the record's age band and gender win over an answer, the account's profession too)."""
    rows = db.session.execute(
        sa.select(subject.label("subject"), FormQuestion.characteristic, FormQuestion.kind,
                  FeedbackAnswer.text_value, FeedbackAnswer.number_value, FeedbackAnswer.choice_values)
        .join(FeedbackAnswer, FeedbackAnswer.response_id == responses.c.id)
        .join(FormQuestion, FormQuestion.id == FeedbackAnswer.question_id)
        .where(FormQuestion.characteristic.is_not(None), in_batch)
        .order_by(responses.c.id.desc()))
    done = set()
    known_words = None
    for row in rows:
        participant = by_subject.get(row.subject)
        if participant is None or (row.subject, row.characteristic) in done:
            continue
        done.add((row.subject, row.characteristic))
        if getattr(participant, row.characteristic) in (None, ""):
            if row.kind in TEXT_KINDS and known_words is None:
                known_words = masking.known_name_words(db.session)
            setattr(participant, row.characteristic, _characteristic_value(row, known_words))


def _characteristic_value(row, known_words) -> str | None:
    if row.kind in CHOICE_KINDS:
        return ";".join(str(code) for code in row.choice_values or []) or None
    if row.kind in NUMBER_KINDS:
        return None if row.number_value is None else str(row.number_value)
    # A free-text characteristic ("12 years", "nurse") is short: masked all the same, it is typed text.
    return masking.mask(row.text_value, known_words) if row.text_value else None


def _source_answers(by_subject: dict, responses, subject, in_batch) -> None:
    for subject_id, answer_id, key in db.session.execute(
            sa.select(subject, FeedbackAnswer.id, FormQuestion.key)
            .join(FeedbackAnswer, FeedbackAnswer.response_id == responses.c.id)
            .join(FormQuestion, FormQuestion.id == FeedbackAnswer.question_id)
            .where(in_batch, FormQuestion.kind.in_(TEXT_KINDS), FeedbackAnswer.text_value.is_not(None),
                   FeedbackAnswer.text_value != "")
            .order_by(responses.c.id, FormQuestion.position)):
        by_subject[subject_id].source_answers.append((answer_id, key))


# --- The data dictionary --------------------------------------------------------------------------------------

def dictionary(form: FeedbackForm) -> list[DictionaryEntry]:
    """The questions of the form's published versions: one entry per key and wording, in question order."""
    rows = db.session.execute(
        sa.select(FormQuestion, FormVersion.number).join(FormVersion, FormQuestion.version_id == FormVersion.id)
        .where(FormVersion.form_id == form.id, FormVersion.published_at.is_not(None))
        .order_by(FormVersion.number, FormQuestion.position)).all()
    entries: dict[tuple, dict] = {}
    order: dict[str, tuple[int, int]] = {}
    for question, number in rows:
        values = _allowed_values(question)
        signature = (question.key, question.kind, question.text_fr, question.text_en, values)
        entry = entries.setdefault(signature, {"question": question, "versions": [], "values": values})
        entry["versions"].append(number)
        order.setdefault(question.key, (number, question.position))
    result = [DictionaryEntry(key=q.key, versions=tuple(e["versions"]), kind=q.kind, text_fr=q.text_fr,
                              text_en=q.text_en, required=q.required, characteristic=q.characteristic,
                              values=e["values"])
              for e in entries.values() for q in [e["question"]]]
    return sorted(result, key=lambda entry: (order[entry.key][1], order[entry.key][0], entry.key, entry.versions))


def question_keys(form: FeedbackForm) -> list[str]:
    """The question keys of the form's published versions, in question order: the columns of the CSV."""
    keys: list[str] = []
    for entry in dictionary(form):
        if entry.key not in keys:
            keys.append(entry.key)
    return keys


def _allowed_values(question: FormQuestion) -> tuple[tuple[str, str, str], ...]:
    if question.kind == "likert":
        return tuple((str(n), (question.likert_low_fr if n == 1 else question.likert_high_fr if n == 5 else "") or "",
                      (question.likert_low_en if n == 1 else question.likert_high_en if n == 5 else "") or "")
                     for n in range(1, 6))
    if question.kind == "yes_no":
        return (("1", "Oui", "Yes"), ("0", "Non", "No"))
    if question.kind in CHOICE_KINDS:
        return tuple((str(option["code"]), option.get("fr") or "", option.get("en") or "")
                     for option in question.options or [])
    return ()
