"""How roles, professions and signed-in devices are named on screen."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from ua_parser import parse

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


def device_name(user_agent: str | None) -> str:
    """A browser as people recognise it ("Firefox on Windows", "Mobile Safari on iOS, iPhone")."""
    parsed = parse(user_agent or "")
    browser = parsed.user_agent.family if parsed.user_agent and parsed.user_agent.family != "Other" else None
    system = parsed.os.family if parsed.os and parsed.os.family != "Other" else None
    device = parsed.device.family if parsed.device and parsed.device.family not in ("Other", "Spider") else None
    if not browser:
        return _("Unknown device")
    name = _("%(browser)s on %(system)s", browser=browser, system=system) if system else browser
    return f"{name}, {device}" if device and device != system else name
