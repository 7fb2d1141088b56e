"""How audit actions, objects and system actors are named on screen (codes stay in English)."""
from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "auth.login": _l("Sign-in"),
    "auth.logout": _l("Sign-out"),
    "auth.password_change": _l("Own password changed"),
    "account.create": _l("Account created"),
    "account.update": _l("Account changed"),
    "account.deactivate": _l("Account deactivated"),
    "account.reactivate": _l("Account reactivated"),
    "account.password_reset": _l("Temporary password set"),
    "unit.create": _l("Unit created"),
    "unit.update": _l("Unit changed"),
    "access.denied": _l("Access refused"),
}

OBJECT_TYPE_LABELS = {
    "account": _l("Account"),
    "unit": _l("Unit"),
    "endpoint": _l("Page"),
}

# actor_label values written by the system rather than typed by a person.
SYSTEM_ACTOR_LABELS = {
    "command line": _l("command line"),
}
