"""Dashboard figures of the programme's frame (issue 8): nudges by rule, supervision and training compliance,
the feedback forms' response rate and the average of each Likert question.

Each function takes Filters and returns a Table computed by aggregate SQL, in a constant number of statements
whatever the amount of data (tests/reports/test_metrics_frame.py counts them):

nudges_by_rule            1 statement  (nudges/measures.nudge_measures)
supervision_compliance    2 statements (the workers; supervision/services.supervision_status)
training_compliance       3 statements (the workers; the required hours; training/status.training_status)
feedback_response_rate    1 statement
likert_averages           2 statements (the forms' Likert questions; the answers' counts and sums)

The compliance figures are "as of" the period's last day (Filters.ends_on) and list the peer workers whose
profile is active now. Labels are resolved in the request's language when the function is called.
Percentages are given from 0 to 100 (one decimal).
"""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import format_date, format_decimal, get_locale, gettext, ngettext

from peer_support.auth.models import Account
from peer_support.extensions import db
from peer_support.feedback.labels import bilingual
from peer_support.feedback.models import (FeedbackAnswer, FeedbackForm, FeedbackInvitation, FeedbackResponse,
                                          FormQuestion, FormVersion)
from peer_support.nudges.labels import rule_title
from peer_support.nudges.measures import nudge_measures
from peer_support.peers.models import PeerProfile
from peer_support.reports.metrics_activity import period_months, stored_and_live
from peer_support.reports.models import LikertMonth
from peer_support.reports.snapshots import likert_answers, likert_months_withdrawn_since
from peer_support.reports.tables import Column, Filters, Table
from peer_support.supervision.services import supervision_status
from peer_support.timezones import start_of_local_day
from peer_support.training.models import ProgrammeRequirements
from peer_support.training.status import training_status
from peer_support.units.models import account_unit

# ProgrammeRequirements' default, used while the coordinator has not saved the requirements.
DEFAULT_REQUIRED_HOURS = 14


# --- Shared helpers ---------------------------------------------------------------------------------

def _period(filters: Filters) -> tuple:
    """The UTC moments bounding the period's local dates (both included): [start, end)."""
    if filters.starts_on > filters.ends_on:
        raise ValueError("the period ends before it starts")
    return start_of_local_day(filters.starts_on), start_of_local_day(filters.ends_on + timedelta(days=1))


def _day(day: date) -> str:
    return format_date(day, "long")


def percent(part: int | float, whole: int | float) -> float | None:
    """part / whole as a percentage with one decimal; None when the whole is 0 (no division by zero)."""
    return round(100.0 * part / whole, 1) if whole else None


def _percent_text(value: float | None) -> str:
    return "" if value is None else format_decimal(value, format="#,##0.#") + " %"


def _active_worker_ids(filters: Filters) -> sa.Select:
    """SQL: the ids of the peer workers whose profile is active, in the unit and the chosen worker."""
    query = sa.select(PeerProfile.id).where(PeerProfile.status == "active")
    if filters.unit_id is not None:
        query = query.where(sa.exists().where(account_unit.c.account_id == PeerProfile.account_id,
                                              account_unit.c.unit_id == filters.unit_id))
    if filters.peer_profile_id is not None:
        query = query.where(PeerProfile.id == filters.peer_profile_id)
    return query


def _active_workers(filters: Filters) -> list[tuple[int, str]]:
    """(profile id, name) of the peer workers of _active_worker_ids, by name."""
    return [(profile_id, name) for profile_id, name in db.session.execute(
        sa.select(PeerProfile.id, Account.name).join(Account, Account.id == PeerProfile.account_id)
        .where(PeerProfile.id.in_(_active_worker_ids(filters))).order_by(Account.name, PeerProfile.id))]


# --- Nudges by rule ---------------------------------------------------------------------------------

