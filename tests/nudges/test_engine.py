"""The evaluation as a whole: resolution, snoozes, escalation, idempotency, statement count, crashes and
two scheduler processes at once."""
import multiprocessing
import os
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from peer_support.extensions import db
from peer_support.meetings.models import Meeting
from peer_support.nudges import rules
from peer_support.nudges.engine import LOCK_NAME, evaluate, run_evaluation
from peer_support.nudges.models import JobLock, Nudge
from peer_support.referrals.models import Referral
from tests.helpers import counted_statements
from tests.nudges.conftest import (EVAL, active_keys, evaluate_at, keys, nudges, paris, person_choosing, referral_at,
                                   set_threshold)


@pytest.fixture
def gap(app, worker, held, cl3r):
    """An accompaniment ("contact me again") last met on Monday 2 March: a contact_gap nudge due 12 March."""
    person = person_choosing("contact_me_again", units=[cl3r])
    referral = referral_at(paris(2026, 2, 2), person, status="active", worker=worker, unit=cl3r)
    held(worker, person, paris(2026, 3, 2))
    return referral, person


def set_status(nudge_id: int, **values) -> None:
    db.session.execute(sa.update(Nudge).where(Nudge.id == nudge_id).values(**values))
    db.session.commit()


# --- Resolution ---------------------------------------------------------------------------------------

def test_a_planned_meeting_resolves_the_gap_and_its_cancellation_raises_it_again(app, worker, planned, gap):
    referral, person = gap
    key = ("contact_gap", "referral", referral.id, "2026-03-12", "worker")
    evaluate_at(paris(2026, 3, 12, 8))
    [nudge] = nudges()
    set_status(nudge.id, read_at=paris(2026, 3, 12, 9))
    meeting = planned(worker, person, paris(2026, 3, 16))
    resolved_at = paris(2026, 3, 13, 8)
    assert evaluate_at(resolved_at) == []
    [nudge] = nudges()
    assert (nudge.status, nudge.resolved_at) == ("resolved", resolved_at)
    # The meeting is cancelled: the same gap is due again, and comes back rather than being lost.
    meeting.status = "cancelled"
    db.session.commit()
    again = paris(2026, 3, 14, 8)
    assert keys(evaluate_at(again)) == {key}
    [nudge] = nudges()
    assert (nudge.status, nudge.resolved_at, nudge.read_at, nudge.created_at) == ("open", None, None, again)
    assert evaluate_at(paris(2026, 3, 14, 9)) == []


def test_a_newer_meeting_gives_a_new_period(app, worker, held, gap):
    referral, person = gap
    evaluate_at(paris(2026, 3, 13))
    held(worker, person, paris(2026, 3, 14))
    evaluate_at(paris(2026, 3, 15))
    assert active_keys() == set()
    evaluate_at(paris(2026, 3, 24))
    assert active_keys() == {("contact_gap", "referral", referral.id, "2026-03-24", "worker")}
    assert [(n.period, n.status) for n in nudges()] == [("2026-03-12", "resolved"), ("2026-03-24", "open")]


def test_what_a_person_acted_on_stays_as_they_left_it(app, gap):
    referral, _person = gap
    evaluate_at(paris(2026, 3, 12))
    [nudge] = nudges()
    set_status(nudge.id, status="dismissed", dismiss_reason="Vu en couloir")
    assert evaluate_at(paris(2026, 3, 13)) == []
    assert [(n.status, n.period) for n in nudges()] == [("dismissed", "2026-03-12")]


def test_referrals_moving_on_resolve_their_nudges(app, worker, cl3r):
    untriaged = referral_at(paris(2026, 4, 28), unit=cl3r)
    hold = referral_at(paris(2026, 3, 1), status="on_hold", unit=cl3r, review_on=date(2026, 5, 4))
    evaluate_at(EVAL)
    assert len(active_keys()) == 2
    db.session.get(Referral, untriaged.id).status = "triaged"
    db.session.get(Referral, hold.id).status = "triaged"
    db.session.commit()
    later = paris(2026, 5, 4, 15)
    evaluate_at(later)
    assert active_keys() == set()
    assert {(n.rule, n.status, n.resolved_at) for n in nudges()} == {("triage_delay", "resolved", later),
                                                                      ("hold_review", "resolved", later)}


# --- Snoozes and escalation -------------------------------------------------------------------------------

