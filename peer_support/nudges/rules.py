"""The nudge rules: for each, which nudges are due as of `now`, found with ONE set-based SELECT.

Each rule function takes the evaluation's Context and returns the nudges due now, as plain dicts
(the engine inserts them in bulk, then resolves the rule's active nudges that are no longer due).
Python only loops over the rows the SELECT returned, to apply each unit's threshold and compute due
dates; it never issues a query per subject.

A nudge's key is (rule, subject_type, subject_id, period, audience). The period says which
occurrence of the situation it is about, so that a new occurrence gives a new nudge while the same
one, evaluated again, never does:

rule                 subject         period                          audience         due when (local dates)
contact_gap          referral        the due date                    worker           due date <= today, see below
first_meeting        referral        the date of acceptance          worker           accepted + N days <= today
triage_delay         referral        the date it was made            coordination     N full working days have passed
proposal_unanswered  referral        the date it was proposed        coordination,    N full working days have passed
                                                                     worker
contact_request      referral        the date of the request         worker (the      N full working days have passed
                     (source "self")                                 person's own)
hold_review          referral        the review date                 coordination     review date <= today
supervision_overdue  peer_profile    the due date (last session,     worker,          due date < today, see below
                     (active worker) else the profile's creation,    supervisor
                                     + the interval)                 (if any)
debrief_unscheduled  debrief_request the date it was asked for       coordination,    N full working days have passed
                     ("requested")                                   supervisor       (the programme's N: no unit)
                                                                     (if any)
training_renewal     training_record the expiry date                 coordination,    expiry - notice <= today and
                     (latest of its                                  worker           not past the grace period
                     programme)
training_expired     training_record the expiry date                 coordination,    expiry + grace <= today
                     (latest of its                                  worker
                     programme)
escalation           nudge           "once"                          coordination     see escalations()

contact_gap (rule 1): an active referral with a peer worker, at least one meeting of that worker held
with the person (who took part: enrolled or attended, as on the caseload page), and none of that
worker's meetings planned with them from now on. The due date follows the person's follow-up choice:
"contact me again" -> the follow-up date the worker set on the last meeting ("next meeting by"), else
the last meeting + contact_gap.contact_me_again days; "I will get in touch" -> the last meeting +
contact_gap.i_will_get_in_touch days (a gentle check-in); no choice -> + contact_gap.no_choice days.
A newer meeting moves the due date, hence the period: the old nudge resolves, a new one comes later.

supervision_overdue (rule 6a): the programme asks for one session every N weeks
(ProgrammeRequirements.supervision_interval_weeks, 4 while the coordinator has not saved the
requirements). The due date is the last session attended (up to today) + N weeks, or the profile's
creation + N weeks when there is none, and the worker is overdue from the day after: the same reckoning
as the supervision page (supervision.services.supervision_status). Only active workers (not on leave,
not left). A new session gives a new due date: the nudge resolves, a new one comes when that one passes.

training_renewal and training_expired (rule 7): the states of training/status.py (renewal_state
decides, so the nudge and the training pages agree). The latest completion of each renewable programme
of a worker who has not left counts; an older one was renewed and its nudges resolve. The renewal
nudge lasts from the notice before expiry through the grace period (the training page says "renew it
now" then too): it only resolves by itself when the training is renewed, or when training_expired
takes over once the grace period is over.

Thresholds come from thresholds.effective_thresholds: the referral's unit picks the unit's value,
else the programme's, else the default. Working-day thresholds skip weekends and French public
holidays (working_days.py). Nudge.details holds the figures the explanation needs (nudges/labels.py
reads them): threshold, days, last_meeting, follow_up_by, choice, since, accepted_on, review_on,
last_session, interval_weeks, expires_on, and for an escalation the rule and audience of the nudge
it raises. Never free text, nor the kind of a debrief's hard event (confidential).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from peer_support.extensions import db
from peer_support.meetings.models import TOOK_PART, Meeting, MeetingParticipant
from peer_support.nudges.models import Nudge
from peer_support.nudges.thresholds import effective_thresholds
from peer_support.nudges.working_days import due_after_working_days, full_working_days_between, working_days_before
from peer_support.peers.models import PeerProfile
from peer_support.people.models import ServiceUser
from peer_support.referrals.models import Referral
from peer_support.supervision.models import DebriefRequest, SupervisionSession, supervision_attendee
from peer_support.supervision.services import DEFAULT_INTERVAL_WEEKS
from peer_support.timezones import local_date, start_of_local_day
from peer_support.training.models import ProgrammeRequirements, TrainingProgramme, TrainingRecord
from peer_support.training.status import EXPIRED, IN_GRACE, RENEWAL_DUE, days_until, renewal_state
from peer_support.units.models import Unit

# The referrals a worker holds: the person's peer worker, for their contact requests.
ACCOMPANIED = ("accepted", "active")
CONTACT_GAP_THRESHOLDS = {
    "contact_me_again": "contact_gap.contact_me_again",
    "i_will_get_in_touch": "contact_gap.i_will_get_in_touch",
    None: "contact_gap.no_choice",
}
# Escalation raises the nudges a person should act on, not the coordination's own.
ESCALATED_AUDIENCES = ("worker", "supervisor")


@dataclass
class Context:
    """What every rule needs: the instant, today's local date and the thresholds in force."""

    now: datetime
    today: date
    thresholds: dict[tuple[str, int | None], int]
    _cutoffs: dict[tuple[str, int | None], date] = field(default_factory=dict)

    def days(self, name: str, unit_id: int | None) -> int:
        """The threshold for a unit (a unit without its own value, or no unit, gets the programme's)."""
        return self.thresholds.get((name, unit_id), self.thresholds[(name, None)])

    def smallest(self, name: str) -> int:
        """The smallest value in force anywhere: the SQL's bound, before each unit's own is applied."""
        return min(days for (key, _unit), days in self.thresholds.items() if key == name)

    def cutoff(self, name: str, unit_id: int | None) -> date:
        """The latest start date that has had the unit's N full working days by today."""
        key = (name, self.days(name, unit_id))
        if key not in self._cutoffs:
            self._cutoffs[key] = working_days_before(self.today, key[1])
        return self._cutoffs[key]

    def latest_cutoff_moment(self, name: str) -> datetime:
        """The moment before which anything may be overdue in some unit (the local day after the latest cutoff)."""
        return start_of_local_day(working_days_before(self.today, self.smallest(name)) + timedelta(days=1))


