from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from peer_support.forms import SelectField, optional_int, stripped


class InformationPageForm(FlaskForm):
    title = StringField(_l("Title"), filters=[stripped], validators=[
        DataRequired(_l("Enter the title of the page.")),
        Length(max=200, message=_l("Keep the title under %(max)d characters."))])
    body = TextAreaField(
        _l("Text"), validators=[
            DataRequired(_l("Enter the text of the page.")),
            Length(max=20000, message=_l("Keep the text under %(max)d characters."))],
        description=_l("Plain text, shown exactly as typed (no formatting, no links). Leave a blank line "
                       "between paragraphs; a paragraph's first line shows in bold when more lines follow it."),
        render_kw={"rows": 24})


class ContactRequestForm(FlaskForm):
    name = StringField(
        _l("Your name or a pseudonym"), filters=[stripped], validators=[
            DataRequired(_l("Tell us what to call you: a first name or a pseudonym is enough.")),
            Length(max=200, message=_l("Keep this under %(max)d characters."))],
        render_kw={"autocomplete": "name"})
    contact = StringField(
        _l("How can we reach you?"), filters=[stripped], validators=[
            DataRequired(_l("Tell us how to reach you, for example a phone number or an e-mail address.")),
            Length(max=300, message=_l("Keep this under %(max)d characters."))],
        description=_l("A phone number, an e-mail address, or \"through the unit's secretary\"; add the best "
                       "times if you wish."))
    unit_id = SelectField(_l("Your unit, if you know it"), coerce=optional_int, validators=[Optional()])
    message = TextAreaField(
        _l("Message (optional)"), validators=[
            Optional(), Length(max=2000, message=_l("Keep your message under %(max)d characters."))],
        description=_l("Anything you would like us to know. You do not need to explain your health."),
        render_kw={"rows": 5})
    consent = BooleanField(
        _l("I agree to be contacted by the peer support programme about this request."),
        validators=[DataRequired(_l("We can only contact you if you agree to it."))])
    # A trap for robots: hidden from people (see .contact-trap in app.css), filled by bots.
    website = StringField(_l("Leave this field empty"), validators=[Optional()],
                          render_kw={"autocomplete": "off", "tabindex": "-1"})
