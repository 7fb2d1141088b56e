"""Rules 6 and 7 in time travel: the peer worker's own frame (supervision every N weeks, debriefs asked
after a hard event, renewable training). The situation is set, evaluations run at chosen instants, and
exactly the nudges due exist (rule, subject, period, audience), with the figures their explanation needs."""
import json
from datetime import date, timedelta

import pytest
from flask_babel import force_locale

from peer_support.extensions import db
from peer_support.nudges.labels import explain
from peer_support.nudges.models import Nudge
from peer_support.supervision.services import supervision_status
from peer_support.training.models import ProgrammeRequirements
from peer_support.training.status import training_status
from tests.nudges.conftest import (active_keys, completed, debrief_at, evaluate_at, keys, nudges, paris, renewable,
                                   set_threshold, supervision_session)

PROFILE_CREATED = paris(2026, 3, 1)


@pytest.fixture
def supervisor(make_account):
    return make_account("staff")


@pytest.fixture
def supervised(make_profile, supervisor, cl3r):
    """An active worker of CL3R since 1 March 2026, supervised by `supervisor`."""
    return make_profile(units=[cl3r], supervisor=supervisor, created_at=PROFILE_CREATED)


def supervision_keys(profile, period: str, audiences=("worker", "supervisor")) -> set[tuple]:
    return {("supervision_overdue", "peer_profile", profile.id, period, audience) for audience in audiences}


def explained(nudge: Nudge) -> str:
    with force_locale("en"):
        return explain(nudge)


def set_interval(weeks: int) -> None:
    """The coordinator's requirement: one session every `weeks` weeks."""
    requirements = db.session.get(ProgrammeRequirements, 1)
    if requirements is None:
        requirements = ProgrammeRequirements(id=1)
        db.session.add(requirements)
    requirements.supervision_interval_weeks = weeks
    db.session.commit()


# --- Rule 6a: supervision overdue ----------------------------------------------------------------------------

def test_supervision_overdue_after_the_interval_from_the_last_session_then_resolved_by_the_next(
        app, supervised, supervisor):
    supervision_session([supervised], paris(2026, 3, 30, 14))
    # One session every 4 weeks (the default): due by 27 April, overdue from the 28th.
    assert evaluate_at(paris(2026, 4, 27, 23, 59)) == []
    created = evaluate_at(paris(2026, 4, 28, 0, 5))
    assert keys(created) == supervision_keys(supervised, "2026-04-27")
    worker_nudge, supervisor_nudge = sorted(nudges(Nudge.rule == "supervision_overdue"),
                                            key=lambda n: n.audience != "worker")
    assert (worker_nudge.account_id, supervisor_nudge.account_id) == (supervised.account_id, supervisor.id)
    for nudge in (worker_nudge, supervisor_nudge):
        assert (nudge.subject_id, nudge.peer_profile_id, nudge.unit_id, nudge.service_user_id, nudge.due_on) == (
            supervised.id, supervised.id, None, None, date(2026, 4, 27))
        assert nudge.details == {"last_session": "2026-03-30", "interval_weeks": 4, "days": 29}
    text = explained(worker_nudge)
    assert "Last supervision session on 30 March." in text and "That was 29 days ago." in text
    assert "a session every 4 weeks" in text
    # The supervision page says the same.
    status = supervision_status([supervised.id], date(2026, 4, 28))[supervised.id]
    assert status.overdue and status.due_on == date(2026, 4, 27)
    # Rerunning changes nothing.
    assert evaluate_at(paris(2026, 4, 29)) == []

    supervision_session([supervised], paris(2026, 5, 5, 14))
    evaluate_at(paris(2026, 5, 5, 18))
    assert active_keys("supervision_overdue") == set()
    assert {n.status for n in nudges(Nudge.rule == "supervision_overdue")} == {"resolved"}
    # The next occurrence: due by 2 June, a new period.
    assert evaluate_at(paris(2026, 6, 2, 22)) == []
    assert keys(evaluate_at(paris(2026, 6, 3, 8))) == supervision_keys(supervised, "2026-06-02")


def test_never_supervised_counts_from_the_profile_and_the_coordinators_interval_applies(app, supervised):
    set_interval(6)
    # Profile of 1 March, one session every 6 weeks: due by 12 April.
    assert evaluate_at(paris(2026, 4, 12, 20)) == []
    evaluate_at(paris(2026, 4, 13, 8))
    assert active_keys("supervision_overdue") == supervision_keys(supervised, "2026-04-12")
    [nudge, *_] = nudges(Nudge.rule == "supervision_overdue")
    assert nudge.details == {"last_session": None, "interval_weeks": 6, "days": 43}
    text = explained(nudge)
    assert "No supervision session recorded yet." in text and "a session every 6 weeks" in text
    assert "None" not in text


def test_a_session_recorded_ahead_of_time_does_not_count_yet(app, supervised):
    supervision_session([supervised], paris(2026, 3, 30, 14))
    supervision_session([supervised], paris(2026, 5, 12, 14))
    evaluate_at(paris(2026, 4, 28, 8))
    assert active_keys("supervision_overdue") == supervision_keys(supervised, "2026-04-27")
    # Once held (its day has come), it counts: the nudge resolves.
    evaluate_at(paris(2026, 5, 12, 18))
    assert active_keys("supervision_overdue") == set()


