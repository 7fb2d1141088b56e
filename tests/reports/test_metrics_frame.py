"""The frame's dashboard figures (reports/metrics_frame.py) on small data sets whose values are worked out by hand.

Times are Paris local times (tests.nudges.conftest.paris), stored in UTC. Labels are read in English
(force_locale), except where a test checks they follow the language.
"""
from __future__ import annotations

import hashlib
import itertools
import secrets
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.feedback import forms_services as form_services
from peer_support.feedback.models import FeedbackInvitation
from peer_support.nudges.labels import RULE_TITLES
from peer_support.nudges.models import RULES, Nudge
from peer_support.peers.models import PeerProfile
from peer_support.reports.models import LikertMonth
from peer_support.reports.snapshots import compute_activity
from peer_support.research.models import ResearchConsent
from peer_support.reports.metrics_frame import (feedback_response_rate, likert_averages, nudges_by_rule,
                                                supervision_compliance, training_compliance)
from peer_support.reports.tables import Filters, Table
from peer_support.training.models import ProgrammeRequirements, TrainingProgramme, TrainingRecord
from tests.conftest import new_account
from tests.feedback.conftest import new_consent, new_form, new_response, new_study
from tests.helpers import counted_statements
from tests.nudges.conftest import cl3r, paris, supervision_session, ts2a, units  # noqa: F401  (fixtures)
from tests.triage.conftest import new_person

MARCH = Filters(date(2026, 3, 1), date(2026, 3, 31))
_numbers = itertools.count(1)


def english(function, filters: Filters) -> Table:
    with force_locale("en"):
        return function(filters)


def column_values(table: Table, key: str) -> list:
    index = [c.key for c in table.columns].index(key)
    return [row[index] for row in table.rows]


def statements_of(function, filters: Filters) -> int:
    """The SQL statements one call runs, in a transaction of its own, beyond SQLite's BEGIN IMMEDIATE."""
    db.session.commit()
    with force_locale("en"), counted_statements() as statements:
        function(filters)
    db.session.rollback()
    return len([s for s in statements if not s.strip().upper().startswith("BEGIN")])


def worker(name: str, *, units=(), status: str = "active", created_at=None) -> PeerProfile:
    """A peer worker with this name (names set the order of the rows)."""
    account = new_account("peer_worker", name=name, units=units)
    profile = PeerProfile(account_id=account.id, status=status, created_at=created_at or paris(2026, 1, 1))
    db.session.add(profile)
    db.session.commit()
    return profile


def set_requirements(**values) -> None:
    requirements = db.session.get(ProgrammeRequirements, 1)
    if requirements is None:
        requirements = ProgrammeRequirements(id=1)
        db.session.add(requirements)
    for name, value in values.items():
        setattr(requirements, name, value)
    db.session.commit()


# --- nudges_by_rule -----------------------------------------------------------------------------------

def add_nudge(rule: str, created, status: str = "open", *, acted_after_hours: float | None = None, unit=None,
              profile=None, escalated: bool = False) -> None:
    db.session.add(Nudge(
        rule=rule, subject_type="referral", subject_id=next(_numbers), period="p", audience="worker",
        unit_id=unit.id if unit else None, peer_profile_id=profile.id if profile else None,
        due_on=created.date(), details={}, status=status, created_at=created,
        acted_at=created + timedelta(hours=acted_after_hours) if acted_after_hours is not None else None,
        escalated_at=created + timedelta(days=5) if escalated else None))


