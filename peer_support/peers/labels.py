"""How peer-worker vocabulary is named on screen."""
from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "active": _l("Active"),
    "on_leave": _l("On leave"),
    "left": _l("Has left the programme"),
}

FORMAT_LABELS = {
    "individual": _l("Individual meeting"),
    "group": _l("Group session"),
    "informal": _l("Informal talk (a coffee, a corridor)"),
    "phone": _l("Phone call"),
    "video": _l("Video call"),
    "outing": _l("Outing or accompaniment"),
}

ABSENCE_LABELS = {
    "leave": _l("Leave"),
    "training": _l("Training"),
    "sick": _l("Sick leave"),
    "other": _l("Other absence"),
}

EXPERIENCE_LABELS = {
    "none": _l("Not part of my experience"),
    "private": _l("Part of my experience, kept to myself"),
    "shared": _l("Part of my experience, may be used to match me with people"),
}

# Languages a peer worker may speak with the people they accompany (ISO 639-1 codes).
LANGUAGE_CODES = ("fr", "en", "ar", "es", "pt", "it", "de", "tr", "ru", "ro", "pl", "zh", "vi", "wo", "ln",
                  "kab", "uk", "fa", "ta", "sq")


def language_name(code: str) -> str:
    """The language's name in the reader's language (Babel's CLDR data)."""
    name = Locale.parse(code).get_display_name(get_locale()) or code
    return name[:1].upper() + name[1:]


def weekday_name(weekday: int) -> str:
    """Monday is 0, as date.weekday()."""
    names = get_locale().days["format"]["wide"]
    name = names[weekday]
    return name[:1].upper() + name[1:]
