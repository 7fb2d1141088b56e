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


def can_view_peer_photo(actor, profile) -> bool:
    """The programme's professionals, and the service users this worker accompanies."""
    if can_view_peer_profile(actor, profile):
        return True
    if not has_role("service_user")(actor):
        return False
    from peer_support.myspace.services import is_accompanied_by

    return is_accompanied_by(actor, profile.id)


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
    # An anonymised record stays so: identifying data typed into it again would undo the erasure.
    return can_view_person(actor, person) and person.anonymised_at is None


def can_read_record_accesses(actor, person) -> bool:
    """Who saw a record: the coordinator (and the person, for their own, from My space)."""
    return is_coordinator(actor)


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

# --- Caseload: the people a worker accompanies (issue 4) -----------------------

def can_view_caseload(actor, profile) -> bool:
    """The worker's own caseload, and the coordinator's view of any worker's (never staff or supervisors)."""
    return is_coordinator(actor) or (has_role("peer_worker")(actor) and is_own_profile(actor, profile))


# --- The service user's own space, invitations, becoming a peer worker (issues 3 and 4) ---

# My space: a service_user account; the pages show only the record linked to it (never one chosen by id).
can_use_my_space = has_role("service_user")
# Following service users' wish to become peer workers (list, status, notes, linked programmes).
can_follow_peer_work_interests = is_coordinator


def can_invite_person(actor, person) -> bool:
    """Sending the person an e-mail link to create their own account: the coordinator, while they have none."""
    return is_coordinator(actor) and person.account_id is None and person.anonymised_at is None


def is_own_record(actor, person) -> bool:
    """The service user whose record this is (their account is linked to it)."""
    return (has_role("service_user")(actor) and person is not None and person.account_id is not None
            and person.account_id == actor.id)


def can_view_peer_work_interest(actor, interest) -> bool:
    """The coordinator, and the person themself (its service_user must be loaded). Nobody else."""
    return is_coordinator(actor) or is_own_record(actor, interest.service_user)


# --- Meetings (issue 5) -------------------------------------------------------

def leads_meeting(actor, meeting) -> bool:
    """The peer worker who leads this meeting (its peer_profile must be loaded)."""
    return (has_role("peer_worker")(actor) and meeting.peer_profile is not None
            and meeting.peer_profile.account_id == actor.id)


def co_facilitates_meeting(actor, meeting) -> bool:
    """A member of staff co-facilitating this meeting (its co_facilitators must be loaded)."""
    return has_role("staff")(actor) and any(account.id == actor.id for account in meeting.co_facilitators)


def can_view_meeting(actor, meeting) -> bool:
    """The meeting and its participants: its worker, its co-facilitators, the coordinator. Referrers see only
    dates, format and status on the referral page; service users use their own space; 404 for anyone else."""
    return is_coordinator(actor) or leads_meeting(actor, meeting) or co_facilitates_meeting(actor, meeting)


def can_read_meeting_notes(actor, meeting) -> bool:
    """Private notes: the peer worker who leads the meeting, nobody else (not the coordinator)."""
    return leads_meeting(actor, meeting)


def can_read_team_summary(actor, meeting) -> bool:
    """The summary for the care team: its worker; co-facilitators and the coordinator once the person agreed."""
    return leads_meeting(actor, meeting) or (
        bool(meeting.team_summary_agreed) and (is_coordinator(actor) or co_facilitates_meeting(actor, meeting)))


def can_change_meeting(actor, meeting) -> bool:
    """Changing, holding, cancelling, enrolling: the peer worker who leads it."""
    return leads_meeting(actor, meeting)


# Who may open a worker's list of meetings (the coordinator any worker's, a worker their own).
can_list_meetings = has_role("coordinator", "peer_worker")
# Who plans and logs meetings.
can_plan_meetings = has_role("peer_worker")
# The topic vocabulary.
can_manage_meeting_topics = is_coordinator


# --- Rooms and calendars (issue 5) ---------------------------------------------

