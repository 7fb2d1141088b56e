from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from peer_support.forms import SelectField, choices, optional_int
from peer_support.peers.labels import FORMAT_LABELS
from peer_support.referrals.labels import CARE_STAGE_LABELS


class ReferralForm(FlaskForm):
    unit_id = SelectField(_l("Unit"), coerce=optional_int,
                          validators=[DataRequired(_l("Choose the unit that refers the person."))])
    reason = TextAreaField(_l("Why do you refer this person?"), validators=[
        DataRequired(_l("Say why you refer this person.")), Length(max=2000)])
    care_stage = SelectField(_l("Stage in care"),
                             choices=choices([("", _l("Choose…")), *CARE_STAGE_LABELS.items()]),
                             validators=[DataRequired(_l("Choose the stage in care."))],
                             description=_l("Peer support helps most early in care; it is not for acute phases."))
    information_given = TextAreaField(
        _l("What was the person told about peer workers?"), validators=[Optional(), Length(max=2000)],
        description=_l("In your own words, what you said: the peer worker will start from there."))
    information_page_given = BooleanField(_l("I gave or showed the person the page \"What is a peer worker?\""))
    agreed_to_contact = BooleanField(
        _l("The person agrees to be contacted by a peer worker"),
        validators=[DataRequired(_l("A peer worker contacts only people who agreed to it. Ask the person first; if "
                                    "they do not agree yet, do not refer them now."))],
        description=_l("Required: meeting a peer worker is voluntary, and the person decides."))
    preferred_formats = SelectMultipleField(_l("Formats the person would prefer"),
                                            choices=choices(FORMAT_LABELS.items()), validators=[Optional()],
                                            description=_l("Hold Ctrl (or Cmd) to choose several."))
    wanted_domain_id = SelectField(
        _l("Lived experience the person would like to share (optional)"), coerce=optional_int,
        validators=[Optional()],
        description=_l("If the person wishes to meet someone who went through the same illness or situation."))
    constraints = TextAreaField(_l("Constraints"), validators=[Optional(), Length(max=1000)],
                                description=_l("E.g. times, mobility, an interpreter, a topic to avoid."))
    on_hold = BooleanField(_l("Not now: put the referral on hold until a review date"),
                           description=_l("E.g. during an acute phase, or when the moment is not right."))
    review_on = DateField(_l("Review date"), validators=[Optional()],
                          description=_l("Required when the referral is on hold: the day to look at it again."))
    submit = SubmitField(_l("Refer"))
