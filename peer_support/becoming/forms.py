from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from peer_support.becoming.labels import INTEREST_STATUS_LABELS
from peer_support.forms import SelectField, choices, stripped


class InterestFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=choices([("", _l("All statuses")), *INTEREST_STATUS_LABELS.items()]),
                         validators=[Optional()])


class InterestForm(FlaskForm):
    status = SelectField(_l("Status"), choices=choices(INTEREST_STATUS_LABELS.items()),
                         validators=[DataRequired(_l("Choose a status."))])
    note = TextAreaField(
        _l("Note"), filters=[stripped],
        validators=[Optional(), Length(max=5000, message=_l("Keep the note under %(max)d characters."))],
        description=_l("What was discussed, the next steps. The person reads this note in their own space."),
        render_kw={"rows": 5})
    programme_ids = SelectMultipleField(_l("Training programmes suggested"), coerce=int, validators=[Optional()])


class RecordInterestForm(FlaskForm):
    message = TextAreaField(
        _l("What the person said (optional)"), filters=[stripped],
        validators=[Optional(), Length(max=2000, message=_l("Keep it under %(max)d characters."))],
        description=_l("E.g. said during a meeting. The person reads it in their own space."),
        render_kw={"rows": 4})
