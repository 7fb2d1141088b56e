"""Retention: who is due (boundary, legal hold, open and recent things), dry run == run, CLI, page, job."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.nudges.lock import acquire
from peer_support.people.models import ServiceUser
from peer_support.privacy.retention import LEASE, LOCK_NAME, cutoff, due_people, run_retention
from peer_support.privacy.settings import save_settings
from peer_support.referrals.history import record_event
from peer_support.scheduler import JOBS
from tests.conftest import sign_in
from tests.helpers import audit_entries
from tests.meetings.conftest import make_meeting  # noqa: F401  (shared fixtures)
from tests.peers.conftest import domains, make_profile  # noqa: F401  (shared fixtures)
from tests.triage.conftest import new_person, new_referral, units  # noqa: F401  (shared fixtures)

NOW = datetime(2031, 6, 15, 10, 0, tzinfo=timezone.utc)
CUTOFF = datetime(2026, 6, 15, 10, 0, tzinfo=timezone.utc)  # five years before NOW
LONG_AGO = datetime(2020, 1, 6, 9, 0, tzinfo=timezone.utc)


def person_closed_at(closed_at: datetime | None, *, name: str, units=(), created_at=LONG_AGO):
    """A person whose only referral closed at `closed_at` (None: never referred)."""
    person = new_person(name=name, units=units)
    person.created_at = created_at
    if closed_at is not None:
        referral = new_referral(person, status="active", commit=False)
        referral.created_at = created_at
        record_event(referral, actor=None, to_status="closed", now=closed_at)
        referral.close_reason = "goals_reached"
    db.session.commit()
    return person


@pytest.fixture
def people(units, make_profile, make_meeting):
    """Who is due at NOW with five years, and who is not (and why)."""
    worker = make_profile(units=[units[0]])
    due = {
        "closed_before": person_closed_at(CUTOFF - timedelta(seconds=1), name="Avant", units=[units[0]]),
        "never_referred": person_closed_at(None, name="Jamais", units=[units[1]]),
    }
    kept = {
        "exactly_five_years": person_closed_at(CUTOFF, name="Pile"),
        "recent": person_closed_at(NOW - timedelta(days=400), name="Récent"),
        "legal_hold": person_closed_at(LONG_AGO, name="Retenu"),
        "open_referral": new_person(name="Ouvert"),
        "planned_meeting": person_closed_at(LONG_AGO, name="Prévu"),
        "recent_meeting": person_closed_at(LONG_AGO, name="Vu"),
        "recent_record": person_closed_at(None, name="Nouveau", created_at=NOW - timedelta(days=100)),
    }
    kept["legal_hold"].legal_hold = True
    kept["open_referral"].created_at = LONG_AGO
    new_referral(kept["open_referral"], status="on_hold", review_on=LONG_AGO.date(), commit=False)
    db.session.commit()
    make_meeting(worker, [kept["planned_meeting"]], starts_at=LONG_AGO + timedelta(days=30), status="planned")
    make_meeting(worker, [kept["recent_meeting"]], starts_at=NOW - timedelta(days=30), status="held",
                 participant_status="attended")
    return {name: person.id for name, person in due.items()}, {name: person.id for name, person in kept.items()}


def test_who_is_due_boundary_legal_hold_open_and_recent(people):
    due, kept = people
    assert cutoff(NOW, 5) == CUTOFF
    assert {entry.id for entry in due_people(NOW, 5)} == set(due.values())
    # Exactly five years is not "more than five years"; one second later it is.
    later = {entry.id for entry in due_people(NOW + timedelta(seconds=1), 5)}
    assert kept["exactly_five_years"] in later and kept["legal_hold"] not in later
    report = {entry.id: entry for entry in due_people(NOW, 5)}
    assert report[due["closed_before"]].unit_codes == ("CL3R",)
    assert report[due["closed_before"]].closed_at == CUTOFF - timedelta(seconds=1)
    assert report[due["never_referred"]].closed_at is None


def test_29_february_has_a_cut_off():
    assert cutoff(datetime(2028, 2, 29, 12, tzinfo=timezone.utc), 1) == datetime(2027, 2, 28, 12, tzinfo=timezone.utc)


def test_the_setting_decides_the_period(people, make_account):
    due, kept = people
    save_settings(make_account("coordinator"), two_factor_required=False, retention_years=1, ip=None, now=NOW)
    db.session.commit()
    assert kept["recent"] in {entry.id for entry in due_people(NOW)}
    assert kept["recent_record"] not in {entry.id for entry in due_people(NOW)}


def run_cli(app, *args):
    db.session.commit()  # the command starts outside the test's transaction, as in its own process
    return app.test_cli_runner().invoke(args=["retention", "run", *args])


def test_dry_run_lists_exactly_who_the_run_anonymises_then_none(app, people):
    due, kept = people
    codes = dict(db.session.execute(sa.select(ServiceUser.id, ServiceUser.code)).all())
    dry = run_cli(app, "--dry-run", "--at", "2031-06-15T10:00Z")
    assert dry.exit_code == 0, dry.output
    *dry_lines, last = dry.output.strip().splitlines()
    assert last == f"would anonymise {len(due)} people"
    assert sorted(dry_lines) == sorted(codes[i] for i in due.values())
    assert db.session.scalar(sa.select(sa.func.count()).where(ServiceUser.anonymised_at.is_not(None))) == 0

    real = run_cli(app, "--at", "2031-06-15T10:00Z")
    assert real.exit_code == 0, real.output
    *lines, last = real.output.strip().splitlines()
    assert (lines, last) == (dry_lines, f"anonymised {len(due)} people")
    db.session.expire_all()
    anonymised = {row.id: row for row in db.session.scalars(
        sa.select(ServiceUser).where(ServiceUser.anonymised_at.is_not(None)))}
    assert set(anonymised) == set(due.values())
    assert {p.anonymisation for p in anonymised.values()} == {"retention"}
    assert not any(p.display_name in ("Avant", "Jamais") for p in anonymised.values())
    entry = audit_entries("privacy.retention_run")[-1]
    assert (entry.actor_label, entry.details["count"], sorted(entry.details["people"])) == (
        "command line", len(due), sorted(due.values()))

    again = run_cli(app, "--at", "2031-06-15T10:00Z")
    assert (again.exit_code, again.output) == (0, "anonymised 0 people\n")


def test_a_run_while_another_holds_the_lock_does_nothing(app, people):
    db.session.commit()  # the lock is taken on a connection of its own
    assert acquire(LOCK_NAME, "someone else", utcnow(), LEASE)
    result = run_cli(app, "--at", "2031-06-15T10:00Z")
    assert result.exit_code == 1 and "nothing done" in result.output
    db.session.commit()
    assert run_retention(NOW) is None
    assert db.session.scalar(sa.select(sa.func.count()).where(ServiceUser.anonymised_at.is_not(None))) == 0


def test_the_daily_job_is_scheduled():
    assert "privacy.retention" in {job_id for job_id, *_ in JOBS}


def test_the_report_page_and_run_now(client, signed_in, units):
    # Relative to the real clock: the page and its run use now.
    old = person_closed_at(utcnow() - timedelta(days=6 * 366), name="Ancien", units=[units[0]])
    recent = person_closed_at(utcnow() - timedelta(days=30), name="Récent")
    old_code = old.code
    signed_in("coordinator", locale="en")
    page = client.get("/privacy/retention").get_data(as_text=True)
    assert old_code in page and recent.code not in page and "1 person due for anonymisation" in page
    assert "Ancien" not in page
    # Without the confirmation: refused, nothing changes.
    response = client.post("/privacy/retention", data={})
    assert response.status_code == 400 and "Tick the box to confirm." in response.get_data(as_text=True)
    assert db.session.get(ServiceUser, old.id).anonymised_at is None
    response = client.post("/privacy/retention", data={"confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ServiceUser, old.id).anonymisation == "retention"
    assert db.session.get(ServiceUser, recent.id).anonymised_at is None
    assert "1 person anonymised." in client.get("/privacy/retention").get_data(as_text=True)


@pytest.mark.parametrize("role", ["staff", "peer_worker", "researcher", "service_user"])
def test_only_the_coordinator_reaches_retention(client, make_account, units, role):
    old = person_closed_at(LONG_AGO, name="Ancien")
    sign_in(client, make_account(role, units=[units[0]]))
    assert client.get("/privacy/retention").status_code == 403
    assert client.post("/privacy/retention", data={"confirm": "y"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(ServiceUser, old.id).anonymised_at is None
