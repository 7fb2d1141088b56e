"""Each nudge rule in time travel: the situation is set, evaluations run at chosen instants, and exactly
the nudges due exist (rule, subject, period, audience), with the figures their explanation needs."""
from datetime import date, timedelta

import pytest

from peer_support.nudges.models import Nudge
from peer_support.nudges.working_days import (add_working_days, due_after_working_days, full_working_days_between,
                                              is_working_day, working_days_before)
from tests.nudges.conftest import (EVAL, active_keys, evaluate_at, nudges, paris, person_choosing, referral_at,
                                   set_threshold)

# --- Working days -----------------------------------------------------------------------------------


def test_weekends_and_french_public_holidays_are_not_working_days():
    assert not is_working_day(date(2026, 5, 1))    # Labour Day, a Friday
    assert not is_working_day(date(2026, 5, 14))   # Ascension, a Thursday
    assert not is_working_day(date(2026, 5, 25))   # Whit Monday
    assert not is_working_day(date(2026, 5, 9)) and not is_working_day(date(2026, 5, 10))  # a weekend
    assert is_working_day(date(2026, 5, 12)) and is_working_day(date(2026, 5, 15))
    # Good Friday and 26 December are holidays in Alsace-Moselle only, not nationally.
    assert is_working_day(date(2026, 4, 3)) and is_working_day(date(2025, 12, 26))


def test_cutoff_around_1_may():
    # By Monday 4 May, a referral of Tuesday 28 April has had two full working days (29 and 30 April);
    # one of Wednesday 29 April has had one (30 April): 1 May and the weekend do not count.
    assert working_days_before(date(2026, 5, 4), 2) == date(2026, 4, 28)
    assert working_days_before(date(2026, 5, 5), 2) == date(2026, 4, 29)
    assert add_working_days(date(2026, 4, 30), 1) == date(2026, 5, 4)
    assert due_after_working_days(date(2026, 4, 29), 2) == date(2026, 5, 5)


def test_cutoff_around_ascension_and_a_weekend():
    assert working_days_before(date(2026, 5, 15), 2) == date(2026, 5, 11)   # 12 and 13 May; 14 is Ascension
    assert working_days_before(date(2026, 5, 18), 3) == date(2026, 5, 11)   # 12, 13 and 15 May
    assert working_days_before(date(2026, 3, 9), 2) == date(2026, 3, 4)     # Thursday and Friday count
    assert add_working_days(date(2026, 5, 13), 1) == date(2026, 5, 15)
    assert working_days_before(date(2026, 3, 9), 0) == date(2026, 3, 9)
    with pytest.raises(ValueError):
        working_days_before(date(2026, 3, 9), -1)


@pytest.mark.parametrize("n", range(5))
def test_the_due_date_is_the_first_day_the_cutoff_reaches(n):
    """due_after_working_days and working_days_before agree on every start date of a spring full of holidays."""
    start = date(2026, 4, 1)
    while start < date(2026, 7, 1):
        due = due_after_working_days(start, n)
        assert working_days_before(due, n) >= start
        assert working_days_before(due - timedelta(days=1), n) < start
        assert full_working_days_between(start, due) >= n
        if n:
            assert full_working_days_between(start, due - timedelta(days=1)) < n
        start += timedelta(days=1)


# --- Rule 1: a gap in an active accompaniment, by the person's follow-up choice -------------------------

@pytest.mark.parametrize(("choice", "due", "threshold"), [
    ("contact_me_again", date(2026, 3, 12), 10),
    ("i_will_get_in_touch", date(2026, 4, 16), 45),
    (None, date(2026, 3, 23), 21),
])
def test_contact_gap_follows_the_persons_choice(app, worker, held, cl3r, choice, due, threshold):
    person = person_choosing(choice, units=[cl3r])
    referral = referral_at(paris(2026, 2, 2), person, status="active", worker=worker, unit=cl3r)
    held(worker, person, paris(2026, 3, 2, 14))
    day_before = due - timedelta(days=1)
    evaluate_at(paris(day_before.year, day_before.month, day_before.day, 23, 59))
    assert active_keys("contact_gap") == set()
    # Five past midnight in Paris is still the day before in UTC: the site's date decides.
    created = evaluate_at(paris(due.year, due.month, due.day, 0, 5))
    assert [(n.rule, n.subject_id, n.period, n.audience) for n in created] == [
        ("contact_gap", referral.id, due.isoformat(), "worker")]
    [nudge] = nudges(Nudge.rule == "contact_gap")
    assert (nudge.account_id, nudge.peer_profile_id, nudge.service_user_id, nudge.unit_id, nudge.due_on) == (
        worker.account_id, worker.id, person.id, cl3r.id, due)
    assert nudge.details == {"choice": choice, "last_meeting": "2026-03-02", "threshold": threshold,
                             "days": (due - date(2026, 3, 2)).days}


