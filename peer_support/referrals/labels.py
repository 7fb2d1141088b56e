"""How referral vocabulary is named on screen."""
from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "new": _l("New"),
    "triaged": _l("Being matched with a peer worker"),
    "proposed": _l("Proposed to a peer worker"),
    "accepted": _l("Accepted by a peer worker"),
    "active": _l("Accompaniment under way"),
    "on_hold": _l("On hold"),
    "closed": _l("Closed"),
}

CARE_STAGE_LABELS = {
    "diagnosis": _l("Diagnosis or announcement"),
    "start_of_care": _l("Start of care"),
    "ongoing_care": _l("Ongoing care"),
    "after_acute_phase": _l("After an acute phase"),
    "follow_up": _l("Follow-up"),
}

SOURCE_LABELS = {
    "staff": _l("Referred by staff"),
    "self": _l("Asked by the person"),
    "self_public": _l("Contact request from the public form"),
}

CLOSE_REASON_LABELS = {
    "goals_reached": _l("Goals reached"),
    "user_declined": _l("The person declined"),
    "no_contact_possible": _l("No contact possible"),
    "transferred": _l("Transferred"),
    "deceased": _l("Deceased"),
    "other": _l("Other reason"),
}