# Rooms, their closures: the coordinator manages them.
can_manage_rooms = is_coordinator
# Finding a free room and a room's week: every professional who books rooms. Rooms are not health
# data, so each sees every unit's rooms; who booked a room is shown only as below.
can_find_rooms = has_role("coordinator", "staff", "peer_worker")
# The personal calendar feed: every role that takes part in meetings.
can_have_calendar_feed = has_role("peer_worker", "service_user", "staff")
# A worker's week: the coordinator any worker's, a worker their own (the loader checks which).
can_reach_worker_week = has_role("coordinator", "peer_worker")


def takes_part_in_meeting(actor, meeting) -> bool:
    """A service user enrolled in this meeting (its participants and their records must be loaded)."""
    return has_role("service_user")(actor) and any(
        p.service_user is not None and p.service_user.account_id == actor.id for p in meeting.participants)


def can_see_booking_details(actor, meeting) -> bool:
    """Who booked a room and for what (a room's week): the meeting's worker and the coordinator; others see
    "Booked" and the time (its peer_profile must be loaded)."""
    return is_coordinator(actor) or leads_meeting(actor, meeting)


def can_download_meeting_calendar(actor, meeting) -> bool:
    """A meeting's .ics file: its worker, its co-facilitators, the coordinator, the people enrolled."""
    return (is_coordinator(actor) or leads_meeting(actor, meeting) or co_facilitates_meeting(actor, meeting)
            or takes_part_in_meeting(actor, meeting))


def can_view_worker_week(actor, profile) -> bool:
    return is_coordinator(actor) or (has_role("peer_worker")(actor) and is_own_profile(actor, profile))


# --- Nudges: the notification centre and the rules' thresholds (issue 6) ----------

# Who receives nudges in the app and reaches the list (it shows each only what they may see).
can_receive_nudges = has_role("coordinator", "staff", "peer_worker")
# The thresholds of the rules, for the programme and per unit.
can_set_nudge_thresholds = is_coordinator


def can_act_on_nudge(actor, nudge) -> bool:
    """Done, snooze, dismiss: the account it is addressed to; any coordinator, for the coordination's
    nudges and, as the keeper of the programme's frame, for any nudge. Never service users or researchers."""
    if not can_receive_nudges(actor) or nudge.audience == "person":
        # A message to the person themselves is theirs (mailed to them), never acted on in the app.
        return False
    return is_coordinator(actor) or (nudge.account_id is not None and nudge.account_id == actor.id)


# Seeing a nudge (its person's name, its explanation) follows the same rule.
can_view_nudge = can_act_on_nudge


# --- People's rights: all of a person's data (issue 10) ----------------------------

def can_read_subject_data(actor, person) -> bool:
    """Everything the app holds about a person (page and JSON): the person themself, and the coordinator
    (a request received on paper). Never staff, peer workers (even their own), researchers or other people."""
    return is_coordinator(actor) or is_own_record(actor, person)


# --- Research: studies, consent, the researchers' pseudonymised view (issue 7) ----------------

# Studies and their consent texts: the coordinator and researchers.
can_manage_studies = has_role("coordinator", "researcher")
# The pseudonymised, masked answers of consenting participants, and hand redactions: researchers, and the
# coordinator who runs the programme (the same masked view, never names).
can_read_research_answers = has_role("coordinator", "researcher")
# The exports (CSV, data dictionary, .qdpx, participants): researchers, and the coordinator who runs the
# programme and answers for its data.
can_export_research = has_role("coordinator", "researcher")
# One's own research consents: everyone who may be asked to answer a form (never researchers as such).
can_manage_own_research_consent = has_role("coordinator", "staff", "peer_worker", "service_user")


def accompanies_person(actor, person) -> bool:
    """The peer worker who accompanies this person now (accepted or active referral; asks the database)."""
    if not has_role("peer_worker")(actor):
        return False
    from peer_support.research.studies import is_accompanied_by_account

    return is_accompanied_by_account(person.id, actor.id)


