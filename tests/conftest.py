"""Fixtures: an application on a fresh, migrated database per test, and account factories.

The database engine follows DATABASE_URL: SQLite when it is unset (a migrated
template file copied for each test), PostgreSQL when it points to one (the
schema migrated once, then every table emptied before each test).
"""
from __future__ import annotations

import os
import shutil
import itertools

import pytest
import sqlalchemy as sa

from peer_support import create_app
from peer_support.accounts.services import AccountData, create_account
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


def _database_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "").strip()
    return url or None


def _is_postgres(url: str | None) -> bool:
    return bool(url) and url.startswith(("postgres://", "postgresql"))


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1)
                              if url.startswith("postgresql://") else url)
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
        engine = sa.create_engine(create_app({**TEST_CONFIG}).config["SQLALCHEMY_DATABASE_URI"])
        tables = [t for t in db.metadata.sorted_tables]

        def fresh(_tmp_path):
            with engine.begin() as connection:
                # The audit log refuses TRUNCATE by trigger; tests may bypass triggers.
                connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
                connection.exec_driver_sql(
                    "TRUNCATE " + ", ".join(t.name for t in tables) + " RESTART IDENTITY CASCADE")
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
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database(tmp_path), **app_config})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


_emails = itertools.count(1)


@pytest.fixture
def make_account(app):
    """Create an account: make_account("staff", profession="nurse", units=[unit])."""

    def make(role: str = "coordinator", *, email: str | None = None, name: str | None = None,
             profession: str | None = None, units=(), password: str = PASSWORD, locale: str | None = None,
             must_change_password: bool = False, is_active: bool = True):
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

    return make


def sign_in(client, account_or_email, password: str = PASSWORD, **kwargs):
    """Sign in through the real login form; returns the response."""
    email = getattr(account_or_email, "email", account_or_email)
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