@pytest.fixture
def nudge_data(app, cl3r, ts2a):
    """March 2026: Alice's and Bruno's nudges (CL3R and TS2A), one of the coordination; make(copies)."""
    alice, bruno = worker("Alice Martin", units=[cl3r]), worker("Bruno Petit", units=[cl3r, ts2a])

    def make(copies: int = 1):
        for _ in range(copies):
            # contact_gap, CL3R: Alice acts after 2 and 6 hours, a third is open and was raised; Bruno
            # dismisses one after 10 hours.
            add_nudge("contact_gap", paris(2026, 3, 2, 9), "done", acted_after_hours=2, unit=cl3r, profile=alice)
            add_nudge("contact_gap", paris(2026, 3, 9, 9), "done", acted_after_hours=6, unit=cl3r, profile=alice)
            add_nudge("contact_gap", paris(2026, 3, 16, 9), "open", unit=cl3r, profile=alice, escalated=True)
            add_nudge("contact_gap", paris(2026, 3, 20, 9), "dismissed", acted_after_hours=10, unit=cl3r,
                      profile=bruno)
            # first_meeting, TS2A, Bruno: resolved by itself.
            add_nudge("first_meeting", paris(2026, 3, 5, 9), "resolved", unit=ts2a, profile=bruno)
            # triage_delay, no unit nor worker: 1 March 00:30 in Paris is inside March, 28 February 23:30 not.
            add_nudge("triage_delay", paris(2026, 3, 1, 0, 30))
            add_nudge("triage_delay", paris(2026, 2, 28, 23, 30))
        db.session.commit()
        return alice, bruno

    return make


def test_nudges_by_rule_whole_programme(nudge_data):
    nudge_data()
    table = english(nudges_by_rule, MARCH)

    assert [c.key for c in table.columns] == ["rule", "created", "acted_on", "resolved", "escalated", "waiting",
                                              "median_hours_to_act"]
    # Every rule has its row, in the rules' order, named in the reader's language.
    assert len(table.rows) == len(RULES)
    rows = {row[0]: row[1:] for row in table.rows}
    # contact_gap: 4 created; acted on after 2, 6 and 10 hours: 3, median 6 (odd count); 1 raised, 1 waiting.
    assert rows["Time to get back in touch"] == (4, 3, 0, 1, 1, 6.0)
    # first_meeting: 1 created, resolved by itself: nobody acted, no median.
    assert rows["First meeting not held yet"] == (1, 0, 1, 0, 0, None)
    # triage_delay: only the nudge of 1 March 00:30 (Paris) is in March.
    assert rows["Referral waiting for triage"] == (1, 0, 0, 0, 1, None)
    assert rows["On-hold referral to review"] == (0, 0, 0, 0, 0, None)
    # 4 + 1 + 1 = 6 created, 3 acted on, 1 raised.
    assert "In all: 6 created, 3 acted on, 1 raised to the coordination." in table.description
    assert table.chart == "bar" and table.x == "rule" and table.series == ("created", "acted_on", "escalated")


def test_nudges_by_rule_filters_by_unit_and_worker(nudge_data, cl3r, ts2a):
    alice, bruno = nudge_data()
    in_cl3r = {row[0]: row[1:] for row in english(
        nudges_by_rule, Filters(MARCH.starts_on, MARCH.ends_on, unit_id=cl3r.id)).rows}
    # CL3R: the four contact_gap nudges; first_meeting is TS2A's, triage_delay has no unit.
    assert in_cl3r["Time to get back in touch"] == (4, 3, 0, 1, 1, 6.0)
    assert in_cl3r["First meeting not held yet"][0] == 0 and in_cl3r["Referral waiting for triage"][0] == 0

    of_alice = {row[0]: row[1:] for row in english(
        nudges_by_rule, Filters(MARCH.starts_on, MARCH.ends_on, peer_profile_id=alice.id)).rows}
    # Alice: 3 created, acted on after 2 and 6 hours: median (2 + 6) / 2 = 4 (even count); 1 raised, 1 waiting.
    assert of_alice["Time to get back in touch"] == (3, 2, 0, 1, 1, 4.0)
    assert sum(row[0] for row in of_alice.values()) == 3

    of_bruno_in_ts2a = {row[0]: row[1:] for row in english(
        nudges_by_rule, Filters(MARCH.starts_on, MARCH.ends_on, unit_id=ts2a.id, peer_profile_id=bruno.id)).rows}
    # Bruno in TS2A: only the first_meeting nudge (his contact_gap one is CL3R's).
    assert of_bruno_in_ts2a["First meeting not held yet"] == (1, 0, 1, 0, 0, None)
    assert sum(row[0] for row in of_bruno_in_ts2a.values()) == 1


