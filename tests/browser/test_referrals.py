"""Issue 4's journey in a real browser: staff refers, the coordinator proposes, the worker accepts, the person
is invited by e-mail, opens their account, sees their peer worker and presence times, and chooses follow-up."""
import re
from datetime import time
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from playwright.sync_api import expect

from peer_support.extensions import db
from peer_support.peers.models import PeerProfile, PresenceSlot
from peer_support.units.models import Unit
from tests.browser.test_sign_in import assert_accessible, sign_in
from tests.conftest import new_account

pytestmark = pytest.mark.browser


def _team(app):
    with app.app_context():
        unit = Unit(code="CL3R", name="Réhabilitation psychosociale")
        db.session.add(unit)
        db.session.commit()
        staff = new_account("staff", name="Dr Claire Martin", profession="doctor", units=[unit], locale="en")
        coordinator = new_account("coordinator", locale="en")
        worker = new_account("peer_worker", name="Julie Moreau", units=[unit], locale="en")
        profile = PeerProfile(account_id=worker.id, languages=["fr"], meeting_formats=["individual"])
        db.session.add(profile)
        db.session.flush()
        db.session.add(PresenceSlot(profile_id=profile.id, weekday=1, starts_at=time(14), ends_at=time(17),
                                    unit_id=unit.id, place="Family room"))
        db.session.commit()
        emails = staff.email, coordinator.email, worker.email
        db.session.remove()
    return emails


def test_staff_refers_the_coordinator_proposes_the_worker_accepts_the_person_chooses_follow_up(live_server, new_page):
    staff, coordinator, worker = _team(live_server.app)

    # Staff refers someone new, creating the record in the same form.
    page = new_page("en-US")
    sign_in(page, live_server, staff)
    page.goto(f"{live_server.url}/referrals/new")
    page.get_by_label("Name", exact=True).fill("Paul")
    page.get_by_label("Year of birth").fill("1990")
    page.get_by_label("Why do you refer this person?").fill("Isolé depuis sa sortie d'hospitalisation.")
    page.get_by_label("Stage in care").select_option(index=2)
    page.get_by_label("The person agrees to be contacted by a peer worker").check()
    assert_accessible(page, "the referral form")
    page.get_by_role("button", name="Refer", exact=True).click()
    expect(page.get_by_text("Paul").first).to_be_visible()

    # The coordinator finds it in the queue, sees the suggestion and its reasons, and proposes Julie.
    coordination = new_page("en-US")
    sign_in(coordination, live_server, coordinator)
    coordination.goto(f"{live_server.url}/triage/")
    coordination.get_by_role("link", name="Paul").first.click()
    expect(coordination.get_by_text("works in CL3R").first).to_be_visible()
    assert_accessible(coordination, "the triage page")
    coordination.get_by_label("Julie Moreau").check()
    coordination.get_by_role("button", name="Propose to this peer worker").click()
    expect(coordination.get_by_text("Julie Moreau").first).to_be_visible()

    # Julie accepts; her referrer sees the referral accepted.
    julie = new_page("en-US")
    sign_in(julie, live_server, worker)
    julie.goto(f"{live_server.url}/triage/proposals")
    assert_accessible(julie, "the proposals page")
    julie.get_by_role("button", name="Accept").click()
    page.goto(f"{live_server.url}/referrals/mine")
    expect(page.get_by_text("Julie Moreau").first).to_be_visible()

    # The coordinator invites Paul to open his account; the e-mail lands in the outbox.
    coordination.goto(f"{live_server.url}/people/")
    coordination.get_by_role("link", name="Paul").first.click()
    coordination.get_by_role("link", name="send an invitation by e-mail").click()
    coordination.get_by_label("E-mail address").fill("paul@example.org")
    coordination.get_by_role("button", name="Send the invitation").click()
    [mail] = list(Path(live_server.app.config["OUTBOX_DIR"]).glob("*.eml"))
    message = BytesParser(policy=policy.default).parse(mail.open("rb"))
    link = re.search(r"https?://\S+/invitation/\S+", message.get_body(("plain",)).get_content()).group(0)

    # Paul follows the link, chooses a password, signs in and sees Julie, when and where to find her.
    paul = new_page("en-US")
    paul.goto(link)
    password = "a long passphrase for Paul"
    paul.get_by_label("New password", exact=True).fill(password)
    paul.get_by_label("New password, again").fill(password)
    paul.get_by_role("button", name="Create my account").click()
    sign_in(paul, live_server, "paul@example.org", password=password)
    expect(paul.get_by_role("heading", name="Julie Moreau")).to_be_visible()
    expect(paul.get_by_text("Family room").first).to_be_visible()
    expect(paul.get_by_text("14:00 to 17:00").first).to_be_visible()
    assert_accessible(paul, "the person's own space")

    # He chooses to be contacted again after each meeting.
    paul.get_by_label("Contact me again after each meeting").check()
    paul.get_by_role("button", name="Save my choice").click()
    expect(paul.get_by_text("Your choice is saved")).to_be_visible()
    expect(paul.get_by_label("Contact me again after each meeting")).to_be_checked()
