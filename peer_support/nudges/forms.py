"""Forms of the notification centre (filters, snooze, dismiss) and of the thresholds page."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, StopValidation

from peer_support.forms import SelectField, choices, optional_int, stripped
from peer_support.nudges.labels import (RULE_TITLES, SCOPE_LABELS, STATUS_FILTER_LABELS, THRESHOLD_HELP,
                                       THRESHOLD_LABELS)
from peer_support.nudges.services import REASON_MAX
from peer_support.nudges.thresholds import DEFAULTS
from peer_support.pagination import MAX_PAGE

MAX_DAYS = 3650


class NudgeFilterForm(FlaskForm):
    """The list's filters, read from the query string."""

    class Meta:
        csrf = False

    status = SelectField(_l("Show"), choices=choices(STATUS_FILTER_LABELS.items()), default="open",
                         validators=[Optional()])
    rule = SelectField(_l("Kind of nudge"), choices=choices([("", _l("All kinds"))] + list(RULE_TITLES.items())),
                       validators=[Optional()])
    unit = SelectField(_l("Unit"), coerce=optional_int, validators=[Optional()])
    scope = SelectField(_l("Whose nudges"), choices=choices(SCOPE_LABELS.items()), default="mine",
                        validators=[Optional()])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=MAX_PAGE)])


class SnoozeForm(FlaskForm):
    until = DateField(_l("Snooze until"), validators=[InputRequired(_l("Choose the date until which to snooze it."))])


class DismissForm(FlaskForm):
    reason = TextAreaField(_l("Why it does not apply"), filters=[stripped],
                           validators=[InputRequired(_l("Say in a few words why this nudge does not apply.")),
                                       Length(max=REASON_MAX, message=_l("The reason is too long (at most "
                                                                          "%(max)d characters)."))])


class DaysField(IntegerField):
    """A number of days, blank allowed; a typed value that is not a whole number gets our own message
    (in the person's language) and stays in the field."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.raw_data = valuelist
        text = (valuelist[0] or "").strip()
        if not text:
            self.data = None
            return
        try:
            self.data = int(text)
        except ValueError:
            self.data = None
            raise ValueError(str(_l("Enter a whole number of days, for example 10."))) from None

    def pre_validate(self, form):
        # Not a number: that message alone, not the range's as well.
        if self.process_errors:
            raise StopValidation()


def field_name(threshold: str) -> str:
    """The form field of a threshold ("contact_gap.no_choice" -> "contact_gap__no_choice")."""
    return threshold.replace(".", "__")


class ThresholdScopeForm(FlaskForm):
    """Which values to change: the programme's, or one unit's (query string)."""

    class Meta:
        csrf = False

    unit = SelectField(_l("Values of"), coerce=optional_int, validators=[Optional()])


class ThresholdForm(FlaskForm):
    """One number of days per threshold; blank: the programme's value (for a unit) or the default applies."""

    def values(self) -> dict[str, int | None]:
        """{threshold: days or None (blank)} for the fields sent; a field not sent at all is left unchanged."""
        return {name: self[field_name(name)].data for name in DEFAULTS if self[field_name(name)].raw_data}


for _name in DEFAULTS:
    setattr(ThresholdForm, field_name(_name), DaysField(
        THRESHOLD_LABELS.get(_name, _name), description=THRESHOLD_HELP.get(_name),
        validators=[Optional(), NumberRange(0, MAX_DAYS, _l("Enter a number of days between %(min)s and %(max)s."))],
        render_kw={"min": 0, "max": MAX_DAYS, "inputmode": "numeric"}))
del _name
