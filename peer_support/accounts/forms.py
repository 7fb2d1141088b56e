from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from peer_support.auth.forms import NewPasswordMixin
from peer_support.auth.labels import PROFESSION_LABELS, ROLE_LABELS
from peer_support.forms import SelectField, choices, language_choices, stripped


class AccountForm(FlaskForm):
    # Stripped before validation: an address pasted with a trailing space is still valid.
    email = EmailField(_l("Email"), filters=[stripped],
                       validators=[DataRequired(_l("Enter the e-mail address.")), Length(max=254),
                                   Email(_l("This is not a valid e-mail address."), check_deliverability=False)])
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the person's name.")), Length(max=200)])
    role = SelectField(_l("Role"), choices=choices(ROLE_LABELS.items()))
    profession = SelectField(_l("Profession"),
                             choices=choices([("", _l("(not care staff)")), *PROFESSION_LABELS.items()]),
                             validators=[Optional()],
                             description=_l("Required for care staff."))
    locale = SelectField(_l("Language"), choices=[SelectChoice("", _l("As the browser asks")), *language_choices()],
                         validators=[Optional()])
    unit_ids = SelectMultipleField(_l("Units"), coerce=int, validators=[Optional()],
                                   description=_l("Hold Ctrl (or Cmd) to choose several."))
    submit = SubmitField(_l("Save"))


class NewAccountForm(NewPasswordMixin, AccountForm):
    """The coordinator gives a temporary password, changed by the person at first sign-in."""


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    submit = SubmitField(_l("Set the temporary password"))


class AccountFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name or e-mail"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), choices=choices([("", _l("All roles")), *ROLE_LABELS.items()]),
                       validators=[Optional()])
    status = SelectField(_l("Status"), choices=choices([("", _l("All")), ("active", _l("Active")),
                                                        ("inactive", _l("Deactivated"))]),
                         validators=[Optional()])