def test_contact_me_again_follows_the_date_the_worker_set(app, worker, held, cl3r):
    person = person_choosing("contact_me_again")
    referral = referral_at(paris(2026, 2, 2), person, status="active", worker=worker, unit=cl3r)
    held(worker, person, paris(2026, 3, 2), follow_up_intention="next_meeting_by", follow_up_by=date(2026, 3, 20))
    evaluate_at(paris(2026, 3, 19, 18))
    assert active_keys() == set()
    evaluate_at(paris(2026, 3, 20, 8))
    assert active_keys() == {("contact_gap", "referral", referral.id, "2026-03-20", "worker")}
    [nudge] = nudges()
    assert nudge.details == {"choice": "contact_me_again", "last_meeting": "2026-03-02", "follow_up_by": "2026-03-20",
                             "days": 18}


def test_a_follow_up_date_only_sets_the_frame_when_the_person_asked_to_be_contacted_again(app, worker, held, cl3r):
    person = person_choosing(None)
    referral = referral_at(paris(2026, 2, 2), person, status="active", worker=worker, unit=cl3r)
    held(worker, person, paris(2026, 3, 2), follow_up_intention="next_meeting_by", follow_up_by=date(2026, 3, 5))
    evaluate_at(paris(2026, 3, 22, 18))
    assert active_keys() == set()
    evaluate_at(paris(2026, 3, 23, 8))
    assert active_keys() == {("contact_gap", "referral", referral.id, "2026-03-23", "worker")}


def test_only_the_last_meeting_held_counts(app, worker, held, cl3r):
    person = person_choosing("contact_me_again")
    referral = referral_at(paris(2026, 2, 2), person, status="active", worker=worker, unit=cl3r)
    held(worker, person, paris(2026, 3, 2), follow_up_intention="next_meeting_by", follow_up_by=date(2026, 3, 30))
    held(worker, person, paris(2026, 3, 5))
    evaluate_at(paris(2026, 3, 15, 8))
    assert active_keys() == {("contact_gap", "referral", referral.id, "2026-03-15", "worker")}


def test_what_counts_as_a_meeting_of_the_accompaniment(app, worker, other_worker, held, planned, make_meeting, cl3r):
    person = person_choosing("contact_me_again")
    referral = referral_at(paris(2026, 2, 2), person, status="active", worker=worker, unit=cl3r)
    held(worker, person, paris(2026, 3, 2))
    # Not a meeting with this worker, or not one the person took part in:
    held(other_worker, person, paris(2026, 3, 6))
    make_meeting(worker, [person], starts_at=paris(2026, 3, 7), status="held", participant_status="absent")
    make_meeting(worker, [person], starts_at=paris(2026, 3, 8), status="held", participant_status="cancelled")
    make_meeting(worker, [person], starts_at=paris(2026, 3, 9), status="cancelled")
    # Not a meeting planned ahead: one with another worker, one planned but left in the past, one the person left.
    planned(other_worker, person, paris(2026, 3, 20))
    planned(worker, person, paris(2026, 3, 11))
    make_meeting(worker, [person], starts_at=paris(2026, 3, 21), participant_status="cancelled")
    evaluate_at(paris(2026, 3, 12, 8))
    assert active_keys() == {("contact_gap", "referral", referral.id, "2026-03-12", "worker")}


