"""The notification centre's services: who sees which nudges, the unread count, reading, acting on a nudge
(done, snooze, dismiss), links to the thing to do, explanations, and the thresholds."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.orm.attributes import set_committed_value

from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.nudges import services
from peer_support.nudges.labels import RULE_TITLES, explain
from peer_support.nudges.models import RULES, Nudge, NudgeThreshold
from peer_support.nudges.services import NudgeFilter
from tests.helpers import audit_entries, counted_statements
from tests.nudges.ui_fixtures import gap_details, new_nudge, world  # noqa: F401  (fixtures)

NOW = datetime(2026, 3, 4, 9, 0, tzinfo=timezone.utc)
TODAY = date(2026, 3, 4)


def _ids(page) -> list[int]:
    return [item.nudge.id for item in page.items]


def _fresh(nudge) -> Nudge:
    db.session.expire_all()
    return db.session.get(Nudge, nudge.id)


@pytest.fixture(autouse=True)
def english(app):
    """Messages read outside a request are in the site's default language (French): read them in English."""
    with force_locale("en"):
        yield


@pytest.fixture
def nudges(world):
    """Julie's two, Karim's one, the supervisor's one, two for the coordination, one for the first coordinator."""
    w = world
    return {
        "julie_gap": new_nudge(account=w["julie"], person=w["camille"], profile=w["julie_profile"], unit=w["cl3r"],
                               details=gap_details(), due_on=date(2026, 3, 2)),
        "julie_first": new_nudge(rule="first_meeting", account=w["julie"], person=w["hugo"],
                                 profile=w["julie_profile"], unit=w["ts2a"], due_on=date(2026, 2, 20),
                                 details={"accepted_on": "2026-02-06", "threshold": 14, "days": 26}),
        "karim_gap": new_nudge(account=w["karim"], person=w["hugo"], profile=w["karim_profile"], unit=w["ts2a"],
                               details=gap_details(choice=None)),
        "staff_supervision": new_nudge(rule="supervision_overdue", account=w["staff"], audience="supervisor",
                                       subject_type="peer_profile", subject_id=w["julie_profile"].id,
                                       profile=w["julie_profile"]),
        "triage": new_nudge(rule="triage_delay", person=w["camille"], unit=w["cl3r"],
                            details={"since": "2026-02-26", "threshold": 2, "days": 3}),
        "hold": new_nudge(rule="hold_review", person=w["hugo"], unit=w["ts2a"], details={"review_on": "2026-03-01"}),
        "coordinator_own": new_nudge(rule="training_expired", account=w["coordinator"], audience="worker",
                                     subject_type="training_record", subject_id=7),
    }


# --- who sees what ----------------------------------------------------------------------------------

def test_a_worker_and_a_member_of_staff_see_only_the_nudges_addressed_to_them(world, nudges):
    page = services.list_nudges(world["julie"], NudgeFilter(), page=1, per_page=50)
    # The one due longest ago first.
    assert _ids(page) == [nudges["julie_first"].id, nudges["julie_gap"].id]
    assert _ids(services.list_nudges(world["karim"], NudgeFilter(), page=1, per_page=50)) == [nudges["karim_gap"].id]
    assert _ids(services.list_nudges(world["staff"], NudgeFilter(), page=1, per_page=50)) == [
        nudges["staff_supervision"].id]
    # Asking for the whole programme changes nothing for them.
    assert _ids(services.list_nudges(world["julie"], NudgeFilter(scope="programme"), page=1, per_page=50)) == [
        nudges["julie_first"].id, nudges["julie_gap"].id]


@pytest.mark.parametrize("role", ["service_user", "researcher"])
def test_service_users_and_researchers_see_none(world, nudges, role):
    assert services.list_nudges(world[role], NudgeFilter(scope="programme"), page=1, per_page=50).total == 0
    assert services.unread_count(world[role]) == 0


def test_a_coordinator_sees_their_own_and_the_coordinations_then_the_whole_programme(world, nudges):
    mine = services.list_nudges(world["coordinator2"], NudgeFilter(), page=1, per_page=50)
    assert sorted(_ids(mine)) == sorted([nudges["triage"].id, nudges["hold"].id])
    mine = services.list_nudges(world["coordinator"], NudgeFilter(), page=1, per_page=50)
    assert sorted(_ids(mine)) == sorted([nudges["triage"].id, nudges["hold"].id, nudges["coordinator_own"].id])
    everything = services.list_nudges(world["coordinator2"], NudgeFilter(scope="programme"), page=1, per_page=50)
    assert sorted(_ids(everything)) == sorted(n.id for n in nudges.values())