def context(now: datetime) -> Context:
    """The thresholds of the programme and of every unit, read once for the whole evaluation."""
    unit_ids = list(db.session.scalars(sa.select(Unit.id)))
    return Context(now=now, today=local_date(now), thresholds=effective_thresholds(unit_ids))


def nudge_row(rule: str, subject_type: str, subject_id: int, period: str, audience: str, *, due_on: date,
              details: dict, account_id: int | None = None, unit_id: int | None = None,
              service_user_id: int | None = None, peer_profile_id: int | None = None) -> dict:
    """A nudge to create, as the engine inserts it (dates as ISO text: the rows travel as JSON)."""
    return {"rule": rule, "subject_type": subject_type, "subject_id": subject_id, "period": period,
            "audience": audience, "account_id": account_id, "unit_id": unit_id,
            "service_user_id": service_user_id, "peer_profile_id": peer_profile_id,
            "due_on": due_on.isoformat(), "details": details}


def _took_part_in(person_column, profile_column, *conditions):
    """EXISTS: a meeting of this worker that this person took part in, matching the conditions.

    Looked up from the person's few meetings (ix_meeting_participant_person). The "+ 0" keeps SQLite,
    which has no statistics, from walking instead every meeting of the worker since a date through
    ix_meeting_peer_starts: hundreds per referral on a large site, seconds per evaluation."""
    return sa.exists().where(MeetingParticipant.service_user_id == person_column,
                             MeetingParticipant.status.in_(TOOK_PART),
                             Meeting.id == MeetingParticipant.meeting_id,
                             Meeting.peer_profile_id + 0 == profile_column, *conditions)


# --- Rule 1 ---------------------------------------------------------------------------------------