def test_no_contact_gap_before_a_first_meeting_or_outside_an_active_accompaniment(app, worker, held, cl3r):
    never_met = referral_at(paris(2026, 2, 2), person_choosing(None), status="active", worker=worker, unit=cl3r)
    for status in ("accepted", "on_hold", "closed"):
        person = person_choosing(None)
        referral_at(paris(2026, 2, 2), person, status=status, worker=worker, unit=cl3r,
                    review_on=date(2026, 9, 1) if status == "on_hold" else None)
        held(worker, person, paris(2026, 2, 3))
    evaluate_at(paris(2026, 4, 1))
    assert active_keys("contact_gap") == set()
    # The person never met is the first-meeting rule's concern.
    assert ("first_meeting", "referral", never_met.id, "2026-02-02", "worker") in active_keys()


def test_unit_thresholds_win_over_the_programmes(app, worker, held, cl3r, ts2a):
    set_threshold("contact_gap.contact_me_again", 7)
    set_threshold("contact_gap.contact_me_again", 5, unit=ts2a)
    referrals = {}
    for unit in (cl3r, ts2a, None):
        person = person_choosing("contact_me_again")
        referrals[unit] = referral_at(paris(2026, 2, 2), person, status="active", worker=worker, unit=unit)
        held(worker, person, paris(2026, 3, 2))
    evaluate_at(paris(2026, 3, 7, 8))
    assert active_keys() == {("contact_gap", "referral", referrals[ts2a].id, "2026-03-07", "worker")}
    evaluate_at(paris(2026, 3, 9, 8))
    assert active_keys() == {("contact_gap", "referral", referrals[ts2a].id, "2026-03-07", "worker"),
                             ("contact_gap", "referral", referrals[cl3r].id, "2026-03-09", "worker"),
                             ("contact_gap", "referral", referrals[None].id, "2026-03-09", "worker")}
    assert {n.details["threshold"] for n in nudges()} == {5, 7}


# --- Rule 2: the first meeting ------------------------------------------------------------------------

@pytest.mark.parametrize("status", ["accepted", "active"])
def test_first_meeting_not_held_within_14_days_of_acceptance(app, worker, held, cl3r, status):
    person = person_choosing(None)
    referral = referral_at(paris(2026, 3, 2, 17), person, status=status, worker=worker, unit=cl3r)
    held(worker, person, paris(2026, 3, 1))  # before the acceptance: not the first meeting of this one
    evaluate_at(paris(2026, 3, 15, 23, 30))
    assert active_keys() == set()
    evaluate_at(paris(2026, 3, 16, 8))
    assert active_keys() == {("first_meeting", "referral", referral.id, "2026-03-02", "worker")}
    [nudge] = nudges()
    assert (nudge.account_id, nudge.due_on, nudge.details) == (
        worker.account_id, date(2026, 3, 16), {"accepted_on": "2026-03-02", "threshold": 14, "days": 14})
    held(worker, person, paris(2026, 3, 17))
    evaluate_at(paris(2026, 3, 18))
    assert active_keys("first_meeting") == set()
    assert nudges()[0].status == "resolved"


def test_first_meeting_threshold_of_a_unit(app, worker, cl3r, ts2a):
    set_threshold("first_meeting", 7, unit=ts2a)
    quick = referral_at(paris(2026, 3, 2), person_choosing(None), status="accepted", worker=worker, unit=ts2a)
    referral_at(paris(2026, 3, 2), person_choosing(None), status="accepted", worker=worker, unit=cl3r)
    evaluate_at(paris(2026, 3, 9))
    assert active_keys() == {("first_meeting", "referral", quick.id, "2026-03-02", "worker")}


# --- Rule 3: triage and proposals, in working days -----------------------------------------------------

