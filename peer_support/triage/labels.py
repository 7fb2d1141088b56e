"""How the referral workflow is named on screen (codes stay in English).

The vocabulary of referrals and people is named by their features; this file
adds only what the triage pages need besides.
"""
from flask_babel import lazy_gettext as _l

from peer_support.people.labels import CONTACT_CHANNEL_LABELS  # noqa: F401
from peer_support.referrals.labels import (CARE_STAGE_LABELS, CLOSE_REASON_LABELS, SOURCE_LABELS,  # noqa: F401
                                           STATUS_LABELS)

# What each step of the history says, by the status it led to.
EVENT_LABELS = {
    "new": _l("Referral received"),
    "triaged": _l("Triaged"),
    "proposed": _l("Proposed to a peer worker"),
    "accepted": _l("Accepted by the peer worker"),
    "active": _l("Accompaniment started"),
    "on_hold": _l("Put on hold"),
    "closed": _l("Closed"),
}
