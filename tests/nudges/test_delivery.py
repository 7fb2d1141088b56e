"""Nudges by e-mail (nudges/delivery.py): each account's choice, quiet hours, the daily digest, the coordination's
mails, idempotency, and what a mail may say (no name, no health detail), read from the per-test outbox."""
from __future__ import annotations

from datetime import time, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from peer_support.auth.models import Account
from peer_support.extensions import db
from peer_support.nudges import delivery, lock
from peer_support.nudges.delivery import in_quiet_hours, run_delivery, send_due_mail
from peer_support.nudges.labels import explain
from peer_support.nudges.models import Nudge, NudgeMailPreference, NudgeMailReceipt
from peer_support.scheduler import mail_nudges
from tests.conftest import new_account
from tests.helpers import outbox_messages, audit_entries
from tests.nudges.conftest import EVAL, evaluate_at, paris, person_choosing, referral_at
from tests.nudges.ui_fixtures import new_nudge


# --- Reading the outbox ------------------------------------------------------------------------------------

def outbox(app) -> list:
    """The messages written so far, oldest first, parsed."""
    return outbox_messages(app)


def body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def to(messages) -> list[str]:
    return [message["To"] for message in messages]


def prefer(account, mode: str, start=time(20), end=time(8), hour: int = 8) -> None:
    db.session.add(NudgeMailPreference(account_id=account.id, mode=mode, quiet_start=start, quiet_end=end,
                                       digest_hour=hour))
    db.session.commit()


# A datetime is immutable: computing the default once, at import, is what is meant.
def nudge_for(account=None, *, rule="contact_gap", created=paris(2026, 5, 3, 10), **fields) -> Nudge:  # noqa: B008
    """An open nudge for an account (audience worker) or, without one, for the coordination, raised at `created`."""
    return new_nudge(rule=rule, account=account, created_at=created, **fields)


def mail_at(moment):
    """One run of the job's work as of `moment` (outside any transaction, as the job starts)."""
    db.session.commit()
    return send_due_mail(moment)


@pytest.fixture
def worker_account(app):
    return new_account("peer_worker", email="julie@example.org", name="Julie Worker", locale="en")


# --- Quiet hours -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("clock, start, end, quiet", [
    (time(19, 59), time(20), time(8), False), (time(20), time(20), time(8), True),
    (time(23, 30), time(20), time(8), True), (time(0, 0), time(20), time(8), True),
    (time(7, 59), time(20), time(8), True), (time(8), time(20), time(8), False),
    (time(12), time(12), time(14), True), (time(13, 59), time(12), time(14), True),
    (time(14), time(12), time(14), False),
    (time(11, 59), time(12), time(14), False)])
def test_quiet_hours_may_span_midnight(clock, start, end, quiet):
    assert in_quiet_hours(clock, start, end) is quiet


# --- Digest, immediate, off ---------------------------------------------------------------------------------

def test_the_default_is_one_digest_a_day_at_eight(app, worker_account):
    nudge_for(worker_account)
    nudge_for(worker_account, rule="first_meeting")
    assert mail_at(paris(2026, 5, 4, 7, 45)).mails == 0
    report = mail_at(paris(2026, 5, 4, 8))
    assert (report.mails, report.nudges, report.sent) == (1, 2, [("digest", worker_account.id)])
    [message] = outbox(app)
    assert message["To"] == "julie@example.org"
    assert "You have 2 follow-up reminders waiting." in body(message)
    # Raised after the digest went out: it waits for tomorrow's, even within the digest hour.
    late = nudge_for(worker_account, rule="hold_review", created=paris(2026, 5, 4, 8, 5))
    assert mail_at(paris(2026, 5, 4, 8, 15)).mails == 0
    assert mail_at(paris(2026, 5, 4, 14)).mails == 0
    assert mail_at(paris(2026, 5, 5, 8)).sent == [("digest", worker_account.id)]
    assert len(outbox(app)) == 2 and "You have 1 follow-up reminder waiting." in body(outbox(app)[1])
    assert db.session.get(NudgeMailPreference, worker_account.id).last_digest_on.isoformat() == "2026-05-05"
    db.session.expire_all()
    assert db.session.get(Nudge, late.id).mailed_at is not None


def test_a_digest_at_the_hour_the_person_chose(app, worker_account):
    prefer(worker_account, "digest", hour=17)
    nudge_for(worker_account)
    assert mail_at(paris(2026, 5, 4, 8)).mails == 0
    assert mail_at(paris(2026, 5, 4, 17, 15)).mails == 1
    assert mail_at(paris(2026, 5, 4, 17, 30)).mails == 0