def test_triage_delay_counts_working_days(app, cl3r, ts2a):
    tuesday = referral_at(paris(2026, 4, 28, 11), unit=cl3r)
    wednesday = referral_at(paris(2026, 4, 29, 9), unit=cl3r)
    public_form = referral_at(paris(2026, 4, 28), None, source="self_public", unit=None)
    triaged = referral_at(paris(2026, 4, 20), status="triaged", unit=cl3r)
    evaluate_at(EVAL)
    assert active_keys() == {("triage_delay", "referral", tuesday.id, "2026-04-28", "coordination"),
                             ("triage_delay", "referral", public_form.id, "2026-04-28", "coordination")}
    nudge = nudges(Nudge.subject_id == tuesday.id)[0]
    assert (nudge.account_id, nudge.unit_id, nudge.due_on) == (None, cl3r.id, date(2026, 5, 1))
    assert nudge.details == {"since": "2026-04-28", "threshold": 2, "days": 2}
    evaluate_at(paris(2026, 5, 5, 9))
    assert ("triage_delay", "referral", wednesday.id, "2026-04-29", "coordination") in active_keys()
    assert triaged.id not in {key[2] for key in active_keys()}


def test_triage_delay_of_a_unit(app, cl3r, ts2a):
    set_threshold("triage_delay", 1, unit=ts2a)
    fast = referral_at(paris(2026, 4, 29), unit=ts2a)
    referral_at(paris(2026, 4, 29), unit=cl3r)
    evaluate_at(EVAL)
    assert active_keys() == {("triage_delay", "referral", fast.id, "2026-04-29", "coordination")}


def test_a_proposal_unanswered_for_3_working_days_goes_to_the_coordination_and_the_worker(app, worker, cl3r):
    proposal = referral_at(paris(2026, 5, 11, 15), status="proposed", worker=worker, unit=cl3r)
    evaluate_at(paris(2026, 5, 15, 18))  # 12 and 13 May only: 14 May is Ascension
    assert active_keys() == set()
    evaluate_at(paris(2026, 5, 16, 8))
    assert active_keys() == {("proposal_unanswered", "referral", proposal.id, "2026-05-11", "coordination"),
                             ("proposal_unanswered", "referral", proposal.id, "2026-05-11", "worker")}
    accounts = {n.audience: n.account_id for n in nudges()}
    assert accounts == {"coordination": None, "worker": worker.account_id}
    assert all(n.details == {"since": "2026-05-11", "threshold": 3, "days": 3} for n in nudges())


# --- Rule 4: a person's own contact request ---------------------------------------------------------------

def test_a_contact_request_goes_to_the_persons_worker_the_coordination_has_it_as_triage(app, worker, cl3r):
    accompanied = person_choosing("contact_me_again")
    referral_at(paris(2026, 1, 5), accompanied, status="active", worker=worker, unit=cl3r)
    asked = referral_at(paris(2026, 4, 28, 18), accompanied, source="self", unit=cl3r)
    alone = referral_at(paris(2026, 4, 28), person_choosing(None), source="self", unit=cl3r)
    recent = referral_at(paris(2026, 4, 29), person_choosing(None), source="self", unit=cl3r)
    staff = referral_at(paris(2026, 4, 28), unit=cl3r)
    evaluate_at(EVAL)
    # To the person's own worker only; someone with no worker is the triage rule's alone.
    assert active_keys("contact_request") == {("contact_request", "referral", asked.id, "2026-04-28", "worker")}
    # Not yet triaged either: that is the triage rule, which tells the coordination (no second nudge).
    assert {key[2] for key in active_keys("triage_delay")} == {asked.id, alone.id, staff.id}
    assert recent.id not in {key[2] for key in active_keys()}
    to_worker = nudges(Nudge.rule == "contact_request", Nudge.audience == "worker")[0]
    assert (to_worker.account_id, to_worker.peer_profile_id, to_worker.service_user_id) == (
        worker.account_id, worker.id, accompanied.id)


# --- Rule 5: a hold reaching its review date ----------------------------------------------------------

def test_hold_review_on_the_review_date(app, worker, cl3r):
    hold = referral_at(paris(2026, 3, 1), status="on_hold", worker=worker, unit=cl3r, review_on=date(2026, 5, 10))
    evaluate_at(paris(2026, 5, 9, 23, 30))
    assert active_keys() == set()
    evaluate_at(paris(2026, 5, 10, 0, 30))
    assert active_keys() == {("hold_review", "referral", hold.id, "2026-05-10", "coordination")}
    [nudge] = nudges()
    assert (nudge.account_id, nudge.peer_profile_id, nudge.due_on, nudge.details) == (
        None, worker.id, date(2026, 5, 10), {"review_on": "2026-05-10"})
