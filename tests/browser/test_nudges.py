"""The notification centre in a real browser: a peer worker sees the unread count in the header, opens the
list, snoozes one nudge and marks another done; the coordinator sets a threshold. axe-core on each page."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from peer_support.extensions import db
from peer_support.nudges.models import Nudge
from peer_support.peers.models import PeerProfile
from peer_support.timezones import local_today
from peer_support.units.models import Unit
from tests.browser.test_sign_in import assert_accessible, sign_in
from tests.conftest import new_account
from tests.nudges.ui_fixtures import new_nudge
from tests.triage.conftest import new_person

pytestmark = pytest.mark.browser


def _worker_with_nudges(app):
    """Julie, with two open nudges: a contact gap with Camille and a first meeting with Hugo."""
    with app.app_context():
        unit = Unit(code="CL3R", name="Réhabilitation psychosociale")
        db.session.add(unit)
        db.session.commit()
        julie = new_account("peer_worker", name="Julie Moreau", units=[unit], locale="en")
        profile = PeerProfile(account_id=julie.id)
        db.session.add(profile)
        db.session.flush()
        camille, hugo = new_person(name="Camille", units=[unit]), new_person(name="Hugo", units=[unit])
        new_nudge(account=julie, person=camille, profile=profile, unit=unit, due_on=date(2026, 3, 2),
                  details={"choice": "contact_me_again", "last_meeting": "2026-02-20", "days": 10, "threshold": 10})
        new_nudge(rule="first_meeting", account=julie, person=hugo, profile=profile, unit=unit,
                  due_on=date(2026, 2, 20), details={"accepted_on": "2026-02-06", "threshold": 14})
        email = julie.email
        db.session.remove()
    return email


def _today(app) -> date:
    with app.app_context():
        return local_today()


def _statuses(app) -> dict[str, str]:
    with app.app_context():
        rows = db.session.execute(sa.select(Nudge.rule, Nudge.status, Nudge.snoozed_until)).all()
        db.session.remove()
    return {rule: (status, until) for rule, status, until in rows}


def test_a_peer_worker_snoozes_one_nudge_and_marks_another_done(live_server, new_page):
    email = _worker_with_nudges(live_server.app)
    page = new_page("en-US")
    sign_in(page, live_server, email)

    nav = page.get_by_role("navigation", name="Main navigation")
    link = nav.get_by_role("link", name="Nudges")
    expect(link).to_have_accessible_name("Nudges 2 unread")
    assert_accessible(page, "the peer worker's home page with the badge")

    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nudges")
    gap = page.get_by_role("article", name="Time to get back in touch — Camille")
    first = page.get_by_role("article", name="First meeting not held yet — Hugo")
    expect(gap).to_contain_text("Camille asked to be contacted again after each meeting.")
    expect(first).to_contain_text("the frame is a first meeting within 14 days")
    # Listed, hence read: the badge is gone.
    expect(nav.get_by_role("link", name="Nudges")).to_have_accessible_name("Nudges")
    assert_accessible(page, "the list of nudges")

    # A date too far ahead: the list again, with the error on the field and the date kept.
    far = (_today(live_server.app) + timedelta(days=120)).isoformat()
    gap.get_by_label("Snooze until").fill(far)
    gap.get_by_role("button", name="Snooze").click()
    gap = page.get_by_role("article", name="Time to get back in touch — Camille")
    expect(gap.get_by_label("Snooze until")).to_have_attribute("aria-invalid", "true")
    expect(gap.get_by_label("Snooze until")).to_have_value(far)
    expect(page.get_by_role("alert").first).to_contain_text("could not be snoozed")
    assert_accessible(page, "the list with a snooze error")

    until = _today(live_server.app) + timedelta(days=7)
    gap.get_by_label("Snooze until").fill(until.isoformat())
    gap.get_by_role("button", name="Snooze").click()
    expect(page.get_by_text("The nudge is snoozed")).to_be_visible()
    expect(page.get_by_role("article", name="Time to get back in touch — Camille")).to_have_count(0)

    nudge = page.get_by_role("article", name="First meeting not held yet — Hugo")
    nudge.get_by_role("button", name="Mark done").click()
    expect(page.get_by_text("The nudge is marked done.")).to_be_visible()
    expect(page.get_by_text("Nothing is waiting for you.")).to_be_visible()
    assert _statuses(live_server.app) == {"contact_gap": ("snoozed", until), "first_meeting": ("done", None)}

    page.get_by_label("Show").select_option(label="Snoozed")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.get_by_role("article", name="Time to get back in touch — Camille")).to_contain_text("Snoozed until")
    assert_accessible(page, "the snoozed nudges")


def test_the_dismiss_form_and_the_thresholds_page_are_accessible(live_server, new_page):
    email = _worker_with_nudges(live_server.app)
    page = new_page("en-US")
    sign_in(page, live_server, email)
    page.goto(f"{live_server.url}/nudges/")
    gap = page.get_by_role("article", name="Time to get back in touch — Camille")
    gap.get_by_text("Dismiss…").click()
    gap.get_by_role("button", name="Dismiss", exact=False).last.click()  # no reason given
    gap = page.get_by_role("article", name="Time to get back in touch — Camille")
    expect(gap.get_by_label("Why it does not apply")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "the list with a dismiss error")
    gap.get_by_label("Why it does not apply").fill("Camille moved to another town.")
    gap.get_by_role("button", name="Dismiss", exact=False).last.click()
    expect(page.get_by_text("The nudge is dismissed")).to_be_visible()

    coordinator = live_server.make_account("coordinator", locale="en")
    other = new_page("en-US")
    sign_in(other, live_server, coordinator)
    other.goto(f"{live_server.url}/nudges/settings")
    assert_accessible(other, "the thresholds page")
    other.get_by_label("First meeting after acceptance").fill("4000")
    other.get_by_role("button", name="Save the values").click()
    expect(other.get_by_label("First meeting after acceptance")).to_have_attribute("aria-invalid", "true")
    assert_accessible(other, "the thresholds page with an error")
    other.get_by_label("First meeting after acceptance").fill("7")
    other.get_by_role("button", name="Save the values").click()
    expect(other.get_by_text("1 value saved.")).to_be_visible()
    expect(other.get_by_label("First meeting after acceptance")).to_have_value("7")
