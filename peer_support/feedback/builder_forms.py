"""Forms of the feedback-form builder: a form's settings and one question."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from peer_support.errors import DomainError
from peer_support.feedback import forms_services as services
from peer_support.feedback.labels import (AUDIENCE_LABELS, CHARACTERISTIC_LABELS, KIND_LABELS, PRIVACY_LABELS,
                                          TRIGGER_LABELS)
from peer_support.forms import SelectField, choices, optional_int, stripped


class FormSettingsForm(FlaskForm):
    title_fr = StringField(_l("Title in French"), filters=[stripped],
                           validators=[InputRequired(_l("Enter the title in French.")), Length(max=services.TITLE_MAX)])
    title_en = StringField(_l("Title in English"), filters=[stripped],
                           validators=[InputRequired(_l("Enter the title in English.")),
                                       Length(max=services.TITLE_MAX)])
    description_fr = TextAreaField(_l("Introduction in French (optional)"), filters=[stripped],
                                   validators=[Optional(), Length(max=services.DESCRIPTION_MAX)],
                                   description=_l("Shown above the questions: why you ask, how long it takes."))
    description_en = TextAreaField(_l("Introduction in English (optional)"), filters=[stripped],
                                   validators=[Optional(), Length(max=services.DESCRIPTION_MAX)])
    audience = RadioField(_l("Who answers"), choices=choices(AUDIENCE_LABELS.items()), default="service_user",
                          validators=[InputRequired(_l("Choose who answers the form."))])
    privacy = RadioField(_l("What is kept of the answers"), choices=choices(PRIVACY_LABELS.items()),
                         validators=[InputRequired(_l("Choose what is kept of the answers."))])
    study_id = SelectField(_l("Study"), coerce=optional_int, validators=[Optional()],
                           description=_l("Required for a pseudonymous form: the study its answers feed."))
    trigger = RadioField(_l("When people are invited"), choices=choices(TRIGGER_LABELS.items()), default="manual",
                         validators=[InputRequired(_l("Choose when people are invited."))],
                         description=_l("Only forms for service users are sent after meetings or at the closing of "
                                        "an accompaniment; staff are invited by hand."))
    trigger_meeting_count = IntegerField(
        _l("After which held meeting"), validators=[Optional(), NumberRange(1, services.MEETING_COUNT_MAX,
                                                                            _l("Enter a number from 1 to %(max)s."))],
        description=_l("For \"after the Nth held meeting\": 1 for the first, 3 for the third..."))
    invitation_valid_days = IntegerField(
        _l("Invitation valid for (days)"), default=14,
        validators=[InputRequired(_l("Enter for how many days an invitation stays valid.")),
                    NumberRange(*services.VALID_DAYS, _l("Enter a number of days from %(min)s to %(max)s."))])
    reminder_interval_days = IntegerField(
        _l("Days between reminders"), default=7,
        validators=[InputRequired(_l("Enter how many days pass between reminders.")),
                    NumberRange(*services.REMINDER_DAYS, _l("Enter a number of days from %(min)s to %(max)s."))],
        description=_l("At most two reminders are sent."))

    def settings(self) -> services.FormSettings:
        return services.FormSettings(
            title_fr=self.title_fr.data, title_en=self.title_en.data, description_fr=self.description_fr.data,
            description_en=self.description_en.data, audience=self.audience.data, privacy=self.privacy.data,
            study_id=self.study_id.data, trigger=self.trigger.data,
            trigger_meeting_count=self.trigger_meeting_count.data,
            invitation_valid_days=self.invitation_valid_days.data,
            reminder_interval_days=self.reminder_interval_days.data)


class QuestionForm(FlaskForm):
    kind = SelectField(_l("Kind of question"), choices=choices(KIND_LABELS.items()),
                       validators=[InputRequired(_l("Choose the kind of question."))])
    text_fr = TextAreaField(_l("Question in French"), filters=[stripped],
                            validators=[InputRequired(_l("Enter the question in French.")),
                                        Length(max=services.TEXT_MAX)])
    text_en = TextAreaField(_l("Question in English"), filters=[stripped],
                            validators=[InputRequired(_l("Enter the question in English.")),
                                        Length(max=services.TEXT_MAX)])
    help_fr = StringField(_l("Help in French (optional)"), filters=[stripped],
                          validators=[Optional(), Length(max=services.HELP_MAX)],
                          description=_l("A short hint under the question, for example \"You may leave it empty.\""))
    help_en = StringField(_l("Help in English (optional)"), filters=[stripped],
                          validators=[Optional(), Length(max=services.HELP_MAX)])
    required = BooleanField(_l("An answer is required"))
    likert_low_fr = StringField(_l("Label of 1 in French"), filters=[stripped],
                                validators=[Optional(), Length(max=services.LIKERT_LABEL_MAX)],
                                description=_l("Scales only, for example \"Pas du tout d'accord\"."))
    likert_low_en = StringField(_l("Label of 1 in English"), filters=[stripped],
                                validators=[Optional(), Length(max=services.LIKERT_LABEL_MAX)],
                                description=_l("Scales only, for example \"Strongly disagree\"."))
    likert_high_fr = StringField(_l("Label of 5 in French"), filters=[stripped],
                                 validators=[Optional(), Length(max=services.LIKERT_LABEL_MAX)],
                                 description=_l("Scales only, for example \"Tout à fait d'accord\"."))
    likert_high_en = StringField(_l("Label of 5 in English"), filters=[stripped],
                                 validators=[Optional(), Length(max=services.LIKERT_LABEL_MAX)],
                                 description=_l("Scales only, for example \"Strongly agree\"."))
    options = TextAreaField(
        _l("Choices"), render_kw={"rows": 6},
        description=_l("One or several choices only. One choice per line, written as code | français | English, "
                       "for example: often | Souvent | Often. From 2 to 20 choices; each code is different and "
                       "stays the same when you change the labels."))
    characteristic = SelectField(
        _l("Describes the participant (optional)"), coerce=lambda value: value or None,
        choices=choices([("", _l("No: an opinion question"))] + list(CHARACTERISTIC_LABELS.items())),
        validators=[Optional()],
        description=_l("For the participants' table of a study: age band, gender, profession, years of experience."))

    def validate_options(self, field):
        if self.kind.data in services.CHOICE_KINDS:
            try:
                field.parsed = services.parse_options(field.data)
            except DomainError as error:
                raise ValidationError(str(error)) from None
        else:
            field.parsed = []

    def question_data(self) -> services.QuestionData:
        return services.QuestionData(
            kind=self.kind.data, text_fr=self.text_fr.data, text_en=self.text_en.data, help_fr=self.help_fr.data,
            help_en=self.help_en.data, required=self.required.data, likert_low_fr=self.likert_low_fr.data,
            likert_low_en=self.likert_low_en.data, likert_high_fr=self.likert_high_fr.data,
            likert_high_en=self.likert_high_en.data, options=getattr(self.options, "parsed", []),
            characteristic=self.characteristic.data)
