from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import Length, Optional

from peer_support.forms import SelectField, choices


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    action = SelectField(_l("Action"), choices=[], validators=[Optional()], validate_choice=False)
    actor = StringField(_l("Person (e-mail)"), validators=[Optional(), Length(max=254)])
    object_type = StringField(_l("Object type"), validators=[Optional(), Length(max=40)])
    object_id = StringField(_l("Object number"), validators=[Optional(), Length(max=40)])
    outcome = SelectField(_l("Outcome"), choices=choices([("", _l("All")), ("success", _l("Success")),
                                                          ("failure", _l("Failure")), ("denied", _l("Denied"))]),
                          validators=[Optional()])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To (included)"), validators=[Optional()])