def test_nudges_by_rule_labels_follow_the_language(nudge_data):
    nudge_data()
    with force_locale("fr"):
        french = nudges_by_rule(MARCH)
        expected = str(RULE_TITLES["contact_gap"])
    english_title = english(nudges_by_rule, MARCH).rows[0][0]
    assert french.rows[0][0] == expected != english_title == "Time to get back in touch"


def test_nudges_by_rule_empty_period(nudge_data):
    nudge_data()
    table = english(nudges_by_rule, Filters(date(2025, 1, 1), date(2025, 1, 31)))
    assert len(table.rows) == len(RULES)
    assert all(row[1:] == (0, 0, 0, 0, 0, None) for row in table.rows)
    assert "In all: 0 created" in table.description


def test_nudges_by_rule_statements_do_not_grow_with_data(nudge_data):
    nudge_data()
    small = statements_of(nudges_by_rule, MARCH)
    nudge_data(copies=10)
    assert statements_of(nudges_by_rule, MARCH) == small == 1


def test_a_reversed_period_is_refused(app):
    for function in (nudges_by_rule, supervision_compliance, training_compliance, feedback_response_rate,
                     likert_averages):
        with pytest.raises(ValueError):
            english(function, Filters(date(2026, 3, 31), date(2026, 3, 1)))


# --- supervision_compliance ---------------------------------------------------------------------------

@pytest.fixture
def supervision_data(app, cl3r, ts2a):
    """As of 31 March 2026, one session every 4 weeks (the programme's default)."""
    def make(copies: int = 1):
        made = []
        for _ in range(copies):
            alice = worker("Alice Martin", units=[cl3r])
            bruno = worker("Bruno Petit", units=[cl3r])
            chloe = worker("Chloé Roux", units=[ts2a], created_at=paris(2026, 3, 1, 9))
            denis = worker("Denis Morel", units=[cl3r], status="on_leave")
            supervision_session([alice, denis], paris(2026, 3, 10, 14))
            supervision_session([bruno], paris(2026, 2, 1, 14))
            # Recorded ahead of the period's end: does not count as of 31 March.
            supervision_session([bruno], paris(2026, 4, 5, 14))
            made.append((alice, bruno, chloe, denis))
        return made[0]

    return make


def test_supervision_compliance_per_worker(supervision_data):
    supervision_data()
    table = english(supervision_compliance, MARCH)

    assert [c.key for c in table.columns] == ["worker", "last_session", "due_on", "status", "days_overdue"]
    assert table.rows == (
        # 10 March + 28 days = 7 April: up to date on 31 March.
        ("Alice Martin", date(2026, 3, 10), date(2026, 4, 7), "Up to date", 0),
        # 1 February + 28 days = 1 March: 31 March is 30 days later (the 5 April session does not count yet).
        ("Bruno Petit", date(2026, 2, 1), date(2026, 3, 1), "Overdue", 30),
        # Never supervised: profile of 1 March + 28 days = 29 March, 2 days before 31 March.
        ("Chloé Roux", None, date(2026, 3, 29), "Overdue", 2),
        # Denis is on leave: not listed.
    )
    # 1 of 3 up to date: 33.3 %.
    assert "1 of 3 peer workers are up to date (33.3 %)." in table.description
    assert "every 4 weeks" in table.description


def test_supervision_compliance_follows_the_requirement_and_filters(supervision_data, cl3r):
    alice, bruno, chloe, _denis = supervision_data()
    set_requirements(supervision_interval_weeks=8)
    # Every 8 weeks: Alice due 5 May, Bruno 29 March (overdue 2 days), Chloé 26 April.
    in_cl3r = english(supervision_compliance, Filters(MARCH.starts_on, MARCH.ends_on, unit_id=cl3r.id))
    assert in_cl3r.rows == (
        ("Alice Martin", date(2026, 3, 10), date(2026, 5, 5), "Up to date", 0),
        ("Bruno Petit", date(2026, 2, 1), date(2026, 3, 29), "Overdue", 2),
    )
    only_chloe = english(supervision_compliance, Filters(MARCH.starts_on, MARCH.ends_on, peer_profile_id=chloe.id))
    assert only_chloe.rows == (("Chloé Roux", None, date(2026, 4, 26), "Up to date", 0),)
    assert "1 of 1 peer workers are up to date (100 %)." in only_chloe.description
    # As of 10 April (the period's end), Bruno's session of 5 April counts: due 31 May.
    april = english(supervision_compliance, Filters(date(2026, 4, 1), date(2026, 4, 10), peer_profile_id=bruno.id))
    assert april.rows == (("Bruno Petit", date(2026, 4, 5), date(2026, 5, 31), "Up to date", 0),)


