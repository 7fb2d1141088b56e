"""How the training vocabulary is named on screen."""
from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "initial_qualification": _l("Initial qualification"),
    "ongoing": _l("Ongoing training"),
}

STATUS_LABELS = {
    "planned": _l("Planned"),
    "in_progress": _l("In progress"),
    "completed": _l("Completed"),
}
