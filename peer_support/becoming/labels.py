"""How the statuses of a wish to become a peer worker are named on screen."""
from flask_babel import lazy_gettext as _l

INTEREST_STATUS_LABELS = {
    "interested": _l("Interested"),
    "informed": _l("Informed"),
    "applied": _l("Applied"),
    "in_training": _l("In training"),
    "hired": _l("Hired"),
    "not_now": _l("Not now"),
}

# What each status means for the person, in their own space.
INTEREST_STATUS_EXPLANATIONS = {
    "interested": _l("Your wish is recorded. The coordinator will get in touch to tell you more."),
    "informed": _l("The coordinator has told you about the role and the trainings."),
    "applied": _l("You have applied to a training or a position."),
    "in_training": _l("You are in training."),
    "hired": _l("You work as a peer worker."),
    "not_now": _l("Not for now. You can say again at any time that you are interested."),
}