def contact_gap(ctx: Context) -> list[dict]:
    """Active accompaniments whose last meeting is long enough ago, by the person's choice, and none planned."""
    planned = _took_part_in(Referral.service_user_id, Referral.peer_profile_id,
                            Meeting.status == "planned", Meeting.starts_at >= ctx.now)
    # The last meeting held, per referral: a correlated subquery over the person's few meetings, computed
    # only for the accompaniments with nothing planned (cheaper than ranking every meeting of every one).
    last_held = (sa.select(Meeting.id)
                 .join(MeetingParticipant, MeetingParticipant.meeting_id == Meeting.id)
                 .where(MeetingParticipant.service_user_id == Referral.service_user_id,
                        MeetingParticipant.status.in_(TOOK_PART),
                        Meeting.peer_profile_id + 0 == Referral.peer_profile_id,  # see _took_part_in
                        Meeting.status == "held")
                 .order_by(Meeting.starts_at.desc(), Meeting.id.desc()).limit(1)
                 .correlate(Referral).scalar_subquery())
    last = sa.orm.aliased(Meeting, name="last_meeting")
    rows = db.session.execute(
        sa.select(Referral.id, Referral.unit_id, Referral.service_user_id, Referral.peer_profile_id,
                  PeerProfile.account_id, ServiceUser.follow_up_choice, last.starts_at, last.follow_up_intention,
                  last.follow_up_by)
        .join(PeerProfile, PeerProfile.id == Referral.peer_profile_id)
        .join(ServiceUser, ServiceUser.id == Referral.service_user_id)
        .join(last, last.id == last_held)
        .where(Referral.status == "active", ~planned))
    due = []
    for row in rows:
        last_on = local_date(row.starts_at)
        choice = row.follow_up_choice if row.follow_up_choice in CONTACT_GAP_THRESHOLDS else None
        details = {"choice": choice, "last_meeting": last_on.isoformat(), "days": (ctx.today - last_on).days}
        if choice == "contact_me_again" and row.follow_up_intention == "next_meeting_by" and row.follow_up_by:
            # The worker said when they would get back in touch: that date is the frame.
            due_on = row.follow_up_by
            details["follow_up_by"] = due_on.isoformat()
        else:
            threshold = ctx.days(CONTACT_GAP_THRESHOLDS[choice], row.unit_id)
            due_on = last_on + timedelta(days=threshold)
            details["threshold"] = threshold
        if due_on > ctx.today:
            continue
        due.append(nudge_row("contact_gap", "referral", row.id, due_on.isoformat(), "worker", due_on=due_on,
                             details=details, account_id=row.account_id, unit_id=row.unit_id,
                             service_user_id=row.service_user_id, peer_profile_id=row.peer_profile_id))
    return due


# --- Rule 2 ---------------------------------------------------------------------------------------

def first_meeting(ctx: Context) -> list[dict]:
    """Accepted or active referrals with no meeting held with their worker since acceptance, N days on."""
    bound = start_of_local_day(ctx.today - timedelta(days=ctx.smallest("first_meeting") - 1))
    held_since = _took_part_in(Referral.service_user_id, Referral.peer_profile_id,
                               Meeting.status == "held", Meeting.starts_at >= Referral.accepted_at)
    rows = db.session.execute(
        sa.select(Referral.id, Referral.unit_id, Referral.service_user_id, Referral.peer_profile_id,
                  PeerProfile.account_id, Referral.accepted_at)
        .join(PeerProfile, PeerProfile.id == Referral.peer_profile_id)
        .where(Referral.status.in_(ACCOMPANIED), Referral.accepted_at.is_not(None), Referral.accepted_at < bound,
               Referral.service_user_id.is_not(None), ~held_since))
    due = []
    for row in rows:
        accepted_on = local_date(row.accepted_at)
        threshold = ctx.days("first_meeting", row.unit_id)
        due_on = accepted_on + timedelta(days=threshold)
        if due_on > ctx.today:
            continue
        due.append(nudge_row("first_meeting", "referral", row.id, accepted_on.isoformat(), "worker",
                             due_on=due_on, account_id=row.account_id, unit_id=row.unit_id,
                             service_user_id=row.service_user_id, peer_profile_id=row.peer_profile_id,
                             details={"accepted_on": accepted_on.isoformat(), "threshold": threshold,
                                      "days": (ctx.today - accepted_on).days}))
    return due


# --- Rules 3 and 4: waiting in the coordination's queue or the worker's ---------------------------

def _waiting(ctx: Context, name: str, row_unit_id: int | None, since_moment: datetime) -> tuple[date, dict] | None:
    """(due date, details) when something that began at `since_moment` has waited its N working days."""
    since = local_date(since_moment)
    if since > ctx.cutoff(name, row_unit_id):
        return None
    threshold = ctx.days(name, row_unit_id)
    return due_after_working_days(since, threshold), {
        "since": since.isoformat(), "threshold": threshold, "days": full_working_days_between(since, ctx.today)}