def test_supervision_compliance_without_workers(app):
    table = english(supervision_compliance, MARCH)
    assert table.rows == ()
    assert "No active peer worker." in table.description


def test_supervision_compliance_statements_do_not_grow_with_data(supervision_data):
    supervision_data()
    small = statements_of(supervision_compliance, MARCH)
    supervision_data(copies=10)
    assert statements_of(supervision_compliance, MARCH) == small == 2


# --- training_compliance ------------------------------------------------------------------------------

def programme(kind: str, name: str, *, validity_months=None, notice: int = 60, grace: int = 30):
    entry = TrainingProgramme(kind=kind, name_en=name, name_fr=name, validity_months=validity_months,
                              renewal_notice_days=notice, grace_days=grace)
    db.session.add(entry)
    db.session.commit()
    return entry


def record(profile, entry, *, ends_on=None, hours=None, expires_on=None, status: str = "completed"):
    db.session.add(TrainingRecord(profile_id=profile.id, programme_id=entry.id, status=status, ends_on=ends_on,
                                  hours=hours, expires_on=expires_on))
    db.session.commit()


@pytest.fixture
def training_data(app, cl3r, ts2a):
    """As of 31 March 2026; the programme asks for 20 hours a year."""
    set_requirements(ongoing_training_hours_per_year=20)
    qualification = programme("initial_qualification", "DU pair-aidance")
    listening = programme("ongoing", "Active listening")
    first_aid = programme("ongoing", "Mental health first aid", validity_months=24)

    def make(copies: int = 1):
        made = []
        for _ in range(copies):
            alice = worker("Alice Martin", units=[cl3r])
            bruno = worker("Bruno Petit", units=[cl3r])
            chloe = worker("Chloé Roux", units=[ts2a])
            worker("Denis Morel", units=[cl3r], status="left")
            # Alice: qualified; 7.5 + 6 hours in 2026 (the 10 hours of December 2025 are last year's, the
            # planned 4 hours not done); first aid until 15 May: 45 days left, within the 60 days' notice.
            record(alice, qualification, ends_on=date(2024, 6, 30))
            record(alice, listening, ends_on=date(2026, 2, 10), hours=7.5)
            record(alice, listening, ends_on=date(2026, 3, 20), hours=6)
            record(alice, listening, ends_on=date(2025, 12, 15), hours=10)
            record(alice, listening, ends_on=date(2026, 3, 25), hours=4, status="planned")
            record(alice, first_aid, expires_on=date(2026, 5, 15))
            # Bruno: not qualified; 21 hours in January; first aid expired on 1 February (58 days before
            # 31 March, past the 30 days' grace); his older certificate of 2025 was renewed by it.
            record(bruno, listening, ends_on=date(2026, 1, 5), hours=21)
            record(bruno, first_aid, expires_on=date(2026, 2, 1))
            record(bruno, first_aid, expires_on=date(2025, 2, 1))
            # Chloé: qualified, no ongoing training; first aid expired 20 March: 11 days ago, in grace.
            record(chloe, qualification, ends_on=date(2025, 9, 1))
            record(chloe, first_aid, expires_on=date(2026, 3, 20))
            made.append((alice, bruno, chloe))
        return made[0]

    return make


