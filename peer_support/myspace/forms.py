from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from peer_support.auth.forms import NewPasswordMixin
from peer_support.forms import choices, stripped
from peer_support.people.labels import FOLLOW_UP_LABELS


class InviteForm(FlaskForm):
    """The coordinator sends the person a link to create their own account."""
    email = EmailField(_l("E-mail address"), filters=[stripped],
                       validators=[Optional(), Length(max=254),
                                   Email(_l("This is not a valid e-mail address."), check_deliverability=False)],
                       description=_l("Where the invitation is sent; the person will sign in with this address."),
                       render_kw={"autocomplete": "off"})


class AcceptInvitationForm(NewPasswordMixin, FlaskForm):
    """The person chooses their password (the same policy as everywhere else)."""


class CancelParticipationForm(FlaskForm):
    reason = TextAreaField(
        _l("Why (optional)"), filters=[stripped],
        validators=[Optional(), Length(max=500, message=_l("Keep it under %(max)d characters."))],
        description=_l("A few words for your peer worker, if you wish: you do not have to explain."),
        render_kw={"rows": 3})


class AskContactForm(FlaskForm):
    contact = StringField(
        _l("How to reach me"), filters=[stripped],
        validators=[Optional(), Length(max=300, message=_l("Keep this under %(max)d characters."))],
        description=_l("A phone number, an e-mail address, or the best times to call; leave it empty to be reached "
                       "the usual way."))
    message = TextAreaField(
        _l("Message (optional)"), filters=[stripped],
        validators=[Optional(), Length(max=2000, message=_l("Keep your message under %(max)d characters."))],
        description=_l("Anything you would like your peer worker to know. You do not need to explain your health."),
        render_kw={"rows": 4})


class FollowUpForm(FlaskForm):
    choice = RadioField(_l("How I want to be followed up"), choices=choices(FOLLOW_UP_LABELS.items()),
                        validators=[DataRequired(_l("Choose one of the two ways."))])


class PeerWorkInterestForm(FlaskForm):
    message = TextAreaField(
        _l("A few words about your wish (optional)"), filters=[stripped],
        validators=[Optional(), Length(max=2000, message=_l("Keep your message under %(max)d characters."))],
        description=_l("What draws you to it, what you would like to know. The coordinator reads it."),
        render_kw={"rows": 4})


class ContactMessageForm(FlaskForm):
    """The person's opt-in: a message of their own when their peer worker has not been in touch."""
    wanted = BooleanField(
        _l("Send me a message when my peer worker has not been in touch"),
        description=_l("If some days pass after the date your peer worker should have contacted you, the programme "
                       "sends you a short e-mail asking whether you would like to meet again. It says nothing about "
                       "your health. You can stop it at any time."))
