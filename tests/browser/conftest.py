"""Browser fixtures: the application on a live local server, and headless Debian Chromium.

One Chromium per test session, a fresh browser context (cookies, language) per test, and a fresh
server on a fresh database per test. Without Chromium the browser tests are skipped, unless
REQUIRE_BROWSER=1, which makes a missing or broken browser a failure.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from peer_support import create_app
from peer_support.extensions import db
from tests.conftest import TEST_CONFIG, new_account

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Playwright waits 30 s for actions and 5 s for assertions by default: one bound for both, generous
# enough for a loaded CI machine, short enough that a broken page fails quickly.
TIMEOUT_MS = 10_000


def _unavailable(reason: str):
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (REQUIRE_BROWSER=1 makes this a failure)", pytrace=False)
    pytest.skip(f"{reason}: install the Debian package chromium, or set REQUIRE_BROWSER=1 "
                "to make this a failure")


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium, launched once for the whole session."""
    if not CHROMIUM.exists():
        _unavailable(f"Chromium not found at {CHROMIUM}")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError as error:  # pragma: no cover - playwright is in requirements.txt
        _unavailable(f"the Python package playwright is not installed ({error})")
    expect.set_options(timeout=TIMEOUT_MS)
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception as error:  # noqa: BLE001 - any launch failure means no browser
        playwright.stop()
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        _unavailable(f"Chromium at {CHROMIUM} failed to start ({first_line})")
    yield browser
    browser.close()
    playwright.stop()


@dataclass
class LiveServer:
    url: str
    app: object

    def make_account(self, role: str = "coordinator", **kwargs) -> str:
        """Create an account as tests/conftest.py's make_account does; returns its e-mail."""
        with self.app.app_context():
            email = new_account(role, **kwargs).email
            db.session.remove()
        return email




@pytest.fixture
def live_server(database, tmp_path):
    """The application, with real CSRF protection, served over HTTP on a free local port."""
    with running_server(database, tmp_path) as server:
        yield server


@contextmanager
def running_server(database, tmp_path):
    """What live_server serves, for fixtures of a wider scope (a whole module's crawl on one database)."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database(tmp_path), "WTF_CSRF_ENABLED": True,
                      "OUTBOX_DIR": str(tmp_path / "outbox"), "PHOTO_DIR": str(tmp_path / "photos")})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server",
                              daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def new_page(browser):
    """new_page("fr-FR"): a page in a fresh browser context whose Accept-Language follows `locale`."""
    contexts = []

    def make(locale: str = "en-US"):
        context = browser.new_context(locale=locale)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
