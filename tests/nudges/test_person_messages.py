"""The opt-in message to the person themselves (nudges/person_messages.py), and its mail (nudges/delivery.py).

The situation: Camille chose "contact me again"; her last meeting with her peer worker was on 20 April, so the
worker's contact_gap nudge is due on 30 April and raised by the evaluation of Monday 4 May, 9:00 (EVAL). Three
days later, if Camille and her unit both opted in and an address is known, Camille gets a message of her own."""
from __future__ import annotations

from datetime import timedelta

import pytest

from peer_support.extensions import db
from peer_support.nudges import services
from peer_support.nudges.delivery import send_due_mail
from peer_support.nudges.models import Nudge
from peer_support.nudges.services import NudgeFilter
from peer_support.permissions import can_act_on_nudge
from tests.conftest import new_account, sign_in
from tests.nudges.conftest import EVAL, active_keys, evaluate_at, keys, nudges, paris, person_choosing, referral_at
from tests.nudges.test_delivery import body, outbox

THREE_DAYS_ON = EVAL + timedelta(days=3)


@pytest.fixture
def situation(app, worker, held, cl3r):
    """Everything on: the unit allows the messages, Camille opted in and has an e-mail address."""
    cl3r.person_messages = True
    person = person_choosing("contact_me_again", name="Camille Zébulon", units=[cl3r])
    person.email = "camille@example.org"
    person.contact_message_opt_in = True
    gap = referral_at(paris(2026, 2, 2), person, status="active", worker=worker, unit=cl3r)
    held(worker, person, paris(2026, 4, 20))
    db.session.commit()
    return {"person": person, "referral": gap, "unit": cl3r, "worker": worker}


def message_key(situation) -> tuple:
    return ("person_message", "referral", situation["referral"].id, "2026-04-30", "person")


def test_the_message_comes_n_days_after_the_workers_nudge(situation):
    assert keys(evaluate_at(EVAL)) == {("contact_gap", "referral", situation["referral"].id, "2026-04-30", "worker")}
    assert evaluate_at(THREE_DAYS_ON - timedelta(minutes=1)) == []
    assert keys(evaluate_at(THREE_DAYS_ON)) == {message_key(situation)}
    [message] = nudges(Nudge.rule == "person_message")
    assert message.account_id is None and message.service_user_id == situation["person"].id
    assert message.unit_id == situation["unit"].id and message.status == "open"
    # Idempotent like every rule.
    assert evaluate_at(THREE_DAYS_ON) == [] and evaluate_at(THREE_DAYS_ON + timedelta(hours=5)) == []


def test_the_units_threshold_applies(situation):
    from tests.nudges.conftest import set_threshold

    set_threshold("person_message", 1, situation["unit"])
    evaluate_at(EVAL)
    assert keys(evaluate_at(EVAL + timedelta(days=1))) == {message_key(situation)}


def test_a_snoozed_reminder_is_still_waiting_for_contact(situation):
    evaluate_at(EVAL)
    db.session.execute(db.update(Nudge).where(Nudge.rule == "contact_gap")
                       .values(status="snoozed", snoozed_until=(EVAL + timedelta(days=10)).date()))
    db.session.commit()
    assert keys(evaluate_at(THREE_DAYS_ON)) == {message_key(situation)}


@pytest.mark.parametrize("change", ["person_off", "unit_off", "no_email", "i_will_get_in_touch", "no_choice"])
def test_no_message_unless_every_condition_holds(situation, change):
    evaluate_at(EVAL)
    person, unit = situation["person"], situation["unit"]
    if change == "person_off":
        person.contact_message_opt_in = False
    elif change == "unit_off":
        unit.person_messages = False
    elif change == "no_email":
        person.email = "  "
    elif change == "i_will_get_in_touch":
        person.follow_up_choice = "i_will_get_in_touch"
    else:
        person.follow_up_choice = None
    db.session.commit()
    evaluate_at(THREE_DAYS_ON)
    evaluate_at(THREE_DAYS_ON + timedelta(days=30))
    assert nudges(Nudge.rule == "person_message") == []


