"""Filters of the dashboard, the yearly report and the coordinator's choice of a worker (all read by GET)."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from peer_support.forms import SelectField, optional_int

# A period longer than this would draw hundreds of months: five years is plenty for a dashboard.
MAX_PERIOD_DAYS = 5 * 366
FIRST_YEAR = 2000


def default_period(today: date) -> tuple[date, date]:
    """The last 12 months: from the first day of the month eleven months ago to today."""
    month = today.month - 11
    year = today.year
    if month < 1:
        month += 12
        year -= 1
    return date(year, month, 1), today


class DashboardFilterForm(FlaskForm):
    class Meta:
        csrf = False

    starts_on = DateField(_l("From"), validators=[Optional()])
    ends_on = DateField(_l("To"), validators=[Optional()], description=_l("Both days included."))
    unit = SelectField(_l("Unit"), coerce=optional_int, validators=[Optional()])
    worker = SelectField(_l("Peer worker"), coerce=optional_int, validators=[Optional()])

    def validate_ends_on(self, field):
        if field.data is None or self.starts_on.data is None:
            return
        if field.data < self.starts_on.data:
            raise ValidationError(_l("The end of the period must be on or after its start."))
        if (field.data - self.starts_on.data).days > MAX_PERIOD_DAYS:
            raise ValidationError(_l("Choose a period of at most five years."))


class YearlyReportForm(FlaskForm):
    class Meta:
        csrf = False

    year = IntegerField(_l("Year"), validators=[InputRequired(_l("Enter a year, such as 2025.")),
                                               NumberRange(min=FIRST_YEAR, message=_l("Enter a year from 2000 on."))])
    unit = SelectField(_l("Unit"), coerce=optional_int, validators=[Optional()])

    def __init__(self, *args, this_year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.this_year = this_year

    def validate_year(self, field):
        if field.data is not None and field.data > self.this_year:
            raise ValidationError(_l("The report covers a past or the current year."))


class WorkerChoiceForm(FlaskForm):
    """The coordinator opens one worker's own dashboard."""

    class Meta:
        csrf = False

    # Its own id: it sits on the dashboard next to the filters' own "worker" field.
    worker = SelectField(_l("Peer worker"), coerce=optional_int, id="open-worker",
                         validators=[InputRequired(_l("Choose a peer worker."))])
