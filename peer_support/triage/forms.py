from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from peer_support.forms import SelectField, choices, optional_int
from peer_support.triage.labels import CARE_STAGE_LABELS, CLOSE_REASON_LABELS, STATUS_LABELS
from peer_support.pagination import MAX_PAGE

REASON_LENGTH = Length(max=2000, message=_l("Keep it under %(max)d characters."))


class QueueFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validators=[Optional()], choices=choices(
        [("", _l("To handle (new, triaged, proposed, on hold)")), ("open", _l("All open")), ("all", _l("All"))]
        + list(STATUS_LABELS.items())))
    unit = SelectField(_l("Unit"), coerce=optional_int, validators=[Optional()])
    stage = SelectField(_l("Stage in care"), validators=[Optional()],
                        choices=choices([("", _l("All stages"))] + list(CARE_STAGE_LABELS.items())))
    older_than = IntegerField(_l("Waiting for more than (days)"), validators=[
        Optional(), NumberRange(0, 3650, _l("Enter a number of days between %(min)s and %(max)s."))])
    page = IntegerField(validators=[Optional(), NumberRange(1, MAX_PAGE)])


class NoteForm(FlaskForm):
    """A one-button step with an optional note for the history (mark triaged, withdraw, resume, start)."""
    reason = TextAreaField(_l("Note for the history (optional)"), validators=[Optional(), REASON_LENGTH])
    submit = SubmitField(_l("Confirm"))


class ProposeForm(FlaskForm):
    peer_profile_id = SelectField(_l("Peer worker"), coerce=optional_int,
                                  validators=[DataRequired(_l("Choose a peer worker."))])
    reason = TextAreaField(_l("Note for the history (optional)"), validators=[Optional(), REASON_LENGTH])
    submit = SubmitField(_l("Propose to this peer worker"))


class HoldForm(FlaskForm):
    review_on = DateField(_l("Review on"), validators=[DataRequired(_l("Choose a review date after today."))])
    reason = TextAreaField(_l("Why it waits"), validators=[DataRequired(_l("Say why the referral waits.")),
                                                          REASON_LENGTH],
                           description=_l("For example: acute phase, not the right moment for the person."))
    submit = SubmitField(_l("Put on hold"))


class CloseForm(FlaskForm):
    close_reason = SelectField(_l("Reason for closing"), choices=choices(
        [("", _l("Choose a reason"))] + list(CLOSE_REASON_LABELS.items())),
        validators=[DataRequired(_l("Choose why the referral is closed."))])
    reason = TextAreaField(_l("Note for the history"), validators=[Optional(), REASON_LENGTH],
                           description=_l("Needed when the reason is \"Other reason\"."))
    submit = SubmitField(_l("Close the referral"))


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Why you decline"), validators=[
        DataRequired(_l("Say why you decline, so the coordinator can find someone else.")), REASON_LENGTH])
    submit = SubmitField(_l("Decline"))
