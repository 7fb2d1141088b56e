from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, DateField, IntegerField, SelectMultipleField, StringField, SubmitField,
                     TextAreaField, TimeField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from peer_support.forms import SelectField, choices, optional_int
from peer_support.peers.labels import ABSENCE_LABELS, FORMAT_LABELS, STATUS_LABELS


class DomainForm(FlaskForm):
    name_fr = StringField(_l("Name in French"), validators=[DataRequired(_l("Enter the French name.")),
                                                            Length(max=120)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(_l("Enter the English name.")),
                                                             Length(max=120)])
    is_active = BooleanField(_l("Offered to peer workers"), default=True)
    submit = SubmitField(_l("Save"))


class ProfileForm(FlaskForm):
    """What a peer worker fills in about themself."""

    presentation = TextAreaField(
        _l("Presentation"), validators=[Optional(), Length(max=2000)],
        description=_l("A few words, in the peer worker's own voice, that the people accompanied and the care "
                       "teams will read."))
    languages = SelectMultipleField(_l("Languages spoken"), validators=[Optional()])
    meeting_formats = SelectMultipleField(_l("Meeting formats offered"), validators=[Optional()],
                                          choices=choices(FORMAT_LABELS.items()))
    submit = SubmitField(_l("Save"))


class ProfileAdminForm(ProfileForm):
    """The coordinator also sets the frame: status, caseload, supervisor."""

    status = SelectField(_l("Status"), choices=choices(STATUS_LABELS.items()))
    max_caseload = IntegerField(_l("Maximum active caseload"), default=12, validators=[
        DataRequired(_l("Enter the number of people this worker may accompany at once.")),
        NumberRange(1, 200, _l("Enter a number between %(min)s and %(max)s."))])
    supervisor_id = SelectField(_l("Supervisor"), coerce=optional_int,
                                validators=[Optional()])
    started_on = DateField(_l("In post since"), validators=[Optional()])


class NewProfileForm(ProfileAdminForm):
    account_id = SelectField(_l("Peer worker's account"), coerce=int,
                             description=_l("Peer worker accounts are created on the Accounts page."))


class PresenceSlotForm(FlaskForm):
    weekday = SelectField(_l("Day"), coerce=int)
    starts_at = TimeField(_l("From"), validators=[DataRequired(_l("Enter the start time."))])
    ends_at = TimeField(_l("To"), validators=[DataRequired(_l("Enter the end time."))])
    unit_id = SelectField(_l("Unit"), coerce=optional_int, validators=[Optional()])
    place = StringField(_l("Where to find me"), validators=[
        DataRequired(_l("Say where people can find you, e.g. \"office 12, ground floor\".")), Length(max=200)])
    submit = SubmitField(_l("Add this presence time"))


class AbsenceForm(FlaskForm):
    starts_on = DateField(_l("First day"), validators=[DataRequired(_l("Enter the first day."))])
    ends_on = DateField(_l("Last day"), validators=[DataRequired(_l("Enter the last day."))])
    kind = SelectField(_l("Kind"), choices=choices(ABSENCE_LABELS.items()))
    public_note = StringField(_l("Message for the people I accompany"), validators=[Optional(), Length(max=200)],
                              description=_l("Optional, e.g. \"Back on Monday; in the meantime call the unit's "
                                             "secretary.\""))
    submit = SubmitField(_l("Add this absence"))


class UnitFilterForm(FlaskForm):
    class Meta:
        csrf = False

    unit = SelectField(_l("Unit"), coerce=optional_int, validators=[Optional()])


class DirectoryFilterForm(UnitFilterForm):
    domain = SelectField(_l("Lived experience shared"), coerce=optional_int,
                         validators=[Optional()])


class PhotoForm(FlaskForm):
    photo = FileField(_l("Photo"), validators=[FileRequired(_l("Choose a photo."))])
    submit = SubmitField(_l("Upload"))
