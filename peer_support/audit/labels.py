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
    "peers.profile_create": _l("Peer worker profile opened"),
    "peers.profile_update": _l("Peer worker profile changed"),
    "peers.experience_update": _l("Shared lived experience changed"),
    "peers.presence_add": _l("Presence time added"),
    "peers.presence_remove": _l("Presence time removed"),
    "peers.absence_add": _l("Absence added"),
    "peers.absence_remove": _l("Absence removed"),
    "peers.domain_create": _l("Lived-experience domain created"),
    "peers.domain_update": _l("Lived-experience domain changed"),
    "peers.roster_export": _l("Roster exported"),
    "training.programme_create": _l("Training programme created"),
    "training.programme_update": _l("Training programme changed"),
    "training.record_create": _l("Training recorded"),
    "training.record_update": _l("Training record changed"),
    "training.record_delete": _l("Training record deleted"),
    "training.certificate_upload": _l("Certificate uploaded"),
    "training.certificate_download": _l("Certificate downloaded"),
    "training.requirements_update": _l("Programme requirements changed"),
    "supervision.create": _l("Supervision session recorded"),
    "supervision.update": _l("Supervision session changed"),
    "debrief.request": _l("Debrief requested"),
    "debrief.status": _l("Debrief request updated"),
    "debrief.view": _l("Debrief request read"),
}

OBJECT_TYPE_LABELS = {
    "account": _l("Account"),
    "unit": _l("Unit"),
    "endpoint": _l("Page"),
    "peer_profile": _l("Peer worker profile"),
    "lived_experience_domain": _l("Lived-experience domain"),
    "training_programme": _l("Training programme"),
    "training_record": _l("Training record"),
    "programme_requirements": _l("Programme requirements"),
    "supervision_session": _l("Supervision session"),
    "debrief_request": _l("Debrief request"),
}

# actor_label values written by the system rather than typed by a person.
SYSTEM_ACTOR_LABELS = {
    "command line": _l("command line"),
}
