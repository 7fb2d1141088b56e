"""Forms of the data-protection settings, legal hold, erasure and retention pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, StopValidation

from peer_support.forms import stripped
from peer_support.privacy.erasure import HOLD_REASON_MAX, REASON_MAX
from peer_support.privacy.settings import RETENTION_YEARS_MAX, RETENTION_YEARS_MIN

_YEARS_MESSAGE = _l("Enter a whole number of years between %(min)d and %(max)d, for example 5.",
                    min=RETENTION_YEARS_MIN, max=RETENTION_YEARS_MAX)


class YearsField(IntegerField):
    """A whole number of years; anything else gets our own message (in the person's language) and stays typed."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.raw_data = valuelist
        try:
            self.data = int((valuelist[0] or "").strip())
        except ValueError:
            self.data = None
            raise ValueError(str(_YEARS_MESSAGE)) from None

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


class DataProtectionSettingsForm(FlaskForm):
    two_factor_required = BooleanField(
        _l("Second factor required for professionals"),
        description=_l("Coordinators, staff, peer workers and researchers must set up a second factor (an "
                       "authenticator application) before using the app. People accompanied are not asked."))
    retention_years = YearsField(
        _l("Keep identifying data of closed accompaniments for N years"),
        description=_l("After this many years with nothing open, a person's identifying data is anonymised by "
                       "the daily retention run; the statistics stay. Between 1 and 30 years; 5 by default."),
        validators=[InputRequired(_YEARS_MESSAGE),
                    NumberRange(min=RETENTION_YEARS_MIN, max=RETENTION_YEARS_MAX, message=_YEARS_MESSAGE)])


class LegalHoldForm(FlaskForm):
    reason = TextAreaField(
        _l("Why the record must be kept"), filters=[stripped],
        description=_l("For example a request from a court or an insurer, with its reference."),
        validators=[InputRequired(_l("Say why the record must be kept.")),
                    Length(max=HOLD_REASON_MAX, message=_l("At most %(max)d characters.", max=HOLD_REASON_MAX))])


class ErasureForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for the erasure"), filters=[stripped],
        description=_l("Kept in the audit log only. Do not write the person's name or anything that identifies "
                       "them: for example “request by letter of 3 March”."),
        validators=[InputRequired(_l("Say why the data is erased (without identifying the person).")),
                    Length(max=REASON_MAX, message=_l("At most %(max)d characters.", max=REASON_MAX))])
    confirmation = StringField(
        _l("Type the person's code to confirm"), filters=[stripped],
        validators=[InputRequired(_l("Type the person's code exactly as shown, to confirm."))])


class RetentionRunForm(FlaskForm):
    confirm = BooleanField(
        _l("I have checked the list: anonymise these people now. This cannot be undone."),
        validators=[InputRequired(_l("Tick the box to confirm."))])