def triage_delay(ctx: Context) -> list[dict]:
    """New referrals (any source) not triaged within N working days: to the coordination."""
    rows = db.session.execute(
        sa.select(Referral.id, Referral.unit_id, Referral.service_user_id, Referral.peer_profile_id,
                  Referral.created_at)
        .where(Referral.status == "new", Referral.created_at < ctx.latest_cutoff_moment("triage_delay")))
    due = []
    for row in rows:
        waited = _waiting(ctx, "triage_delay", row.unit_id, row.created_at)
        if waited is None:
            continue
        due_on, details = waited
        due.append(nudge_row("triage_delay", "referral", row.id, details["since"], "coordination", due_on=due_on,
                             details=details, unit_id=row.unit_id, service_user_id=row.service_user_id,
                             peer_profile_id=row.peer_profile_id))
    return due


def proposal_unanswered(ctx: Context) -> list[dict]:
    """Proposals the worker has not answered within N working days: to the coordination and the worker."""
    rows = db.session.execute(
        sa.select(Referral.id, Referral.unit_id, Referral.service_user_id, Referral.peer_profile_id,
                  PeerProfile.account_id, Referral.status_changed_at)
        .outerjoin(PeerProfile, PeerProfile.id == Referral.peer_profile_id)
        .where(Referral.status == "proposed",
               Referral.status_changed_at < ctx.latest_cutoff_moment("proposal_unanswered")))
    due = []
    for row in rows:
        waited = _waiting(ctx, "proposal_unanswered", row.unit_id, row.status_changed_at)
        if waited is None:
            continue
        due_on, details = waited
        common = dict(due_on=due_on, details=details, unit_id=row.unit_id, service_user_id=row.service_user_id,
                      peer_profile_id=row.peer_profile_id)
        due.append(nudge_row("proposal_unanswered", "referral", row.id, details["since"], "coordination", **common))
        if row.account_id is not None:
            due.append(nudge_row("proposal_unanswered", "referral", row.id, details["since"], "worker",
                                 account_id=row.account_id, **common))
    return due


def contact_request(ctx: Context) -> list[dict]:
    """A person's own contact request still new after N working days: to the person's peer worker (an
    accepted or active referral), who knows them. "Then the coordinator": escalation raises it once if the
    worker does not act, and the coordination already has the request as a referral waiting for triage
    (rule 3a), so it is not told twice; a request from someone with no worker is rule 3a's alone."""
    held = sa.orm.aliased(Referral, name="accompaniment")
    rows = db.session.execute(
        sa.select(Referral.id, Referral.unit_id, Referral.service_user_id, Referral.created_at,
                  held.peer_profile_id.label("worker_profile_id"), PeerProfile.account_id)
        .join(held, sa.and_(held.service_user_id == Referral.service_user_id, held.id != Referral.id,
                            held.status.in_(ACCOMPANIED), held.peer_profile_id.is_not(None)))
        .join(PeerProfile, PeerProfile.id == held.peer_profile_id)
        .where(Referral.source == "self", Referral.status == "new",
               Referral.created_at < ctx.latest_cutoff_moment("contact_request"))
        # A person accompanied by two workers: the latest accompaniment's worker is told (as myspace routes it).
        .order_by(Referral.id, held.status_changed_at.desc(), held.id.desc()))
    due, seen = [], set()
    for row in rows:
        if row.id in seen:
            continue
        seen.add(row.id)
        waited = _waiting(ctx, "contact_request", row.unit_id, row.created_at)
        if waited is None:
            continue
        due_on, details = waited
        due.append(nudge_row("contact_request", "referral", row.id, details["since"], "worker",
                             account_id=row.account_id, peer_profile_id=row.worker_profile_id, due_on=due_on,
                             details=details, unit_id=row.unit_id, service_user_id=row.service_user_id))
    return due


# --- Rule 5 ---------------------------------------------------------------------------------------

def hold_review(ctx: Context) -> list[dict]:
    """On-hold referrals whose review date has come: to the coordination."""
    rows = db.session.execute(
        sa.select(Referral.id, Referral.unit_id, Referral.service_user_id, Referral.peer_profile_id,
                  Referral.review_on)
        .where(Referral.status == "on_hold", Referral.review_on <= ctx.today))
    return [nudge_row("hold_review", "referral", row.id, row.review_on.isoformat(), "coordination",
                      due_on=row.review_on, details={"review_on": row.review_on.isoformat()}, unit_id=row.unit_id,
                      service_user_id=row.service_user_id, peer_profile_id=row.peer_profile_id)
            for row in rows]


# --- Rule 6: the worker's own frame, supervision and debriefs -------------------------------------