def test_training_compliance_per_worker(training_data):
    training_data()
    table = english(training_compliance, MARCH)

    assert [c.key for c in table.columns] == ["worker", "ongoing_hours", "required_hours", "hours_missing",
                                              "qualified", "to_renew", "expired"]
    assert table.rows == (
        # 7.5 + 6 = 13.5 hours; 20 - 13.5 = 6.5 missing; first aid in its renewal window.
        ("Alice Martin", 13.5, 20.0, 6.5, "Yes", 1, 0),
        # 21 hours >= 20: nothing missing; first aid expired (the older record does not count twice).
        ("Bruno Petit", 21.0, 20.0, 0.0, "No", 0, 1),
        # 0 hours: 20 missing; first aid in its grace period counts as to renew.
        ("Chloé Roux", 0.0, 20.0, 20.0, "Yes", 1, 0),
        # Denis has left: not listed.
    )
    assert "1 of 3 peer workers have completed the required hours; 2 hold a valid initial qualification." \
        in table.description
    assert "in 2026" in table.description and "20 hours a year" in table.description
    assert table.chart == "stacked_bar" and table.series == ("ongoing_hours", "hours_missing")


def test_training_compliance_filters_and_year(training_data, ts2a):
    alice, _bruno, _chloe = training_data()
    in_ts2a = english(training_compliance, Filters(MARCH.starts_on, MARCH.ends_on, unit_id=ts2a.id))
    assert [row[0] for row in in_ts2a.rows] == ["Chloé Roux"]
    # Alice as of 31 December 2025: the 10 hours of December 2025; first aid (15 May 2026) is 135 days
    # away, beyond the notice: nothing to renew.
    last_year = english(training_compliance, Filters(date(2025, 1, 1), date(2025, 12, 31), peer_profile_id=alice.id))
    assert last_year.rows == (("Alice Martin", 10.0, 20.0, 10.0, "Yes", 0, 0),)


def test_training_compliance_without_workers(app):
    table = english(training_compliance, MARCH)
    assert table.rows == ()
    assert "No active peer worker." in table.description


def test_training_compliance_statements_do_not_grow_with_data(training_data):
    training_data()
    small = statements_of(training_compliance, MARCH)
    training_data(copies=10)
    assert statements_of(training_compliance, MARCH) == small == 3


# --- feedback_response_rate ---------------------------------------------------------------------------

def invitation(form, invitee, sent_at, *, answered: bool = False, cancelled: bool = False) -> None:
    db.session.add(FeedbackInvitation(
        form_id=form.id, account_id=invitee.id, trigger="manual",
        token_hash=hashlib.sha256(secrets.token_bytes(16)).hexdigest(),
        created_at=sent_at or paris(2026, 3, 1), expires_at=(sent_at or paris(2026, 3, 1)) + timedelta(days=14),
        sent_at=sent_at, answered_at=sent_at + timedelta(days=2) if answered else None,
        cancelled_at=sent_at + timedelta(days=1) if cancelled else None,
        cancel_reason="by_hand" if cancelled else None))


@pytest.fixture
def invitation_data(app):
    after = new_form(title="Après la rencontre", audience="staff")
    end = new_form(title="Fin d'accompagnement", audience="staff")
    new_form(title="Brouillon", audience="staff", published=False)
    staff = new_account("staff")

    def make(copies: int = 1):
        for _ in range(copies):
            # "Après la rencontre": 4 sent in March, 2 answered, 1 of them cancelled; one sent in
            # February (answered, outside); one never sent.
            invitation(after, staff, paris(2026, 3, 2), answered=True)
            invitation(after, staff, paris(2026, 3, 31, 23), answered=True)
            invitation(after, staff, paris(2026, 3, 10), cancelled=True)
            invitation(after, staff, paris(2026, 3, 12))
            invitation(after, staff, paris(2026, 2, 20), answered=True)
            invitation(after, staff, None)
            # "Fin d'accompagnement": 2 sent in March, none answered.
            invitation(end, staff, paris(2026, 3, 5))
            invitation(end, staff, paris(2026, 3, 6))
        db.session.commit()

    return make


def test_feedback_response_rate_per_form(invitation_data):
    invitation_data()
    table = english(feedback_response_rate, MARCH)

    assert [c.key for c in table.columns] == ["form", "sent", "answered", "rate"]
    assert table.rows == (
        # 3 sent (the cancelled one left out), 2 answered: 2 / 3 = 66.7 %.
        ("Après la rencontre (en)", 3, 2, 66.7),
        # 2 sent, none answered: 0 %.
        ("Fin d'accompagnement (en)", 2, 0, 0.0),
        # The draft form is not listed.
    )
    # In all 2 of 3 + 2 = 5: 40 %.
    assert "In all: 2 of 5 invitations answered (40 %)." in table.description
    assert table.column("rate").kind == "percent"


