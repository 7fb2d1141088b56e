"""Issue 3's journey in a real browser: profile, supervision, a hard event, the debrief request."""
import pytest
from playwright.sync_api import expect

from tests.browser.test_sign_in import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_profile_supervision_and_a_debrief_request(live_server, new_page):
    coordinator = live_server.make_account("coordinator", locale="en")
    worker = live_server.make_account("peer_worker", name="Julie Moreau", locale="en")
    live_server.make_account("staff", name="Dr Claire Martin", profession="psychologist", locale="en")

    # The coordinator opens Julie's profile, with her supervisor.
    page = new_page("en-US")
    sign_in(page, live_server, coordinator)
    page.goto(f"{live_server.url}/peers/new")
    page.get_by_label("Peer worker's account").select_option(label=f"Julie Moreau — {worker}")
    page.get_by_label("Presentation").fill("J'ai traversé la maladie ; parlons-en.")
    page.get_by_label("Supervisor").select_option(label="Dr Claire Martin")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Julie Moreau")
    expect(page.get_by_text("Dr Claire Martin")).to_be_visible()

    # ... and records a group analysis of practice she attended.
    page.goto(f"{live_server.url}/supervision/sessions/new")
    page.get_by_label("Date").fill("2026-11-02")
    page.get_by_label("Start time").fill("14:00")
    page.get_by_label("Kind of session").select_option(label="Analysis of practice")
    page.get_by_label("External supervisor").fill("Dr Externe")
    page.get_by_label("Peer workers who attended").select_option(label="Julie Moreau")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Dr Externe").first).to_be_visible()

    # Julie sees the session, then flags a hard event.
    julie = new_page("en-US")
    sign_in(julie, live_server, worker, password=PASSWORD)
    julie.get_by_role("link", name="My supervision").click()
    expect(julie.get_by_text("Analysis of practice").first).to_be_visible()
    julie.goto(f"{live_server.url}/")
    julie.get_by_role("link", name="Ask for a debrief").click()
    julie.get_by_label("What happened").select_option(label="Death of someone I accompanied")
    julie.get_by_role("button", name="Ask for a debrief").click()
    expect(julie.get_by_text("Death of someone I accompanied").first).to_be_visible()
    expect(julie.get_by_text("Requested").first).to_be_visible()

    # The coordinator sees the request among the open ones.
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Open debrief requests").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Debrief requests")
    expect(page.get_by_text("Julie Moreau")).to_be_visible()
    expect(page.get_by_text("Death of someone I accompanied")).to_be_visible()


@pytest.mark.parametrize("locale", ["fr-FR", "en-US"])
def test_peer_worker_pages_are_accessible(live_server, new_page, locale):
    """axe-core on the pages of issues 3 and 4, filled with the demo data, as the coordinator and as a worker."""
    from peer_support.demo import load_demo_data
    from peer_support.extensions import db
    from tests.browser.test_sign_in import assert_accessible, sign_in_by_field_ids

    with live_server.app.app_context():
        load_demo_data(size="small", seed=2019, password=PASSWORD)
        db.session.commit()
        db.session.remove()
    coordinator = new_page(locale)
    sign_in_by_field_ids(coordinator, live_server, "coordination@demo.example.org")
    for path in ("/peers/", "/peers/1", "/peers/roster", "/peers/domains", "/peers/1/presence", "/training/",
                 "/training/workers/1", "/supervision/", "/supervision/debriefs/", "/audit/", "/people/",
                 "/people/1", "/people/new", "/triage/", "/triage/1", "/referrals/new", "/what-is-a-peer-worker",
                 "/contact", "/people/1/accesses", "/accounts/1/edit", "/account/settings", "/nudges/",
                 "/nudges/settings", "/peers/1/photo/edit", "/peers/1/activity", "/caseload/?worker=1"):
        coordinator.goto(f"{live_server.url}{path}")
        assert_accessible(coordinator, f"{path} as coordinator ({locale})")
    worker = new_page(locale)
    sign_in_by_field_ids(worker, live_server, "pair.julie@demo.example.org")
    for path in ("/", "/peers/me", "/peers/1/experience", "/supervision/mine", "/supervision/debriefs/new",
                 "/training/mine", "/triage/proposals", "/account/settings", "/nudges/", "/caseload/"):
        worker.goto(f"{live_server.url}{path}")
        assert_accessible(worker, f"{path} as peer worker ({locale})")