def can_record_paper_consent(actor, person) -> bool:
    """Consents and withdrawals given on paper: the coordinator, or the person's own peer worker."""
    if person is None or person.anonymised_at is not None:
        return False
    return is_coordinator(actor) or accompanies_person(actor, person)


# --- Feedback forms: the builder and the results summary (issue 7) -------------------------

# Building forms (settings, versions, questions, publishing, closing) and their results summary: the
# coordinator and researchers (the summary hides care-only forms from researchers: results.researchers_may_read).
can_build_feedback_forms = has_role("coordinator", "researcher")

# --- Feedback invitations and answering (issue 7) ----------------------------------------------

# Sending a questionnaire to chosen people or staff, from the form's invitations page: the coordinator.
can_send_feedback_forms = is_coordinator
# Answering signed in, and the list of one's own questionnaires: service users and staff (the loader finds only
# the account's own invitations: 404 for anyone else's). Anyone with the link answers at /feedback/answer/<token>.
can_answer_feedback_forms = has_role("service_user", "staff")


def can_invite_to_feedback(actor, person) -> bool:
    """Inviting a person to answer a questionnaire, seeing and cancelling their invitations, printing a link:
    the coordinator, or the peer worker accompanying them."""
    if person is None:
        return False
    return is_coordinator(actor) or accompanies_person(actor, person)


# Endpoints anyone may reach, signed in or not.
PUBLIC_ENDPOINTS = frozenset({
    "static",
    "bootstrap.static",
    "main.healthz",
    "main.set_language",
    "auth.login",
    # The code after the password (issue 10): the view checks this browser's pending sign-in
    "auth.second_factor",
    # Information page and public contact requests (issue 4)
    "information.peer_worker",
    "information.contact",
    "information.contact_sent",
    # Account invitation by e-mail link (issue 4): the token is the key; a bad one gets one neutral page
    "myspace.invitation",
    # Personal calendar feed (issue 5): calendar applications cannot sign in; the HMAC address is the key
    "calendars.feed",
    # Answering a questionnaire by its personal link (issue 7): the token is the key; a bad one gets one
    # neutral page; the thank-you page says nothing about anyone
    "feedback.answer",
    "feedback.answer_thanks",
})

# --- Dashboard and reports (issue 8) ------------------------------------------

# The programme's figures (every worker and unit): the coordination only.
can_view_programme_reports = is_coordinator
# A worker's own dashboard: the worker, or the coordinator choosing a worker (object rule below).
can_open_worker_figures = has_role("coordinator", "peer_worker")


def can_view_worker_figures(actor, profile) -> bool:
    """A worker's own figures: that worker and the coordinator; never another worker."""
    return is_coordinator(actor) or is_own_profile(actor, profile)


