"""PostgreSQL-specific behaviour, checked on a scratch database.

Runs whenever a PostgreSQL server answers (TEST_POSTGRES_URL, else DATABASE_URL
if it is PostgreSQL, else postgres@127.0.0.1:5432). Without one, these tests
skip on a developer's machine and fail in CI (REQUIRE_POSTGRES=1).
"""
import os
import uuid
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from peer_support import create_app
from peer_support.config import database_url
from peer_support.extensions import db
from tests.conftest import TEST_CONFIG

pytestmark = pytest.mark.postgres


def _server_url() -> str:
    explicit = os.environ.get("TEST_POSTGRES_URL") or os.environ.get("DATABASE_URL", "")
    if explicit.startswith(("postgres://", "postgresql")):
        return explicit
    return "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def scratch_postgres_url(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", _server_url())
    server = make_url(database_url("unused")).set(database="postgres")
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except sa.exc.OperationalError as error:
        admin.dispose()
        message = f"no PostgreSQL server answers at {server.render_as_string()}: {error.orig}"
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(message + " (REQUIRE_POSTGRES=1)")
        pytest.skip(message + "; set TEST_POSTGRES_URL, or REQUIRE_POSTGRES=1 to make this a failure")
    name = f"peer_support_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def test_migrations_run_and_the_audit_log_is_append_only_on_postgresql(scratch_postgres_url):
    from flask_migrate import upgrade

    from peer_support.audit.services import record

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": scratch_postgres_url})
    with app.app_context():
        assert db.engine.dialect.name == "postgresql" and db.engine.dialect.driver == "psycopg"
        upgrade()
        entry = record("test.entry", actor_label="pg", now=datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc))
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(type(entry), entry.id).at == datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc)
        for statement in ("UPDATE audit_entry SET action = 'x'", "DELETE FROM audit_entry",
                          "TRUNCATE audit_entry"):
            with pytest.raises(sa.exc.DatabaseError, match="append-only"):
                db.session.execute(sa.text(statement))
            db.session.rollback()
        assert db.session.scalar(sa.text("SELECT count(*) FROM audit_entry")) == 1
        db.session.remove()
        db.engine.dispose()


def test_postgres_urls_are_normalised_to_psycopg_3(monkeypatch):
    for given in ("postgres://u@h/d", "postgresql://u@h/d"):
        monkeypatch.setenv("DATABASE_URL", given)
        assert database_url("unused") == "postgresql+psycopg://u@h/d"
