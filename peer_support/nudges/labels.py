"""How nudges are named and explained on screen.

Each explanation is built from the figures the evaluation stored in Nudge.details (days, threshold,
last_meeting, choice ...). Any of them may be missing: a sentence whose figure is absent is left out.
The wording follows the person's own choice and states facts; it never scolds anyone.
"""
from __future__ import annotations

from datetime import date

from flask_babel import format_date, gettext, ngettext
from flask_babel import lazy_gettext as _l

RULE_TITLES = {
    "contact_gap": _l("Time to get back in touch"),
    "first_meeting": _l("First meeting not held yet"),
    "triage_delay": _l("Referral waiting for triage"),
    "proposal_unanswered": _l("Proposal waiting for an answer"),
    "contact_request": _l("Contact request waiting for an answer"),
    "hold_review": _l("On-hold referral to review"),
    "supervision_overdue": _l("Supervision session due"),
    "debrief_unscheduled": _l("Debrief to schedule"),
    "training_renewal": _l("Training to renew soon"),
    "training_expired": _l("Qualification expired"),
    "escalation": _l("Raised to the coordination"),
    "person_message": _l("Message to the person"),
}

STATUS_LABELS = {
    "open": _l("Waiting"),
    "snoozed": _l("Snoozed"),
    "done": _l("Done"),
    "dismissed": _l("Dismissed"),
    "resolved": _l("Resolved by itself"),
}

# What the list can show: each status, or everything.
STATUS_FILTER_LABELS = {**STATUS_LABELS, "all": _l("All nudges")}

AUDIENCE_LABELS = {
    "worker": _l("Peer worker"),
    "supervisor": _l("Supervisor"),
    "coordination": _l("Coordination"),
    "person": _l("The person themselves"),
}

# The coordinator's two views of the list.
SCOPE_LABELS = {
    "mine": _l("Mine and the coordination's"),
    "programme": _l("The whole programme"),
}

# The thresholds the coordinator sets (nudges/thresholds.py DEFAULTS), as the settings page names them.
THRESHOLD_LABELS = {
    "contact_gap.contact_me_again": _l("No meeting, the person asked to be contacted again"),
    "contact_gap.i_will_get_in_touch": _l("No meeting, the person will get in touch themselves (gentle check-in)"),
    "contact_gap.no_choice": _l("No meeting, no follow-up choice recorded"),
    "first_meeting": _l("First meeting after acceptance"),
    "triage_delay": _l("New referral not triaged"),
    "proposal_unanswered": _l("Proposal not answered by the peer worker"),
    "contact_request": _l("A person's contact request not answered"),
    "debrief_unscheduled": _l("Debrief request not scheduled"),
    "escalation": _l("Nudge not acted on, raised to the coordination"),
    "person_message": _l("No contact yet: message to the person, if they and their unit opted in"),
}

THRESHOLD_HELP = {
    "contact_gap.contact_me_again": _l("Days since the last meeting (or the date set in its follow-up intention)."),
    "contact_gap.i_will_get_in_touch": _l("Days since the last meeting; the choice stays the person's."),
    "contact_gap.no_choice": _l("Days since the last meeting."),
    "first_meeting": _l("Days from acceptance to the first meeting held."),
    "triage_delay": _l("Working days from the referral."),
    "proposal_unanswered": _l("Working days from the proposal."),
    "contact_request": _l("Working days from the request."),
    "debrief_unscheduled": _l("Working days from the request."),
    "escalation": _l("Days a nudge may wait before the coordination sees it too (once)."),
    "person_message": _l("Days the peer worker's reminder to get back in touch may wait before the person "
                         "receives a kind message, when they asked for one."),
}

# Rules whose thresholds count working days (weekends and French public holidays skipped).
WORKING_DAY_RULES = frozenset({"triage_delay", "proposal_unanswered", "contact_request", "debrief_unscheduled"})


def rule_title(rule: str) -> str:
    return str(RULE_TITLES.get(rule, rule))


