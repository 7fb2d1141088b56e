"""What every template can use: navigation by role, access predicates, languages."""
from __future__ import annotations

from flask import request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from peer_support import permissions
from peer_support.auth.labels import PROFESSION_LABELS, ROLE_LABELS
from peer_support.i18n import LANGUAGE_NAMES

# Main navigation; each item shows only to those whose rule allows the endpoint.
NAVIGATION = (
    ("main.home", _l("Home")),
    ("accounts.index", _l("Accounts")),
    ("units.index", _l("Units")),
    ("audit.index", _l("Audit log")),
)


def _navigation():
    items = []
    for endpoint, label in NAVIGATION:
        rule = permissions.endpoint_rule(endpoint)
        if callable(rule) and rule(current_user):
            items.append((endpoint, label, request.endpoint == endpoint
                          or (request.blueprint and endpoint.startswith(request.blueprint + ".")
                              and endpoint != "main.home")))
    return items


def _can(name: str, *args) -> bool:
    return bool(permissions.template_predicates()[name](current_user, *args))


def register_context(app) -> None:
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
