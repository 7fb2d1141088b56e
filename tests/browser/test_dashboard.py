"""The dashboards in Chromium, on the small demo data: zero axe-core violations in French and English, the
charts drawn inline without JavaScript or CSP errors, and a full-page screenshot kept as a test artefact in
test-artifacts/ (git-ignored) at the repository's root."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
HEADINGS = {"fr-FR": ("Tableau de bord", "Dashboard"), "en-US": ("Dashboard",)}


def expect(*args, **kwargs):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(*args, **kwargs)


@pytest.fixture
def demo(live_server):
    from peer_support.demo import load_demo_data
    from peer_support.extensions import db

    with live_server.app.app_context():
        load_demo_data(size="small", seed=2019, password=PASSWORD)
        db.session.commit()
        db.session.remove()
    return live_server


def _console_errors(page) -> list[str]:
    """What the Content-Security-Policy refused on the page (an inline script or style would be), and
    uncaught script errors."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and ("Content Security Policy" in message.text or "Refused" in message.text)
            else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.mark.parametrize("locale", ["fr-FR", "en-US"])
def test_coordinator_dashboard_is_accessible_and_kept_as_a_screenshot(demo, new_page, locale):
    from tests.browser.test_sign_in import assert_accessible, sign_in_by_field_ids

    page = new_page(locale)
    errors = _console_errors(page)
    sign_in_by_field_ids(page, demo, "coordination@demo.example.org")

    page.goto(f"{demo.url}/reports/")

    # The heading in the page's language (the French one once the catalogue has it).
    assert page.get_by_role("heading", level=1).inner_text() in HEADINGS[locale]
    assert page.locator("html").get_attribute("lang") == locale[:2]
    # Every chart is an image with a name and a description; the data tables are there.
    charts = page.locator("svg[role=img]")
    assert charts.count() >= 5
    for index in range(charts.count()):
        chart = charts.nth(index)
        assert chart.get_attribute("aria-labelledby") and chart.get_attribute("aria-describedby")
        assert page.locator(f'[id="{chart.get_attribute("aria-describedby")}"]').inner_text().strip()
    assert page.locator("table.report-table caption").count() >= 10
    # Nothing refused by the CSP (no inline script or style).
    assert errors == []
    assert_accessible(page, f"the dashboard ({locale})")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"dashboard-{locale[:2]}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000

    page.goto(f"{demo.url}/reports/yearly")
    assert_accessible(page, f"the yearly report ({locale})")
    assert errors == []


@pytest.mark.parametrize("locale", ["fr-FR", "en-US"])
def test_worker_dashboard_is_accessible(demo, new_page, locale):
    from tests.browser.test_sign_in import assert_accessible, sign_in_by_field_ids

    page = new_page(locale)
    errors = _console_errors(page)
    sign_in_by_field_ids(page, demo, "pair.julie@demo.example.org")

    page.goto(f"{demo.url}/")
    page.locator("nav a[href='/reports/mine']").click()
    page.wait_for_url(f"{demo.url}/reports/mine")

    expect(page.locator("svg[role=img]")).to_have_count(1)
    assert errors == []
    assert_accessible(page, f"the worker's dashboard ({locale})")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"worker-dashboard-{locale[:2]}.png"), full_page=True)
    # The programme's dashboard stays closed to a worker.
    assert page.goto(f"{demo.url}/reports/").status == 403