def test_feedback_response_rate_empty_period_and_language(invitation_data):
    invitation_data()
    with force_locale("fr"):
        table = feedback_response_rate(Filters(date(2025, 1, 1), date(2025, 12, 31)))
    # No invitation sent in 2025: the forms are listed with no rate (no division by zero); French titles.
    assert table.rows == (("Après la rencontre", 0, 0, None), ("Fin d'accompagnement", 0, 0, None))


def test_feedback_response_rate_statements_do_not_grow_with_data(invitation_data):
    invitation_data()
    small = statements_of(feedback_response_rate, MARCH)
    invitation_data(copies=10)
    assert statements_of(feedback_response_rate, MARCH) == small == 1


# --- likert_averages ----------------------------------------------------------------------------------

def likert(text_en: str, text_fr: str):
    return form_services.QuestionData(kind="likert", text_fr=text_fr, text_en=text_en, likert_low_fr="Pas du tout",
                                      likert_low_en="Not at all", likert_high_fr="Tout à fait",
                                      likert_high_en="Completely")


@pytest.fixture
def likert_data(app):
    """Two forms: "Après la rencontre" (anonymous, two scales and a yes/no question, then a version 2 that
    rewords q1) and "Fin d'accompagnement" (pseudonymous: its answers carry research consents)."""
    after = new_form(title="Après la rencontre", questions=[
        likert("I felt understood.", "Je me suis senti compris."),
        likert("I would recommend it.", "Je le recommanderais."),
        form_services.QuestionData(kind="yes_no", text_fr="Recontacté ?", text_en="Contacted again?")])
    first_version = form_services.current_version(after)
    after = form_services.get_form(after.id)
    form_services.start_new_version(None, after, now=paris(2026, 3, 15))
    reworded = next(q for q in form_services.draft_version(after).questions if q.key == "q1")
    form_services.update_question(None, after, reworded, likert("I felt understood by my peer worker.",
                                                                "Je me suis senti compris par mon pair-aidant."),
                                  now=paris(2026, 3, 15))
    form_services.publish(None, after, now=paris(2026, 3, 15))
    db.session.commit()
    study = new_study()
    end = new_form(title="Fin d'accompagnement", privacy="pseudonymous", study=study,
                   questions=[likert("The timing was right.", "Le moment était le bon.")])

    def make(copies: int = 1):
        for _ in range(copies):
            # After the meeting, in March: q1 4 and 2 (version 1) and 5 (version 2); q2 5 and 3; q3 yes.
            new_response(after, {"q1": 4, "q2": 5, "q3": 1}, version=first_version, submitted_at=paris(2026, 3, 3))
            new_response(after, {"q1": 2, "q2": 3}, version=first_version, submitted_at=paris(2026, 3, 10))
            new_response(after, {"q1": 5}, submitted_at=paris(2026, 3, 31, 23, 30))
            # Outside March: 28 February 23:30 and 1 April 00:30 in Paris.
            new_response(after, {"q1": 1, "q2": 1}, version=first_version, submitted_at=paris(2026, 2, 28, 23, 30))
            new_response(after, {"q1": 1}, submitted_at=paris(2026, 4, 1, 0, 30))
            # End of accompaniment: consent in force (4), withdrawn but kept for care use (2), no consent
            # recorded (3); withdrawn without care use (1): left out.
            for value, consent in ((4, {}), (2, {"withdrawn": True, "care_use": True}), (3, None),
                                   (1, {"withdrawn": True})):
                person = new_person()
                given = new_consent(study, service_user=person, **consent) if consent is not None else None
                new_response(end, {"q1": value}, service_user=person, consent=given, submitted_at=paris(2026, 3, 20))

    return make


