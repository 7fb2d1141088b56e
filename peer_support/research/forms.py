"""Forms of the research pages: studies, consent texts, consents (in the app and on paper), redactions."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from peer_support.forms import SelectField, stripped
from peer_support.research.studies import TEXT_MAX

CARE_USE_LABEL = _l("If I withdraw my consent, my answers may still be used by the care team")
CARE_USE_HELP = _l("Optional, and separate from research: the team that accompanies you may keep reading your "
                   "answers to improve your accompaniment. Researchers never see them after a withdrawal.")


class StudyForm(FlaskForm):
    code = StringField(_l("Code"), filters=[stripped], validators=[
        DataRequired(_l("Enter a short code, such as PAIR-2026.")), Length(min=2, max=20),
        Regexp(r"^[A-Za-z0-9_-]+$", message=_l("Use only letters, digits, - and _."))],
        description=_l("A short code the study is known by."))
    title_fr = StringField(_l("Title in French"), filters=[stripped],
                           validators=[DataRequired(_l("Enter the study's title in French.")), Length(max=200)])
    title_en = StringField(_l("Title in English"), filters=[stripped],
                           validators=[DataRequired(_l("Enter the study's title in English.")), Length(max=200)])
    description_fr = TextAreaField(_l("Description in French"), validators=[Optional(), Length(max=5000)])
    description_en = TextAreaField(_l("Description in English"), validators=[Optional(), Length(max=5000)])


class ConsentTextForm(FlaskForm):
    text_fr = TextAreaField(_l("Text in French"), validators=[
        DataRequired(_l("Write the text in French: people read it before they consent.")), Length(max=TEXT_MAX)])
    text_en = TextAreaField(_l("Text in English"), validators=[
        DataRequired(_l("Write the text in English: people read it before they consent.")), Length(max=TEXT_MAX)])


class MyConsentForm(FlaskForm):
    """The person agrees to the current version (the version is named, so a text changed meanwhile is not agreed
    to unread)."""

    version = HiddenField(validators=[InputRequired(), Regexp(r"^\d{1,6}$")])
    care_use = BooleanField(CARE_USE_LABEL, description=CARE_USE_HELP)


class PaperConsentForm(FlaskForm):
    text_id = SelectField(_l("Version of the consent text signed"), coerce=int,
                          validators=[InputRequired(_l("Choose the version the person signed."))])
    given_on = DateField(_l("Date of signature"), validators=[InputRequired(_l("Enter the date on the paper form."))])
    care_use = BooleanField(_l("The person agreed that their answers may stay in care use if they withdraw"))


class PaperWithdrawalForm(FlaskForm):
    study_id = SelectField(_l("Study"), coerce=int, validators=[InputRequired(_l("Choose the study."))])


class RedactionForm(FlaskForm):
    answer = HiddenField(validators=[InputRequired(), Regexp(r"^[a-z0-9_]{1,20}$")])
    phrase = StringField(_l("Text to mask"), validators=[
        DataRequired(_l("Copy the words to mask, exactly as they appear in the answer.")), Length(min=2, max=500)],
        description=_l("Copy the words exactly as you read them above: every place they appear in this answer "
                       "is masked for every researcher and in every export."))
