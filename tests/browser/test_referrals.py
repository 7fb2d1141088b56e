"""Issue 4's journey so far in a real browser: staff refers, the coordinator proposes, the worker accepts."""
import pytest
from playwright.sync_api import expect

from peer_support.extensions import db
from peer_support.peers.models import PeerProfile
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
        db.session.add(PeerProfile(account_id=worker.id, languages=["fr"], meeting_formats=["individual"]))
        db.session.commit()
        emails = staff.email, coordinator.email, worker.email
        db.session.remove()
    return emails


def test_staff_refers_the_coordinator_proposes_the_worker_accepts(live_server, new_page):
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