def test_likert_averages_per_question(likert_data):
    likert_data()
    table = english(likert_averages, MARCH)

    assert [c.key for c in table.columns] == ["form", "question", "answers", "average"]
    assert table.rows == (
        # q1 across both versions, worded as in version 2: (4 + 2 + 5) / 3 = 11 / 3 = 3.67.
        ("Après la rencontre (en)", "I felt understood by my peer worker.", 3, 3.67),
        # q2: (5 + 3) / 2 = 4. The yes/no question is not a scale: not listed.
        ("Après la rencontre (en)", "I would recommend it.", 2, 4.0),
        # (4 + 2 + 3) / 3 = 3; the answer whose consent was withdrawn without care use is left out.
        ("Fin d'accompagnement (en)", "The timing was right.", 3, 3.0),
    )
    assert "8 answers in all." in table.description


def test_likert_averages_in_french_and_empty_period(likert_data):
    likert_data()
    with force_locale("fr"):
        table = likert_averages(Filters(date(2025, 1, 1), date(2025, 12, 31)))
    # No answer in 2025: every scale question listed, with no average.
    assert table.rows == (
        ("Après la rencontre", "Je me suis senti compris par mon pair-aidant.", 0, None),
        ("Après la rencontre", "Je le recommanderais.", 0, None),
        ("Fin d'accompagnement", "Le moment était le bon.", 0, None),
    )


def test_likert_averages_without_forms(app):
    table = english(likert_averages, MARCH)
    assert table.rows == ()


def test_likert_averages_statements_do_not_grow_with_data(likert_data):
    likert_data()
    small = statements_of(likert_averages, MARCH)
    likert_data(copies=10)
    # The questions, the months stored in the nightly snapshot (none here), the figures.
    assert statements_of(likert_averages, MARCH) == small == 3


def test_likert_averages_read_the_nightly_snapshot_and_recount_a_month_with_a_withdrawal(likert_data):
    likert_data()
    # The fixture's two consents were withdrawn on 25 March, before the night that computes March.
    for consent in db.session.scalars(sa.select(ResearchConsent).where(ResearchConsent.withdrawn_at.is_not(None))):
        consent.withdrawn_at = paris(2026, 3, 25)
    db.session.commit()
    live = english(likert_averages, MARCH)
    # The night after 31 March stores February and March (as of their last day).
    compute_activity([date(2026, 3, 31), date(2026, 2, 28)], paris(2026, 4, 1, 2))
    db.session.commit()
    assert sorted(db.session.execute(
        sa.select(LikertMonth.month, LikertMonth.question_key, LikertMonth.answers, LikertMonth.total)
        .where(LikertMonth.month == date(2026, 3, 1))).all()) == [
        # "Après la rencontre" q1 4 + 2 + 5, q2 5 + 3; "Fin d'accompagnement" q1 4 + 2 + 3 (not the withdrawn 1).
        (date(2026, 3, 1), "q1", 3, 9), (date(2026, 3, 1), "q1", 3, 11), (date(2026, 3, 1), "q2", 2, 8)]

    read = english(likert_averages, MARCH)
    assert read.rows == live.rows and "snapshot" in read.notes[-1]
    # + the check for consents withdrawn since the night, and the figures are read from the snapshot.
    assert statements_of(likert_averages, MARCH) == 4
    # Over February and March: February's answers (1 and 1) come from the snapshot as well.
    assert english(likert_averages, Filters(date(2026, 2, 1), date(2026, 3, 31))).rows[0][2:] == (4, 3.0)

    # A consent withdrawn today, without keeping the answers for care use: March is counted live again and
    # the answer (4) leaves the average at once, before the next night.
    consent = db.session.scalars(sa.select(ResearchConsent).where(ResearchConsent.withdrawn_at.is_(None))).one()
    consent.withdrawn_at = utcnow()
    db.session.commit()
    assert english(likert_averages, MARCH).rows[2] == ("Fin d'accompagnement (en)", "The timing was right.", 2, 2.5)


def test_every_figure_is_a_table_in_the_contract(app):
    for function in (nudges_by_rule, supervision_compliance, training_compliance, feedback_response_rate,
                     likert_averages):
        table = english(function, MARCH)
        keys = [c.key for c in table.columns]
        assert table.x in keys and set(table.series) <= set(keys)
        assert table.title and table.description
        assert all(len(row) == len(keys) for row in table.rows)
