"""The scheduled job: invitations after the Nth held meeting and at closing, mails, at most two reminders,
automatic cancellation (reopened, consent withdrawn, form closed), idempotence and the lease."""
from __future__ import annotations

from datetime import timedelta

import pytest

from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.feedback import invitations
from peer_support.feedback.models import FeedbackForm
from peer_support.nudges import lock
from peer_support.referrals.models import Referral
from tests.feedback.conftest import new_consent, new_form, new_study
from tests.feedback.test_invitations import fresh_invitations, person_with_email, token_in
from tests.meetings.conftest import accompany, make_meeting  # noqa: F401  (shared fixtures)
from tests.peers.conftest import domains, make_profile  # noqa: F401  (shared fixtures)
from tests.triage.conftest import new_referral, units  # noqa: F401  (shared fixtures)


def run(now):
    """One run of the job as of `now`, committed (outside any transaction, as the scheduler starts it)."""
    db.session.commit()
    return invitations.run_job(now)


def with_trigger(form, trigger, count=None):
    form = db.session.get(FeedbackForm, form.id)
    form.trigger, form.trigger_meeting_count = trigger, count
    db.session.commit()
    return form


@pytest.fixture
def worker(make_profile, units):
    return make_profile(units=[units[0]])


@pytest.fixture
def held(make_meeting):
    def make(profile, person, moment):
        return make_meeting(profile, [person], starts_at=moment, status="held", participant_status="attended")

    return make


def test_after_the_nth_held_meeting_one_invitation_is_made_and_mailed_once(worker, held, outbox):
    form = with_trigger(new_form(privacy="care_only"), "after_meetings", 2)
    start = utcnow()
    person = person_with_email()
    absent = person_with_email(name="Absent", email="absent@example.org")
    held(worker, person, start + timedelta(hours=1))
    held(worker, absent, start + timedelta(hours=1))
    now = start + timedelta(days=1)
    assert run(now).created == 0
    held(worker, person, start + timedelta(hours=2))
    report = run(now)
    assert (report.created, report.sent) == (1, 1)
    [invitation] = fresh_invitations()
    assert (invitation.service_user_id, invitation.trigger, invitation.expires_at) == (
        person.id, "after_meetings", now + timedelta(days=form.invitation_valid_days))
    [message] = outbox()
    assert message["To"] == "ines@example.org" and invitation.token_hash == invitations.token_hash(token_in(message))
    # Idempotent: the same time again does nothing; a third meeting later makes no second invitation.
    assert run(now) == invitations.JobReport()
    held(worker, person, start + timedelta(hours=3))
    assert run(now + timedelta(hours=1)).created == 0
    assert len(fresh_invitations()) == 1 and len(outbox()) == 1


def test_meetings_held_before_the_form_was_published_do_not_trigger_it(worker, held, make_meeting):
    person = person_with_email()
    before = utcnow() - timedelta(days=30)
    held(worker, person, before)
    held(worker, person, before + timedelta(days=1))
    make_meeting(worker, [person], starts_at=utcnow() - timedelta(days=2), status="held", participant_status="absent")
    with_trigger(new_form(), "after_meetings", 2)
    assert run(utcnow() + timedelta(days=1)).created == 0


def test_at_closing_once_per_referral_cancelled_if_it_reopens_and_made_again_at_the_next_closing(worker):
    with_trigger(new_form(privacy="care_only"), "at_closing")
    person = person_with_email()
    declined = person_with_email(name="Declined", email="d@example.org")
    new_referral(declined, status="closed", close_reason="user_declined")  # never accompanied
    referral = new_referral(person, status="closed", peer_profile=worker, accepted=True, close_reason="goals_reached")
    now = utcnow() + timedelta(minutes=5)
    assert run(now).created == 1
    [invitation] = fresh_invitations()
    assert (invitation.referral_id, invitation.trigger) == (referral.id, "at_closing")
    assert run(now).created == 0

    db.session.get(Referral, referral.id).status = "active"
    db.session.commit()
    report = run(now + timedelta(hours=1))
    assert (report.cancelled, report.created) == (1, 0)
    assert fresh_invitations()[0].cancel_reason == "reopened"

    closing = db.session.get(Referral, referral.id)
    closing.status, closing.status_changed_at = "closed", now + timedelta(hours=2)
    db.session.commit()
    assert run(now + timedelta(hours=3)).created == 1
    assert [i.cancel_reason for i in fresh_invitations()] == ["reopened", None]


def test_nobody_is_invited_after_an_accompaniment_closed_by_a_death(worker):
    with_trigger(new_form(), "at_closing")
    person = person_with_email()
    new_referral(person, status="closed", peer_profile=worker, accepted=True, close_reason="deceased")
    assert run(utcnow() + timedelta(minutes=5)).created == 0


