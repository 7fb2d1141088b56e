"""What every template can use: navigation by role, access predicates, languages."""
from __future__ import annotations

from collections.abc import Callable

from flask import request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from peer_support import permissions
from peer_support.auth.labels import PROFESSION_LABELS, ROLE_LABELS
from peer_support.i18n import LANGUAGE_NAMES

# Main navigation; each item shows only to those whose rule allows the endpoint.
NAVIGATION = (
    ("main.home", _l("Home")),
    ("nudges.index", _l("Nudges")),
    ("triage.index", _l("Triage")),
    ("triage.proposals", _l("Proposals")),
    ("caseload.index", _l("Caseload")),
    ("meetings.index", _l("Meetings")),
    ("calendars.my_week", _l("My week")),
    ("myspace.index", _l("My space")),
    ("peers.mine", _l("My profile")),
    ("people.index", _l("People")),
    ("referrals.mine", _l("My referrals")),
    ("peers.index", _l("Peer workers")),
    ("supervision.index", _l("Supervision")),
    ("training.index", _l("Training")),
    ("rooms.index", _l("Rooms")),
    ("feedback.forms", _l("Feedback forms")),
    ("accounts.index", _l("Accounts")),
    ("units.index", _l("Units")),
    ("audit.index", _l("Audit log")),
    ("research.studies_index", _l("Studies")),
    ("reports.dashboard", _l("Dashboard")),
    ("reports.mine", _l("My figures")),
)
# Items shown to some of the roles their endpoint admits (a coordinator opens a worker's figures from the
# dashboard; "My figures" is the worker's own).
NAVIGATION_ROLES = {"reports.mine": ("peer_worker",)}


def _navigation():
    """(endpoint, label, current) for each item the person may reach.

    The current item is the page itself, else the first item of the page's
    feature (so "Peer workers" stays marked on a worker's profile page).
    """
    user = current_user._get_current_object()  # once: each access through the proxy looks the user up again
    allowed = [(endpoint, label) for endpoint, label in NAVIGATION
               if callable(rule := permissions.endpoint_rule(endpoint)) and rule(user)
               and (endpoint not in NAVIGATION_ROLES or user.role in NAVIGATION_ROLES[endpoint])]
    current = next((endpoint for endpoint, _ in allowed if endpoint == request.endpoint), None)
    if current is None and request.blueprint and request.blueprint != "main":
        current = next((endpoint for endpoint, _ in allowed if endpoint.startswith(request.blueprint + ".")), None)
    return [(endpoint, label, endpoint == current) for endpoint, label in allowed]


# A number no id reaches, built into a URL where each row's id goes (url_for_each).
_ID_MARKER = 987_654_321_987_654_321


def url_for_each(endpoint: str, key: str, **values) -> Callable[[int], str]:
    """url_for(endpoint, key=<id>, **values) for each row of a list, the URL built once: the caseload and the
    roster link every row (a routing build per row was a tenth of the caseload page)."""
    before, marker, after = url_for(endpoint, **{key: _ID_MARKER}, **values).partition(str(_ID_MARKER))
    if not marker:
        raise ValueError(f"{endpoint}'s URL does not hold its {key}")
    return lambda row_id: f"{before}{int(row_id)}{after}"


def _can(name: str, *args) -> bool:
    return bool(permissions.template_predicates()[name](current_user, *args))


def register_context(app) -> None:
    app.add_template_global(url_for_each)

    @app.context_processor
    def inject():
        return {
            "navigation": _navigation,
            "can": _can,
            "current_locale": str(get_locale() or app.config["PEER_SUPPORT_DEFAULT_LOCALE"]),
            "language_names": LANGUAGE_NAMES,
            "role_labels": ROLE_LABELS,
            "profession_labels": PROFESSION_LABELS,
        }