def nudges_by_rule(filters: Filters) -> Table:
    """Per rule, the nudges created in the period and what became of them (nudges/measures.nudge_measures)."""
    _period(filters)
    measures = nudge_measures(filters.starts_on, filters.ends_on, filters.unit_id,
                              peer_profile_id=filters.peer_profile_id)
    rows = tuple((rule_title(m.rule), m.created, m.acted_on, m.resolved, m.escalated, m.waiting,
                  m.median_hours_to_act) for m in measures)
    created = sum(m.created for m in measures)
    acted_on = sum(m.acted_on for m in measures)
    escalated = sum(m.escalated for m in measures)
    description = " ".join((
        gettext("Nudges created from %(start)s to %(end)s, rule by rule: how many were created, acted on by a "
                "person (marked done or dismissed), resolved by themselves (the situation ended), raised to the "
                "coordination, and still waiting; and the median time from creation to action, in hours.",
                start=_day(filters.starts_on), end=_day(filters.ends_on)),
        gettext("In all: %(created)d created, %(acted_on)d acted on, %(escalated)d raised to the coordination.",
                created=created, acted_on=acted_on, escalated=escalated),
    ))
    return Table(
        key="nudges_by_rule",
        title=gettext("Nudges by rule"),
        description=description,
        columns=(
            Column("rule", gettext("Rule"), "text"),
            Column("created", gettext("Created")),
            Column("acted_on", gettext("Acted on")),
            Column("resolved", gettext("Resolved by themselves")),
            Column("escalated", gettext("Raised to the coordination")),
            Column("waiting", gettext("Still waiting")),
            Column("median_hours_to_act", gettext("Median time to act (hours)"), "hours"),
        ),
        rows=rows,
        chart="bar",
        x="rule",
        series=("created", "acted_on", "escalated"),
        notes=(gettext("A snoozed nudge counts as waiting until someone marks it done or dismisses it."),
               gettext("With a unit or a peer worker chosen, only the nudges of that unit or about that worker "
                       "are counted (nudges without a unit count for the whole programme only).")),
    )


# --- Supervision compliance -------------------------------------------------------------------------

def supervision_compliance(filters: Filters) -> Table:
    """Per active peer worker, as of the period's last day: last supervision session, whether supervision is
    up to date against the programme's interval, and the days overdue (supervision/services.supervision_status)."""
    _period(filters)
    as_of = filters.ends_on
    # The statuses of the same workers, chosen in SQL (not as a list of ids); one activated between the two
    # statements (PostgreSQL) shows at the next view.
    statuses = supervision_status(_active_worker_ids(filters), as_of)
    workers = [(profile_id, name) for profile_id, name in _active_workers(filters) if profile_id in statuses]
    overdue, up_to_date = gettext("Overdue"), gettext("Up to date")
    rows = []
    for profile_id, name in workers:
        status = statuses[profile_id]
        rows.append((name, status.last_session_on, status.due_on, overdue if status.overdue else up_to_date,
                     (as_of - status.due_on).days if status.overdue else 0))
    workers_up_to_date = sum(1 for status in statuses.values() if not status.overdue)
    parts = [gettext("For each active peer worker, as of %(date)s: the last supervision session attended, the "
                     "last day by which the next one is due, whether supervision is up to date, and how many "
                     "days it is overdue.", date=_day(as_of))]
    if statuses:
        weeks = next(iter(statuses.values())).interval_weeks
        parts.append(ngettext("The programme asks for a session every %(num)d week.",
                              "The programme asks for a session every %(num)d weeks.", weeks))
        parts.append(gettext("%(up_to_date)d of %(workers)d peer workers are up to date (%(share)s).",
                             up_to_date=workers_up_to_date, workers=len(rows),
                             share=_percent_text(percent(workers_up_to_date, len(rows)))))
    else:
        parts.append(gettext("No active peer worker."))
    return Table(
        key="supervision_compliance",
        title=gettext("Supervision compliance"),
        description=" ".join(parts),
        columns=(
            Column("worker", gettext("Peer worker"), "text"),
            Column("last_session", gettext("Last session"), "date"),
            Column("due_on", gettext("Next session due by"), "date"),
            Column("status", gettext("Supervision"), "text"),
            Column("days_overdue", gettext("Days overdue"), "days"),
        ),
        rows=tuple(rows),
        chart="bar",
        x="worker",
        series=("days_overdue",),
        notes=(gettext("A worker never supervised is due one interval after their profile was created."),),
    )


# --- Training compliance ----------------------------------------------------------------------------