def test_at_most_two_reminders_the_forms_interval_apart_each_with_a_new_link(worker, outbox):
    form = with_trigger(new_form(), "at_closing")
    form.invitation_valid_days = 30
    db.session.commit()
    person = person_with_email()
    new_referral(person, status="closed", peer_profile=worker, accepted=True, close_reason="goals_reached")
    sent = utcnow() + timedelta(minutes=5)
    run(sent)
    assert run(sent + timedelta(days=6, hours=23)).reminded == 0  # default interval: 7 days
    assert run(sent + timedelta(days=7)).reminded == 1
    assert run(sent + timedelta(days=7)).reminded == 0
    assert run(sent + timedelta(days=13, hours=23)).reminded == 0
    assert run(sent + timedelta(days=14)).reminded == 1
    [invitation] = fresh_invitations()
    assert (invitation.reminders_sent, invitation.last_reminder_at) == (2, sent + timedelta(days=14))
    assert run(sent + timedelta(days=21)).reminded == 0  # two at most
    assert run(sent + timedelta(days=28)).reminded == 0
    messages = outbox()
    assert [m["Subject"].startswith("Reminder") for m in messages] == [False, True, True]
    tokens = [token_in(m) for m in messages]
    assert len(set(tokens)) == 3 and invitation.token_hash == invitations.token_hash(tokens[-1])
    assert "replaces the link of our earlier message" in messages[1].get_content()


def test_no_reminder_once_answered_expired_or_without_e_mail(worker, make_account):
    form = new_form()
    coordinator = make_account("coordinator")
    now = utcnow()
    answered = invitations.invite_person(coordinator, form, person_with_email(), ip=None, now=now)
    no_mail = invitations.invite_person(coordinator, form, person_with_email(name="No mail", email=None), ip=None,
                                        now=now)
    answered.answered_at = now + timedelta(days=1)
    db.session.commit()
    assert no_mail.sent_at is None
    report = run(now + timedelta(days=8))
    assert (report.sent, report.reminded) == (0, 0)
    assert run(now + timedelta(days=15)).reminded == 0  # expired after 14 days


def test_the_job_cancels_invitations_whose_form_closed_or_whose_consent_was_withdrawn(make_account):
    study = new_study()
    research = new_form(privacy="pseudonymous", study=study)
    closing = new_form()
    person = person_with_email()
    consent = new_consent(study, service_user=person)
    coordinator = make_account("coordinator")
    now = utcnow()
    in_study = invitations.invite_person(coordinator, research, person, ip=None, now=now)
    in_closed = invitations.invite_person(coordinator, closing, person, ip=None, now=now)
    db.session.commit()
    # Changed behind the services' backs: the job notices.
    db.session.get(type(consent), consent.id).withdrawn_at = now
    db.session.get(FeedbackForm, closing.id).status = "closed"
    db.session.commit()
    assert run(now + timedelta(minutes=1)).cancelled == 2
    reasons = {i.id: i.cancel_reason for i in fresh_invitations()}
    assert reasons == {in_study.id: "consent_withdrawn", in_closed.id: "form_closed"}
    assert run(now + timedelta(minutes=1)).cancelled == 0


def test_a_person_who_withdrew_from_the_study_is_not_invited_to_its_forms(worker):
    study = new_study()
    with_trigger(new_form(privacy="pseudonymous", study=study), "at_closing")
    person = person_with_email()
    new_consent(study, service_user=person, withdrawn=True)
    new_referral(person, status="closed", peer_profile=worker, accepted=True, close_reason="goals_reached")
    assert run(utcnow() + timedelta(minutes=5)).created == 0


def test_the_job_does_nothing_while_another_process_holds_its_lease(worker):
    with_trigger(new_form(), "at_closing")
    new_referral(person_with_email(), status="closed", peer_profile=worker, accepted=True,
                 close_reason="goals_reached")
    db.session.commit()
    assert lock.acquire(invitations.LOCK_NAME, "someone-else", utcnow(), timedelta(minutes=5))
    assert run(utcnow() + timedelta(minutes=5)) is None
    assert fresh_invitations() == []
    db.session.commit()  # the lease is given back on its own connection
    lock.release(invitations.LOCK_NAME, "someone-else")
    assert run(utcnow() + timedelta(minutes=5)).created == 1


def test_finding_due_invitations_is_set_based(worker, held):
    """A fixed number of statements whatever the number of people (no loop over people)."""
    from tests.helpers import counted_statements

    with_trigger(new_form(), "after_meetings", 1)
    with_trigger(new_form(), "at_closing")
    start = utcnow()

    def statements_for(count):
        for number in range(count):
            person = person_with_email(name=f"P{number}", email=None)
            held(worker, person, start + timedelta(minutes=number + 1))
        db.session.commit()
        with counted_statements() as statements:
            invitations.cancel_stale(start + timedelta(days=1))
            invitations.create_due(start + timedelta(days=1))
        db.session.rollback()
        return len(statements)

    assert statements_for(2) == statements_for(6)
