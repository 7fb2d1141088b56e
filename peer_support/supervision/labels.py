"""How supervision and debrief vocabulary is named on screen."""
from flask_babel import lazy_gettext as _l

SESSION_KIND_LABELS = {
    "individual": _l("Individual supervision"),
    "group": _l("Group supervision"),
    "practice_analysis": _l("Analysis of practice"),
}

HARD_EVENT_LABELS = {
    "death": _l("Death of someone I accompanied"),
    "aggression": _l("Aggression"),
    "over_identification": _l("Over-identification with someone I accompany"),
    "own_health": _l("My own health"),
    "other": _l("Another hard event"),
}

DEBRIEF_STATUS_LABELS = {
    "requested": _l("Requested"),
    "scheduled": _l("Scheduled"),
    "held": _l("Held"),
}