def supervision_overdue(ctx: Context) -> list[dict]:
    """Active workers with no supervision session attended within the programme's interval (one session
    every N weeks, ProgrammeRequirements), counted from the last session, else from the profile's creation:
    to the worker and their supervisor. The same reckoning as the supervision page (supervision_status)."""
    interval = (sa.select(ProgrammeRequirements.supervision_interval_weeks)
                .where(ProgrammeRequirements.id == 1).scalar_subquery())
    # Sessions recorded ahead of time (later than today) do not count yet.
    counted = sa.and_(SupervisionSession.id == supervision_attendee.c.session_id,
                      SupervisionSession.held_at < start_of_local_day(ctx.today + timedelta(days=1)))
    rows = db.session.execute(
        sa.select(PeerProfile.id, PeerProfile.account_id, PeerProfile.supervisor_id, PeerProfile.created_at,
                  sa.func.max(SupervisionSession.held_at).label("last_held_at"),
                  sa.func.coalesce(interval, DEFAULT_INTERVAL_WEEKS).label("weeks"))
        .select_from(PeerProfile)
        .outerjoin(supervision_attendee, supervision_attendee.c.profile_id == PeerProfile.id)
        .outerjoin(SupervisionSession, counted)
        .where(PeerProfile.status == "active")
        .group_by(PeerProfile.id, PeerProfile.account_id, PeerProfile.supervisor_id, PeerProfile.created_at))
    due = []
    for row in rows:
        last_on = local_date(row.last_held_at) if row.last_held_at else None
        since = last_on or local_date(row.created_at)
        # The last day within the requirement: overdue from the day after, as the supervision page says.
        due_on = since + timedelta(weeks=row.weeks)
        if ctx.today <= due_on:
            continue
        common = dict(due_on=due_on, peer_profile_id=row.id,
                      details={"last_session": last_on.isoformat() if last_on else None,
                               "interval_weeks": row.weeks, "days": (ctx.today - since).days})
        due.append(nudge_row("supervision_overdue", "peer_profile", row.id, due_on.isoformat(), "worker",
                             account_id=row.account_id, **common))
        if row.supervisor_id is not None:
            due.append(nudge_row("supervision_overdue", "peer_profile", row.id, due_on.isoformat(), "supervisor",
                                 account_id=row.supervisor_id, **common))
    return due


def debrief_unscheduled(ctx: Context) -> list[dict]:
    """Debriefs asked for and still not scheduled after N working days: to the worker's supervisor and the
    coordination (the worker asked; they are not reminded of their own request). The programme's threshold
    applies: a debrief belongs to no unit. Neither the kind of event nor the worker's words go in details."""
    rows = db.session.execute(
        sa.select(DebriefRequest.id, DebriefRequest.profile_id, DebriefRequest.requested_at, PeerProfile.supervisor_id)
        .join(PeerProfile, PeerProfile.id == DebriefRequest.profile_id)
        .where(DebriefRequest.status == "requested",
               DebriefRequest.requested_at < start_of_local_day(ctx.cutoff("debrief_unscheduled", None)
                                                                + timedelta(days=1))))
    due = []
    for row in rows:
        waited = _waiting(ctx, "debrief_unscheduled", None, row.requested_at)
        if waited is None:
            continue
        due_on, details = waited
        common = dict(due_on=due_on, details=details, peer_profile_id=row.profile_id)
        due.append(nudge_row("debrief_unscheduled", "debrief_request", row.id, details["since"], "coordination",
                             **common))
        if row.supervisor_id is not None:
            due.append(nudge_row("debrief_unscheduled", "debrief_request", row.id, details["since"], "supervisor",
                                 account_id=row.supervisor_id, **common))
    return due


# --- Rule 7: renewable training, as the training pages reckon it (training/status.py) -------------

def _latest_renewable(ctx: Context, condition):
    """The latest completion of each renewable programme of each worker who has not left (an older one
    was renewed, as training_status counts them), whose days to expiry meet the condition."""
    record, later = TrainingRecord, sa.orm.aliased(TrainingRecord, name="later")
    renewed = sa.exists().where(later.profile_id == record.profile_id, later.programme_id == record.programme_id,
                                later.status == "completed", later.expires_on.is_not(None),
                                sa.or_(later.expires_on > record.expires_on,
                                       sa.and_(later.expires_on == record.expires_on, later.id > record.id)))
    days_left = days_until(record.expires_on, sa.literal(ctx.today, sa.Date()))
    return db.session.execute(
        sa.select(record.id, record.profile_id, record.expires_on, PeerProfile.account_id,
                  TrainingProgramme.renewal_notice_days, TrainingProgramme.grace_days)
        .join(TrainingProgramme, TrainingProgramme.id == record.programme_id)
        .join(PeerProfile, PeerProfile.id == record.profile_id)
        .where(record.status == "completed", record.expires_on.is_not(None), PeerProfile.status != "left",
               condition(days_left), ~renewed))


