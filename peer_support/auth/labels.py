"""How roles and professions are named on screen."""
from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "coordinator": _l("Coordinator"),
    "staff": _l("Care staff"),
    "peer_worker": _l("Peer worker"),
    "service_user": _l("Service user"),
    "researcher": _l("Researcher"),
}

PROFESSION_LABELS = {
    "doctor": _l("Doctor"),
    "nurse": _l("Nurse"),
    "psychologist": _l("Psychologist"),
    "social_worker": _l("Social worker"),
    "other": _l("Other profession"),
}
