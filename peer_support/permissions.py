"""Every access rule of the application, as plain predicates, in one place.

Each endpoint is either public (PUBLIC_ENDPOINTS) or has a rule in
ENDPOINT_RULES; anything else is refused (deny by default), and a test fails
when an endpoint has neither. Object-level rules (can this person edit that
account?) are predicates too, called by the loaders in the views.
"""
from __future__ import annotations

from collections.abc import Callable


def is_signed_in(actor) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active)


def has_role(*roles: str) -> Callable[[object], bool]:
    def rule(actor) -> bool:
        return is_signed_in(actor) and actor.role in roles

    rule.__name__ = "has_role_" + "_or_".join(roles)
    return rule


is_coordinator = has_role("coordinator")


def can_manage_accounts(actor) -> bool:
    return is_coordinator(actor)


def can_edit_account(actor, account) -> bool:
    return can_manage_accounts(actor)


def can_deactivate_account(actor, account) -> bool:
    """Coordinators may deactivate anyone but themselves (no one locks themselves out)."""
    return can_manage_accounts(actor) and account.id != actor.id


def can_manage_units(actor) -> bool:
    return is_coordinator(actor)


def can_read_audit_log(actor) -> bool:
    return is_coordinator(actor)


# --- Peer workers (issue 3) -------------------------------------------------

def is_own_profile(actor, profile) -> bool:
    """The peer worker whose profile this is."""
    return is_signed_in(actor) and profile.account_id == actor.id


def supervises(actor, profile) -> bool:
    """The staff member designated as this worker's supervisor."""
    return is_signed_in(actor) and profile.supervisor_id is not None and profile.supervisor_id == actor.id


def can_view_peer_profile(actor, profile) -> bool:
    """The public profile (presentation, shared experience, presence times): the programme's professionals."""
    return has_role("coordinator", "staff", "peer_worker")(actor)


def can_view_peer_frame(actor, profile) -> bool:
    """Status, caseload, supervisor and the kind of each absence: the worker, their supervisor, the coordinator."""
    return is_coordinator(actor) or is_own_profile(actor, profile) or supervises(actor, profile)


def can_edit_peer_profile(actor, profile) -> bool:
    return is_coordinator(actor) or is_own_profile(actor, profile)


def can_manage_peer_frame(actor) -> bool:
    """Only the coordinator opens profiles and sets status, caseload and supervisor."""
    return is_coordinator(actor)


# --- Training (issue 3) -------------------------------------------------------

def can_manage_training(actor) -> bool:
    """The catalogue of programmes and the programme-level requirements: the coordinator."""
    return is_coordinator(actor)


def can_view_training(actor, profile) -> bool:
    """A worker's training records and certificates: the coordinator, the worker, their supervisor."""
    return is_coordinator(actor) or is_own_profile(actor, profile) or supervises(actor, profile)


def can_edit_training(actor, profile) -> bool:
    """Adding, changing, deleting a worker's records and certificates: the coordinator or the worker."""
    return is_coordinator(actor) or is_own_profile(actor, profile)


# Who may ever open a worker's training pages (the loaders then check the worker): supervisors are staff.
can_reach_worker_training = has_role("coordinator", "staff", "peer_worker")


# --- Supervision and debriefs (issue 3) --------------------------------------


# Who may ever reach the session list (it shows each role only its own sessions).
can_list_supervision = has_role("coordinator", "staff", "peer_worker")
# Who records sessions: the coordinator, or a member of staff leading them.
can_record_supervision = has_role("coordinator", "staff")
# Who may ever open a worker's supervision history (the loader then checks the worker).
can_reach_supervision_history = has_role("coordinator", "staff", "peer_worker")
# Who may ask for a debrief, and see their own requests.
can_request_debrief = has_role("peer_worker")


def leads_session(actor, session) -> bool:
    """The member of staff who supervises this session."""
    return is_signed_in(actor) and session.supervisor_id is not None and session.supervisor_id == actor.id


def attended_session(actor, session) -> bool:
    """A peer worker who attended this session (its attendees must be loaded)."""
    return (is_signed_in(actor) and actor.role == "peer_worker"
            and any(profile.account_id == actor.id for profile in session.attendees))


def can_view_session(actor, session) -> bool:
    return is_coordinator(actor) or leads_session(actor, session) or attended_session(actor, session)


def can_read_session_notes(actor, session) -> bool:
    """Topics and private notes: the supervisor and the attending workers only, never the coordinator as such."""
    return leads_session(actor, session) or attended_session(actor, session)


def can_edit_session(actor, session) -> bool:
    return is_coordinator(actor) or leads_session(actor, session)


def can_write_session_notes(actor, session) -> bool:
    return leads_session(actor, session)


