"""Building feedback forms: settings, versions and their questions; publishing, closing, reopening.

A draft form edits its draft version in place. Publishing freezes that version (published_at): a
published version never changes, because responses keep the version they answered. Editing a published
form starts a new draft version, a copy of the questions with the same keys; questions added later get
keys (q1, q2 ...) above every key the form ever had, so a key always means one question across versions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from peer_support.audit.services import record
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.feedback.models import (AUDIENCES, CHARACTERISTICS, CHOICE_KINDS, PRIVACY_MODES, QUESTION_KINDS,
                                          TRIGGERS, FeedbackForm, FeedbackInvitation, FeedbackResponse, FormQuestion,
                                          FormVersion)
from peer_support.feedback.templates_builtin import TEMPLATES
from peer_support.research.models import ResearchStudy

TITLE_MAX, DESCRIPTION_MAX = 200, 4000
TEXT_MAX, HELP_MAX, LIKERT_LABEL_MAX = 1000, 300, 100
OPTIONS_MIN, OPTIONS_MAX, OPTION_LABEL_MAX = 2, 20, 200
QUESTIONS_MAX = 100
VALID_DAYS = (1, 90)
REMINDER_DAYS = (1, 30)
MEETING_COUNT_MAX = 100
# A characteristic describes the participant: a short answer or one choice among bands.
CHARACTERISTIC_KINDS = ("short_text", "single_choice")
OPTION_CODE = re.compile(r"^[A-Za-z0-9_+\-]{1,20}$")
KEY = re.compile(r"^q(\d+)$")


@dataclass
class FormSettings:
    """What the settings form gives."""

    title_fr: str
    title_en: str
    description_fr: str | None = None
    description_en: str | None = None
    audience: str = "service_user"
    privacy: str = "anonymous"
    study_id: int | None = None
    trigger: str = "manual"
    trigger_meeting_count: int | None = None
    invitation_valid_days: int = 14
    reminder_interval_days: int = 7


@dataclass
class QuestionData:
    """What the question form gives; `options` as [{"code", "fr", "en"}, ...]."""

    kind: str
    text_fr: str
    text_en: str
    help_fr: str | None = None
    help_en: str | None = None
    required: bool = False
    likert_low_fr: str | None = None
    likert_low_en: str | None = None
    likert_high_fr: str | None = None
    likert_high_en: str | None = None
    options: list[dict] = field(default_factory=list)
    characteristic: str | None = None


# --- Reading ----------------------------------------------------------------------------------------------

def get_form(form_id: int) -> FeedbackForm | None:
    """A form with its versions and their questions (the form's page)."""
    return db.session.scalar(
        sa.select(FeedbackForm)
        .options(selectinload(FeedbackForm.versions).selectinload(FormVersion.questions))
        .where(FeedbackForm.id == form_id))


def list_forms() -> list[tuple[FeedbackForm, int, int | None]]:
    """Every form, newest first, with its number of responses and its latest published version number."""
    responses = (sa.select(sa.func.count(FeedbackResponse.id)).where(FeedbackResponse.form_id == FeedbackForm.id)
                 .scalar_subquery())
    published = (sa.select(sa.func.max(FormVersion.number))
                 .where(FormVersion.form_id == FeedbackForm.id, FormVersion.published_at.is_not(None))
                 .scalar_subquery())
    rows = db.session.execute(sa.select(FeedbackForm, responses, published)
                              .order_by(FeedbackForm.created_at.desc(), FeedbackForm.id.desc()))
    return [(form, count, number) for form, count, number in rows]


def responses_per_version(form_id: int) -> dict[int, int]:
    """version id -> number of responses, in one query."""
    rows = db.session.execute(sa.select(FeedbackResponse.version_id, sa.func.count(FeedbackResponse.id))
                              .where(FeedbackResponse.form_id == form_id).group_by(FeedbackResponse.version_id))
    return {version_id: count for version_id, count in rows}


def study_choices() -> list[tuple[int, str, str]]:
    """(id, code, French title, English title) of every study, by code."""
    return [(study.id, study.code, study.title_fr, study.title_en)
            for study in db.session.scalars(sa.select(ResearchStudy).order_by(ResearchStudy.code))]


def draft_version(form: FeedbackForm) -> FormVersion | None:
    """The version being edited, if any (versions must be loaded)."""
    return next((version for version in form.versions if version.published_at is None), None)


def current_version(form: FeedbackForm) -> FormVersion | None:
    """The latest published version: the one people answer (versions must be loaded)."""
    published = [version for version in form.versions if version.published_at is not None]
    return published[-1] if published else None


def was_published(form: FeedbackForm) -> bool:
    return form.published_at is not None


# --- Settings ---------------------------------------------------------------------------------------------

def _clean(text: str | None) -> str | None:
    return (text or "").strip() or None


def _check_settings(data: FormSettings, form: FeedbackForm | None) -> FormSettings:
    titles = {}
    for name, label in (("title_fr", _l("Enter the title in French.")),
                        ("title_en", _l("Enter the title in English."))):
        value = _clean(getattr(data, name))
        if value is None:
            raise DomainError(label, field=name)
        if len(value) > TITLE_MAX:
            raise DomainError(_l("The title is at most %(max)d characters.", max=TITLE_MAX), field=name)
        titles[name] = value
    descriptions = {}
    for name in ("description_fr", "description_en"):
        value = _clean(getattr(data, name))
        if value is not None and len(value) > DESCRIPTION_MAX:
            raise DomainError(_l("The description is at most %(max)d characters.", max=DESCRIPTION_MAX), field=name)
        descriptions[name] = value
    if data.audience not in AUDIENCES:
        raise DomainError(_l("Choose who answers the form."), field="audience")
    if data.privacy not in PRIVACY_MODES:
        raise DomainError(_l("Choose what is kept of the answers."), field="privacy")
    if form is not None and was_published(form) and (
            data.audience != form.audience or data.privacy != form.privacy
            or (data.study_id or None) != form.study_id):
        # Answers were given under these terms; changing them would change what those answers mean.
        raise DomainError(_l("Who answers, what is kept and the study cannot change once the form has been "
                             "published. Make a new form instead."), field="privacy")
    study_id = data.study_id
    if data.privacy == "pseudonymous":
        if not study_id or db.session.get(ResearchStudy, study_id) is None:
            raise DomainError(_l("A pseudonymous form belongs to a study: choose the study."), field="study_id")
    elif study_id and db.session.get(ResearchStudy, study_id) is None:
        raise DomainError(_l("Choose a study from the list."), field="study_id")
    if data.trigger not in TRIGGERS:
        raise DomainError(_l("Choose when people are invited."), field="trigger")
    if data.audience == "staff" and data.trigger != "manual":
        raise DomainError(_l("Staff are invited by hand: only forms for service users are sent after meetings "
                             "or at the closing of an accompaniment."), field="trigger")
    count = None
    if data.trigger == "after_meetings":
        count = data.trigger_meeting_count
        if count is None or not 1 <= count <= MEETING_COUNT_MAX:
            raise DomainError(_l("Enter after which held meeting people are invited: a number from 1 to %(max)d.",
                                 max=MEETING_COUNT_MAX), field="trigger_meeting_count")
    if data.invitation_valid_days is None or not VALID_DAYS[0] <= data.invitation_valid_days <= VALID_DAYS[1]:
        raise DomainError(_l("An invitation stays valid between %(low)d and %(high)d days.", low=VALID_DAYS[0],
                             high=VALID_DAYS[1]), field="invitation_valid_days")
    if data.reminder_interval_days is None or not REMINDER_DAYS[0] <= data.reminder_interval_days <= REMINDER_DAYS[1]:
        raise DomainError(_l("Reminders are sent every %(low)d to %(high)d days.", low=REMINDER_DAYS[0],
                             high=REMINDER_DAYS[1]), field="reminder_interval_days")
    return FormSettings(**titles, **descriptions, audience=data.audience, privacy=data.privacy,
                        study_id=study_id or None, trigger=data.trigger, trigger_meeting_count=count,
                        invitation_valid_days=data.invitation_valid_days,
                        reminder_interval_days=data.reminder_interval_days)


def _apply_settings(form: FeedbackForm, settings: FormSettings) -> None:
    for name, value in vars(settings).items():
        setattr(form, name, value)


def settings_from_template(template_key: str) -> FormSettings:
    """The settings a template suggests (the person may change them before creating the form)."""
    template = TEMPLATES[template_key]
    return FormSettings(title_fr=template["title_fr"], title_en=template["title_en"],
                        description_fr=template["description_fr"], description_en=template["description_en"],
                        audience=template["audience"], privacy=template["privacy"], trigger=template["trigger"],
                        trigger_meeting_count=template["trigger_meeting_count"])


def create_form(actor, data: FormSettings, *, template_key: str | None = None, ip: str | None = None,
                now: datetime) -> FeedbackForm:
    """A new draft form with an empty draft version 1, or with a copy of a built-in template's questions."""
    if template_key is not None and template_key not in TEMPLATES:
        raise DomainError(_l("This template does not exist."))
    settings = _check_settings(data, None)
    form = FeedbackForm(status="draft", template_key=template_key, created_by_id=actor.id if actor else None,
                        created_at=now, updated_at=now)
    _apply_settings(form, settings)
    version = FormVersion(form=form, number=1, created_at=now)
    db.session.add_all([form, version])
    if template_key is not None:
        for position, question in enumerate(TEMPLATES[template_key]["questions"], start=1):
            db.session.add(_new_question(version, position, f"q{position}", _check_question(QuestionData(**question))))
    db.session.flush()
    record("feedback.form_create", actor=actor, object_type="feedback_form", object_id=form.id, ip=ip, now=now,
           details={"template": template_key} if template_key else None)
    return form


def update_settings(actor, form: FeedbackForm, data: FormSettings, *, ip: str | None = None,
                    now: datetime) -> None:
    """Titles, descriptions and invitation settings; who answers and what is kept only until first published."""
    if form.status == "closed":
        raise DomainError(_l("This form is closed: reopen it to change it."))
    _apply_settings(form, _check_settings(data, form))
    form.updated_at = now
    db.session.flush()
    record("feedback.form_update", actor=actor, object_type="feedback_form", object_id=form.id, ip=ip, now=now)


# --- Questions --------------------------------------------------------------------------------------------

def check_options(options: list[dict]) -> list[dict]:
    """Choices as stored: 2 to 20, each with a unique code and labels in both languages."""
    if not OPTIONS_MIN <= len(options) <= OPTIONS_MAX:
        raise DomainError(_l("Give between %(low)d and %(high)d choices.", low=OPTIONS_MIN, high=OPTIONS_MAX),
                          field="options")
    seen, cleaned = set(), []
    for number, option in enumerate(options, start=1):
        code, fr, en = (_clean(option.get(name)) for name in ("code", "fr", "en"))
        if code is None or not OPTION_CODE.match(code):
            raise DomainError(_l("Choice %(n)d: the code is 1 to 20 letters, digits, \"-\", \"_\" or \"+\", "
                                 "without spaces.", n=number), field="options")
        if code in seen:
            raise DomainError(_l("Choice %(n)d: the code %(code)s is already used by another choice.", n=number,
                                 code=code), field="options")
        if fr is None or en is None:
            raise DomainError(_l("Choice %(n)d: give its label in French and in English.", n=number),
                              field="options")
        if len(fr) > OPTION_LABEL_MAX or len(en) > OPTION_LABEL_MAX:
            raise DomainError(_l("Choice %(n)d: a label is at most %(max)d characters.", n=number,
                                 max=OPTION_LABEL_MAX), field="options")
        seen.add(code)
        cleaned.append({"code": code, "fr": fr, "en": en})
    return cleaned


def parse_options(text: str | None) -> list[dict]:
    """Choices typed one per line as `code | français | English` (empty lines ignored)."""
    options = []
    for number, line in enumerate((line for line in (text or "").splitlines() if line.strip()), start=1):
        parts = [part.strip() for part in line.split("|")]
        if len(parts) != 3:
            raise DomainError(_l("Choice %(n)d: write it as code | français | English, with two \"|\".", n=number),
                              field="options")
        options.append({"code": parts[0], "fr": parts[1], "en": parts[2]})
    return check_options(options)


def options_text(options: list[dict] | None) -> str:
    """Choices as the question form shows them, one per line."""
    return "\n".join(f"{option['code']} | {option['fr']} | {option['en']}" for option in options or [])


def _check_question(data: QuestionData) -> QuestionData:
    if data.kind not in QUESTION_KINDS:
        raise DomainError(_l("Choose the kind of question."), field="kind")
    texts = {}
    for name, message in (("text_fr", _l("Enter the question in French.")),
                          ("text_en", _l("Enter the question in English."))):
        value = _clean(getattr(data, name))
        if value is None:
            raise DomainError(message, field=name)
        if len(value) > TEXT_MAX:
            raise DomainError(_l("The question is at most %(max)d characters.", max=TEXT_MAX), field=name)
        texts[name] = value
    for name in ("help_fr", "help_en"):
        value = _clean(getattr(data, name))
        if value is not None and len(value) > HELP_MAX:
            raise DomainError(_l("The help text is at most %(max)d characters.", max=HELP_MAX), field=name)
        texts[name] = value
    for name in ("likert_low_fr", "likert_low_en", "likert_high_fr", "likert_high_en"):
        value = _clean(getattr(data, name)) if data.kind == "likert" else None
        if data.kind == "likert" and value is None:
            raise DomainError(_l("A scale needs the labels of both ends (1 and 5), in French and in English."),
                              field=name)
        if value is not None and len(value) > LIKERT_LABEL_MAX:
            raise DomainError(_l("An end label is at most %(max)d characters.", max=LIKERT_LABEL_MAX), field=name)
        texts[name] = value
    options = check_options(data.options or []) if data.kind in CHOICE_KINDS else []
    characteristic = data.characteristic or None
    if characteristic is not None:
        if characteristic not in CHARACTERISTICS:
            raise DomainError(_l("Choose a characteristic from the list."), field="characteristic")
        if data.kind not in CHARACTERISTIC_KINDS:
            raise DomainError(_l("A question describing the participant is a short text or one choice."),
                              field="characteristic")
    return QuestionData(kind=data.kind, required=bool(data.required), options=options,
                        characteristic=characteristic, **texts)


def _new_question(version: FormVersion, position: int, key: str, data: QuestionData) -> FormQuestion:
    question = FormQuestion(version=version, position=position, key=key)
    _apply_question(question, data)
    return question


def _apply_question(question: FormQuestion, data: QuestionData) -> None:
    for name, value in vars(data).items():
        if name == "options":
            value = value or None
        setattr(question, name, value)


def _editable_version(form: FeedbackForm) -> FormVersion:
    version = draft_version(form)
    if form.status == "closed" or version is None:
        raise DomainError(_l("This version is published and no longer changes: start a new version to edit the "
                             "questions."))
    return version


def _next_key(form_id: int) -> str:
    """A key above every key the form ever had (in any version)."""
    keys = db.session.scalars(sa.select(FormQuestion.key).join(FormVersion)
                              .where(FormVersion.form_id == form_id))
    numbers = [int(match.group(1)) for match in (KEY.match(key) for key in keys) if match]
    return f"q{max(numbers, default=0) + 1}"


def _check_characteristic_unique(version: FormVersion, data: QuestionData, question_id: int | None) -> None:
    if data.characteristic and any(other.characteristic == data.characteristic and other.id != question_id
                                   for other in version.questions):
        raise DomainError(_l("Another question of this form already describes this characteristic."),
                          field="characteristic")


def add_question(actor, form: FeedbackForm, data: QuestionData, *, now: datetime) -> FormQuestion:
    """A new question at the end of the draft version, with a key never used by the form."""
    version = _editable_version(form)
    data = _check_question(data)
    if len(version.questions) >= QUESTIONS_MAX:
        raise DomainError(_l("A form has at most %(max)d questions.", max=QUESTIONS_MAX))
    _check_characteristic_unique(version, data, None)
    question = _new_question(version, len(version.questions) + 1, _next_key(form.id), data)
    db.session.add(question)
    form.updated_at = now
    db.session.flush()
    return question


def update_question(actor, form: FeedbackForm, question: FormQuestion, data: QuestionData, *,
                    now: datetime) -> None:
    """Change a question of the draft version (its key stays)."""
    version = _editable_version(form)
    if question.version_id != version.id:
        raise DomainError(_l("Only the questions of the version being edited can change."))
    data = _check_question(data)
    _check_characteristic_unique(version, data, question.id)
    _apply_question(question, data)
    form.updated_at = now
    db.session.flush()


def remove_question(actor, form: FeedbackForm, question: FormQuestion, *, now: datetime) -> None:
    """Remove a question from the draft version; the others close the gap."""
    version = _editable_version(form)
    if question.version_id != version.id:
        raise DomainError(_l("Only the questions of the version being edited can change."))
    remaining = [other for other in version.questions if other.id != question.id]
    db.session.delete(question)
    db.session.flush()
    _renumber(remaining)
    form.updated_at = now
    db.session.flush()


def move_question(actor, form: FeedbackForm, question: FormQuestion, direction: int, *, now: datetime) -> None:
    """Move a question of the draft version one place up (-1) or down (+1)."""
    version = _editable_version(form)
    if question.version_id != version.id or direction not in (-1, 1):
        raise DomainError(_l("Only the questions of the version being edited can change."))
    ordered = sorted(version.questions, key=lambda q: q.position)
    index = ordered.index(question)
    target = index + direction
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
        _renumber(ordered)
        form.updated_at = now
        db.session.flush()


def _renumber(questions: list[FormQuestion]) -> None:
    for position, question in enumerate(questions, start=1):
        question.position = position


# --- Life of a form ---------------------------------------------------------------------------------------

def publish(actor, form: FeedbackForm, *, ip: str | None = None, now: datetime) -> FormVersion:
    """Freeze the draft version: people answer it from now on; it never changes again."""
    version = draft_version(form)
    if form.status == "closed" or version is None:
        raise DomainError(_l("There is no draft version to publish."))
    if not version.questions:
        raise DomainError(_l("Add at least one question before publishing."))
    # The settings may have been valid when typed and no longer be (a study removed): check them again.
    _check_settings(FormSettings(**{name: getattr(form, name) for name in FormSettings.__dataclass_fields__}),
                    None)
    version.published_at = now
    form.status = "published"
    form.published_at = form.published_at or now
    form.updated_at = now
    db.session.flush()
    record("feedback.form_publish", actor=actor, object_type="feedback_form", object_id=form.id, ip=ip, now=now,
           details={"version": version.number, "questions": len(version.questions)})
    return version


def start_new_version(actor, form: FeedbackForm, *, ip: str | None = None, now: datetime) -> FormVersion:
    """A new draft version of a published form: a copy of the current questions, same keys."""
    existing = draft_version(form)
    if existing is not None:
        return existing
    current = current_version(form)
    if form.status != "published" or current is None:
        raise DomainError(_l("Only a published form gets a new version."))
    version = FormVersion(form=form, number=form.versions[-1].number + 1, created_at=now)
    db.session.add(version)
    for question in current.questions:
        copy = FormQuestion(version=version, position=question.position, key=question.key)
        for name in QuestionData.__dataclass_fields__:
            value = getattr(question, name)
            setattr(copy, name, [dict(option) for option in value] if name == "options" and value else value)
        db.session.add(copy)
    form.updated_at = now
    db.session.flush()
    record("feedback.form_new_version", actor=actor, object_type="feedback_form", object_id=form.id, ip=ip,
           now=now, details={"version": version.number})
    return version


def discard_draft(actor, form: FeedbackForm, *, ip: str | None = None, now: datetime) -> None:
    """Drop the draft version of a published form: people keep answering the published one."""
    version = draft_version(form)
    if version is None or current_version(form) is None:
        raise DomainError(_l("There is no new version to discard."))
    for question in version.questions:
        db.session.delete(question)
    db.session.delete(version)
    form.updated_at = now
    db.session.flush()
    record("feedback.form_discard_version", actor=actor, object_type="feedback_form", object_id=form.id, ip=ip,
           now=now, details={"version": version.number})


def close(actor, form: FeedbackForm, *, ip: str | None = None, now: datetime) -> int:
    """No more answers: the form closes and its pending invitations are cancelled. Returns how many."""
    if form.status != "published":
        raise DomainError(_l("Only a published form can be closed."))
    form.status = "closed"
    form.closed_at = now
    form.updated_at = now
    cancelled = db.session.execute(
        sa.update(FeedbackInvitation)
        .where(FeedbackInvitation.form_id == form.id, FeedbackInvitation.answered_at.is_(None),
               FeedbackInvitation.cancelled_at.is_(None))
        .values(cancelled_at=now, cancel_reason="form_closed")
        .execution_options(synchronize_session=False)).rowcount
    db.session.flush()
    record("feedback.form_close", actor=actor, object_type="feedback_form", object_id=form.id, ip=ip, now=now,
           details={"invitations_cancelled": cancelled})
    return cancelled


def reopen(actor, form: FeedbackForm, *, ip: str | None = None, now: datetime) -> None:
    """A closed form takes answers again (invitations cancelled at closing stay cancelled)."""
    if form.status != "closed":
        raise DomainError(_l("Only a closed form can be reopened."))
    form.status = "published"
    form.closed_at = None
    form.updated_at = now
    db.session.flush()
    record("feedback.form_reopen", actor=actor, object_type="feedback_form", object_id=form.id, ip=ip, now=now)