def test_the_list_loads_the_names_with_it(world, nudges):
    page = services.list_nudges(world["coordinator"], NudgeFilter(scope="programme"), page=1, per_page=50)
    items = {item.nudge.id: item for item in page.items}
    gap = items[nudges["julie_gap"].id]
    assert (gap.person_name, gap.worker_name, gap.nudge.unit.code, gap.nudge.account.name) == (
        "Camille", "Julie Moreau", "CL3R", "Julie Moreau")
    assert items[nudges["triage"].id].nudge.account is None
    assert items[nudges["staff_supervision"].id].worker_name == "Julie Moreau"
    # What the coordinator reads through the whole programme is not theirs: never "unread" for them.
    assert gap.addressed_to_actor is False and gap.unread is False
    assert items[nudges["triage"].id].addressed_to_actor is True and items[nudges["triage"].id].unread is True


def test_filters_by_status_rule_and_unit(world, nudges):
    coordinator = world["coordinator"]
    services.mark_done(world["julie"], nudges["julie_gap"], ip=None, now=NOW)
    services.snooze(world["julie"], nudges["julie_first"], TODAY + timedelta(days=3), today=TODAY, ip=None, now=NOW)
    db.session.execute(sa.update(Nudge).where(Nudge.id == nudges["karim_gap"].id)
                       .values(status="resolved", resolved_at=NOW))
    services.dismiss(coordinator, nudges["hold"], "Reviewed with the team", ip=None, now=NOW)

    def listed(**wanted):
        return sorted(_ids(services.list_nudges(coordinator, NudgeFilter(scope="programme", **wanted), page=1,
                                                per_page=50)))

    assert listed() == sorted([nudges["staff_supervision"].id, nudges["triage"].id, nudges["coordinator_own"].id])
    assert listed(status="done") == [nudges["julie_gap"].id]
    assert listed(status="snoozed") == [nudges["julie_first"].id]
    assert listed(status="resolved") == [nudges["karim_gap"].id]
    assert listed(status="dismissed") == [nudges["hold"].id]
    assert listed(status="all") == sorted(n.id for n in nudges.values())
    assert listed(status="all", rule="contact_gap") == sorted([nudges["julie_gap"].id, nudges["karim_gap"].id])
    assert listed(status="all", unit_id=world["ts2a"].id) == sorted(
        [nudges["julie_first"].id, nudges["karim_gap"].id, nudges["hold"].id])
    assert listed(status="all", rule="contact_gap", unit_id=world["cl3r"].id) == [nudges["julie_gap"].id]
    # An unknown status or rule is no filter at all rather than an error.
    assert listed(status="whatever") == listed()
    assert listed(rule="whatever") == listed()


def test_pagination(world):
    for day in range(1, 8):
        new_nudge(account=world["julie"], due_on=date(2026, 2, day), commit=False)
    db.session.commit()
    first = services.list_nudges(world["julie"], NudgeFilter(), page=1, per_page=3)
    third = services.list_nudges(world["julie"], NudgeFilter(), page=3, per_page=3)
    assert (first.total, first.pages, first.has_next, first.has_prev) == (7, 3, True, False)
    assert [item.nudge.due_on.day for item in first.items] == [1, 2, 3]
    assert [item.nudge.due_on.day for item in third.items] == [7]
    assert services.list_nudges(world["julie"], NudgeFilter(), page=0, per_page=3).page == 1


@pytest.mark.parametrize("role", ["julie", "coordinator"])
def test_the_list_runs_the_same_statements_for_5_and_50_nudges(world, role):
    def add(count):
        for index in range(count):
            rule = RULES[-1 - index % len(RULES)]  # an escalation among the first five
            target = world["julie"] if role == "julie" else None
            original = new_nudge(account=world["julie"], person=world["camille"], profile=world["julie_profile"],
                                 unit=world["cl3r"], commit=False)
            if rule == "escalation":
                new_nudge(rule=rule, subject_type="nudge", subject_id=original.id, account=target,
                          person=world["camille"], profile=world["julie_profile"], commit=False)
            else:
                new_nudge(rule=rule, account=target, person=world["camille"], profile=world["julie_profile"],
                          unit=world["cl3r"], details=gap_details(), commit=False)
        db.session.commit()

    def count():
        db.session.expire_all()
        with counted_statements() as statements:
            page = services.list_nudges(world[role], NudgeFilter(status="all"), page=1, per_page=100)
            for item in page.items:  # what the page reads of each one
                (item.nudge.account, item.nudge.unit, item.nudge.acted_by, item.person_name,  # noqa: B018 - read on purpose
                 item.target)
        return len(statements), page.total

    add(5)
    few, total = count()
    add(45)
    many, more = count()
    assert more > total >= 5
    # A COUNT, the page, the escalated nudges (plus the transaction's start and the actor's reload).
    assert few == many <= 5


