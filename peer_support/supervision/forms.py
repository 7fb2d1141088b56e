"""Forms of supervision sessions and debrief requests. Dates and times are typed in local time."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectMultipleField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from peer_support.forms import SelectField, choices, optional_int, stripped
from peer_support.supervision import services
from peer_support.supervision.debriefs import DESCRIPTION_MAX
from peer_support.supervision.labels import DEBRIEF_STATUS_LABELS, HARD_EVENT_LABELS, SESSION_KIND_LABELS


class SessionForm(FlaskForm):
    held_on = DateField(_l("Date"), validators=[InputRequired(_l("Enter the date of the session."))])
    starts_at = TimeField(_l("Start time"), validators=[InputRequired(_l("Enter the time the session started."))],
                          description=_l("Local time, for example 14:30."))
    duration_minutes = IntegerField(
        _l("Duration (minutes)"),
        validators=[InputRequired(_l("Enter the duration in minutes.")),
                    NumberRange(services.MIN_DURATION, services.MAX_DURATION,
                                _l("The duration is between %(min)s and %(max)s minutes."))])
    kind = SelectField(_l("Kind of session"), choices=choices(SESSION_KIND_LABELS.items()))
    supervisor_id = SelectField(_l("Supervisor from the staff"), coerce=optional_int, validators=[Optional()],
                                description=_l("Or, for someone from outside, leave this empty and type their name "
                                               "below."))
    external_supervisor = StringField(_l("External supervisor"), filters=[stripped],
                                      validators=[Optional(), Length(max=services.EXTERNAL_NAME_MAX)],
                                      description=_l("Name and role, for example a psychologist from outside the "
                                                     "hospital."))
    attendee_ids = SelectMultipleField(_l("Peer workers who attended"), coerce=int,
                                       validators=[DataRequired(_l("Choose who attended."))],
                                       description=_l("Hold Ctrl (or Cmd) to choose several. "
                                                      "An individual supervision has exactly one."))
    topics = TextAreaField(_l("Topics"), validators=[Optional(), Length(max=services.TOPICS_MAX)],
                           description=_l("Seen only by you and the workers who attended."))
    private_notes = TextAreaField(_l("Private notes"), validators=[Optional(), Length(max=services.NOTES_MAX)],
                                  description=_l("Seen only by you and the workers who attended, never by the "
                                                 "coordinator."))


class DebriefForm(FlaskForm):
    event_kind = SelectField(_l("What happened"),
                             choices=choices([("", _l("Choose..."))] + list(HARD_EVENT_LABELS.items())),
                             validators=[DataRequired(_l("Choose what happened."))])
    event_on = DateField(_l("When it happened"), validators=[Optional()],
                         description=_l("If you know it; an approximate date is fine."))
    description = TextAreaField(
        _l("In your own words (optional)"), validators=[Optional(), Length(max=DESCRIPTION_MAX)],
        description=_l("Only your supervisor and the coordinator will read it. You can also say nothing "
                       "here and talk about it at the debrief."))


class DebriefStatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=choices(DEBRIEF_STATUS_LABELS.items()))
    scheduled_on = DateField(_l("Date of the debrief"), validators=[Optional()],
                             description=_l("When the status is 'scheduled'."))
    scheduled_at = TimeField(_l("Time of the debrief"), validators=[Optional()],
                             description=_l("Local time, for example 14:30."))
    held_on = DateField(_l("Held on"), validators=[Optional()], description=_l("When the status is 'held'."))


class DebriefFilterForm(FlaskForm):
    class Meta:
        csrf = False

    show = SelectField(_l("Show"), choices=choices([("open", _l("Open requests")), ("all", _l("All requests"))]),
                       validators=[Optional()])
