"""Signing in and out through the real pages in Chromium, and axe-core accessibility checks."""
from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD, ROLES

pytestmark = pytest.mark.browser

# The login page's labels and button, by browser language.
LOGIN_LABELS = {
    "en-US": {"email": "Email", "password": "Password", "submit": "Sign in"},
    "fr-FR": {"email": "Adresse e-mail", "password": "Mot de passe", "submit": "Se connecter"},
}
HOME_HEADINGS = {
    "coordinator": "Programme coordination",
    "staff": "Referring to a peer worker",
    "peer_worker": "My peer work",
    "service_user": "My space",
    "researcher": "Research",
}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LOGIN_URL = re.compile(r"/login(\?.*)?$")


def expect(*args, **kwargs):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(*args, **kwargs)


def sign_in(page, server, email: str, *, locale: str = "en-US", password: str = PASSWORD):
    """Fill in and submit the login form as a person would, then wait for the home page."""
    labels = LOGIN_LABELS[locale]
    page.goto(f"{server.url}/login")
    page.get_by_label(labels["email"], exact=True).fill(email)
    page.get_by_label(labels["password"], exact=True).fill(password)
    page.get_by_role("button", name=labels["submit"], exact=True).click()
    page.wait_for_url(f"{server.url}/")


def sign_in_by_field_ids(page, server, email: str, *, password: str = PASSWORD):
    """Sign in without depending on the labels' wording (for checks that are not about the words)."""
    page.goto(f"{server.url}/login")
    page.locator("main form #email").fill(email)
    page.locator("main form #password").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{server.url}/")


@pytest.mark.parametrize("role", ROLES)
def test_each_role_signs_in_to_its_own_home_page(live_server, new_page, role):
    page = new_page("en-US")
    email = live_server.make_account(role)

    sign_in(page, live_server, email)

    expect(page.get_by_role("heading", level=1)).to_have_text(HOME_HEADINGS[role])
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_login_page_is_in_french_for_a_french_browser(live_server, new_page):
    page = new_page("fr-FR")
    page.goto(f"{live_server.url}/login")

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    labels = LOGIN_LABELS["fr-FR"]
    expect(page.get_by_label(labels["email"], exact=True)).to_be_visible()
    expect(page.get_by_label(labels["password"], exact=True)).to_be_visible()
    expect(page.get_by_role("button", name=labels["submit"], exact=True)).to_be_visible()


def test_signing_in_with_the_french_login_form(live_server, new_page):
    page = new_page("fr-FR")
    email = live_server.make_account("coordinator")

    sign_in(page, live_server, email, locale="fr-FR")

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_a_wrong_password_keeps_the_person_on_the_login_page_with_an_error(live_server, new_page):
    page = new_page("en-US")
    email = live_server.make_account("coordinator")
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in", exact=True).click()

    password = page.get_by_label("Password", exact=True)
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_accessible_description(re.compile("not correct"))
    expect(page).to_have_url(LOGIN_URL)


def test_signing_out_returns_to_the_login_page_and_closes_the_session(live_server, new_page):
    page = new_page("en-US")
    email = live_server.make_account("service_user")
    sign_in(page, live_server, email)

    page.get_by_role("button", name="Sign out", exact=True).click()

    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(LOGIN_URL)
    expect(page.get_by_label("Email", exact=True)).to_be_visible()


# -- Accessibility ----------------------------------------------------------------------------------


def axe_violations(page) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    return results.response["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    at {target}: {summary[:300]}")
    return "\n".join(lines)


def assert_accessible(page, what: str):
    # axe-core judges the page as drawn: after a click, wait until its stylesheets are in (on a busy machine
    # Bootstrap's came half a second after the new page, and axe measured unstyled 20-pixel links).
    page.wait_for_load_state("load")
    violations = axe_violations(page)
    if violations:
        raise AssertionError(f"axe-core found {len(violations)} accessibility violation(s) on {what} "
                             f"({page.url}):\n{describe(violations)}")


LOCALES = ["fr-FR", "en-US"]


@pytest.mark.parametrize("locale", LOCALES)
def test_login_page_is_accessible(live_server, new_page, locale):
    page = new_page(locale)
    page.goto(f"{live_server.url}/login")

    assert_accessible(page, f"the login page ({locale})")


@pytest.mark.parametrize("locale", LOCALES)
def test_login_page_with_errors_is_accessible(live_server, new_page, locale):
    page = new_page(locale)
    page.goto(f"{live_server.url}/login")
    page.locator("main form button[type=submit]").click()  # an empty form: both fields in error
    expect(page.locator("[aria-invalid=true]")).to_have_count(2)

    assert_accessible(page, f"the login page with errors ({locale})")


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("role", ["coordinator", "service_user"])
def test_home_page_is_accessible(live_server, new_page, role, locale):
    page = new_page(locale)
    email = live_server.make_account(role)
    sign_in_by_field_ids(page, live_server, email)
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    assert_accessible(page, f"the {role} home page ({locale})")