# --- the header's count and reading -------------------------------------------------------------------

def test_the_unread_count_is_one_query(world, nudges):
    julie = world["julie"]
    assert julie.role and services.unread_count(julie) == 2  # (the account loaded, as the signed-in one is)
    with counted_statements() as statements:
        assert services.unread_count(julie) == 2
    assert len(statements) == 1 and statements[0].startswith("SELECT count(*)")
    assert services.unread_count(world["karim"]) == 1
    assert services.unread_count(world["staff"]) == 1
    assert services.unread_count(world["coordinator2"]) == 2  # the coordination's two
    assert services.unread_count(world["coordinator"]) == 3
    service_user = world["service_user"]
    assert service_user.role == "service_user"
    with counted_statements() as statements:
        assert services.unread_count(service_user) == 0
    assert statements == []


def test_listing_marks_read_only_what_is_addressed_to_the_reader(world, nudges):
    page = services.list_nudges(world["coordinator"], NudgeFilter(scope="programme"), page=1, per_page=50)
    services.mark_read(world["coordinator"], [item.nudge.id for item in page.items], now=NOW)
    db.session.commit()
    assert services.unread_count(world["coordinator"]) == 0
    # The coordination's nudges are read for the team; the workers' stay unread for them.
    assert services.unread_count(world["coordinator2"]) == 0
    assert services.unread_count(world["julie"]) == 2
    assert _fresh(nudges["julie_gap"]).read_at is None
    assert _fresh(nudges["triage"]).read_at == NOW
    # Julie reads hers; a snoozed nudge is not marked read, and comes back unread.
    services.snooze(world["julie"], nudges["julie_first"], TODAY + timedelta(days=1), today=TODAY, ip=None,
                    now=NOW)
    listed = [nudges["julie_gap"].id, nudges["julie_first"].id, nudges["karim_gap"].id]
    assert services.mark_read(world["julie"], listed, now=NOW) == 1
    db.session.commit()
    assert services.unread_count(world["julie"]) == 0 and services.unread_count(world["karim"]) == 1
    assert _fresh(nudges["julie_first"]).read_at is None


def test_snoozing_a_read_nudge_makes_it_unread_again_for_when_it_comes_back(world, nudges):
    services.mark_read(world["julie"], [nudges["julie_gap"].id], now=NOW)
    services.snooze(world["julie"], nudges["julie_gap"], TODAY + timedelta(days=2), today=TODAY, ip=None, now=NOW)
    db.session.commit()
    assert _fresh(nudges["julie_gap"]).read_at is None
    assert services.unread_count(world["julie"]) == 1  # the other one; the snoozed one does not count yet
    # The evaluation reopens it when the snooze ends (engine.py): then it counts again.
    db.session.execute(sa.update(Nudge).where(Nudge.id == nudges["julie_gap"].id).values(status="open"))
    assert services.unread_count(world["julie"]) == 2


# --- acting on a nudge ----------------------------------------------------------------------------------

def test_done_by_the_worker(world, nudges):
    nudge = nudges["julie_gap"]
    services.mark_done(world["julie"], nudge, ip="10.0.0.1", now=NOW)
    db.session.commit()
    stored = _fresh(nudge)
    assert (stored.status, stored.acted_at, stored.acted_by_id) == ("done", NOW, world["julie"].id)
    [entry] = audit_entries("nudges.done")
    assert (entry.actor_id, entry.object_type, entry.object_id, entry.ip) == (
        world["julie"].id, "nudge", str(nudge.id), "10.0.0.1")
    assert entry.details == {"rule": "contact_gap", "from": "open"}


