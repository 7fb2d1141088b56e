"""A fuzzing world per role: the small demo data, the role's demo account signed in, its site crawled.

Each test builds its own world on the fresh database of the `app` fixture, so one
role's posts never change what another role sees; inside a role the posts accumulate
(resetting the database between Hypothesis examples would cost a demo load each).
What a post may break for the rest of the run (the role's own session, its password,
the programme's two-factor requirement) is put back by `restore_access`.
"""
from __future__ import annotations

import logging
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from flask import got_request_exception
from sqlalchemy import event

from peer_support.auth.models import Account, LoginAttempt
from peer_support.demo import load_demo_data
from peer_support.extensions import db
from peer_support.privacy.models import DataProtectionSettings
from tests.conftest import PASSWORD, ROLES, sign_in
from tests.fuzz.crawl import Site, crawl

ANONYMOUS = "anonymous"
FUZZED_ROLES = ROLES + (ANONYMOUS,)
# Where the app sends someone whose session ended or who must first change a password or set up a
# second factor: a redirect there is a refusal, not an accepted post.
GUARD_PATHS = ("/login", "/account/password", "/account/two-factor")

# Distinct (endpoint, form) pairs fuzzed per role, and the POST endpoints reached, for the terminal summary.
COVERAGE: dict[str, dict] = {}
REACHED_POST_ENDPOINTS: set[str] = set()
POST_ENDPOINTS: set[str] = set()


class _ExceptionLog(logging.Handler):
    """Collects the exceptions the app's 500 handler logs (it handles them, so Flask never re-raises)."""

    def __init__(self, into: list):
        super().__init__(logging.ERROR)
        self.into = into

    def emit(self, record):
        if record.exc_info:
            self.into.append(self.format(record))


@dataclass
class World:
    app: object
    client: object
    role: str
    email: str | None
    password_hash: str | None
    site: Site = field(default_factory=Site)
    exceptions: list = field(default_factory=list)
    stats: Counter = field(default_factory=Counter)

    def actor(self):
        if self.email is None:
            return None
        return db.session.scalar(sa.select(Account).where(Account.email == self.email))

    def sign_in(self) -> None:
        if self.email is not None:
            response = sign_in(self.client, self.email)
            assert response.status_code == 302, (self.role, response.status_code)

    def restore_access(self) -> None:
        """Undo what a post did to the role's own access, then sign in again."""
        db.session.rollback()
        if self.email is None:
            db.session.execute(sa.delete(LoginAttempt))
            db.session.commit()
            return
        account = self.actor()
        account.password_hash = self.password_hash
        account.must_change_password = False
        account.is_active = True
        db.session.execute(sa.delete(LoginAttempt))
        db.session.execute(sa.update(DataProtectionSettings).values(two_factor_required=False))
        db.session.commit()
        self.sign_in()


@contextmanager
def written_tables():
    """The tables an INSERT or UPDATE touched inside the block (where a posted value may have gone)."""
    tables: set = set()

    def collect(conn, cursor, statement, parameters, context, executemany):
        compiled = getattr(context, "compiled", None)
        target = getattr(compiled, "statement", None) if compiled is not None else None
        if isinstance(target, (sa.Insert, sa.Update)):
            tables.add(target.table)

    event.listen(db.engine, "after_cursor_execute", collect)
    try:
        yield tables
    finally:
        event.remove(db.engine, "after_cursor_execute", collect)


@pytest.fixture
def enter_world(app, monkeypatch):
    """enter_world(role, inspect): the demo data, the role's demo account signed in, its site crawled.

    inspect(world, url, response), when given, sees every page the crawl fetches.
    """
    accounts = []
    # Running the migrations in this process (tests/conftest.py) goes through Alembic's logging.fileConfig, which
    # disables the loggers that already exist, the app's among them: switched back on, so its 500 handler's
    # log of the exception reaches _ExceptionLog.
    monkeypatch.setattr(app.logger, "disabled", False)

    def enter(role: str, inspect=None) -> World:
        if not accounts:
            accounts.extend(load_demo_data(size="small", seed=2019, password=PASSWORD))
            db.session.commit()
        email = None if role == ANONYMOUS else next(a.email for a in accounts if a.role == role)
        password_hash = None
        if email is not None:
            password_hash = db.session.scalar(sa.select(Account.password_hash).where(Account.email == email))
        world = World(app, app.test_client(), role, email, password_hash)
        POST_ENDPOINTS.update(rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods)
        app.logger.addHandler(_ExceptionLog(world.exceptions))
        got_request_exception.connect(lambda sender, exception, **extra: world.exceptions.append(repr(exception)),
                                      app, weak=False)
        world.sign_in()
        world.site = crawl(app, world.client, world.actor(),
                           inspect=(lambda url, response: inspect(world, url, response)) if inspect else None)
        return world

    return enter


def pytest_terminal_summary(terminalreporter):
    if not COVERAGE:
        return
    terminalreporter.write_sep("-", "fuzz coverage: distinct (endpoint, form) pairs fuzzed per role")
    for role, counts in COVERAGE.items():
        terminalreporter.write_line(f"{role}: " + ", ".join(f"{name} {count}" for name, count in counts.items()))
    if all(role in COVERAGE and "POST forms" in COVERAGE[role] for role in FUZZED_ROLES):
        # Reached by no link of the small demo (secret links, a second step, or a state the demo lacks).
        unreached = sorted(POST_ENDPOINTS - REACHED_POST_ENDPOINTS)
        terminalreporter.write_line(f"POST endpoints with no form on any crawled page ({len(unreached)} of "
                                    f"{len(POST_ENDPOINTS)}): {', '.join(unreached)}")