# Endpoint -> rule on the signed-in account.
ENDPOINT_RULES: dict[str, Callable[[object], bool]] = {
    "main.home": is_signed_in,
    "auth.logout": is_signed_in,
    "auth.settings": is_signed_in,
    # The e-mail choice for nudges (issue 6): only those who receive nudges
    "auth.nudge_mail": can_receive_nudges,
    "auth.change_password": is_signed_in,
    "auth.end_session": is_signed_in,
    # Two-factor sign-in (issue 10): each account manages its own
    "auth.two_factor_status": is_signed_in,
    "auth.two_factor_start": is_signed_in,
    "auth.two_factor_enrol": is_signed_in,
    "auth.two_factor_recovery_codes": is_signed_in,
    "auth.two_factor_off": is_signed_in,
    "accounts.index": can_manage_accounts,
    "accounts.create": can_manage_accounts,
    "accounts.edit": can_manage_accounts,
    "accounts.deactivate": can_manage_accounts,
    "accounts.reactivate": can_manage_accounts,
    "accounts.end_sessions": can_manage_accounts,
    "accounts.two_factor_reset": can_manage_accounts,
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
    "peers.activity_summary": has_role("coordinator", "staff", "peer_worker"),
    "peers.photo": has_role("coordinator", "staff", "peer_worker", "service_user"),
    "peers.edit_photo": has_role("coordinator", "peer_worker"),
    "peers.remove_photo": has_role("coordinator", "peer_worker"),
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
    "people.accesses": is_coordinator,
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
    # Account invitations by e-mail (issue 4; the loader get_person_or_404 hides records the actor may not see)
    "people.invite": is_coordinator,
    "people.revoke_invitation": is_coordinator,
    # My space (issue 4): each page works on the signed-in account's own record only
    "myspace.index": can_use_my_space,
    "myspace.accesses": can_use_my_space,
    "myspace.cancel_meeting": can_use_my_space,
    "myspace.ask_contact": can_use_my_space,
    "myspace.follow_up": can_use_my_space,
    "myspace.contact_messages": can_use_my_space,
    "myspace.peer_work": can_use_my_space,
    # Becoming a peer worker (issue 3): the coordinator; the person sees their own in My space
    "becoming.index": can_follow_peer_work_interests,
    "becoming.export": can_follow_peer_work_interests,
    "becoming.show": can_follow_peer_work_interests,
    "becoming.record": can_follow_peer_work_interests,
    # Caseload (issue 4; the view shows a worker only their own, the coordinator any worker's)
    "caseload.index": has_role("coordinator", "peer_worker"),
    # Meetings (issue 5; object-level rules in the loader get_meeting_or_404: 404 when not allowed)
    "meetings.index": can_list_meetings,
    "meetings.create": can_plan_meetings,
    "meetings.quick_log": can_plan_meetings,
    "meetings.show": has_role("coordinator", "staff", "peer_worker"),
    "meetings.edit": can_plan_meetings,
    "meetings.hold": can_plan_meetings,
    "meetings.cancel": can_plan_meetings,
    "meetings.missed": can_plan_meetings,
    "meetings.enrol": can_plan_meetings,
    "meetings.withdraw": can_plan_meetings,
    "meetings.topics": can_manage_meeting_topics,
    "meetings.create_topic": can_manage_meeting_topics,
    "meetings.edit_topic": can_manage_meeting_topics,
    "meetings.deactivate_topic": can_manage_meeting_topics,
    "meetings.reactivate_topic": can_manage_meeting_topics,
    # Rooms (issue 5): the coordinator manages; every professional finds a free room and sees a room's week
    "rooms.index": can_manage_rooms,
    "rooms.create": can_manage_rooms,
    "rooms.edit": can_manage_rooms,
    "rooms.deactivate": can_manage_rooms,
    "rooms.reactivate": can_manage_rooms,
    "rooms.closures": can_manage_rooms,
    "rooms.remove_closure": can_manage_rooms,
    "rooms.free": can_find_rooms,
    "rooms.week": can_find_rooms,
    # Calendars (issue 5; a meeting's .ics: loader get_meeting_for_calendar_or_404, 404 when not allowed;
    # a worker's week: loader get_worker_week_or_404, 404 for another worker)
    "calendars.meeting_ics": is_signed_in,
    "calendars.feed_settings": can_have_calendar_feed,
    "calendars.feed_enable": can_have_calendar_feed,
    "calendars.feed_rotate": can_have_calendar_feed,
    "calendars.feed_disable": can_have_calendar_feed,
    "calendars.feed_details": can_have_calendar_feed,
    "calendars.my_week": has_role("peer_worker"),
    "calendars.worker_week": can_reach_worker_week,
    # Nudges (issue 6; a nudge addressed to someone else gives 404 to a worker or a member of staff)
    "nudges.index": can_receive_nudges,
    "nudges.done": can_receive_nudges,
    "nudges.snooze": can_receive_nudges,
    "nudges.dismiss": can_receive_nudges,
    "nudges.settings": can_set_nudge_thresholds,
    # People's rights, all of a person's data (issue 10): the person their own (never chosen by id);
    # the coordinator any person's (loader get_subject_or_404)
    "privacy.my_data": can_use_my_space,
    "privacy.my_data_json": can_use_my_space,
    "privacy.person_data": is_coordinator,
    "privacy.person_data_json": is_coordinator,
    # Erasure, legal hold, retention and data-protection settings (issue 10): the coordinator
    "privacy.erase": is_coordinator,
    "privacy.legal_hold": is_coordinator,
    "privacy.lift_hold": is_coordinator,
    "privacy.settings": is_coordinator,
    "privacy.retention": is_coordinator,
    "privacy.run_retention_now": is_coordinator,
    # Feedback-form builder and results summary (issue 7)
    "feedback.forms": can_build_feedback_forms,
    "feedback.new_form": can_build_feedback_forms,
    "feedback.show_form": can_build_feedback_forms,
    "feedback.edit_form": can_build_feedback_forms,
    "feedback.publish_form": can_build_feedback_forms,
    "feedback.close_form": can_build_feedback_forms,
    "feedback.reopen_form": can_build_feedback_forms,
    "feedback.new_version": can_build_feedback_forms,
    "feedback.discard_version": can_build_feedback_forms,
    "feedback.new_question": can_build_feedback_forms,
    "feedback.edit_question": can_build_feedback_forms,
    "feedback.remove_question": can_build_feedback_forms,
    "feedback.move_question": can_build_feedback_forms,
    "feedback.results_page": can_build_feedback_forms,
    # Feedback invitations (issue 7; a person's page and the actions: loaders return 404 unless the coordinator
    # or the person's peer worker; staff invitations: the coordinator)
    "feedback.form_invitations": can_send_feedback_forms,
    "feedback.person_invitations": has_role("coordinator", "peer_worker"),
    "feedback.cancel_invitation": has_role("coordinator", "peer_worker"),
    "feedback.print_link": has_role("coordinator", "peer_worker"),
    "feedback.answer_mine": can_answer_feedback_forms,
    "feedback.to_answer": can_answer_feedback_forms,
    # Research (issue 7): studies and consent texts; one's own consents (the subject is always the signed-in
    # account or its own record, never an id); consents on paper (loader get_person_for_consents_or_404: 404
    # unless the coordinator or the person's peer worker); the researchers' pages (no person id in any URL)
    "research.studies_index": can_manage_studies,
    "research.create_study": can_manage_studies,
    "research.study": can_manage_studies,
    "research.edit_study": can_manage_studies,
    "research.new_consent_text": can_manage_studies,
    "research.consent_text": can_manage_studies,
    "research.publish_consent_text": can_manage_studies,
    "research.my_consents": can_manage_own_research_consent,
    "research.give_my_consent": can_manage_own_research_consent,
    "research.withdraw_my_consent": can_manage_own_research_consent,
    "research.person_consents": has_role("coordinator", "peer_worker"),
    "research.record_paper_consent": has_role("coordinator", "peer_worker"),
    "research.record_paper_withdrawal": has_role("coordinator", "peer_worker"),
    "research.responses": can_read_research_answers,
    "research.response": can_read_research_answers,
    # Research exports (issue 7; a care-only form gives 404: never exported)
    "research.export_form": can_export_research,
    "research.export_csv": can_export_research,
    "research.export_dictionary": can_export_research,
    "research.export_qdpx": can_export_research,
    "research.participants_csv": can_export_research,
    "research.participants": can_export_research,
    "research.redact": can_read_research_answers,
    "research.remove_redaction": can_read_research_answers,
    # Dashboard and reports (issue 8): aggregates of the whole programme for the coordination; a worker's own
    # figures (loader _worker_profile: 404 for another worker's); CSV and PDF downloads are audited
    "reports.dashboard": can_view_programme_reports,
    "reports.table_download": can_view_programme_reports,
    "reports.yearly": can_view_programme_reports,
    "reports.yearly_pdf": can_view_programme_reports,
    "reports.mine": can_open_worker_figures,
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