def test_snooze_until_a_date(world, nudges):
    nudge = nudges["julie_gap"]
    until = TODAY + timedelta(days=services.SNOOZE_MAX_DAYS)
    services.snooze(world["julie"], nudge, until, today=TODAY, ip=None, now=NOW)
    db.session.commit()
    stored = _fresh(nudge)
    assert (stored.status, stored.snoozed_until, stored.acted_at) == ("snoozed", until, None)
    assert audit_entries("nudges.snooze")[0].details == {"rule": "contact_gap", "from": "open",
                                                         "until": until.isoformat()}
    # A snoozed nudge can be snoozed again, or marked done.
    services.snooze(world["julie"], nudge, TODAY + timedelta(days=1), today=TODAY, ip=None, now=NOW)
    services.mark_done(world["julie"], nudge, ip=None, now=NOW)
    db.session.commit()
    stored = _fresh(nudge)
    assert (stored.status, stored.snoozed_until) == ("done", None)


@pytest.mark.parametrize("until, message", [
    (None, "Choose the date"),
    (TODAY, "after today"),
    (TODAY - timedelta(days=3), "after today"),
    (TODAY + timedelta(days=services.SNOOZE_MAX_DAYS + 1), "at most 90 days"),
])
def test_snooze_refuses_a_bad_date(world, nudges, until, message):
    with pytest.raises(DomainError) as refused:
        services.snooze(world["julie"], nudges["julie_gap"], until, today=TODAY, ip=None, now=NOW)
    assert message in str(refused.value) and refused.value.field == "until"
    db.session.rollback()
    assert _fresh(nudges["julie_gap"]).status == "open"
    assert audit_entries("nudges.snooze") == []


def test_dismiss_with_a_reason(world, nudges):
    nudge = nudges["julie_gap"]
    services.dismiss(world["julie"], nudge, "  Camille moved to another town.  ", ip=None, now=NOW)
    db.session.commit()
    stored = _fresh(nudge)
    assert (stored.status, stored.dismiss_reason, stored.acted_by_id) == (
        "dismissed", "Camille moved to another town.", world["julie"].id)
    [entry] = audit_entries("nudges.dismiss")
    # The reason stays on the nudge: the audit log keeps no free text.
    assert "town" not in str(entry.details)


@pytest.mark.parametrize("reason, message", [
    (None, "why this nudge does not apply"),
    ("   ", "why this nudge does not apply"),
    ("x" * (services.REASON_MAX + 1), "too long"),
])
def test_dismiss_refuses_a_missing_or_too_long_reason(world, nudges, reason, message):
    with pytest.raises(DomainError) as refused:
        services.dismiss(world["julie"], nudges["julie_gap"], reason, ip=None, now=NOW)
    assert message in str(refused.value) and refused.value.field == "reason"
    db.session.rollback()
    assert _fresh(nudges["julie_gap"]).status == "open"


def test_a_reason_of_exactly_the_limit_is_kept(world, nudges):
    services.dismiss(world["julie"], nudges["julie_gap"], "x" * services.REASON_MAX, ip=None, now=NOW)
    db.session.commit()
    assert len(_fresh(nudges["julie_gap"]).dismiss_reason) == services.REASON_MAX


@pytest.mark.parametrize("status", ["done", "dismissed", "resolved"])
def test_a_nudge_no_longer_active_is_refused_clearly(world, nudges, status):
    nudge = nudges["julie_gap"]
    db.session.execute(sa.update(Nudge).where(Nudge.id == nudge.id).values(status=status))
    db.session.commit()
    for act in (lambda n: services.mark_done(world["julie"], n, ip=None, now=NOW),
                lambda n: services.snooze(world["julie"], n, TODAY + timedelta(days=2), today=TODAY, ip=None,
                                          now=NOW),
                lambda n: services.dismiss(world["julie"], n, "no", ip=None, now=NOW)):
        with pytest.raises(DomainError) as refused:
            act(_fresh(nudge))
        assert "no longer waiting" in str(refused.value) and refused.value.field is None
        db.session.rollback()
    assert _fresh(nudge).status == status
    assert audit_entries("nudges.done") == [] and audit_entries("nudges.dismiss") == []


def test_two_people_acting_at_once_never_both_succeed(world, nudges):
    """The second one acted on the nudge as it was loaded before the first one's change."""
    nudge = nudges["triage"]
    services.mark_done(world["coordinator"], nudge, ip=None, now=NOW)
    db.session.commit()
    stale = db.session.get(Nudge, nudge.id)
    set_committed_value(stale, "status", "open")  # as another request loaded it, before the first commit
    with pytest.raises(DomainError):
        services.dismiss(world["coordinator2"], stale, "Already handled", ip=None, now=NOW)
    db.session.rollback()
    stored = _fresh(nudge)
    assert (stored.status, stored.acted_by_id, stored.dismiss_reason) == ("done", world["coordinator"].id, None)