def test_a_worker_without_supervisor_gets_only_their_own_nudge(app, make_profile, cl3r):
    alone = make_profile(units=[cl3r], created_at=PROFILE_CREATED)
    evaluate_at(paris(2026, 4, 1, 8))
    assert active_keys("supervision_overdue") == supervision_keys(alone, "2026-03-29", ("worker",))


@pytest.mark.parametrize("status", ["on_leave", "left"])
def test_a_worker_on_leave_or_gone_gets_no_supervision_nudge(app, make_profile, supervisor, supervised, cl3r, status):
    away = make_profile(units=[cl3r], supervisor=supervisor, created_at=PROFILE_CREATED, status=status)
    evaluate_at(paris(2026, 4, 1, 8))
    assert active_keys("supervision_overdue") == supervision_keys(supervised, "2026-03-29")
    # The active worker going on leave (or leaving) resolves theirs too.
    db.session.get(type(supervised), supervised.id).status = status
    db.session.commit()
    evaluate_at(paris(2026, 4, 2, 8))
    assert active_keys("supervision_overdue") == set()
    assert not nudges(Nudge.peer_profile_id == away.id)


# --- Rule 6b: a debrief not scheduled ----------------------------------------------------------------------

def test_debrief_unscheduled_after_2_working_days_to_the_supervisor_and_the_coordination(app, supervised, supervisor):
    # Asked on Wednesday 29 April: 30 April and Monday 4 May are its two working days (1 May and the
    # weekend are not), so it is due on Tuesday 5 May.
    debrief = debrief_at(supervised, paris(2026, 4, 29, 16), event_kind="aggression")
    for moment in (paris(2026, 5, 1, 18), paris(2026, 5, 4, 23, 59)):
        evaluate_at(moment)
        assert active_keys("debrief_unscheduled") == set()
    created = evaluate_at(paris(2026, 5, 5, 0, 5))
    expected = {("debrief_unscheduled", "debrief_request", debrief.id, "2026-04-29", audience)
                for audience in ("coordination", "supervisor")}
    assert {k for k in keys(created) if k[0] == "debrief_unscheduled"} == expected
    stored = nudges(Nudge.rule == "debrief_unscheduled")
    assert {(n.audience, n.account_id) for n in stored} == {("coordination", None), ("supervisor", supervisor.id)}
    for nudge in stored:
        assert nudge.details == {"since": "2026-04-29", "threshold": 2, "days": 2}
        assert (nudge.peer_profile_id, nudge.due_on, nudge.service_user_id) == (supervised.id, date(2026, 5, 5), None)
        # Confidential: neither the kind of event nor the worker's words reach a nudge.
        text = json.dumps(nudge.details)
        assert "aggression" not in text and "Roche" not in text and "event" not in text
        assert "aggression" not in explained(nudge) and "Roche" not in explained(nudge)
    assert "Debrief asked for on 29 April, not scheduled yet." in explained(stored[0])

    # Scheduled: resolved; back to requested (the date fell through): raised again.
    debrief.status = "scheduled"
    db.session.commit()
    evaluate_at(paris(2026, 5, 5, 12))
    assert active_keys("debrief_unscheduled") == set()
    debrief.status = "requested"
    db.session.commit()
    evaluate_at(paris(2026, 5, 5, 13))
    assert active_keys("debrief_unscheduled") == expected


def test_debrief_of_a_worker_without_supervisor_goes_to_the_coordination_and_follows_its_threshold(
        app, make_profile, cl3r):
    alone = make_profile(units=[cl3r])
    set_threshold("debrief_unscheduled", 3)
    # Asked on Tuesday 28 April; three working days: 29 and 30 April, 4 May.
    debrief = debrief_at(alone, paris(2026, 4, 28, 16))
    evaluate_at(paris(2026, 5, 4, 8))
    assert active_keys("debrief_unscheduled") == set()
    evaluate_at(paris(2026, 5, 5, 8))
    assert active_keys("debrief_unscheduled") == {
        ("debrief_unscheduled", "debrief_request", debrief.id, "2026-04-28", "coordination")}
    # Scheduled or held debriefs are never nudged.
    debrief_at(alone, paris(2026, 4, 1), status="scheduled")
    debrief_at(alone, paris(2026, 4, 1), status="held")
    evaluate_at(paris(2026, 5, 5, 9))
    assert len(active_keys("debrief_unscheduled")) == 1


# --- Rule 7: renewable training ------------------------------------------------------------------------------

def training_keys(rule: str, record, period: str) -> set[tuple]:
    return {(rule, "training_record", record.id, period, audience) for audience in ("coordination", "worker")}