def test_a_snooze_ends_on_its_date(app, gap):
    evaluate_at(paris(2026, 3, 12))
    [nudge] = nudges()
    set_status(nudge.id, status="snoozed", snoozed_until=date(2026, 3, 20))
    evaluate_at(paris(2026, 3, 19, 23))
    assert nudges()[0].status == "snoozed"
    evaluate_at(paris(2026, 3, 20, 0, 30))
    assert nudges()[0].status == "open"


def test_a_nudge_not_acted_on_for_5_days_is_raised_to_the_coordination_once(app, worker, cl3r, gap):
    referral, person = gap
    raised = paris(2026, 3, 12, 8)
    evaluate_at(raised)
    [original] = nudges()
    assert evaluate_at(raised + timedelta(days=5, minutes=-1)) == []
    escalated = raised + timedelta(days=5)
    assert keys(evaluate_at(escalated)) == {("escalation", "nudge", original.id, "once", "coordination")}
    original, escalation = nudges()
    assert original.escalated_at == escalated and original.status == "open"
    assert (escalation.account_id, escalation.unit_id, escalation.service_user_id, escalation.peer_profile_id,
            escalation.due_on) == (None, cl3r.id, person.id, worker.id, date(2026, 3, 17))
    assert escalation.details == {"rule": "contact_gap", "audience": "worker", "threshold": 5, "days": 5}
    assert evaluate_at(escalated + timedelta(days=10)) == []
    assert len(nudges(Nudge.rule == "escalation")) == 1
    # The worker acts: the escalation has nothing left to raise.
    set_status(original.id, status="done")
    evaluate_at(escalated + timedelta(days=11))
    assert nudges(Nudge.rule == "escalation")[0].status == "resolved"


def test_the_coordinations_own_nudges_are_not_escalated(app, cl3r):
    referral_at(paris(2026, 4, 28), unit=cl3r)
    evaluate_at(EVAL)
    assert evaluate_at(EVAL + timedelta(days=30)) == []


def test_a_snoozed_nudge_is_not_escalated_while_the_snooze_lasts_nor_right_after(app, gap):
    evaluate_at(paris(2026, 3, 12, 8))
    [original] = nudges()
    set_status(original.id, status="snoozed", snoozed_until=date(2026, 3, 20))
    assert evaluate_at(paris(2026, 3, 19)) == []
    assert evaluate_at(paris(2026, 3, 20, 8)) == [] and nudges()[0].status == "open"
    # Five days from the end of the snooze (midnight, 20 March, in Paris).
    assert evaluate_at(paris(2026, 3, 24, 23, 59)) == []
    assert keys(evaluate_at(paris(2026, 3, 25, 0, 1))) == {("escalation", "nudge", original.id, "once",
                                                            "coordination")}


def test_escalation_threshold_of_a_unit(app, worker, held, cl3r, ts2a, gap):
    set_threshold("escalation", 2, unit=ts2a)
    person = person_choosing("contact_me_again")
    fast = referral_at(paris(2026, 2, 2), person, status="active", worker=worker, unit=ts2a)
    held(worker, person, paris(2026, 3, 2))
    evaluate_at(paris(2026, 3, 12, 8))
    escalations = evaluate_at(paris(2026, 3, 14, 8))
    fast_nudge = nudges(Nudge.subject_id == fast.id, Nudge.rule == "contact_gap")[0]
    assert keys(escalations) == {("escalation", "nudge", fast_nudge.id, "once", "coordination")}


# --- Idempotency and the statement count --------------------------------------------------------------------

def test_running_twice_creates_nothing_new(app, every_rule, frame_rules):
    expected = every_rule() | frame_rules()
    assert keys(evaluate_at(EVAL)) == expected
    assert evaluate_at(EVAL) == []
    assert evaluate_at(EVAL + timedelta(hours=2)) == []
    assert keys(nudges()) == expected and len(nudges()) == len(expected)


def _statements_of_two_evaluations() -> tuple[int, int, int]:
    """(statements of a first evaluation, of one six days later that escalates, nudges created)."""
    with counted_statements() as first:
        created = evaluate_at(EVAL)
    with counted_statements() as second:
        created += evaluate_at(EVAL + timedelta(days=6))
    return len(first), len(second), len(created)