def test_immediate_mails_wait_for_the_quiet_hours_to_end_across_midnight(app, worker_account):
    prefer(worker_account, "immediate", start=time(20), end=time(8))
    nudge_for(worker_account, created=paris(2026, 5, 3, 21))
    for moment in (paris(2026, 5, 3, 21), paris(2026, 5, 3, 23, 45), paris(2026, 5, 4, 2), paris(2026, 5, 4, 7, 45)):
        assert mail_at(moment).mails == 0, moment
    assert mail_at(paris(2026, 5, 4, 8)).sent == [("immediate", worker_account.id)]
    # In the day, a new one goes at the next run, in a mail of its own.
    nudge_for(worker_account, rule="first_meeting", created=paris(2026, 5, 4, 10))
    assert mail_at(paris(2026, 5, 4, 10, 15)).nudges == 1
    assert len(outbox(app)) == 2


def test_quiet_hours_within_a_day(app, worker_account):
    prefer(worker_account, "immediate", start=time(12), end=time(14))
    nudge_for(worker_account, created=paris(2026, 5, 4, 12, 10))
    assert mail_at(paris(2026, 5, 4, 13, 45)).mails == 0
    assert mail_at(paris(2026, 5, 4, 14)).mails == 1


def test_off_sends_nothing_and_the_nudge_stays_in_the_app(app, worker_account):
    prefer(worker_account, "off")
    nudge = nudge_for(worker_account)
    for moment in (paris(2026, 5, 4, 8), paris(2026, 5, 4, 10), paris(2026, 5, 5, 8)):
        assert mail_at(moment).mails == 0
    assert outbox(app) == []
    db.session.expire_all()
    assert db.session.get(Nudge, nudge.id).mailed_at is None


def test_only_open_nudges_of_active_accounts_are_mailed(app, worker_account):
    prefer(worker_account, "immediate")
    gone = new_account("peer_worker", is_active=False)
    prefer(gone, "immediate")
    nudge_for(worker_account, status="snoozed", snoozed_until=paris(2026, 5, 9).date())
    nudge_for(worker_account, rule="first_meeting", status="done")
    nudge_for(worker_account, rule="hold_review", status="resolved")
    nudge_for(gone)
    assert mail_at(paris(2026, 5, 4, 10)).mails == 0


# --- The coordination ----------------------------------------------------------------------------------------

def test_a_coordination_nudge_goes_to_each_coordinator_by_their_own_choice(app):
    morning = new_account("coordinator", email="morning@example.org")          # digest (default)
    at_once = new_account("coordinator", email="at-once@example.org")
    prefer(at_once, "immediate")
    never = new_account("coordinator", email="never@example.org")
    prefer(never, "off")
    new_account("coordinator", email="left@example.org", is_active=False)
    new_account("staff", email="staff@example.org")                             # not the coordination
    nudge = nudge_for(None, rule="triage_delay", created=paris(2026, 5, 3, 10))
    assert mail_at(paris(2026, 5, 3, 10, 15)).sent == [("immediate", at_once.id)]
    db.session.expire_all()
    assert db.session.get(Nudge, nudge.id).mailed_at is None  # the morning's coordinator is still waiting
    assert mail_at(paris(2026, 5, 3, 16)).mails == 0
    assert mail_at(paris(2026, 5, 4, 8)).sent == [("digest", morning.id)]
    assert to(outbox(app)) == ["at-once@example.org", "morning@example.org"]
    db.session.expire_all()
    assert db.session.get(Nudge, nudge.id).mailed_at is not None
    assert {r.account_id for r in db.session.scalars(sa.select(NudgeMailReceipt))} == {at_once.id, morning.id}
    assert mail_at(paris(2026, 5, 5, 8)).mails == 0


def test_coordinators_each_get_one_mail_for_several_nudges(app):
    first, second = new_account("coordinator", locale="en"), new_account("coordinator", locale="en")
    nudge_for(None, rule="triage_delay")
    nudge_for(None, rule="hold_review")
    report = mail_at(paris(2026, 5, 4, 8))
    assert sorted(report.sent) == [("digest", first.id), ("digest", second.id)] and report.nudges == 4
    assert all("You have 2 follow-up reminders waiting." in body(m) for m in outbox(app))


# --- Idempotency ------------------------------------------------------------------------------------------

def test_running_twice_sends_no_second_mail(app, worker_account):
    prefer(worker_account, "immediate")
    nudge_for(worker_account)
    assert mail_at(paris(2026, 5, 4, 10)).mails == 1
    assert mail_at(paris(2026, 5, 4, 10)).mails == 0
    assert mail_at(paris(2026, 5, 4, 10, 15)).mails == 0
    assert len(outbox(app)) == 1
    [entry] = audit_entries("nudges.mail_sent")
    assert entry.details["kind"] == "immediate" and entry.details["count"] == 1


