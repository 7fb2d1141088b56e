"""Backups and restore (`backup PATH`, `restore PATH`, the daily job): on the suite's database engine.

Everything here runs on SQLite, and on PostgreSQL when DATABASE_URL points to one; a few tests only
make sense on one engine and skip on the other.
"""
from __future__ import annotations

import logging
import re
import sqlite3
import stat
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from peer_support.extensions import db
from peer_support.operations.backup import (_libpq, check_backup, code_head, daily_backup, run_daily_backup,
                                            table_checksums)
from peer_support.units.models import Unit

PARIS = ZoneInfo("Europe/Paris")


def on_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def run(app, *args, input=None):
    """A CLI command as an operator runs it (the test's own transaction ended first, as in another process)."""
    db.session.commit()
    db.session.close()
    return app.test_cli_runner().invoke(args=list(args), input=input)


def checksums():
    db.session.commit()
    return table_checksums(db.engine)


def set_revision(revision: str) -> None:
    db.session.execute(sa.text("UPDATE alembic_version SET version_num = :revision"), {"revision": revision})
    db.session.commit()


def change_data(make_account):
    """An insert, an update and a delete, in several tables (the audit log included)."""
    make_account("peer_worker", name="Added After The Backup")
    unit = db.session.scalars(sa.select(Unit).order_by(Unit.id)).first()
    unit.name = "Renamed after the backup"
    db.session.execute(sa.text("DELETE FROM meeting_topic_link"))
    db.session.commit()


@pytest.fixture
def demo(app):
    """The small demo data set: rows in most tables."""
    result = run(app, "demo-data", "--password", "demo password for backups")
    assert result.exit_code == 0, result.output
    return checksums()


@pytest.fixture
def backup_path(tmp_path):
    return tmp_path / "saved" / ("backup.dump" if on_postgres() else "backup.sqlite3")


def make_backup(app, path):
    path.parent.mkdir(exist_ok=True)
    result = run(app, "backup", str(path))
    assert result.exit_code == 0, result.output
    return result


def test_backup_then_restore_gives_back_the_database_as_it_was(app, demo, backup_path, make_account):
    assert sum(1 for count, _ in demo.values() if count) >= 25  # real rows in many tables
    result = make_backup(app, backup_path)
    tables = len(demo)
    assert re.fullmatch(rf"{re.escape(str(backup_path))}: \d+ bytes, {tables} tables, verified\n", result.output)
    assert stat.S_IMODE(backup_path.stat().st_mode) == 0o600
    assert [p.name for p in backup_path.parent.iterdir()] == [backup_path.name]  # no temporary file left

    change_data(make_account)
    changed = checksums()
    assert {name for name in demo if changed[name] != demo[name]} >= {"account", "unit", "meeting_topic_link",
                                                                       "audit_entry"}

    result = run(app, "restore", str(backup_path), "--yes")
    assert result.exit_code == 0, result.output
    assert f"restored {backup_path}" in result.output and "db upgrade" not in result.output
    assert checksums() == demo
    # The application works on the restored database.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit)) == demo["unit"][0]


def test_restore_answered_no_changes_nothing(app, demo, backup_path, make_account):
    make_backup(app, backup_path)
    change_data(make_account)
    changed = checksums()
    result = run(app, "restore", str(backup_path), input="n\n")
    assert result.exit_code == 1
    assert "REPLACES ALL CURRENT DATA" in result.output
    assert "Stop the web workers and the scheduler" in result.output
    assert "Replace the current data by this backup? [y/N]" in result.output
    assert "Nothing restored." in result.output
    assert checksums() == changed
    # Enter alone is "no" too.
    assert run(app, "restore", str(backup_path), input="\n").exit_code == 1
    assert checksums() == changed


