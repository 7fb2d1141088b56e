"""How meeting vocabulary is named on screen (codes stay in English)."""
from flask_babel import lazy_gettext as _l

from peer_support.peers.labels import FORMAT_LABELS as _PEER_FORMAT_LABELS

# Formats are the peer workers' vocabulary ("outing" is "Outing or accompaniment").
FORMAT_LABELS = _PEER_FORMAT_LABELS

STATUS_LABELS = {
    "planned": _l("Planned"),
    "held": _l("Held"),
    "cancelled": _l("Cancelled"),
    "missed": _l("Missed"),
}

PLACE_LABELS = {
    "room": _l("A room"),
    "hospital": _l("Elsewhere in the hospital"),
    "off_site": _l("Off site"),
    "remote": _l("Remote (phone or video)"),
}

INITIATOR_LABELS = {
    "service_user": _l("The person"),
    "peer_worker": _l("Me (the peer worker)"),
    "staff": _l("The care team"),
}

FOLLOW_UP_LABELS = {
    "person_will_get_in_touch": _l("The person will get in touch"),
    "next_meeting_by": _l("I will propose a next meeting by a date"),
    "no_further_meeting": _l("No further meeting planned"),
}

PARTICIPANT_STATUS_LABELS = {
    "enrolled": _l("Enrolled"),
    "attended": _l("Attended"),
    "absent": _l("Absent"),
    "cancelled": _l("Cancelled by the person"),
}

# Filters of "My meetings".
STATUS_FILTERS = {"": _l("All meetings"), **STATUS_LABELS}
