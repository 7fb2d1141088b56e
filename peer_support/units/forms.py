from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Regexp


class UnitForm(FlaskForm):
    code = StringField(_l("Code"), validators=[
        DataRequired(_l("Enter a short code, such as CL3R.")), Length(max=20),
        Regexp(r"^[A-Za-z0-9_-]+$", message=_l("Use only letters, digits, - and _."))],
        description=_l("A short code people know the unit by, such as CL3R or TS2A."))
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the unit's name.")), Length(max=200)])
    is_active = BooleanField(_l("Active"), default=True,
                             description=_l("An inactive unit is kept with its history but offered no more."))
    person_messages = BooleanField(
        _l("Offer the people of this unit a message when their peer worker has not been in touch"),
        default=False,
        description=_l("Off by default. When on, a person who chose to be contacted again may opt in, on their own "
                       "space, to a short e-mail (no health details) once their peer worker's reminder has waited "
                       "a few days."))
    submit = SubmitField(_l("Save"))
