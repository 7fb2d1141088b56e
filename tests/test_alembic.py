"""The migration history, checked by pytest-alembic's built-in tests, on a scratch database.

The four tests imported below are pytest-alembic's own (single head, upgrade from nothing, the models match
the DDL the migrations produce, every step up and down); importing them here makes plain `pytest` run them.
The plugin itself is off (`-p no:pytest_alembic` in pytest.ini): on pytest 9 its automatic collection, bound
to tests/conftest.py even without `--test-alembic`, fails on a pytest internal; its `alembic_runner` fixture
is imported here instead. They run on their own database, never the suite's: a temporary
SQLite file, or on PostgreSQL a scratch database named after DATABASE_URL's (`<name>_alembic`), created and
dropped by the `alembic_engine` fixture, so the `database` fixture's schema in conftest.py is never touched.

migrations/env.py is Flask-Migrate's: it reads the engine, the models' metadata and the autogenerate options
from `current_app`, so `alembic_config` pushes an application context built on the scratch database.
"""
from __future__ import annotations

from pathlib import Path

import alembic.config
import pytest
import sqlalchemy as sa
from pytest_alembic.plugin.fixtures import alembic_runner  # noqa: F401  (the plugin is off: pytest.ini)
from pytest_alembic.tests import (  # noqa: F401  (collected and run here)
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)

from peer_support import create_app
from tests.conftest import TEST_CONFIG, _database_url, _is_postgres
from tests.helpers import scratch_postgres

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


@pytest.fixture
def alembic_engine(tmp_path):
    """An engine on an empty scratch database of the engine the suite runs on."""
    url = _database_url()
    if _is_postgres(url):
        scratch_url, drop = scratch_postgres(url, "alembic")
    else:
        scratch_url, drop = f"sqlite:///{tmp_path / 'alembic.sqlite3'}", None
    engine = sa.create_engine(scratch_url)
    try:
        yield engine
    finally:
        engine.dispose()
        if drop is not None:
            drop()


@pytest.fixture
def alembic_config(alembic_engine):
    """Our alembic.ini and migrations, run by env.py inside an application bound to the scratch database."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI":
                      alembic_engine.url.render_as_string(hide_password=False)})
    config = alembic.config.Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    with app.app_context():
        from peer_support.extensions import db

        try:
            yield config
        finally:
            db.engine.dispose()


def test_downgrade_to_nothing_leaves_no_table(alembic_runner, alembic_engine):
    """Downgrading to base undoes everything (tables, and on PostgreSQL the audit log's trigger functions)."""
    alembic_runner.migrate_up_to("heads", return_current=False)
    assert "audit_entry" in sa.inspect(alembic_engine).get_table_names()
    alembic_runner.migrate_down_to("base", return_current=False)
    inspector = sa.inspect(alembic_engine)
    assert set(inspector.get_table_names()) - {"alembic_version"} == set()
    if alembic_engine.dialect.name == "postgresql":
        with alembic_engine.connect() as connection:
            functions = connection.exec_driver_sql(
                "SELECT proname FROM pg_proc JOIN pg_namespace n ON n.oid = pronamespace "
                "WHERE nspname = 'public'").scalars().all()
        assert functions == []
