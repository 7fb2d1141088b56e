from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, DecimalField, IntegerField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from peer_support.forms import SelectField, choices, stripped
from peer_support.training.labels import KIND_LABELS, STATUS_LABELS


class HoursField(DecimalField):
    """A number of hours, typed with a decimal comma (French) or point: 1,5 or 1.5."""

    def process_formdata(self, valuelist):
        super().process_formdata([value.replace(",", ".").strip() for value in valuelist])
        if self.data is not None:
            if not self.data.is_finite():
                # "NaN" and "Infinity" are decimals to Python, not to a person (nor to a comparison).
                self.data = None
                raise ValueError(self.gettext("Not a valid decimal value."))
            if abs(self.data) < 10 ** 6:  # larger ones are refused by the range check; quantize would raise
                self.data = self.data.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _programme_id(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class ProgrammeForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=choices(KIND_LABELS.items()))
    name_fr = StringField(_l("Name in French"), filters=[stripped],
                          validators=[DataRequired(_l("Enter the French name.")), Length(max=200)])
    name_en = StringField(_l("Name in English"), filters=[stripped],
                          validators=[DataRequired(_l("Enter the English name.")), Length(max=200)])
    provider = StringField(_l("Provider"), filters=[stripped], validators=[Optional(), Length(max=200)],
                           description=_l("The university, association or trainer that gives it."))
    default_hours = HoursField(_l("Usual number of hours"), places=1,
                               validators=[Optional(), NumberRange(0, 9999, _l("Enter a number of hours between "
                                                                               "0 and 9999."))],
                               description=_l("Offered when a training is recorded without its hours."))
    validity_months = IntegerField(
        _l("Valid for (months)"),
        validators=[Optional(), NumberRange(1, 600, _l("Enter a validity between 1 and 600 months, or leave it "
                                                       "empty."))],
        description=_l("For renewable items, such as a first-aid certificate. Leave empty when it never expires."))
    renewal_notice_days = IntegerField(
        _l("Renewal notice (days before expiry)"), default=60,
        validators=[InputRequired(_l("Enter a number of days.")),
                    NumberRange(0, 3650, _l("Enter a number of days between 0 and 3650."))],
        description=_l("From this many days before expiry, the renewal is shown as due."))
    grace_days = IntegerField(
        _l("Grace period (days after expiry)"), default=30,
        validators=[InputRequired(_l("Enter a number of days.")),
                    NumberRange(0, 3650, _l("Enter a number of days between 0 and 3650."))],
        description=_l("For this many days after expiry, the item still counts while it is being renewed."))
    submit = SubmitField(_l("Save"))


class RecordForm(FlaskForm):
    programme_id = SelectField(_l("Programme"), coerce=_programme_id,
                               validators=[InputRequired(_l("Choose a programme from the catalogue."))])
    status = SelectField(_l("Status"), choices=choices(STATUS_LABELS.items()))
    starts_on = DateField(_l("Start date"), validators=[Optional()])
    ends_on = DateField(_l("End date"), validators=[Optional()],
                        description=_l("For a completed training, the date it was completed: a renewable item "
                                       "expires from this date."))
    hours = HoursField(_l("Hours"), places=1,
                       validators=[Optional(), NumberRange(0, 9999, _l("Enter a number of hours between 0 and "
                                                                       "9999."))],
                       description=_l("Leave empty to use the programme's usual number of hours."))
    submit = SubmitField(_l("Save"))


class CertificateForm(FlaskForm):
    certificate = FileField(_l("Certificate file"), validators=[FileRequired(_l("Choose the certificate file."))])
    submit = SubmitField(_l("Upload"))


class RequirementsForm(FlaskForm):
    initial_qualification_before_caseload = BooleanField(
        _l("An initial qualification is required before taking a caseload"))
    ongoing_training_hours_per_year = IntegerField(
        _l("Ongoing training hours per year"),
        validators=[InputRequired(_l("Enter a number of hours.")),
                    NumberRange(0, 1000, _l("Enter a number of hours between 0 and 1000."))])
    supervision_interval_weeks = IntegerField(
        _l("Supervision at least every (weeks)"),
        validators=[InputRequired(_l("Enter a number of weeks.")),
                    NumberRange(1, 52, _l("Enter a number of weeks between 1 and 52."))],
        description=_l("Each peer worker should have at least one supervision session in this interval."))
    submit = SubmitField(_l("Save"))