def test_who_may_act(world, nudges):
    # Another worker, a member of staff, a service user: refused.
    for name in ("karim", "staff", "service_user", "researcher"):
        with pytest.raises(DomainError):
            services.mark_done(world[name], nudges["julie_gap"], ip=None, now=NOW)
        db.session.rollback()
    with pytest.raises(DomainError):
        services.mark_done(world["julie"], nudges["triage"], ip=None, now=NOW)
    db.session.rollback()
    # Any coordinator: the coordination's nudges, and any nudge as the keeper of the frame.
    services.mark_done(world["coordinator2"], nudges["triage"], ip=None, now=NOW)
    services.mark_done(world["coordinator2"], nudges["julie_gap"], ip=None, now=NOW)
    services.mark_done(world["staff"], nudges["staff_supervision"], ip=None, now=NOW)
    db.session.commit()
    assert [_fresh(nudges[name]).status for name in ("triage", "julie_gap", "staff_supervision")] == ["done"] * 3


# --- where to act ----------------------------------------------------------------------------------------

def test_each_nudge_links_to_the_thing_to_do(world, nudges):
    w = world
    gap, triage = nudges["julie_gap"], nudges["triage"]
    assert services.target_of(w["julie"], gap) == ("caseload.index", {})
    assert services.target_of(w["coordinator"], gap) == ("triage.show", {"referral_id": gap.subject_id})
    proposal = new_nudge(rule="proposal_unanswered", account=w["julie"], subject_id=42)
    assert services.target_of(w["julie"], proposal) == ("triage.proposals", {})
    assert services.target_of(w["coordinator"], triage) == ("triage.show", {"referral_id": triage.subject_id})
    assert services.target_of(w["staff"], nudges["staff_supervision"]) == (
        "supervision.worker", {"profile_id": w["julie_profile"].id})
    debrief = new_nudge(rule="debrief_unscheduled", account=w["staff"], audience="supervisor",
                        subject_type="debrief_request", subject_id=9)
    assert services.target_of(w["staff"], debrief) == ("supervision.debrief", {"debrief_id": 9})
    training = new_nudge(rule="training_renewal", account=w["julie"], subject_type="training_record", subject_id=5,
                         profile=w["julie_profile"])
    assert services.target_of(w["julie"], training) == ("training.worker", {"profile_id": w["julie_profile"].id})
    assert services.target_of(w["coordinator"], nudges["coordinator_own"]) == ("training.workers", {})
    escalation = new_nudge(rule="escalation", subject_type="nudge", subject_id=gap.id,
                           details={"rule": "contact_gap", "audience": "worker", "threshold": 5, "days": 6})
    assert services.target_of(w["coordinator"], escalation, {gap.id: gap}) == (
        "triage.show", {"referral_id": gap.subject_id})
    assert services.target_of(w["coordinator"], escalation, {}) is None
    # The list loads the escalated nudge with the page.
    page = services.list_nudges(w["coordinator"], NudgeFilter(rule="escalation"), page=1, per_page=10)
    assert page.items[0].original.id == gap.id
    assert page.items[0].target == ("triage.show", {"referral_id": gap.subject_id})


# --- explanations ------------------------------------------------------------------------------------------

def _explained(rule, details, person="Camille", locale="en", due_on=date(2026, 3, 2), original=None):
    nudge = Nudge(rule=rule, details=details, due_on=due_on)
    with force_locale(locale):
        return explain(nudge, person_name=person, original=original)


def test_every_rule_has_a_title_and_an_explanation_even_without_figures(app):
    for rule in RULES:
        assert rule in RULE_TITLES
        for details in ({}, {"days": "not a number", "last_meeting": "yesterday", "since": None}, None):
            text = _explained(rule, details)
            assert text and "%(" not in text and "None" not in text, (rule, details, text)