def test_a_mail_that_fails_is_tried_again_and_nothing_is_recorded(app, worker_account, monkeypatch):
    prefer(worker_account, "immediate")
    nudge = nudge_for(worker_account)

    def down(*args, **kwargs):
        raise OSError("the mail server is down")

    monkeypatch.setattr(delivery, "send_mail", down)
    report = mail_at(paris(2026, 5, 4, 10))
    assert (report.mails, report.failures) == (0, 1)
    db.session.expire_all()
    assert db.session.get(Nudge, nudge.id).mailed_at is None and audit_entries("nudges.mail_sent") == []
    monkeypatch.undo()
    assert mail_at(paris(2026, 5, 4, 10, 15)).mails == 1


def test_a_crash_after_sending_resends_that_mail_once_at_most(app, worker_account, monkeypatch):
    prefer(worker_account, "immediate")
    nudge_for(worker_account)
    real = delivery.send_mail

    def sent_then_crash(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("the process died before the commit")

    monkeypatch.setattr(delivery, "send_mail", sent_then_crash)
    assert mail_at(paris(2026, 5, 4, 10)).failures == 1
    monkeypatch.undo()
    assert mail_at(paris(2026, 5, 4, 10, 15)).mails == 1
    assert mail_at(paris(2026, 5, 4, 10, 30)).mails == 0
    assert len(outbox(app)) == 2  # the one duplicate, no more


def test_a_nudge_that_comes_back_is_mailed_again(app, worker_account):
    prefer(worker_account, "immediate")
    nudge = nudge_for(worker_account)
    mail_at(paris(2026, 5, 4, 10))
    # What engine._raise does to a nudge that resolved itself and is due again.
    db.session.execute(sa.update(Nudge).where(Nudge.id == nudge.id)
                       .values(status="open", mailed_at=None, created_at=paris(2026, 5, 6, 10)))
    assert mail_at(paris(2026, 5, 6, 10, 15)).mails == 1


def test_the_job_holds_its_own_lock(app, worker_account):
    prefer(worker_account, "immediate")
    nudge_for(worker_account, created=paris(2020, 1, 1))
    db.session.commit()
    from peer_support.db import utcnow

    assert lock.acquire(delivery.LOCK_NAME, "another-process", utcnow(), timedelta(minutes=5))
    assert run_delivery(utcnow()) is None
    assert outbox(app) == []
    lock.release(delivery.LOCK_NAME, "another-process")
    mail_nudges()  # the scheduler's job, as of now
    db.session.rollback()
    assert len(outbox(app)) == (0 if in_quiet_hours(delivery.to_local(utcnow()).time(), time(20), time(8)) else 1)


# --- What a mail says -------------------------------------------------------------------------------------

def test_the_mail_has_no_name_and_no_health_detail_only_a_link(app, make_profile, held, cl3r):
    worker = make_profile(units=[cl3r])
    account = db.session.get(Account, worker.account_id)
    account.locale = "en"
    person = person_choosing("contact_me_again", name="Zébulon Quasimodo", units=[cl3r])
    referral_at(paris(2026, 2, 2), person, status="active", worker=worker, unit=cl3r)
    held(worker, person, paris(2026, 4, 20))
    [gap] = evaluate_at(EVAL)
    nudge = db.session.get(Nudge, gap.id)
    with force_locale("en"):
        explanation = explain(nudge, person_name=person.display_name)
    mail_at(paris(2026, 5, 5, 8))
    [message] = outbox(app)
    text = body(message) + message["Subject"]
    assert "Zébulon" not in text and "Quasimodo" not in text and account.name not in text
    assert explanation not in text
    for sentence in explanation.split(". "):
        assert sentence.strip(". ") not in text
    assert "contact me again" not in text.lower() and "last meeting" not in text.lower()
    assert "You have 1 follow-up reminder waiting." in text and "- Time to get back in touch (1)" in text
    assert "http://127.0.0.1:5000/nudges/" in text


def test_links_follow_app_base_url(app, worker_account):
    app.config["APP_BASE_URL"] = "https://peer.example.org/pairs/"
    nudge_for(worker_account)
    mail_at(paris(2026, 5, 4, 8))
    text = body(outbox(app)[0])
    assert "https://peer.example.org/pairs/nudges/" in text
    assert "https://peer.example.org/pairs/account/settings" in text


def test_the_mail_is_in_the_recipients_language(app):
    french = new_account("peer_worker", email="fr@example.org", locale="fr")
    english = new_account("peer_worker", email="en@example.org", locale="en")
    for account in (french, english):
        nudge_for(account)
    mail_at(paris(2026, 5, 4, 8))
    by_address = {message["To"]: body(message) for message in outbox(app)}
    assert "Moment de reprendre contact" in by_address["fr@example.org"]
    assert "Time to get back in touch" in by_address["en@example.org"]
    assert "Moment de reprendre contact" not in by_address["en@example.org"]