def _day(value) -> date | None:
    """A date stored in details as ISO text (or a datetime's ISO text); None when absent or unreadable."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _number(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def show_date(day: date, reference: date | None = None) -> str:
    """3 November, or 3 November 2025 when the year differs from the reference (the nudge's due date)."""
    if reference is not None and day.year == reference.year:
        return format_date(day, "d MMMM")
    return format_date(day, "d MMMM y")


def days_phrase(days: int, working: bool) -> str:
    """10 days, 2 working days."""
    if working:
        return ngettext("%(num)d working day", "%(num)d working days", days)
    return ngettext("%(num)d day", "%(num)d days", days)


def _frame(days: int, working: bool) -> str:
    if working:
        return ngettext("The frame is %(num)d working day.", "The frame is %(num)d working days.", days)
    return ngettext("The frame is %(num)d day.", "The frame is %(num)d days.", days)


def _waited(days: int, working: bool) -> str:
    if working:
        return ngettext("It has waited %(num)d working day.", "It has waited %(num)d working days.", days)
    return ngettext("It has waited %(num)d day.", "It has waited %(num)d days.", days)


def explain(nudge, *, person_name: str | None = None, original=None) -> str:
    """The plain-language explanation of a nudge, from its rule and the figures in its details.

    `original` is the nudge an escalation points to, when loaded."""
    details = nudge.details if isinstance(nudge.details, dict) else {}
    reference = nudge.due_on
    name = person_name or gettext("The person")
    threshold = _number(details.get("threshold"))
    days = _number(details.get("days"))
    working = nudge.rule in WORKING_DAY_RULES

    def on(key):
        day = _day(details.get(key))
        return show_date(day, reference) if day else None

    parts: list[str] = []
    rule = nudge.rule
    if rule == "contact_gap":
        if on("last_meeting"):
            parts.append(gettext("Last meeting on %(date)s.", date=on("last_meeting")))
        elif on("since"):
            parts.append(gettext("No meeting since %(date)s.", date=on("since")))
        if days is not None:
            parts.append(ngettext("That was %(num)d day ago, and no meeting is planned.",
                                  "That was %(num)d days ago, and no meeting is planned.", days))
        if "choice" in details:
            choice = details.get("choice")
            if choice == "contact_me_again":
                parts.append(gettext("%(name)s asked to be contacted again after each meeting.", name=name))
            elif choice == "i_will_get_in_touch":
                parts.append(gettext("%(name)s prefers to get in touch themselves: this is only a gentle "
                                     "check-in, and whether to meet again stays their choice.", name=name))
            else:
                parts.append(gettext("%(name)s has not chosen yet how to be followed up; you could ask "
                                     "what they prefer.", name=name))
        if on("follow_up_by"):
            parts.append(gettext("The last meeting planned to get back in touch by %(date)s.",
                                 date=on("follow_up_by")))
        if threshold is not None:
            parts.append(_frame(threshold, False))
    elif rule == "first_meeting":
        if on("accepted_on"):
            parts.append(gettext("The accompaniment of %(name)s was accepted on %(date)s; no meeting has "
                                 "been held yet.", name=name, date=on("accepted_on")))
        else:
            parts.append(gettext("No meeting with %(name)s has been held yet.", name=name))
        if threshold is not None:
            parts.append(ngettext("Peer support matters most early in care: the frame is a first meeting "
                                  "within %(num)d day.",
                                  "Peer support matters most early in care: the frame is a first meeting "
                                  "within %(num)d days.", threshold))
    elif rule == "triage_delay":
        if on("since"):
            parts.append(gettext("Referral received on %(date)s.", date=on("since")))
        if days is not None:
            parts.append(_waited(days, working))
        if threshold is not None:
            parts.append(_frame(threshold, working))
    elif rule == "proposal_unanswered":
        if on("since"):
            parts.append(gettext("Proposed to the peer worker on %(date)s; no answer yet.", date=on("since")))
        if days is not None:
            parts.append(_waited(days, working))
        if threshold is not None:
            parts.append(_frame(threshold, working))
    elif rule == "contact_request":
        if on("since"):
            parts.append(gettext("%(name)s asked to be contacted on %(date)s.", name=name, date=on("since")))
        else:
            parts.append(gettext("%(name)s asked to be contacted.", name=name))
        if days is not None:
            parts.append(_waited(days, working))
        if threshold is not None:
            parts.append(_frame(threshold, working))
    elif rule == "hold_review":
        if on("review_on"):
            parts.append(gettext("On hold until %(date)s: the review date has come.", date=on("review_on")))
        else:
            parts.append(gettext("The review date has come."))
        parts.append(gettext("See whether the time is right to resume, or choose a new review date."))
    elif rule == "supervision_overdue":
        if on("last_session"):
            parts.append(gettext("Last supervision session on %(date)s.", date=on("last_session")))
            if days is not None:
                parts.append(ngettext("That was %(num)d day ago.", "That was %(num)d days ago.", days))
        elif "last_session" in details:
            parts.append(gettext("No supervision session recorded yet."))
        weeks = _number(details.get("interval_weeks"))
        if weeks is not None:
            parts.append(ngettext("The programme asks for a session every %(num)d week.",
                                  "The programme asks for a session every %(num)d weeks.", weeks))
    elif rule == "debrief_unscheduled":
        if on("since"):
            parts.append(gettext("Debrief asked for on %(date)s, not scheduled yet.", date=on("since")))
        if days is not None:
            parts.append(_waited(days, working))
        if threshold is not None:
            parts.append(_frame(threshold, working))
    elif rule == "training_renewal":
        expires = on("expires_on")
        if expires:
            parts.append(gettext("Valid until %(date)s: the time to plan the renewal has come.", date=expires))
        else:
            parts.append(gettext("The time to plan the renewal has come."))
    elif rule == "training_expired":
        expired = on("expires_on")
        if expired:
            parts.append(gettext("This qualification expired on %(date)s.", date=expired))
        else:
            parts.append(gettext("This qualification has expired."))
        parts.append(gettext("A renewal can be planned with the coordinator."))
    elif rule == "escalation":
        original_rule = original.rule if original is not None else details.get("rule")
        if original_rule in RULE_TITLES:
            parts.append(gettext("“%(title)s” is still waiting.", title=rule_title(original_rule)))
        waited = days if days is not None else threshold
        if waited is not None:
            parts.append(ngettext("Nobody has been able to act on it for %(num)d day, so the coordination "
                                  "sees it too (once).",
                                  "Nobody has been able to act on it for %(num)d days, so the coordination "
                                  "sees it too (once).", waited))
        else:
            parts.append(gettext("Nobody has been able to act on it yet, so the coordination sees it too (once)."))
    if not parts:
        parts.append(gettext("Due since %(date)s.", date=show_date(nudge.due_on)))
    return " ".join(parts)