def training_compliance(filters: Filters) -> Table:
    """Per active peer worker: ongoing training hours in the year of the period's end against the hours a year
    required, initial qualification, renewable trainings to renew or expired (training/status.training_status)."""
    _period(filters)
    as_of = filters.ends_on
    required = db.session.scalar(sa.select(ProgrammeRequirements.ongoing_training_hours_per_year)
                                 .where(ProgrammeRequirements.id == 1))
    required = DEFAULT_REQUIRED_HOURS if required is None else required
    statuses = training_status(_active_worker_ids(filters), as_of.year, as_of)  # as supervision_compliance's
    workers = [(profile_id, name) for profile_id, name in _active_workers(filters) if profile_id in statuses]
    yes, no = gettext("Yes"), gettext("No")
    rows = []
    for profile_id, name in workers:
        status = statuses[profile_id]
        hours = float(status.ongoing_hours)
        rows.append((name, hours, float(required), round(max(required - hours, 0.0), 1),
                     yes if status.qualified else no, status.renewal_due + status.in_grace, status.expired))
    complete = sum(1 for row in rows if row[3] == 0)
    qualified = sum(1 for profile_id, _name in workers if statuses[profile_id].qualified)
    parts = [gettext("For each active peer worker: the hours of ongoing training completed in %(year)d (by "
                     "completion date) against the %(required)d hours a year the programme asks for; whether "
                     "they hold a valid initial qualification; and their renewable trainings to renew (renewal "
                     "window open, or in the grace period) or expired, as of %(date)s.",
                     year=as_of.year, required=required, date=_day(as_of))]
    if rows:
        parts.append(gettext("%(complete)d of %(workers)d peer workers have completed the required hours; "
                             "%(qualified)d hold a valid initial qualification.",
                             complete=complete, workers=len(rows), qualified=qualified))
    else:
        parts.append(gettext("No active peer worker."))
    return Table(
        key="training_compliance",
        title=gettext("Training compliance"),
        description=" ".join(parts),
        columns=(
            Column("worker", gettext("Peer worker"), "text"),
            Column("ongoing_hours", gettext("Ongoing training (hours)"), "hours"),
            Column("required_hours", gettext("Required (hours)"), "hours"),
            Column("hours_missing", gettext("Hours missing"), "hours"),
            Column("qualified", gettext("Initial qualification"), "text"),
            Column("to_renew", gettext("Trainings to renew")),
            Column("expired", gettext("Trainings expired")),
        ),
        rows=tuple(rows),
        chart="stacked_bar",
        x="worker",
        series=("ongoing_hours", "hours_missing"),
    )


# --- Feedback ---------------------------------------------------------------------------------------

def _locale() -> str:
    return str(get_locale())


def _feedback_note() -> str:
    return gettext("The unit and peer worker filters do not apply to feedback: answers may be anonymous, so "
                   "they are counted for the whole programme.")


def feedback_response_rate(filters: Filters) -> Table:
    """Per published form: invitations sent in the period (cancelled ones left out), answered so far, rate."""
    start, end = _period(filters)
    invitation = FeedbackInvitation
    published = FeedbackForm.published_at.is_not(None)
    # Counted per form first, from ix_feedback_invitation_form_sent alone, then joined to the forms: counting
    # through the outer join read the period's invitations at twice the cost (10 ms against 5 on the bench data).
    counts = (sa.select(invitation.form_id, sa.func.count().label("sent"),
                        sa.func.count(invitation.answered_at).label("answered"))
              .where(invitation.form_id.in_(sa.select(FeedbackForm.id).where(published)),
                     invitation.sent_at >= start, invitation.sent_at < end, invitation.cancelled_at.is_(None))
              .group_by(invitation.form_id).subquery("counts"))
    rows = db.session.execute(
        sa.select(FeedbackForm.id, FeedbackForm.title_fr, FeedbackForm.title_en,
                  sa.func.coalesce(counts.c.sent, 0).label("sent"),
                  sa.func.coalesce(counts.c.answered, 0).label("answered"))
        .outerjoin(counts, counts.c.form_id == FeedbackForm.id).where(published)).all()
    locale = _locale()
    lines = sorted(((bilingual(row, "title", locale), row.sent, row.answered, percent(row.answered, row.sent), row.id)
                    for row in rows), key=lambda line: (line[0].lower(), line[4]))
    sent = sum(line[1] for line in lines)
    answered = sum(line[2] for line in lines)
    description = " ".join((
        gettext("For each published feedback form: the invitations sent from %(start)s to %(end)s (cancelled "
                "ones left out), how many of them have been answered so far, and the response rate (answered "
                "over sent).", start=_day(filters.starts_on), end=_day(filters.ends_on)),
        gettext("In all: %(answered)d of %(sent)d invitations answered (%(rate)s).", answered=answered, sent=sent,
                rate=_percent_text(percent(answered, sent))) if sent else gettext("No invitation was sent."),
    ))
    return Table(
        key="feedback_response_rate",
        title=gettext("Feedback response rate"),
        description=description,
        columns=(
            Column("form", gettext("Form"), "text"),
            Column("sent", gettext("Invitations sent")),
            Column("answered", gettext("Answered")),
            Column("rate", gettext("Response rate"), "percent"),
        ),
        rows=tuple(line[:4] for line in lines),
        chart="bar",
        x="form",
        series=("rate",),
        notes=(_feedback_note(),),
    )


