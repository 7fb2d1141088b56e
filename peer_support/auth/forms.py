from datetime import time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from peer_support.forms import SelectField, choices, language_choices, stripped
from peer_support.auth.passwords import MAX_LENGTH, MIN_LENGTH


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")),
                                                         Length(max=MAX_LENGTH)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Sign in"))


class NewPasswordMixin:
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Enter a new password."))],
        description=_l("At least %(n)d characters. A sentence of several words is easy to remember and hard to guess.",
                        n=MIN_LENGTH),
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        _l("New password, again"),
        validators=[DataRequired(_l("Type the new password a second time.")),
                    EqualTo("new_password", _l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(_l("Enter your current password."))],
                                     render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Change my password"))


class SettingsForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=language_choices())
    submit = SubmitField(_l("Save"))


def parse_clock(value) -> time | None:
    """A local time typed as HH:MM (browsers may add :SS), or None when it is not one."""
    if not isinstance(value, str) or not value.strip():
        return None
    parts = value.strip().split(":")
    if len(parts) not in (2, 3) or not all(part.isdigit() and len(part) <= 2 for part in parts):
        return None
    hour, minute = int(parts[0]), int(parts[1])
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


def _clock_field(message):
    def check(form, field):
        if field.data and parse_clock(field.data) is None:
            raise ValidationError(message)
    return check


def _hour(value):
    """SelectField coerce: an hour 0-23, or None for anything else (the service says what is wrong)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class NudgeMailForm(FlaskForm):
    """How the person receives their follow-up reminders by e-mail (nudges/delivery.py)."""

    mode = RadioField(_l("E-mail about my follow-up reminders"), validate_choice=False,
                      validators=[DataRequired(_l("Choose how to receive the reminders."))])
    quiet_start = StringField(
        _l("Quiet hours: from"), filters=[stripped], render_kw={"type": "time"},
        validators=[DataRequired(_l("Enter the time your quiet hours start, such as 20:00.")),
                    _clock_field(_l("Enter a time as hours and minutes, such as 20:00."))])
    quiet_end = StringField(
        _l("Quiet hours: until"), filters=[stripped], render_kw={"type": "time"},
        description=_l("No e-mail sent as they come during these hours; they wait until the quiet hours end. "
                       "The hours may span midnight."),
        validators=[DataRequired(_l("Enter the time your quiet hours end, such as 08:00.")),
                    _clock_field(_l("Enter a time as hours and minutes, such as 08:00."))])
    digest_hour = SelectField(_l("Hour of the daily e-mail"), coerce=_hour, validate_choice=False,
                              choices=choices((hour, f"{hour:02d}:00") for hour in range(24)))

    def __init__(self, *args, **kwargs):
        from peer_support.nudges.delivery import MODE_LABELS

        super().__init__(*args, prefix="mail", **kwargs)
        self.mode.choices = choices(MODE_LABELS.items())

    def validate_quiet_end(self, field):
        start, end = parse_clock(self.quiet_start.data), parse_clock(field.data)
        if start is not None and start == end:
            raise ValidationError(_l("Quiet hours must start and end at different times."))


class SecondFactorForm(FlaskForm):
    """The code after the password: 6 digits from the app, or a recovery code."""
    code = StringField(_l("Code"), filters=[stripped],
                       validators=[DataRequired(_l("Type the code your app shows, or a recovery code.")),
                                   Length(max=20, message=_l("A code has at most 20 characters."))],
                       description=_l("The 6 digits your authenticator app shows now, or one of your recovery codes."),
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"})


class EnrolForm(FlaskForm):
    code = StringField(_l("Code shown by the app"), filters=[stripped],
                       validators=[DataRequired(_l("Type the 6 digits your app shows.")),
                                   Length(max=20, message=_l("A code has at most 20 characters."))],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class PasswordCheckForm(FlaskForm):
    """Typing the password again before changing how one signs in."""
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")),
                                                         Length(max=MAX_LENGTH)],
                             render_kw={"autocomplete": "current-password"})