def can_view_supervision_history(actor, profile) -> bool:
    """A worker's sessions and supervision status: the worker, their supervisor, the coordinator."""
    return is_coordinator(actor) or is_own_profile(actor, profile) or supervises(actor, profile)


def is_designated_supervisor(actor) -> bool:
    """A member of staff who supervises at least one peer worker (asks the database)."""
    if not has_role("staff")(actor):
        return False
    from peer_support.supervision.services import supervises_anyone

    return supervises_anyone(actor.id)


def can_list_debriefs(actor) -> bool:
    """The debrief requests to handle: the coordinator (all) and supervisors (their workers')."""
    return is_coordinator(actor) or is_designated_supervisor(actor)


def can_view_debrief(actor, debrief) -> bool:
    """Never other staff, service users, researchers or other peer workers (its profile must be loaded)."""
    return (is_coordinator(actor) or is_own_profile(actor, debrief.profile)
            or supervises(actor, debrief.profile))


def can_handle_debrief(actor, debrief) -> bool:
    """Changing the status (scheduled, held): the worker's supervisor or the coordinator."""
    return is_coordinator(actor) or supervises(actor, debrief.profile)


# --- Service users' records (issue 4) ----------------------------------------

# Who may ever reach the list of records and create one (the list shows each only what they may see).
can_list_people = has_role("coordinator", "staff")
can_create_person = has_role("coordinator", "staff")


def shares_a_unit_with_person(actor, person) -> bool:
    """The actor belongs to one of the person's units (the person's units must be loaded)."""
    if not is_signed_in(actor):
        return False
    from peer_support.people.services import account_unit_ids

    return bool(account_unit_ids(actor) & {unit.id for unit in person.units})


def has_referred_person(actor, person) -> bool:
    """The actor made a referral of this person (asks the database)."""
    if not is_signed_in(actor):
        return False
    from peer_support.referrals.services import has_referred

    return has_referred(actor.id, person.id)


def can_view_person(actor, person) -> bool:
    """The coordinator; staff of one of the person's units, or who referred them. Never researchers."""
    if is_coordinator(actor):
        return True
    return has_role("staff")(actor) and (shares_a_unit_with_person(actor, person)
                                         or has_referred_person(actor, person))


def can_edit_person(actor, person) -> bool:
    return can_view_person(actor, person)


def can_link_person_account(actor, person) -> bool:
    """Opening the person's own account: the coordinator, once."""
    return is_coordinator(actor) and person.account_id is None


# --- Referrals: intake by staff, "my referrals" (issue 4) ----------------------

# Who refers a person to a peer worker.
can_refer = has_role("coordinator", "staff")
# "My referrals": the referrals a member of staff made (status and dates, never meetings or notes).
can_list_own_referrals = has_role("staff")


def is_referrer(actor, referral) -> bool:
    """The person who made this referral."""
    return is_signed_in(actor) and referral.referred_by_id is not None and referral.referred_by_id == actor.id


def can_follow_referral(actor, referral) -> bool:
    """Its status and history: the referrer and the coordinator."""
    return is_coordinator(actor) or is_referrer(actor, referral)


def can_read_referral_reasons(actor, referral) -> bool:
    """Why a step was taken (e.g. a worker's reason to decline): the coordinator only."""
    return is_coordinator(actor)


# --- Triage, assignment, proposals to workers (issue 4) -------------------------

# The triage queue, a referral's triage page and every step but the worker's answer: the coordinator.
can_triage_referrals = is_coordinator
# The proposals page (it lists only the referrals proposed to the signed-in worker).
can_answer_proposals = has_role("peer_worker")


def is_proposed_worker(actor, referral) -> bool:
    """The peer worker a referral is proposed to or accepted by (its peer_profile must be loaded)."""
    return (has_role("peer_worker")(actor) and referral.peer_profile is not None
            and referral.peer_profile.account_id == actor.id)



# --- Information page and public contact requests (issue 4) -------------------

# The "What is a peer worker?" page and the contact form are public; only the coordinator edits the page.
can_edit_information_pages = is_coordinator

# Endpoints anyone may reach, signed in or not.
PUBLIC_ENDPOINTS = frozenset({
    "static",
    "bootstrap.static",
    "main.healthz",
    "main.set_language",
    "auth.login",
    # Information page and public contact requests (issue 4)
    "information.peer_worker",
    "information.contact",
    "information.contact_sent",
})