def test_training_renewal_window_opens_then_the_renewal_resolves_it(app, supervised):
    first_aid = renewable(notice=60, grace=30)
    record = completed(supervised, first_aid, date(2026, 6, 1))
    # 60 days before 1 June: the window opens on 2 April.
    evaluate_at(paris(2026, 4, 1, 23, 50))
    assert active_keys("training_renewal") == set()
    evaluate_at(paris(2026, 4, 2, 0, 5))
    assert active_keys("training_renewal") == training_keys("training_renewal", record, "2026-06-01")
    stored = nudges(Nudge.rule == "training_renewal")
    assert {(n.audience, n.account_id) for n in stored} == {("coordination", None), ("worker", supervised.account_id)}
    for nudge in stored:
        assert nudge.details == {"expires_on": "2026-06-01"}
        assert (nudge.due_on, nudge.peer_profile_id) == (date(2026, 4, 2), supervised.id)
    assert "Valid until 1 June: the time to plan the renewal has come." in explained(stored[0])

    # A renewal planned but not completed yet changes nothing; completed, it supersedes the old record.
    completed(supervised, first_aid, None, status="planned")
    evaluate_at(paris(2026, 4, 20))
    assert len(active_keys("training_renewal")) == 2
    renewal = completed(supervised, first_aid, date(2027, 4, 20))
    evaluate_at(paris(2026, 4, 21))
    assert active_keys("training_renewal") == set() and active_keys("training_expired") == set()
    assert {n.status for n in nudges(Nudge.rule == "training_renewal")} == {"resolved"}
    # The new record's own window, a year on.
    evaluate_at(paris(2027, 2, 20))
    assert active_keys("training_renewal") == training_keys("training_renewal", renewal, "2027-04-20")


def test_an_unrenewed_training_stays_due_through_its_grace_then_expires(app, supervised):
    qualification = renewable(kind="initial_qualification", notice=60, grace=30)
    record = completed(supervised, qualification, date(2026, 6, 1))
    evaluate_at(paris(2026, 4, 2))
    renewal_keys = training_keys("training_renewal", record, "2026-06-01")
    # From the expiry date, in grace (the training page says "renew it now"): still the renewal nudge.
    evaluate_at(paris(2026, 6, 30, 22))
    assert active_keys("training_renewal") == renewal_keys and active_keys("training_expired") == set()
    # 30 days after 1 June: expired.
    created = evaluate_at(paris(2026, 7, 1, 0, 5))
    assert keys(created) == training_keys("training_expired", record, "2026-06-01")
    assert active_keys("training_renewal") == set()
    stored = nudges(Nudge.rule == "training_expired")
    assert {(n.audience, n.account_id) for n in stored} == {("coordination", None), ("worker", supervised.account_id)}
    for nudge in stored:
        assert nudge.details == {"expires_on": "2026-06-01"}
        assert nudge.due_on == date(2026, 7, 1)
    assert "This qualification expired on 1 June." in explained(stored[0])
    # Renewed at last: resolved.
    completed(supervised, qualification, date(2027, 7, 10))
    evaluate_at(paris(2026, 7, 10, 18))
    assert active_keys("training_expired") == set()


@pytest.mark.parametrize("grace", [0, 30])
def test_the_nudges_and_the_training_page_agree_day_by_day(app, supervised, grace):
    programme = renewable(notice=10, grace=grace)
    completed(supervised, programme, date(2026, 6, 1))
    day = date(2026, 5, 20)
    while day <= date(2026, 6, 1) + timedelta(days=grace + 2):
        evaluate_at(paris(day.year, day.month, day.day, 12))
        status = training_status([supervised.id], day.year, day)[supervised.id]
        renewal, expired = active_keys("training_renewal"), active_keys("training_expired")
        assert bool(renewal) == bool(status.renewal_due or status.in_grace), day
        assert bool(expired) == bool(status.expired), day
        day += timedelta(days=1 if day < date(2026, 6, 3) else 7)


def test_no_training_nudge_for_what_never_expires_nor_for_a_worker_who_left(app, make_profile, supervised, cl3r):
    gone = make_profile(units=[cl3r], status="left")
    lifelong = renewable(validity_months=12)
    completed(supervised, lifelong, None)
    completed(gone, lifelong, date(2026, 3, 1))
    completed(gone, renewable(), date(2026, 6, 1))
    evaluate_at(paris(2026, 5, 4))
    assert active_keys("training_renewal") == set() and active_keys("training_expired") == set()


def test_each_worker_and_programme_counts_on_its_own(app, make_profile, supervised, cl3r):
    other = make_profile(units=[cl3r])
    first_aid, qualification = renewable(), renewable(kind="initial_qualification")
    mine = completed(supervised, first_aid, date(2026, 6, 1))
    # Another worker's renewal, or a renewal of another programme, does not renew mine.
    completed(other, first_aid, date(2027, 6, 1))
    completed(supervised, qualification, date(2027, 6, 1))
    # Two records with the same expiry: one nudge, for the later one.
    theirs = completed(other, qualification, date(2026, 3, 1))
    twin = completed(other, qualification, date(2026, 3, 1))
    evaluate_at(paris(2026, 5, 4))
    assert active_keys("training_renewal") == training_keys("training_renewal", mine, "2026-06-01")
    assert active_keys("training_expired") == training_keys("training_expired", twin, "2026-03-01")
    assert theirs.id < twin.id