def test_the_contact_gap_explanation_follows_the_persons_choice(app):
    again = _explained("contact_gap", {"choice": "contact_me_again", "last_meeting": "2025-11-03", "days": 10,
                                       "threshold": 10}, due_on=date(2025, 11, 13))
    assert "Last meeting on 3 November." in again
    assert "Camille asked to be contacted again after each meeting." in again
    assert "The frame is 10 days." in again
    myself = _explained("contact_gap", {"choice": "i_will_get_in_touch", "last_meeting": "2026-01-10",
                                        "threshold": 45})
    assert "prefers to get in touch themselves" in myself and "stays their choice" in myself
    none = _explained("contact_gap", {"choice": None, "last_meeting": "2026-02-01", "threshold": 21})
    assert "has not chosen yet" in none
    planned = _explained("contact_gap", {"choice": "contact_me_again", "last_meeting": "2026-02-01",
                                         "follow_up_by": "2026-02-15"})
    assert "get back in touch by 15 February" in planned
    # Another year than the due date's: the year is said.
    assert "3 November 2025" in _explained("contact_gap", {"last_meeting": "2025-11-03"})
    # Without the person's name.
    assert "The person asked to be contacted again" in _explained("contact_gap", {"choice": "contact_me_again"},
                                                                  person=None)


def test_explanations_of_the_other_rules(app):
    assert _explained("first_meeting", {"accepted_on": "2026-02-06", "threshold": 14}) == (
        "The accompaniment of Camille was accepted on 6 February; no meeting has been held yet. Peer support "
        "matters most early in care: the frame is a first meeting within 14 days.")
    assert "2 working days" in _explained("triage_delay", {"since": "2026-02-26", "threshold": 2, "days": 3})
    assert "1 working day." in _explained("contact_request", {"threshold": 1})
    assert "On hold until 1 March" in _explained("hold_review", {"review_on": "2026-03-01"})
    escalated = _explained("escalation", {"rule": "contact_gap", "threshold": 5, "days": 6})
    assert "“Time to get back in touch” is still waiting." in escalated and "6 days" in escalated


def test_explanations_in_french(app):
    text = _explained("contact_gap", {"choice": "contact_me_again", "last_meeting": "2025-11-03", "threshold": 10},
                      locale="fr", due_on=date(2025, 11, 13))
    assert "3 novembre" in text and "Camille" in text


# --- thresholds ------------------------------------------------------------------------------------------

def test_thresholds_programme_and_unit_values(world):
    coordinator, unit = world["coordinator"], world["cl3r"]
    assert services.save_thresholds(coordinator, {"first_meeting": 10, "escalation": None}, unit_id=None,
                                    ip=None, now=NOW) == ["first_meeting"]
    assert services.save_thresholds(coordinator, {"first_meeting": 7}, unit_id=unit.id, ip=None, now=NOW) == [
        "first_meeting"]
    db.session.commit()
    rows = {row.name: row for row in services.threshold_table()}
    assert (rows["first_meeting"].default, rows["first_meeting"].programme, rows["first_meeting"].units) == (
        14, 10, {unit.id: 7})
    assert rows["triage_delay"].working_days and rows["triage_delay"].programme_effective == 2
    # Saving the same values changes nothing and audits nothing more.
    assert services.save_thresholds(coordinator, {"first_meeting": 10}, unit_id=None, ip=None, now=NOW) == []
    assert len(audit_entries("nudges.threshold_change")) == 2
    # Clearing the unit's value: the programme's applies again.
    assert services.save_thresholds(coordinator, {"first_meeting": None}, unit_id=unit.id, ip=None, now=NOW) == [
        "first_meeting"]
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NudgeThreshold)) == 1


def test_thresholds_refuse_what_is_not_allowed(world):
    for actor, values, unit_id in ((world["julie"], {"first_meeting": 3}, None),
                                   (world["coordinator"], {"first_meeting": 4000}, None),
                                   (world["coordinator"], {"first_meeting": -1}, None),
                                   (world["coordinator"], {"unknown": 3}, None),
                                   (world["coordinator"], {"first_meeting": 3}, 999999)):
        with pytest.raises(DomainError):
            services.save_thresholds(actor, values, unit_id=unit_id, ip=None, now=utcnow())
        db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NudgeThreshold)) == 0


def test_the_programme_has_one_value_per_threshold_even_when_two_saves_race(world):
    # The database itself refuses a second programme row (NULL unit ids are distinct in a unique constraint).
    db.session.add(NudgeThreshold(name="first_meeting", unit_id=None, days=10))
    db.session.commit()
    db.session.add(NudgeThreshold(name="first_meeting", unit_id=None, days=12))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(NudgeThreshold(name="first_meeting", unit_id=world["cl3r"].id, days=7))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NudgeThreshold)) == 2