def _likert_figures(filters: Filters) -> tuple[dict[tuple[int, str], tuple[int, int]], set]:
    """(form id, question key) -> (answers, sum) over the period, and the months read from the nightly
    likert_month (the others, and any holding an answer whose consent was withdrawn since, counted live)."""
    months = period_months(filters)
    stored, live = stored_and_live(filters, months)
    recount = likert_months_withdrawn_since(stored)
    stored = set(stored) - recount
    live += [(month.first_day, month.start, month.end) for month in months if month.first_day in recount]
    submitted = FeedbackResponse.submitted_at
    answers, total = sa.func.count().label("answers"), sa.func.sum(FeedbackAnswer.number_value).label("total")
    parts = []
    if stored:
        parts.append(sa.select(LikertMonth.form_id, LikertMonth.question_key.label("key"), LikertMonth.answers,
                               LikertMonth.total).where(LikertMonth.month.in_(sorted(stored))))
    if live:
        parts.append(likert_answers(FeedbackResponse.form_id, FormQuestion.key, answers, total)
                     .where(sa.or_(*(sa.and_(submitted >= start, submitted < end) for _first, start, end in live)))
                     .group_by(FeedbackResponse.form_id, FormQuestion.key))
    union = sa.union_all(*parts).subquery("likert") if len(parts) > 1 else parts[0].subquery("likert")
    rows = db.session.execute(sa.select(union.c.form_id, union.c.key, sa.func.sum(union.c.answers),
                                        sa.func.sum(union.c.total))
                              .group_by(union.c.form_id, union.c.key))
    return {(form_id, key): (int(count or 0), int(sum_ or 0)) for form_id, key, count, sum_ in rows}, stored


def likert_averages(filters: Filters) -> Table:
    """Per Likert question of the published forms (by form and question key): the answers given in the period
    and their average from 1 to 5, counting the answers the care team may read (as feedback/results.py does)."""
    questions = db.session.execute(
        sa.select(FeedbackForm.id.label("form_id"), FeedbackForm.title_fr, FeedbackForm.title_en,
                  FormVersion.number, FormQuestion.key, FormQuestion.position, FormQuestion.text_fr,
                  FormQuestion.text_en)
        .join(FormVersion, FormVersion.form_id == FeedbackForm.id)
        .join(FormQuestion, FormQuestion.version_id == FormVersion.id)
        .where(FeedbackForm.published_at.is_not(None), FormVersion.published_at.is_not(None),
               FormQuestion.kind == "likert")).all()
    figures, stored = _likert_figures(filters)
    # Each question's text comes from the newest published version that has its key, as in results.py.
    newest = {}
    for row in questions:
        known = newest.get((row.form_id, row.key))
        if known is None or row.number > known.number:
            newest[(row.form_id, row.key)] = row
    locale = _locale()
    lines = []
    for (form_id, key), row in newest.items():
        count, total = figures.get((form_id, key), (0, 0))
        average = round(total / count, 2) if count else None
        lines.append(((bilingual(row, "title", locale).lower(), form_id, -row.number, row.position),
                      (bilingual(row, "title", locale), bilingual(row, "text", locale), count, average)))
    lines.sort(key=lambda line: line[0])
    answers = sum(line[1][2] for line in lines)
    description = " ".join((
        gettext("For each question on a scale from 1 to 5 in the published feedback forms: the answers given "
                "from %(start)s to %(end)s and their average (1 is the scale's lowest end, 5 its highest).",
                start=_day(filters.starts_on), end=_day(filters.ends_on)),
        gettext("Answers whose research consent was withdrawn without keeping them for care use are left out."),
        ngettext("%(num)d answer in all.", "%(num)d answers in all.", answers),
    ))
    return Table(
        key="likert_averages",
        title=gettext("Average of each scale question"),
        description=description,
        columns=(
            Column("form", gettext("Form"), "text"),
            Column("question", gettext("Question"), "text"),
            Column("answers", gettext("Answers")),
            Column("average", gettext("Average (1 to 5)"), "number"),
        ),
        rows=tuple(line[1] for line in lines),
        chart="bar",
        x="question",
        series=("average",),
        notes=(_feedback_note(),) + ((gettext(
            "Past months are read from a snapshot computed every night (the last three months are recomputed "
            "each night), and the current month is counted as of the end of yesterday: an answer given today "
            "shows tomorrow."),) if stored else ()),
    )
