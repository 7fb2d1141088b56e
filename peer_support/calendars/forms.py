"""Forms of the calendar feed settings."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField


class FeedDetailsForm(FlaskForm):
    show_details = BooleanField(
        _l("Show more details"),
        description=_l("Adds each meeting's format and title (for example a group's name). Never notes, topics "
                       "or other people's names."))
