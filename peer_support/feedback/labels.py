"""How feedback-form vocabulary is named and explained on screen (codes stay in English)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "long_text": _l("Long free text"),
    "short_text": _l("Short text"),
    "likert": _l("Scale from 1 to 5"),
    "single_choice": _l("One choice"),
    "multiple_choice": _l("Several choices"),
    "yes_no": _l("Yes or no"),
}

AUDIENCE_LABELS = {
    "service_user": _l("Service users"),
    "staff": _l("Staff"),
}

PRIVACY_LABELS = {
    "anonymous": _l("Anonymous"),
    "pseudonymous": _l("Pseudonymous (research)"),
    "care_only": _l("Care only"),
}

# Said plainly on the form's settings and to the people who answer.
PRIVACY_EXPLANATIONS = {
    "anonymous": _l("No link to the person is kept: nobody, not even the team, can know who answered what."),
    "pseudonymous": _l("For research: the person must first consent; researchers see the answers under a "
                       "pseudonym, never the name. The form belongs to a study."),
    "care_only": _l("Seen by the care team only, to improve the accompaniment; never exported for research."),
}

STATUS_LABELS = {
    "draft": _l("Draft"),
    "published": _l("Published"),
    "closed": _l("Closed"),
}

TRIGGER_LABELS = {
    "manual": _l("By hand"),
    "after_meetings": _l("After the Nth held meeting"),
    "at_closing": _l("At the closing of the accompaniment"),
}

CHARACTERISTIC_LABELS = {
    "age_band": _l("Age band"),
    "profession": _l("Profession"),
    "years_of_experience": _l("Years of experience"),
    "gender": _l("Gender"),
}

YES_NO_LABELS = {1: _l("Yes"), 0: _l("No")}


def bilingual(obj, name: str, locale: str | None):
    """The French or English value of a bilingual attribute (`text` -> text_fr / text_en), French by default."""
    french = getattr(obj, f"{name}_fr")
    if locale == "en":
        return getattr(obj, f"{name}_en") or french
    return french or getattr(obj, f"{name}_en")


def option_label(option: dict, locale: str | None) -> str:
    """The label of one choice ({"code", "fr", "en"}) in the reader's language."""
    if locale == "en":
        return option.get("en") or option.get("fr") or option["code"]
    return option.get("fr") or option.get("en") or option["code"]

# The built-in templates (data in templates_builtin.py), as the list of forms offers them.
TEMPLATE_LABELS = {
    "post_meeting": _l("Short feedback after a meeting"),
    "end_of_accompaniment": _l("End-of-accompaniment questionnaire"),
    "staff_perception": _l("Staff perception of peer support"),
}

TEMPLATE_DESCRIPTIONS = {
    "post_meeting": _l("Felt understood, practical help, hope (scales from 1 to 5) and \"what would you "
                       "change?\". Anonymous."),
    "end_of_accompaniment": _l("What the person knew and expected, what the meetings brought, their limits, the "
                               "wish to become a peer worker; age band and gender. Follows the themes of a study "
                               "of service users."),
    "staff_perception": _l("Prior knowledge, expectations and needs, limits and brakes, what would help; "
                           "profession, age band, years of experience. For staff."),
}
