"""A peer worker turns on two-factor sign-in in Chromium and signs in with it (issue 10)."""
from __future__ import annotations

import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.test_sign_in import assert_accessible, sign_in_by_field_ids
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", ["fr-FR", "en-US"])
def test_a_peer_worker_enrols_a_second_factor_and_signs_in_with_it(live_server, new_page, locale):
    email = live_server.make_account("peer_worker")
    page = new_page(locale)
    sign_in_by_field_ids(page, live_server, email)

    page.goto(f"{live_server.url}/account/two-factor")
    assert_accessible(page, "the two-factor page")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/account/two-factor/enrol")
    expect(page.locator("main svg")).to_be_visible()
    assert_accessible(page, "the enrolment page")

    # What a person does with their phone: type the key shown under the code to scan.
    totp = pyotp.TOTP(page.locator("#secret").inner_text().replace(" ", ""))
    page.locator("main form #code").fill(totp.now())
    page.locator("main form button[type=submit]").click()
    codes = page.locator("main ul li")
    expect(codes).to_have_count(10)
    assert_accessible(page, "the recovery codes")

    page.locator("form[action$='/logout'] button").first.click()
    page.wait_for_url(f"{live_server.url}/login")
    page.locator("main form #email").fill(email)
    page.locator("main form #password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/login/second-factor")
    assert_accessible(page, "the second step of signing in")

    page.locator("main form #code").fill("000000" if totp.now() != "000000" else "111111")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#code")).to_have_attribute("aria-invalid", "true")

    # The next time step's code (the current one was spent at enrolment).
    page.locator("main form #code").fill(totp.at(time.time() + 30))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