def _training_rows(rule: str, ctx: Context, condition, states: tuple[str, ...], due_on_of) -> list[dict]:
    due = []
    for row in _latest_renewable(ctx, condition):
        # The training page's own function has the last word, so the nudge and the page never disagree.
        if renewal_state(row.expires_on, notice_days=row.renewal_notice_days, grace_days=row.grace_days,
                         today=ctx.today) not in states:
            continue
        common = dict(due_on=due_on_of(row), peer_profile_id=row.profile_id,
                      details={"expires_on": row.expires_on.isoformat()})
        period = row.expires_on.isoformat()
        due.append(nudge_row(rule, "training_record", row.id, period, "coordination", **common))
        due.append(nudge_row(rule, "training_record", row.id, period, "worker", account_id=row.account_id, **common))
    return due


def training_renewal(ctx: Context) -> list[dict]:
    """A renewal window open (from the notice before expiry, through the grace period after it) and not
    renewed: to the worker and the coordination. Past the grace period, training_expired takes over."""
    return _training_rows("training_renewal", ctx,
                          lambda left: sa.and_(left <= TrainingProgramme.renewal_notice_days,
                                               left > -TrainingProgramme.grace_days),
                          (RENEWAL_DUE, IN_GRACE),
                          lambda row: row.expires_on - timedelta(days=row.renewal_notice_days))


def training_expired(ctx: Context) -> list[dict]:
    """A renewable qualification or training past its expiry and grace period, not renewed: to the worker
    and the coordination."""
    return _training_rows("training_expired", ctx, lambda left: left <= -TrainingProgramme.grace_days,
                          (EXPIRED,), lambda row: row.expires_on + timedelta(days=row.grace_days))


# --- Rule 8 ---------------------------------------------------------------------------------------

def escalations(ctx: Context) -> list[dict]:
    """Nudges to a worker or supervisor still open (not acted on) N days after they were raised, never
    escalated: one nudge to the coordination each, once.

    A snooze counts as acting while it lasts; once it ends, the N days count again from its last day,
    so a nudge snoozed for a week is not raised the very moment it comes back."""
    bound = ctx.now - timedelta(days=ctx.smallest("escalation"))
    rows = db.session.execute(
        sa.select(Nudge.id, Nudge.rule, Nudge.audience, Nudge.unit_id, Nudge.service_user_id,
                  Nudge.peer_profile_id, Nudge.created_at, Nudge.snoozed_until)
        .where(Nudge.audience.in_(ESCALATED_AUDIENCES), Nudge.status == "open", Nudge.escalated_at.is_(None),
               Nudge.created_at <= bound))
    due = []
    for row in rows:
        threshold = ctx.days("escalation", row.unit_id)
        since = row.created_at
        if row.snoozed_until is not None:
            since = max(since, start_of_local_day(row.snoozed_until))
        escalate_at = since + timedelta(days=threshold)
        if escalate_at > ctx.now:
            continue
        due.append(nudge_row("escalation", "nudge", row.id, "once", "coordination",
                             due_on=local_date(escalate_at), unit_id=row.unit_id,
                             service_user_id=row.service_user_id, peer_profile_id=row.peer_profile_id,
                             details={"rule": row.rule, "audience": row.audience, "threshold": threshold,
                                      "days": (ctx.now - since).days}))
    return due


# The rules evaluated in this order, each resolving its own nudges that are no longer due. Escalation
# (rule 8) comes after them all in the engine: it must not raise what this run just resolved.
RULES: tuple[tuple[str, Callable[[Context], list[dict]]], ...] = (
    ("contact_gap", contact_gap),
    ("first_meeting", first_meeting),
    ("triage_delay", triage_delay),
    ("proposal_unanswered", proposal_unanswered),
    ("contact_request", contact_request),
    ("hold_review", hold_review),
    ("supervision_overdue", supervision_overdue),
    ("debrief_unscheduled", debrief_unscheduled),
    ("training_renewal", training_renewal),
    ("training_expired", training_expired),
)
