"""My space in a real browser: the person sees their peer worker and presence times, sets their follow-up
choice, asks to become a peer worker; the coordinator sees the wish. axe-core on the pages."""
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect

from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.meetings.models import Meeting, MeetingParticipant
from peer_support.peers.models import Absence, PeerProfile, PresenceSlot
from peer_support.timezones import local_today
from peer_support.units.models import Unit
from tests.browser.test_sign_in import assert_accessible, sign_in
from tests.conftest import new_account
from tests.triage.conftest import new_person, new_referral

pytestmark = pytest.mark.browser


def _accompanied_person(app):
    """Paul, with an account, accompanied by Julie (presence times, an absence) and a meeting planned."""
    with app.app_context():
        unit = Unit(code="CL3R", name="Réhabilitation psychosociale")
        db.session.add(unit)
        db.session.commit()
        julie = new_account("peer_worker", name="Julie Moreau", locale="en", units=[unit])
        profile = PeerProfile(account_id=julie.id, presentation="I went through it too; let's talk.")
        db.session.add(profile)
        db.session.flush()
        db.session.add_all([
            PresenceSlot(profile_id=profile.id, weekday=1, starts_at=time(14), ends_at=time(17), unit_id=unit.id,
                         place="Family room"),
            Absence(profile_id=profile.id, starts_on=local_today() + timedelta(days=10),
                    ends_on=local_today() + timedelta(days=12), kind="training", public_note="Back on Friday")])
        paul = new_account("service_user", name="Paul Durand", locale="en")
        person = new_person(name="Paul", units=[unit])
        person.account_id = paul.id
        new_referral(person, unit=unit, status="active", peer_profile=profile)
        start = utcnow() + timedelta(days=3)
        meeting = Meeting(peer_profile_id=profile.id, format="individual", starts_at=start, duration_minutes=45,
                          ends_at=start + timedelta(minutes=45), place_kind="hospital", place_detail="Cafeteria")
        meeting.participants = [MeetingParticipant(service_user_id=person.id)]
        db.session.add(meeting)
        db.session.commit()
        email = paul.email
        db.session.remove()
    return email


def test_the_person_sees_their_worker_chooses_follow_up_and_wishes_to_become_one(live_server, new_page):
    paul = _accompanied_person(live_server.app)
    coordinator = live_server.make_account("coordinator", locale="en")

    page = new_page("en-US")
    sign_in(page, live_server, paul)
    expect(page.get_by_role("heading", level=1)).to_have_text("My space")
    expect(page.get_by_role("heading", name="Julie Moreau")).to_be_visible()
    expect(page.get_by_text("I went through it too; let's talk.")).to_be_visible()
    expect(page.get_by_role("cell", name="Family room (Réhabilitation psychosociale)")).to_be_visible()
    expect(page.get_by_role("cell", name="14:00 to 17:00")).to_be_visible()
    expect(page.get_by_text("Back on Friday")).to_be_visible()
    expect(page.get_by_text("Cafeteria")).to_be_visible()
    assert_accessible(page, "/my-space")

    page.get_by_label("I will get in touch myself").check()
    page.get_by_role("button", name="Save my choice").click()
    expect(page.get_by_text("Your choice is saved")).to_be_visible()
    expect(page.get_by_label("I will get in touch myself")).to_be_checked()

    page.get_by_role("link", name="I would like to become a peer worker").click()
    page.get_by_label("A few words about your wish (optional)").fill("I would like to help in turn.")
    page.get_by_role("button", name="I would like to become a peer worker").click()
    expect(page.get_by_text("Thank you: the coordinator receives your message.")).to_be_visible()
    expect(page.get_by_text("Interested").first).to_be_visible()
    assert_accessible(page, "/my-space/become-a-peer-worker")

    # The coordinator sees the wish, and answers it.
    other = new_page("en-US")
    sign_in(other, live_server, coordinator)
    other.goto(f"{live_server.url}/becoming-a-peer-worker/")
    assert_accessible(other, "/becoming-a-peer-worker/")
    other.get_by_role("link", name="Paul").click()
    expect(other.get_by_text("I would like to help in turn.")).to_be_visible()
    assert_accessible(other, "/becoming-a-peer-worker/<id>")
    other.get_by_label("Status").select_option(label="Informed")
    other.get_by_label("Note").fill("Information meeting on the 12th.")
    other.get_by_role("button", name="Save").click()
    expect(other.get_by_text("The follow-up is saved")).to_be_visible()

    page.reload()
    expect(page.get_by_text("Information meeting on the 12th.")).to_be_visible()


def test_the_other_pages_are_accessible(live_server, new_page):
    """axe-core on the forms: cancelling a meeting, asking for contact, the invitation pages."""
    import sqlalchemy as sa

    from peer_support.myspace.invitations import INVITATION_LIFETIME, token_hash
    from peer_support.people.models import AccountInvitation

    paul = _accompanied_person(live_server.app)
    coordinator = live_server.make_account("coordinator", locale="en")
    with live_server.app.app_context():
        meeting_id = db.session.scalar(sa.select(Meeting.id))
        unit = db.session.scalar(sa.select(Unit))
        invitee = new_person(name="Inès", units=[unit])
        invitee.email = "ines@example.org"
        db.session.add(AccountInvitation(service_user_id=invitee.id, email=invitee.email,
                                         token_hash=token_hash("a-token-for-the-test"), created_at=utcnow(),
                                         expires_at=utcnow() + INVITATION_LIFETIME))
        db.session.commit()
        invitee_id = invitee.id
        db.session.remove()
    anonymous = new_page("en-US")
    for path in ("/invitation/a-token-for-the-test", "/invitation/unknown"):
        anonymous.goto(f"{live_server.url}{path}")
        assert_accessible(anonymous, path)
    anonymous.goto(f"{live_server.url}/invitation/a-token-for-the-test")
    anonymous.get_by_role("button", name="Create my account").click()
    assert_accessible(anonymous, "invitation with errors")

    page = new_page("en-US")
    sign_in(page, live_server, paul)
    for path in (f"/my-space/meetings/{meeting_id}/cancel", "/my-space/contact", "/my-space/who-saw-my-record"):
        page.goto(f"{live_server.url}{path}")
        assert_accessible(page, path)
    page.goto(f"{live_server.url}/my-space/meetings/{meeting_id}/cancel")
    page.get_by_role("button", name="Cancel my participation").click()
    expect(page.get_by_text("The meeting is cancelled")).to_be_visible()
    expect(page.get_by_text("No meeting planned.")).to_be_visible()

    other = new_page("en-US")
    sign_in(other, live_server, coordinator)
    for path in (f"/people/{invitee_id}", f"/people/{invitee_id}/invite", f"/becoming-a-peer-worker/new/{invitee_id}",
                 f"/people/{invitee_id}/accesses"):
        other.goto(f"{live_server.url}{path}")
        assert_accessible(other, path)
