"""Fixtures: an application on a fresh, migrated database per test, and account factories.

The database engine follows DATABASE_URL: SQLite when it is unset (a migrated
template file copied for each test), PostgreSQL when it points to one (the
schema migrated once, then every table emptied before each test).
"""
from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g, has_app_context
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from peer_support import create_app
from peer_support.accounts.services import AccountData, create_account
from peer_support.config import LOCALES, database_url
from peer_support.db import utcnow
from peer_support.extensions import db

PASSWORD = "correct horse battery staple"

# Cheap hashing in tests; production parameters are argon2-cffi's defaults.
TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "tests-only-secret-key",
    "WTF_CSRF_ENABLED": False,
    "SESSION_COOKIE_SECURE": False,
    "ARGON2_TIME_COST": 1,
    "ARGON2_MEMORY_COST": 1024,
    "ARGON2_PARALLELISM": 1,
}


TRANSLATIONS = Path(__file__).resolve().parent.parent / "peer_support" / "translations"
FIX_HINT = ("run `make extract-messages`, translate the strings in "
            "peer_support/translations/<locale>/LC_MESSAGES/messages.po, then `make translations`")


def _po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def _read_catalogue(locale: str):
    with _po_path(locale).open("rb") as handle:
        return read_po(handle, locale=locale)


def _compile(locale: str) -> None:
    """What `pybabel compile` does, written atomically so parallel runs never read half a file."""
    po = _po_path(locale)
    mo = po.with_suffix(".mo")
    catalogue = _read_catalogue(locale)
    fd, temporary = tempfile.mkstemp(dir=mo.parent, suffix=".mo.tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            write_mo(handle, catalogue)
        os.replace(temporary, mo)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues():
    """`make test` compiles the .mo first; running pytest directly must work as well."""
    for locale in LOCALES:
        po = _po_path(locale)
        assert po.exists(), f"no catalogue for {locale!r}: {FIX_HINT}"
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            _compile(locale)



def _database_url() -> str | None:
    """DATABASE_URL as the application reads it (postgresql:// goes through psycopg 3)."""
    if not os.environ.get("DATABASE_URL", "").strip():
        return None
    return database_url("unused")


def _is_postgres(url: str | None) -> bool:
    return bool(url) and url.startswith(("postgres://", "postgresql"))


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    engine.dispose()


@pytest.fixture(scope="session")
def database(tmp_path_factory):
    """How to get a fresh database for one test: a callable returning its URL."""
    url = _database_url()
    if _is_postgres(url):
        _reset_postgres(url)
        _migrate(url)
        engine = sa.create_engine(url)
        tables = [t for t in db.metadata.sorted_tables]
        # What the migrations themselves insert (e.g. the programme's requirements row),
        # put back after each truncation so PostgreSQL tests start as SQLite ones do.
        with engine.connect() as connection:
            seeded = {table: [dict(row._mapping) for row in connection.execute(sa.select(table))]
                      for table in tables}
        seeded = {table: rows for table, rows in seeded.items() if rows}

        def fresh(_tmp_path):
            with engine.begin() as connection:
                # The audit log refuses TRUNCATE by trigger; tests may bypass triggers.
                connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
                connection.exec_driver_sql(
                    "TRUNCATE " + ", ".join(t.name for t in tables) + " RESTART IDENTITY CASCADE")
                for table, rows in seeded.items():
                    connection.execute(sa.insert(table), rows)
            return url

        yield fresh
        engine.dispose()
        return
    if url and not url.startswith("sqlite"):
        pytest.exit(f"unsupported DATABASE_URL for tests: {url}", returncode=2)
    template = tmp_path_factory.mktemp("template") / "template.sqlite3"
    _migrate(f"sqlite:///{template}")
    counter = itertools.count()

    def fresh(tmp_path):
        path = tmp_path / f"test-{next(counter)}.sqlite3"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"

    yield fresh


@pytest.fixture
def app_config():
    """Per-test configuration overrides (a test may update this dict before `app` is built)."""
    return {}


@pytest.fixture
def app(database, tmp_path, app_config):
    # Mail and photos go to per-test folders, never to the project's instance/ folder.
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database(tmp_path),
                      "OUTBOX_DIR": str(tmp_path / "outbox"), "PHOTO_DIR": str(tmp_path / "photos"), **app_config})
    app.test_client_class = FreshRequestClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


class FreshRequestClient(FlaskClient):
    """A test client whose requests start like real ones, with nothing left in `g`.

    The `app` fixture keeps an application context pushed so tests can use the
    database; Flask reuses it for requests, so without this, `g` (where
    Flask-Login caches the signed-in account) would leak from one request to
    the next and hide session expiry or revocation.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            for name in list(g):
                g.pop(name, None)
            # End the test's own transaction (committing what it set up, expiring what it
            # holds), so each request begins its own, as it would in production.
            db.session.commit()
        return super().open(*args, **kwargs)


@pytest.fixture
def outbox(app):
    """outbox(): the mails written so far in this test, parsed (tests/helpers.py outbox_messages)."""
    from tests.helpers import outbox_messages

    return lambda: outbox_messages(app)


@pytest.fixture
def client(app):
    return app.test_client()


_emails = itertools.count(1)


def new_account(role: str = "coordinator", *, email: str | None = None, name: str | None = None,
                profession: str | None = None, units=(), password: str = PASSWORD, locale: str | None = None,
                must_change_password: bool = False, is_active: bool = True):
    """Create and commit an account through the real service (needs an application context)."""
    if role == "staff" and profession is None:
        profession = "nurse"
    number = next(_emails)
    data = AccountData(email=email or f"{role}.{number}@example.org", name=name or f"{role.title()} {number}",
                       role=role, profession=profession, locale=locale, unit_ids=[u.id for u in units])
    account = create_account(None, data, password=password, ip=None, now=utcnow(),
                             must_change_password=must_change_password)
    account.is_active = is_active
    db.session.commit()
    return account


@pytest.fixture
def make_account(app):
    """Create an account: make_account("staff", profession="nurse", units=[unit])."""
    return new_account


def sign_in(client, account_or_email, password: str = PASSWORD, **kwargs):
    """Sign in through the real login form (signing out first whoever is signed in); returns the response."""
    email = getattr(account_or_email, "email", account_or_email)
    if client.get_cookie("peer_support_session") is not None:
        client.post("/logout")
    return client.post("/login", data={"email": email, "password": password}, **kwargs)


@pytest.fixture
def signed_in(client, make_account):
    """A test client signed in with a new account of the given role."""

    def as_role(role: str = "coordinator", **kwargs):
        account = make_account(role, **kwargs)
        response = sign_in(client, account)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return account

    return as_role


ROLES = ("coordinator", "staff", "peer_worker", "service_user", "researcher")