def test_the_statement_count_does_not_depend_on_the_number_of_subjects(app, every_rule, frame_rules):
    every_rule(1)
    frame_rules(1)
    small = _statements_of_two_evaluations()
    db.session.execute(sa.delete(Nudge))
    db.session.commit()
    every_rule(9)
    frame_rules(9)
    large = _statements_of_two_evaluations()
    assert large[2] == 10 * small[2] > 0
    assert large[:2] == small[:2]
    # Per rule (11 with the person messages and escalation): SELECT, INSERT ... RETURNING, UPDATE resolving;
    # plus the units, the thresholds, the snoozes and escalation's two UPDATEs.
    assert small[0] <= 44


# --- Crashes and concurrency -------------------------------------------------------------------------------------

def _lock_holder() -> str | None:
    """Who holds the evaluation's lock now (the session's transaction ended, ready for run_evaluation)."""
    holder = db.session.scalar(sa.select(JobLock.holder).where(JobLock.name == LOCK_NAME))
    db.session.commit()
    return holder


def test_a_failure_mid_way_leaves_nothing_and_a_rerun_creates_everything(app, every_rule, monkeypatch):
    expected = every_rule()

    def broken(ctx):
        raise RuntimeError("database went away")

    monkeypatch.setattr(rules, "RULES", tuple((name, broken if name == "hold_review" else find)
                                              for name, find in rules.RULES))
    with pytest.raises(RuntimeError, match="went away"):
        run_evaluation(EVAL)
    assert nudges() == []
    db.session.commit()
    assert _lock_holder() is None  # released, not left to expire
    monkeypatch.undo()
    assert keys(run_evaluation(EVAL)) == expected
    assert keys(nudges()) == expected


def _killed_mid_way(now):
    """In a child process: take the lock, create some nudges, die before committing."""
    db.session.remove()

    def die(ctx):
        os._exit(3)

    rules.RULES = tuple((name, die if name == "contact_request" else find) for name, find in rules.RULES)
    run_evaluation(now)
    os._exit(0)  # not reached: the rule above kills the process


def test_a_process_killed_mid_way_leaves_nothing_and_its_lease_runs_out(app, every_rule):
    expected = every_rule()
    child = multiprocessing.get_context("fork").Process(target=_killed_mid_way, args=(EVAL,))
    child.start()
    child.join(60)
    assert child.exitcode == 3
    assert nudges() == []
    db.session.commit()
    assert _lock_holder() is not None
    assert run_evaluation(EVAL) is None  # the dead process's lease still runs
    db.session.execute(sa.update(JobLock).values(locked_until=EVAL - timedelta(minutes=1)))  # ... until it expires
    db.session.commit()
    assert keys(run_evaluation(EVAL)) == expected
    assert keys(nudges()) == expected and len(nudges()) == len(expected)


def _evaluate_in_child(barrier, results, now):
    db.session.remove()
    try:
        barrier.wait(30)
        created = run_evaluation(now)
        results.put(None if created is None else len(created))
    except BaseException as error:  # reported to the parent, which fails the test
        results.put(repr(error))
    finally:
        db.session.remove()


@pytest.mark.parametrize("round_", range(3))
def test_two_scheduler_processes_at_once_make_one_set_of_nudges(app, every_rule, round_):
    expected = every_rule(3)
    fork = multiprocessing.get_context("fork")
    barrier, results = fork.Barrier(2), fork.Queue()
    children = [fork.Process(target=_evaluate_in_child, args=(barrier, results, EVAL)) for _ in range(2)]
    for child in children:
        child.start()
    outcomes = [results.get(timeout=90) for _ in children]
    for child in children:
        child.join(30)
    assert all(o is None or isinstance(o, int) for o in outcomes), outcomes
    # One process created everything; the other found the lock taken (None) or nothing left to do (0).
    assert sorted(outcomes, key=lambda o: -1 if o is None else o) in ([None, len(expected)], [0, len(expected)])
    assert keys(nudges()) == expected and len(nudges()) == len(expected)
    assert _lock_holder() is None


def test_the_evaluation_must_not_start_inside_a_transaction(app, gap):
    db.session.scalar(sa.select(Meeting.id))
    with pytest.raises(RuntimeError, match="outside a transaction"):
        run_evaluation(EVAL)
    db.session.rollback()


def test_evaluate_refuses_a_naive_now(app):
    with pytest.raises(ValueError):
        evaluate(EVAL.replace(tzinfo=None))
