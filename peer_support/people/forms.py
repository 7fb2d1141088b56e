from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from peer_support.auth.forms import NewPasswordMixin
from peer_support.forms import SelectField, choices, optional_int, stripped
from peer_support.people.labels import AGE_BAND_LABELS, CONTACT_CHANNEL_LABELS, GENDER_LABELS


class PersonFieldsForm(FlaskForm):
    """Who the person is and how to reach them (the unit is asked by the form that uses this)."""

    display_name = StringField(
        _l("Name"), filters=[stripped],
        validators=[DataRequired(_l("Enter the name the person goes by.")), Length(max=200)],
        description=_l("The name the person goes by: a first name, a chosen name."))
    year_of_birth = IntegerField(_l("Year of birth"), validators=[Optional()],
                                 render_kw={"inputmode": "numeric", "autocomplete": "off"})
    age_band = SelectField(_l("Age band"), choices=choices([("", _l("Not known")), *AGE_BAND_LABELS.items()]),
                           validators=[Optional()], description=_l("When the year of birth is not known."))
    gender = SelectField(_l("Gender"), choices=choices([("", _l("Not given")), *GENDER_LABELS.items()]),
                         validators=[Optional()])
    preferred_language = SelectField(_l("Preferred language"), validators=[Optional()])
    contact_channel = SelectField(_l("Preferred way to be contacted"),
                                  choices=choices(CONTACT_CHANNEL_LABELS.items()), default="in_person")
    phone = StringField(_l("Phone"), filters=[stripped], validators=[Optional(), Length(max=40)],
                        render_kw={"autocomplete": "off"})
    email = EmailField(_l("E-mail address"), filters=[stripped],
                       validators=[Optional(), Length(max=254),
                                   Email(_l("This is not a valid e-mail address."), check_deliverability=False)],
                       render_kw={"autocomplete": "off"})
    contact_note = StringField(_l("Note on contact"), filters=[stripped], validators=[Optional(), Length(max=300)],
                               description=_l("E.g. \"afternoons only\", \"leave no message\"."))


class DifferentPersonMixin:
    different_person = BooleanField(
        _l("This is a different person: create a new record anyway"),
        description=_l("Tick only after checking the records listed above."))


class PersonForm(PersonFieldsForm):
    unit_ids = SelectMultipleField(_l("Units"), coerce=int,
                                   validators=[DataRequired(_l("Choose at least one unit."))],
                                   description=_l("Hold Ctrl (or Cmd) to choose several."))
    submit = SubmitField(_l("Save"))


class NewPersonForm(DifferentPersonMixin, PersonForm):
    pass


class NewPersonFieldsForm(DifferentPersonMixin, PersonFieldsForm):
    """The person's part of "refer someone who has no record yet"."""


class PersonAccountForm(NewPasswordMixin, FlaskForm):
    email = EmailField(_l("Email"), filters=[stripped],
                       validators=[Optional(), Length(max=254),
                                   Email(_l("This is not a valid e-mail address."), check_deliverability=False)])
    submit = SubmitField(_l("Create the account"))


class PeopleFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name or code"), validators=[Optional(), Length(max=100)])
    unit = SelectField(_l("Unit"), coerce=optional_int, validators=[Optional()])
