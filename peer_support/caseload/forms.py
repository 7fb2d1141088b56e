from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional

from peer_support.caseload.services import CASELOAD_PAGE_STATUSES
from peer_support.forms import SelectField, choices, optional_int
from peer_support.triage.labels import STATUS_LABELS
from peer_support.pagination import MAX_PAGE

SORT_LABELS = {
    "last_meeting": _l("Longest without a meeting first"),
    "next_meeting": _l("Next meeting"),
    "name": _l("Name"),
    "status": _l("Status"),
    "since": _l("Accompanied since"),
}


class CaseloadFilterForm(FlaskForm):
    """Sorting, filtering and paging of the caseload (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    # Not limited to the listed workers: the coordinator may open the caseload of one who has left.
    worker = SelectField(_l("Peer worker"), coerce=optional_int, validators=[Optional()], validate_choice=False)
    status = SelectField(_l("Status"), validators=[Optional()], choices=choices(
        [("", _l("All"))] + [(code, STATUS_LABELS[code]) for code in CASELOAD_PAGE_STATUSES]))
    sort = SelectField(_l("Sort by"), validators=[Optional()], choices=choices(SORT_LABELS.items()))
    order = SelectField(_l("Order"), validators=[Optional()],
                        choices=choices([("asc", _l("Ascending")), ("desc", _l("Descending"))]))
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=MAX_PAGE)])
