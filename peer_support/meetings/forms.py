"""Forms of meetings and of the topic vocabulary. Dates and times are typed in local time.

The choice lists (people, rooms, co-facilitators, topics) do not validate the ids sent:
the services do, with a message a person understands, also for ids forged in a POST.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, HiddenField, IntegerField, RadioField, SelectMultipleField, StringField,
                     SubmitField, TextAreaField, TimeField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from peer_support.forms import SelectField, choices, optional_int, stripped
from peer_support.meetings.labels import (FOLLOW_UP_LABELS, FORMAT_LABELS, INITIATOR_LABELS, PLACE_LABELS,
                                          STATUS_FILTERS)
from peer_support.meetings.models import MAX_DURATION_MINUTES
from peer_support.meetings.planning import NOTES_MAX, PLACE_MAX, QUICK_DURATIONS, REASON_MAX, SUMMARY_MAX, TITLE_MAX
from peer_support.pagination import MAX_PAGE


def _follow_up_choices():
    return choices([("", _l("Not decided yet"))] + list(FOLLOW_UP_LABELS.items()))


class MeetingForm(FlaskForm):
    status = RadioField(_l("This meeting is"), choices=choices([("planned", _l("Planned (to come)")),
                                                                ("held", _l("Held (logged after the fact)"))]),
                        default="planned")
    format = SelectField(_l("Format"), choices=choices(FORMAT_LABELS.items()), default="individual")
    title = StringField(_l("Title"), filters=[stripped], validators=[Optional(), Length(max=TITLE_MAX)],
                        description=_l("For a group session, its name (e.g. “Wish for a child group”)."))
    participant_ids = SelectMultipleField(_l("With"), coerce=int, validate_choice=False,
                                          validators=[DataRequired(_l("Choose who the meeting is with."))],
                                          description=_l("People you accompany."))
    capacity = IntegerField(_l("Places in the group"), validators=[Optional(), NumberRange(1, 200)],
                            description=_l("Group sessions only: how many people can enrol."))
    co_facilitator_ids = SelectMultipleField(_l("Co-facilitators from the care team"), coerce=int,
                                             validate_choice=False,
                                             description=_l("Optional. Hold Ctrl (or Cmd) to choose several."))
    starts_on = DateField(_l("Date"), validators=[InputRequired(_l("Enter the date."))])
    starts_at = TimeField(_l("Start time"), validators=[InputRequired(_l("Enter the start time."))],
                          description=_l("Local time, for example 14:30."))
    ends_at = TimeField(_l("End time"), validators=[Optional()],
                        description=_l("Or give the duration below."))
    duration_minutes = IntegerField(_l("Duration (minutes)"), validators=[Optional()],
                                    description=_l("At most %(n)d minutes (8 hours).", n=MAX_DURATION_MINUTES))
    place_kind = RadioField(_l("Where"), choices=choices(PLACE_LABELS.items()), default="hospital")
    room_id = SelectField(_l("Room"), coerce=optional_int, validate_choice=False, validators=[Optional()],
                          description=_l("Rooms of your units, with their places and accessibility."))
    place_detail = StringField(_l("Place or details"), filters=[stripped],
                               validators=[Optional(), Length(max=PLACE_MAX)],
                               description=_l("E.g. the cafeteria, the town library, the phone number to call."))
    initiated_by = SelectField(_l("Who asked for it"), choices=choices(INITIATOR_LABELS.items()),
                               default="peer_worker")
    topic_ids = SelectMultipleField(_l("Topics"), coerce=int, validate_choice=False)
    private_notes = TextAreaField(_l("Private notes"), validators=[Optional(), Length(max=NOTES_MAX)],
                                  description=_l("Seen only by you: not by the coordinator, not by the care team."))
    team_summary = TextAreaField(_l("Summary for the care team"), validators=[Optional(), Length(max=SUMMARY_MAX)],
                                 description=_l("Optional. Shared with the care team only if the person agreed."))
    team_summary_agreed = BooleanField(_l("The person agreed to share this summary with the care team"))
    follow_up_intention = SelectField(_l("What follows"), choices=_follow_up_choices(), validators=[Optional()],
                                      description=_l("After a held meeting."))
    follow_up_by = DateField(_l("Propose the next meeting by"), validators=[Optional()])
    previous_meeting_id = HiddenField()


class OutcomeForm(FlaskForm):
    """Marking a meeting held; the attendance of each person comes as attendance-<person id> fields."""

    topic_ids = SelectMultipleField(_l("Topics"), coerce=int, validate_choice=False)
    follow_up_intention = SelectField(_l("What follows"), choices=_follow_up_choices(), validators=[Optional()])
    follow_up_by = DateField(_l("Propose the next meeting by"), validators=[Optional()])
    private_notes = TextAreaField(_l("Private notes"), validators=[Optional(), Length(max=NOTES_MAX)],
                                  description=_l("Seen only by you: not by the coordinator, not by the care team."))
    team_summary = TextAreaField(_l("Summary for the care team"), validators=[Optional(), Length(max=SUMMARY_MAX)],
                                 description=_l("Optional. Shared with the care team only if the person agreed."))
    team_summary_agreed = BooleanField(_l("The person agreed to share this summary with the care team"))


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Why is it cancelled?"),
                           validators=[DataRequired(_l("Say why the meeting is cancelled.")), Length(max=REASON_MAX)])


class EnrolForm(FlaskForm):
    person_id = SelectField(_l("Enrol someone you accompany"), coerce=optional_int, validate_choice=False,
                            validators=[Optional()])


class QuickLogForm(FlaskForm):
    person_id = SelectField(_l("Who"), coerce=optional_int, validate_choice=False,
                            validators=[InputRequired(_l("Choose who you met."))])
    format = SelectField(_l("Format"), choices=choices(FORMAT_LABELS.items()), default="informal")
    duration_minutes = RadioField(_l("How long"), coerce=int, default=15,
                                  choices=choices((n, _l("%(n)d min", n=n)) for n in QUICK_DURATIONS))
    topic_ids = SelectMultipleField(_l("Topics"), coerce=int, validate_choice=False)
    private_notes = TextAreaField(_l("Private note (optional)"), validators=[Optional(), Length(max=NOTES_MAX)],
                                  description=_l("Seen only by you."))


class TopicForm(FlaskForm):
    name_fr = StringField(_l("Name in French"), filters=[stripped],
                          validators=[DataRequired(_l("Enter the French name.")), Length(max=120)])
    name_en = StringField(_l("Name in English"), filters=[stripped],
                          validators=[DataRequired(_l("Enter the English name.")), Length(max=120)])
    submit = SubmitField(_l("Save"))


class MeetingFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Show"), choices=choices(STATUS_FILTERS.items()), validators=[Optional()])
    # A profile id: within the database's integer, else the lookup fails with a 500 instead of a 404.
    worker = IntegerField(validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=MAX_PAGE)])
