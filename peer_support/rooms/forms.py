"""Forms of rooms, closures and the free-room finder. Dates and times are typed in local time."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField, TextAreaField, TimeField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from peer_support.forms import SelectField, optional_int, stripped
from peer_support.rooms import services


class RoomForm(FlaskForm):
    name = StringField(_l("Name"), filters=[stripped],
                       validators=[InputRequired(_l("Enter the room's name.")), Length(max=services.NAME_MAX)],
                       description=_l("As people find it on site, for example \"Salle Jasmin, 2nd floor\"."))
    unit_id = SelectField(_l("Unit"), coerce=optional_int, validators=[InputRequired(_l("Choose the room's unit."))])
    capacity = IntegerField(
        _l("Capacity (people)"),
        validators=[Optional(), NumberRange(1, services.CAPACITY_MAX,
                                            _l("The capacity is a number of people between 1 and %(max)s."))],
        description=_l("Leave empty if you do not know."))
    accessibility_note = TextAreaField(
        _l("Accessibility notes"), filters=[stripped], validators=[Optional(), Length(max=services.NOTE_MAX)],
        description=_l("Step-free access, hearing loop, quiet room, lift..."))


class ClosureForm(FlaskForm):
    starts_on = DateField(_l("From (date)"), validators=[InputRequired(_l("Enter the first day of the closure."))])
    starts_at = TimeField(_l("From (time)"), validators=[InputRequired(_l("Enter the time the closure starts."))],
                          description=_l("Local time, for example 08:00."))
    ends_on = DateField(_l("Until (date)"), validators=[InputRequired(_l("Enter the last day of the closure."))])
    ends_at = TimeField(_l("Until (time)"), validators=[InputRequired(_l("Enter the time the closure ends."))],
                        description=_l("Local time; the room can be booked again from then."))
    reason = StringField(_l("Reason (optional)"), filters=[stripped],
                         validators=[Optional(), Length(max=services.REASON_MAX)],
                         description=_l("Shown to everyone who looks at the room, for example \"painting works\"."))


class FreeRoomForm(FlaskForm):
    """A search (GET): no CSRF token, so the address can be bookmarked and shared."""

    class Meta:
        csrf = False

    day = DateField(_l("Date"), validators=[InputRequired(_l("Enter the date."))])
    starts_at = TimeField(_l("From"), validators=[InputRequired(_l("Enter the start time."))],
                          description=_l("Local time, for example 14:00."))
    ends_at = TimeField(_l("Until"), validators=[InputRequired(_l("Enter the end time."))])
    unit_id = SelectField(_l("Unit"), coerce=optional_int, validators=[Optional()])
    min_capacity = IntegerField(_l("At least (people)"),
                                validators=[Optional(),
                                            NumberRange(1, services.CAPACITY_MAX,
                                                        _l("Enter a number of people between 1 and %(max)s."))])
