"""Issue 5's rooms and calendars in a real browser: a room created and closed, a free room found, a week."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from peer_support.extensions import db
from tests.browser.test_sign_in import assert_accessible, sign_in

pytestmark = pytest.mark.browser


def test_rooms_closures_free_rooms_and_a_week(live_server, new_page):
    from peer_support.auth.models import Account
    from peer_support.peers.models import PeerProfile
    from peer_support.timezones import local_today
    from peer_support.units.models import Unit

    coordinator = live_server.make_account("coordinator", locale="en")
    worker = live_server.make_account("peer_worker", name="Julie Moreau", locale="en")
    with live_server.app.app_context():
        db.session.add(Unit(code="CL3R", name="Réhabilitation psychosociale"))
        account = db.session.query(Account).filter_by(email=worker).one()
        db.session.add(PeerProfile(account_id=account.id))
        db.session.commit()
        day = local_today() + timedelta(days=7)
        db.session.remove()

    # The coordinator creates two rooms, then closes one for the day.
    page = new_page("en-US")
    sign_in(page, live_server, coordinator)
    for name, capacity in (("Salle Jasmin", "10"), ("Salle calme", "4")):
        page.goto(f"{live_server.url}/rooms/new")
        page.get_by_label("Name").fill(name)
        page.get_by_label("Unit").select_option(label="CL3R — Réhabilitation psychosociale")
        page.get_by_label("Capacity (people)").fill(capacity)
        page.get_by_label("Accessibility notes").fill("Plain-pied, boucle magnétique")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
    assert_accessible(page, "the rooms list")
    page.get_by_role("link", name="Closures — Salle calme").click()
    page.get_by_label("From (date)").fill(day.isoformat())
    page.get_by_label("From (time)").fill("08:00")
    page.get_by_label("Until (date)").fill(day.isoformat())
    page.get_by_label("Until (time)").fill("18:00")
    page.get_by_label("Reason (optional)").fill("Travaux de peinture")
    page.get_by_role("button", name="Close the room").click()
    expect(page.get_by_role("cell", name="Travaux de peinture")).to_be_visible()
    assert_accessible(page, "a room's closures")

    # Julie looks for a free room that day: only the room that is not closed.
    julie = new_page("en-US")
    sign_in(julie, live_server, worker)
    julie.goto(f"{live_server.url}/rooms/free")
    assert_accessible(julie, "the free-room finder")
    julie.get_by_label("Date").fill(day.isoformat())
    julie.get_by_label("From", exact=True).fill("14:00")
    julie.get_by_label("Until").fill("15:00")
    julie.get_by_label("At least (people)").fill("2")
    julie.get_by_role("button", name="Search").click()
    expect(julie.get_by_role("heading", name="1 free room")).to_be_visible()
    expect(julie.get_by_role("rowheader", name="Salle Jasmin")).to_be_visible()
    expect(julie.get_by_text("Salle calme")).to_have_count(0)
    assert_accessible(julie, "free rooms found")
    julie.get_by_role("link", name="Salle Jasmin").click()
    expect(julie.get_by_role("heading", level=1)).to_contain_text("Salle Jasmin")
    assert_accessible(julie, "a room's week")

    # Her own week, and her calendar feed.
    julie.goto(f"{live_server.url}/calendar/week")
    expect(julie.get_by_role("heading", level=1)).to_have_text("My week")
    julie.get_by_role("link", name="Next week").click()
    expect(julie.get_by_text("No meeting.").first).to_be_visible()
    assert_accessible(julie, "a peer worker's week")
    julie.get_by_role("link", name="Add my meetings to my calendar application").click()
    julie.get_by_role("button", name="Turn my calendar feed on").click()
    address = julie.get_by_label("Copy this address", exact=False).input_value()
    assert "/calendar/feed/" in address and address.endswith(".ics")
    assert_accessible(julie, "the calendar feed settings")