def test_the_persons_own_account_address_will_do(app, situation):
    person = situation["person"]
    person.email = None
    account = new_account("service_user", email="camille.account@example.org")
    person.account_id = account.id
    db.session.commit()
    evaluate_at(EVAL)
    assert keys(evaluate_at(THREE_DAYS_ON)) == {message_key(situation)}
    send_due_mail(THREE_DAYS_ON + timedelta(hours=1))
    assert [m["To"] for m in outbox(app)] == ["camille.account@example.org"]


def test_withdrawing_the_opt_in_resolves_the_message(situation):
    evaluate_at(EVAL)
    evaluate_at(THREE_DAYS_ON)
    situation["person"].contact_message_opt_in = False
    db.session.commit()
    evaluate_at(THREE_DAYS_ON + timedelta(hours=1))
    assert active_keys("person_message") == set()
    assert [n.status for n in nudges(Nudge.rule == "person_message")] == ["resolved"]


def test_a_planned_meeting_resolves_both(situation, planned):
    evaluate_at(EVAL)
    evaluate_at(THREE_DAYS_ON)
    planned(situation["worker"], situation["person"], paris(2026, 5, 12, 14))
    evaluate_at(THREE_DAYS_ON + timedelta(hours=1))
    assert active_keys() == set()


def test_the_person_is_mailed_once_kindly_without_health_details(app, situation):
    situation["person"].preferred_language = "en"
    db.session.commit()
    evaluate_at(EVAL)
    evaluate_at(THREE_DAYS_ON)
    db.session.commit()
    # 9:00 in Paris: outside the quiet hours.
    report = send_due_mail(THREE_DAYS_ON)
    assert report.sent == [("person", situation["person"].id)]
    [message] = outbox(app)
    text = body(message)
    assert message["To"] == "camille@example.org"
    assert message["Subject"] == "Would you like to meet your peer worker again?"
    assert "You can reply to this message, or ask from My space:" in text
    assert "http://127.0.0.1:5000/my-space/contact" in text
    assert "Zébulon" not in text and "Camille" not in text
    assert "health" not in text.lower() and "meeting on" not in text.lower()
    db.session.commit()
    assert send_due_mail(THREE_DAYS_ON + timedelta(minutes=15)).mails == 0
    assert len(outbox(app)) == 1
    [nudge] = nudges(Nudge.rule == "person_message")
    assert nudge.mailed_at is not None


def test_no_message_to_the_person_in_the_night(app, situation):
    evaluate_at(EVAL)
    evaluate_at(THREE_DAYS_ON)
    db.session.commit()
    assert send_due_mail(paris(2026, 5, 7, 22)).mails == 0
    db.session.commit()
    assert ("person", situation["person"].id) in send_due_mail(paris(2026, 5, 8, 8)).sent


def test_withdrawn_between_evaluation_and_mail_nothing_is_sent(app, situation):
    evaluate_at(EVAL)
    evaluate_at(THREE_DAYS_ON)
    situation["person"].contact_message_opt_in = False
    db.session.commit()
    assert send_due_mail(THREE_DAYS_ON).mails == 0


def test_never_in_the_notification_centre_and_never_escalated(app, situation, client):
    coordinator = new_account("coordinator")
    evaluate_at(EVAL)
    evaluate_at(THREE_DAYS_ON)
    [message] = nudges(Nudge.rule == "person_message")
    page = services.list_nudges(coordinator, NudgeFilter(scope="programme", status="all"), page=1, per_page=50)
    assert "person_message" not in {item.nudge.rule for item in page.items} and page.total == 1
    worker_account = db.session.get(type(coordinator), situation["worker"].account_id)
    assert [i.nudge.rule for i in services.list_nudges(worker_account, NudgeFilter(), page=1, per_page=50).items] == [
        "contact_gap"]
    assert services.unread_count(coordinator) == 0
    assert not can_act_on_nudge(coordinator, message)
    sign_in(client, coordinator)
    assert client.post(f"/nudges/{message.id}/done").status_code in (403, 404)
    # The worker's nudge escalates after 5 days; the message to the person never does.
    created = evaluate_at(EVAL + timedelta(days=6))
    assert [(row.rule, row.subject_id) for row in created] == [
        ("escalation", nudges(Nudge.rule == "contact_gap")[0].id)]
