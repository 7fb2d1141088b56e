"""How service-user vocabulary is named on screen."""
from flask_babel import lazy_gettext as _l

AGE_BAND_LABELS = {
    "18-25": _l("18 to 25"),
    "26-35": _l("26 to 35"),
    "36-50": _l("36 to 50"),
    "51-65": _l("51 to 65"),
    "66+": _l("66 and over"),
}

GENDER_LABELS = {
    "woman": _l("Woman"),
    "man": _l("Man"),
    "non_binary": _l("Non-binary"),
    "other": _l("Other"),
}

CONTACT_CHANNEL_LABELS = {
    "phone": _l("By phone"),
    "email": _l("By e-mail"),
    "secretary": _l("Through the unit's secretary"),
    "in_person": _l("In person, at the unit"),
}

FOLLOW_UP_LABELS = {
    "contact_me_again": _l("Contact me again after each meeting"),
    "i_will_get_in_touch": _l("I will get in touch myself"),
}