def test_a_damaged_or_foreign_file_is_refused_and_the_database_untouched(app, demo, backup_path, tmp_path):
    make_backup(app, backup_path)
    content = backup_path.read_bytes()
    truncated = tmp_path / "truncated"
    truncated.write_bytes(content[: len(content) // 2])
    garbage = tmp_path / "garbage"
    garbage.write_bytes(b"not a backup at all\n" * 200)
    before = checksums()
    for path in (truncated, garbage, tmp_path / "missing"):
        result = run(app, "restore", str(path), "--yes")
        assert result.exit_code == 1, result.output
        assert result.output.startswith("Error: restore refused: ") and str(path) in result.output
        assert "Traceback" not in result.output and "restored" not in result.output
    assert checksums() == before


def test_a_backup_without_the_applications_revision_table_is_refused(app, tmp_path):
    if on_postgres():
        pytest.skip("an SQLite file of another application (the PostgreSQL equivalent is a foreign dump)")
    foreign = tmp_path / "foreign.sqlite3"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    result = run(app, "restore", str(foreign), "--yes")
    assert result.exit_code == 1 and "not a backup of this application (no alembic_version table)" in result.output


def test_a_backup_newer_than_the_code_is_refused_saying_which(app, backup_path):
    set_revision("9999_from_the_future")
    make_backup(app, backup_path)
    set_revision(code_head())
    before = checksums()
    result = run(app, "restore", str(backup_path), "--yes")
    assert result.exit_code == 1
    assert "9999_from_the_future is newer than this code's" in result.output and code_head() in result.output
    assert checksums() == before


def test_restoring_an_older_backup_says_to_upgrade_the_database(app, backup_path):
    set_revision("0007_nudge_delivery")
    make_backup(app, backup_path)
    set_revision(code_head())
    # A table that a later migration made: gone after the restore, so `db upgrade` can make it again.
    db.session.execute(sa.text("CREATE TABLE later_feature (id INTEGER PRIMARY KEY)"))
    db.session.commit()
    try:
        result = run(app, "restore", str(backup_path), "--yes")
        assert result.exit_code == 0, result.output
        assert "older than this code" in result.output and "flask --app wsgi db upgrade" in result.output
        assert db.session.scalar(sa.text("SELECT version_num FROM alembic_version")) == "0007_nudge_delivery"
        assert "later_feature" not in sa.inspect(db.session.connection()).get_table_names()
    finally:
        set_revision(code_head())  # PostgreSQL keeps alembic_version from one test to the next


def test_an_existing_path_is_kept_unless_forced(app, backup_path):
    backup_path.parent.mkdir()
    backup_path.write_text("keep me")
    result = run(app, "backup", str(backup_path))
    assert result.exit_code == 1
    assert "already exists" in result.output and "--force" in result.output
    assert backup_path.read_text() == "keep me"
    assert [p.name for p in backup_path.parent.iterdir()] == [backup_path.name]

    result = run(app, "backup", str(backup_path), "--force")
    assert result.exit_code == 0, result.output
    assert check_backup(db.engine.url, backup_path).revision == code_head()
    assert stat.S_IMODE(backup_path.stat().st_mode) == 0o600


def test_a_backup_where_nothing_can_be_written_fails_clearly(app, tmp_path):
    result = run(app, "backup", str(tmp_path / "no such folder" / "backup"))
    assert result.exit_code == 1
    assert "Error: backup failed: cannot write a backup in" in result.output and "Traceback" not in result.output
    assert run(app, "backup", str(tmp_path)).exit_code == 1  # a directory


def test_sqlite_backup_is_online_and_consistent_while_a_writer_is_busy(app, backup_path):
    if on_postgres():
        pytest.skip("SQLite's backup API")
    live = make_url(str(db.engine.url)).database
    writer = sqlite3.connect(live, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO unit (code, name, is_active, created_at) "
                       "VALUES ('HALF', 'Not committed yet', 1, '2026-01-01 00:00:00')")
        make_backup(app, backup_path)  # does not wait for the writer, does not see its transaction
    finally:
        writer.execute("COMMIT")
        writer.close()
    with sqlite3.connect(backup_path) as copy:
        assert copy.execute("SELECT count(*) FROM unit WHERE code = 'HALF'").fetchone() == (0,)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one self-contained file
    assert run(app, "restore", str(backup_path), "--yes").exit_code == 0
    with sqlite3.connect(live) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_postgres_backup_names_a_missing_pg_dump_and_leaves_no_scratch_database(app, backup_path, monkeypatch,
                                                                                tmp_path):
    if not on_postgres():
        pytest.skip("pg_dump and its scratch restore")
    make_backup(app, backup_path)
    scratch = db.session.scalars(sa.text("SELECT datname FROM pg_database "
                                         "WHERE datname LIKE 'peer_support_verify_%'")).all()
    assert scratch == []
    monkeypatch.setenv("PATH", str(tmp_path))
    result = run(app, "backup", str(backup_path.with_name("other.dump")))
    assert result.exit_code == 1
    assert "pg_dump not found: install the PostgreSQL client tools" in result.output
    assert not backup_path.with_name("other.dump").exists()


def test_the_database_password_goes_to_the_environment_never_to_arguments():
    url = make_url("postgresql+psycopg://keeper:s3cr'et@db.internal:5433/peer?sslmode=require")
    conninfo, environment = _libpq(url)
    assert "s3cr" not in conninfo
    assert conninfo == "host='db.internal' port='5433' user='keeper' dbname='peer' sslmode='require'"
    assert environment["PGPASSWORD"] == "s3cr'et"


def daily_names(folder, extension):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("peer-support-")
                  and p.name.endswith("." + extension))


def test_daily_backup_keeps_the_newest_and_never_touches_other_files(app, tmp_path):
    extension = "dump" if on_postgres() else "sqlite3"
    other_extension = "sqlite3" if on_postgres() else "dump"
    folder = tmp_path / "backups"
    folder.mkdir()
    old = [f"peer-support-202604{day:02d}-000000.{extension}" for day in range(10, 15)]
    unrelated = ["notes.txt", f"peer-support-latest.{extension}", f"peer-support-20260401-000000.{other_extension}",
                 f"peer-support-20260401-000000.{extension}.bak"]
    for name in old + unrelated:
        (folder / name).write_text("x")

    now = datetime(2026, 5, 4, 1, 30, tzinfo=timezone.utc)  # 03:30 in Paris, after the 02:00 backup time
    summary, deleted = daily_backup(db.engine.url, folder, keep=3, hour=2, zone=PARIS, now=now)
    assert summary.path.name == f"peer-support-20260504-013000.{extension}"
    assert stat.S_IMODE(summary.path.stat().st_mode) == 0o600
    assert sorted(p.name for p in deleted) == old[:3]
    assert daily_names(folder, extension) == sorted([*old[3:], summary.path.name, f"peer-support-latest.{extension}"])
    assert all((folder / name).exists() for name in unrelated)

    # Later the same day (a restarted scheduler): nothing new.
    assert daily_backup(db.engine.url, folder, keep=3, hour=2, zone=PARIS, now=now.replace(hour=12)) == (None, [])
    # Before 02:00 the next day, the backup "of the day" is still yesterday's; after it, a new one.
    next_night = datetime(2026, 5, 4, 23, 30, tzinfo=timezone.utc)  # 01:30 in Paris on the 5th
    assert daily_backup(db.engine.url, folder, keep=3, hour=2, zone=PARIS, now=next_night)[0] is None
    summary, deleted = daily_backup(db.engine.url, folder, keep=3, hour=2, zone=PARIS,
                                    now=datetime(2026, 5, 5, 0, 0, tzinfo=timezone.utc))
    assert summary is not None and [p.name for p in deleted] == [old[3]]
    assert len([n for n in daily_names(folder, extension) if n != f"peer-support-latest.{extension}"]) == 3


@pytest.mark.parametrize("app_config", [{"BACKUP_KEEP": 2, "BACKUP_HOUR": 2}])
def test_the_scheduled_job_follows_the_configuration_and_logs_no_secret(app, tmp_path, caplog, monkeypatch):
    # The migrations' logging.config.fileConfig disables loggers that existed before it ran.
    monkeypatch.setattr(logging.getLogger("peer_support.operations.backup"), "disabled", False)
    folder = tmp_path / "daily"
    app.config["BACKUP_DIR"] = str(folder)
    with caplog.at_level(logging.INFO, logger="peer_support.operations.backup"):
        summary = run_daily_backup(datetime(2026, 5, 4, 8, 0, tzinfo=timezone.utc))
    assert summary.path.parent == folder and check_backup(db.engine.url, summary.path).revision == code_head()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert f"daily backup {summary.path}:" in caplog.text and "verified" in caplog.text
    if db.engine.url.password:
        assert db.engine.url.password not in caplog.text

    app.config["BACKUP_DIR"] = None  # BACKUP_DIR=off
    assert run_daily_backup(datetime(2026, 5, 5, 8, 0, tzinfo=timezone.utc)) is None
    assert len(list(folder.iterdir())) == 1


def test_backup_dir_off_switches_the_daily_backup_off(monkeypatch):
    from peer_support.config import from_environment

    monkeypatch.setenv("BACKUP_DIR", "off")
    assert from_environment("/srv/instance")["BACKUP_DIR"] is None
    monkeypatch.delenv("BACKUP_DIR")
    config = from_environment("/srv/instance")
    assert (config["BACKUP_DIR"], config["BACKUP_KEEP"], config["BACKUP_HOUR"]) == ("/srv/instance/backups", 14, 2)