# Endpoint -> rule on the signed-in account.
ENDPOINT_RULES: dict[str, Callable[[object], bool]] = {
    "main.home": is_signed_in,
    "auth.logout": is_signed_in,
    "auth.settings": is_signed_in,
    "auth.change_password": is_signed_in,
    "accounts.index": can_manage_accounts,
    "accounts.create": can_manage_accounts,
    "accounts.edit": can_manage_accounts,
    "accounts.deactivate": can_manage_accounts,
    "accounts.reactivate": can_manage_accounts,
    "accounts.reset_password": can_manage_accounts,
    "units.index": can_manage_units,
    "units.create": can_manage_units,
    "units.edit": can_manage_units,
    "audit.index": can_read_audit_log,
    # Peer workers (object-level rules in the loaders: get_profile_or_404)
    "peers.index": has_role("coordinator", "staff", "peer_worker"),
    "peers.show": has_role("coordinator", "staff", "peer_worker"),
    "peers.mine": has_role("peer_worker"),
    "peers.create": can_manage_peer_frame,
    "peers.edit": has_role("coordinator", "peer_worker"),
    "peers.experience": has_role("peer_worker"),
    "peers.presence": has_role("coordinator", "peer_worker"),
    "peers.add_slot": has_role("coordinator", "peer_worker"),
    "peers.delete_slot": has_role("coordinator", "peer_worker"),
    "peers.add_absence": has_role("coordinator", "peer_worker"),
    "peers.delete_absence": has_role("coordinator", "peer_worker"),
    "peers.roster": is_coordinator,
    "peers.roster_csv": is_coordinator,
    "peers.domains": is_coordinator,
    "peers.create_domain": is_coordinator,
    "peers.edit_domain": is_coordinator,
    # Training (object-level rules in the loaders: get_profile_or_404, get_record_or_404)
    "training.index": can_manage_training,
    "training.create_programme": can_manage_training,
    "training.edit_programme": can_manage_training,
    "training.deactivate_programme": can_manage_training,
    "training.reactivate_programme": can_manage_training,
    "training.requirements": can_manage_training,
    "training.workers": can_manage_training,
    "training.mine": has_role("peer_worker"),
    "training.worker": can_reach_worker_training,
    "training.create_record": has_role("coordinator", "peer_worker"),
    "training.edit_record": has_role("coordinator", "peer_worker"),
    "training.delete_record": has_role("coordinator", "peer_worker"),
    "training.upload_certificate": has_role("coordinator", "peer_worker"),
    # Anyone signed in reaches it; whoever may not see the file gets 404, so its existence stays hidden.
    "training.download_certificate": is_signed_in,
    # Supervision and debriefs (object-level rules in the loaders; whoever may not see a
    # session or a request gets 404, so its existence stays hidden)
    "supervision.index": can_list_supervision,
    "supervision.create": can_record_supervision,
    "supervision.session": is_signed_in,
    "supervision.edit": can_record_supervision,
    "supervision.mine": has_role("peer_worker"),
    "supervision.worker": can_reach_supervision_history,
    "supervision.debriefs": can_list_debriefs,
    "supervision.my_debriefs": can_request_debrief,
    "supervision.new_debrief": can_request_debrief,
    "supervision.debrief": is_signed_in,
    "supervision.debrief_status": has_role("coordinator", "staff"),
    # Service users' records (object-level rules in the loader get_person_or_404: 404 when not allowed)
    "people.index": can_list_people,
    "people.create": can_create_person,
    "people.show": can_list_people,
    "people.edit": can_list_people,
    "people.create_account": is_coordinator,
    # Referrals by staff (object-level rules in get_referral_or_404: 404 when not allowed)
    "referrals.create": can_refer,
    "referrals.mine": can_list_own_referrals,
    "referrals.show": has_role("coordinator", "staff"),
    # Information page (issue 4)
    "information.edit_page": can_edit_information_pages,
    "information.restore_page": can_edit_information_pages,
    # Triage and proposals (issue 4; a worker reaches only referrals proposed to them, else 404)
    "triage.index": can_triage_referrals,
    "triage.show": can_triage_referrals,
    "triage.mark_triaged": can_triage_referrals,
    "triage.propose": can_triage_referrals,
    "triage.revoke": can_triage_referrals,
    "triage.hold": can_triage_referrals,
    "triage.resume": can_triage_referrals,
    "triage.start": can_triage_referrals,
    "triage.close": can_triage_referrals,
    "triage.proposals": can_answer_proposals,
    "triage.accept": can_answer_proposals,
    "triage.decline": can_answer_proposals,
    "triage.start_mine": can_answer_proposals,
}


def endpoint_rule(endpoint: str | None):
    """'public', a predicate, or None when the endpoint has no declared rule."""
    if endpoint in PUBLIC_ENDPOINTS:
        return "public"
    return ENDPOINT_RULES.get(endpoint)


def template_predicates() -> dict[str, Callable]:
    """The predicates templates may call, e.g. {% if can('can_manage_accounts') %}."""
    return {
        name: value for name, value in globals().items()
        if name.startswith(("can_", "is_")) and callable(value)
    }
