"""The answering form, built from the questions of the version being answered, in the reader's language.

One field per question, named by the question's stable key (q1, q2 ...). The choices are checked by the
service (answering.check_answers) with messages a person understands; the fields here carry the labels,
what was typed, and the required marks.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Optional

from peer_support.feedback.answering import CONSENT_CHOICES, TEXT_MAX
from peer_support.feedback.labels import YES_NO_LABELS, bilingual, option_label
from peer_support.feedback.models import FormQuestion
from peer_support.forms import choices as as_choices

LIKERT_VALUES = ("1", "2", "3", "4", "5")


def _choice_field(label: str, description: str | None, choices):
    # validate_choice=False: a value not offered is refused by the service with a clear message, on the field.
    return RadioField(label, description=description, choices=as_choices(choices), validate_choice=False,
                      validators=[Optional()])


def question_field(question: FormQuestion, locale: str):
    label = bilingual(question, "text", locale)
    description = bilingual(question, "help", locale) if (question.help_fr or question.help_en) else None
    if question.kind == "long_text":
        return TextAreaField(label, description=description, validators=[Optional()],
                             render_kw={"rows": 5, "maxlength": TEXT_MAX})
    if question.kind == "short_text":
        return StringField(label, description=description, validators=[Optional()],
                           render_kw={"maxlength": TEXT_MAX})
    if question.kind == "likert":
        return _choice_field(label, description, [(value, value) for value in LIKERT_VALUES])
    if question.kind == "yes_no":
        return _choice_field(label, description, [("1", YES_NO_LABELS[1]), ("0", YES_NO_LABELS[0])])
    options = [(str(option.get("code")), option_label(option, locale)) for option in (question.options or [])]
    if question.kind == "single_choice":
        return _choice_field(label, description, options)
    return SelectMultipleField(label, description=description, choices=as_choices(options), validate_choice=False,
                               validators=[Optional()])


CONSENT_LABELS = {
    "agree": _l("I agree that my answers are used for research"),
    "decline": _l("I do not agree"),
}


def build_answer_form(questions: list[FormQuestion], locale: str, *, ask_consent: bool):
    """An instance of a form class made for these questions (bound to the request's form data)."""
    class AnswerForm(FlaskForm):
        pass

    if ask_consent:
        AnswerForm.research_consent = _choice_field(_l("Do you agree that your answers are used for research?"), None,
                                                    [(choice, CONSENT_LABELS[choice]) for choice in CONSENT_CHOICES])
    for question in questions:
        setattr(AnswerForm, question.key, question_field(question, locale))
    return AnswerForm()


def raw_answers(form, questions: list[FormQuestion]) -> dict:
    """What was sent for each question, by key, for the service to check."""
    return {question.key: form[question.key].data for question in questions}
