"""`flask --app wsgi check`: each unsafe setting found on a crafted configuration, and the exit status."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.operations import checks
from peer_support.operations.checks import (CONFIG_CHECKS, ERROR, WARNING, Finding, check_scheduler,
                                            check_sqlite_journal_mode, check_sqlite_location, configured_workers,
                                            filesystem_of)
from peer_support.operations.jobs import record_failure, record_success

GOOD_KEY = "9f2c4e8a1b7d3f6e0a5c2b8d4f1e7a3c6b9d2e5f8a1c4b7e0d3f6a9c2e5b8d1f"

SAFE_CONFIG = {
    "PEER_SUPPORT_ENV": "production",
    "DEBUG": False,
    "SECRET_KEY": GOOD_KEY,
    "SESSION_COOKIE_SECURE": True,
    "APP_BASE_URL": "https://peer-support.hospital.example",
    "MAIL_SERVER": "smtp.hospital.example",
    "OUTBOX_DIR": "/srv/peer-support/outbox",
    "LOG_FORMAT": "json",
    "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://peer_support@db/peer_support",
}
SAFE_ENVIRON = {"SECRET_KEY": GOOD_KEY}

LOCAL_MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
"""
NETWORK_MOUNTS = LOCAL_MOUNTS + """\
filer:/export/peer /srv/peer nfs4 rw,relatime,vers=4.2 0 0
//nas/share /srv/peer/local\\040copy cifs rw 0 0
/dev/sdb1 /srv/peer/disk ext4 rw 0 0
"""


def config_findings(config, environ):
    return [finding for check in CONFIG_CHECKS for finding in check(config, environ)]


def test_a_safe_production_configuration_has_no_finding():
    assert config_findings(SAFE_CONFIG, SAFE_ENVIRON) == []
    assert check_sqlite_location(SAFE_CONFIG, SAFE_ENVIRON, NETWORK_MOUNTS) == []  # PostgreSQL: no file


@pytest.mark.parametrize("config, environ, level, words", [
    ({"DEBUG": True}, {}, ERROR, "debug mode is on"),
    ({}, {"FLASK_DEBUG": "1"}, ERROR, "debug mode is on"),
    ({"SECRET_KEY": "change-me"}, {"SECRET_KEY": "change-me"}, ERROR, "placeholder"),
    ({"SECRET_KEY": "Secret"}, {"SECRET_KEY": "Secret"}, ERROR, "placeholder"),
    ({"SECRET_KEY": "please-change-me-before-going-live-0123456789"}, {}, ERROR, "placeholder"),
    ({"SECRET_KEY": "x" * 40}, {}, ERROR, "placeholder"),
    ({"SECRET_KEY": "a1b2c3d4e5f6a7b8c9d0"}, {"SECRET_KEY": "a1b2c3d4e5f6a7b8c9d0"}, ERROR,
     "SECRET_KEY has 20 characters, fewer than 32"),
    ({}, {"SECRET_KEY": ""}, WARNING, "comes from instance/secret_key"),
    ({"SESSION_COOKIE_SECURE": False}, {}, ERROR, "SESSION_COOKIE_SECURE is off in production"),
    ({"APP_BASE_URL": "http://peer-support.hospital.example"}, {}, WARNING, "APP_BASE_URL is not an https"),
    ({"MAIL_SERVER": None}, {}, WARNING, "outgoing mail is written to /srv/peer-support/outbox"),
    ({"LOG_FORMAT": "xml"}, {}, WARNING, "LOG_FORMAT 'xml'"),
    ({"PEER_SUPPORT_ENV": "development"}, {}, WARNING, "PEER_SUPPORT_ENV is development"),
])
def test_each_unsafe_setting_gives_one_finding(config, environ, level, words):
    findings = config_findings({**SAFE_CONFIG, **config}, {**SAFE_ENVIRON, **environ})
    assert len(findings) == 1, findings
    assert findings[0].level == level and words in findings[0].message


def test_development_is_spared_the_production_checks_but_told_so():
    development = {**SAFE_CONFIG, "PEER_SUPPORT_ENV": "development", "DEBUG": True, "SECRET_KEY": "dev",
                   "SESSION_COOKIE_SECURE": False, "APP_BASE_URL": "http://127.0.0.1:5000"}
    findings = config_findings(development, {"FLASK_DEBUG": "1"})
    assert [finding.level for finding in findings] == [WARNING]
    assert "PEER_SUPPORT_ENV is development" in findings[0].message


@pytest.mark.parametrize("value", ["0", "false", "no", ""])
def test_flask_debug_switched_off_is_not_debug(value):
    assert config_findings(SAFE_CONFIG, {**SAFE_ENVIRON, "FLASK_DEBUG": value}) == []


def test_the_file_system_is_the_longest_mount_point_prefix():
    assert filesystem_of("/srv/peer/db.sqlite3", NETWORK_MOUNTS) == "nfs4"
    assert filesystem_of("/srv/peer/disk/db.sqlite3", NETWORK_MOUNTS) == "ext4"
    assert filesystem_of("/srv/peer/local copy/db.sqlite3", NETWORK_MOUNTS) == "cifs"
    assert filesystem_of("/srv/peerless/db.sqlite3", NETWORK_MOUNTS) == "ext4"  # a prefix of the name is not one
    assert filesystem_of("/srv/peer", NETWORK_MOUNTS) == "nfs4"
    assert filesystem_of("/anything", "") is None


@pytest.mark.parametrize("environ, workers", [
    ({}, 1), ({"WEB_CONCURRENCY": "3"}, 3), ({"WEB_CONCURRENCY": "many"}, 1),
    ({"GUNICORN_CMD_ARGS": "--bind 0.0.0.0:8000 --workers 4"}, 4), ({"GUNICORN_CMD_ARGS": "-w 2"}, 2),
    ({"GUNICORN_CMD_ARGS": "--workers=5"}, 5), ({"GUNICORN_CMD_ARGS": "-w3"}, 3),
    ({"WEB_CONCURRENCY": "4", "GUNICORN_CMD_ARGS": "--workers 1"}, 1),
    ({"GUNICORN_CMD_ARGS": "--name 'unclosed"}, 1),
])
def test_workers_come_from_web_concurrency_or_gunicorn_arguments(environ, workers):
    assert configured_workers(environ) == workers


def test_sqlite_on_a_network_drive_is_an_error_with_several_workers_and_a_warning_with_one(tmp_path):
    # The database is reached through a symbolic link: the real path decides.
    shared = tmp_path / "shared"
    shared.mkdir()
    (tmp_path / "link").symlink_to(shared)
    config = {**SAFE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'link' / 'peer.sqlite3'}"}
    mounts = LOCAL_MOUNTS + f"filer:/export {shared} nfs rw 0 0\n"

    several = check_sqlite_location(config, {"WEB_CONCURRENCY": "2"}, mounts)
    assert [finding.level for finding in several] == [ERROR]
    assert f"{shared}/peer.sqlite3 is on a network file system (nfs)" in several[0].message
    assert "2 workers" in several[0].message
    one = check_sqlite_location(config, {}, mounts)
    assert [finding.level for finding in one] == [WARNING]
    assert check_sqlite_location(config, {"WEB_CONCURRENCY": "2"}, LOCAL_MOUNTS) == []
    for fs_type in ("fuse.sshfs", "9p", "smb3"):
        found = check_sqlite_location(config, {}, LOCAL_MOUNTS + f"remote {shared} {fs_type} rw 0 0\n")
        assert len(found) == 1 and fs_type in found[0].message
    memory = {**SAFE_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    assert check_sqlite_location(memory, {"WEB_CONCURRENCY": "2"}, "none / 9p rw 0 0\n") == []


def test_sqlite_outside_wal_mode_is_a_warning():
    sqlite = {**SAFE_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite:////srv/peer.sqlite3"}
    assert check_sqlite_journal_mode(sqlite, "wal") == []
    findings = check_sqlite_journal_mode(sqlite, "delete")
    assert [finding.level for finding in findings] == [WARNING] and "delete journal mode" in findings[0].message
    assert check_sqlite_journal_mode(SAFE_CONFIG, None) == []


def test_the_scheduler_check():
    now = utcnow()
    never = check_scheduler(None, [], now, timedelta(minutes=90))
    assert [finding.level for finding in never] == [WARNING] and "has ever succeeded" in never[0].message
    assert check_scheduler(now - timedelta(minutes=30), [], now, timedelta(minutes=90)) == []
    stale = check_scheduler(now - timedelta(minutes=200), [], now, timedelta(minutes=90))
    assert len(stale) == 1 and "no scheduled job has succeeded for 200 minutes" in stale[0].message
    failing = check_scheduler(now, [("nudges.mail", "smtplib.SMTPException")], now, timedelta(minutes=90))
    assert failing == [Finding(WARNING, "the last run of scheduled job nudges.mail failed "
                                        "(smtplib.SMTPException); see the scheduler's log")]


# --- The command, on the test application --------------------------------------------------------------

@pytest.fixture
def safe_site(app_config, monkeypatch):
    """A production configuration with nothing to report (mail server, https, secure cookies, key in env)."""
    app_config.update({key: value for key, value in SAFE_CONFIG.items() if key != "SQLALCHEMY_DATABASE_URI"})
    for name in ("FLASK_DEBUG", "WEB_CONCURRENCY", "GUNICORN_CMD_ARGS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.setattr(checks, "read_proc_mounts", lambda: LOCAL_MOUNTS)
    return app_config


def run_check(app):
    result = app.test_cli_runner().invoke(args=["check"])
    return result.exit_code, result.output.strip().splitlines()


def test_check_on_a_safe_site_reports_nothing_and_exits_0(safe_site, app):
    now = utcnow()
    record_success("nudges.evaluate", started_at=now, now=now)
    assert run_check(app) == (0, ["Configuration checked: 0 errors, 0 warnings"])


def test_check_on_an_unsafe_site_prints_each_finding_errors_first_and_exits_1(safe_site, app, monkeypatch):
    app.config.update(SESSION_COOKIE_SECURE=False, SECRET_KEY="secret", MAIL_SERVER=None)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    monkeypatch.setenv("SECRET_KEY", "secret")
    now = utcnow()
    record_success("nudges.evaluate", started_at=now, now=now)
    record_failure("nudges.mail", ValueError("Jeanne Dupont"), started_at=now, now=now)
    code, lines = run_check(app)
    assert code == 1
    assert [line.split(":")[0] for line in lines[:-1]] == ["ERROR"] * 3 + ["WARNING"] * 2
    assert any(line.startswith("ERROR: debug mode is on") for line in lines)
    assert any(line.startswith("ERROR: SESSION_COOKIE_SECURE is off") for line in lines)
    assert any(line.startswith("WARNING: the last run of scheduled job nudges.mail failed (ValueError)")
               for line in lines)
    assert "Jeanne" not in "\n".join(lines)
    assert lines[-1] == "Configuration checked: 3 errors, 2 warnings"


def test_check_warns_when_the_scheduler_never_ran_but_exits_0(safe_site, app):
    code, lines = run_check(app)
    assert code == 0
    assert lines == ["WARNING: no scheduled job has ever succeeded: is the scheduler running "
                     "(flask --app wsgi scheduler)?", "Configuration checked: 0 errors, 1 warnings"]


def refuse(*args, **kwargs):
    raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))


def test_check_reports_a_database_that_does_not_answer(safe_site, app, monkeypatch):
    monkeypatch.setattr(db.session, "execute", refuse)
    code, lines = run_check(app)
    assert code == 1
    assert lines == ["ERROR: the database does not answer (sqlalchemy.exc.OperationalError)",
                     "Configuration checked: 1 errors, 0 warnings"]


def test_check_reports_job_runs_it_cannot_read(safe_site, app, monkeypatch):
    from peer_support.operations import jobs

    monkeypatch.setattr(jobs, "scheduler_health", refuse)
    code, lines = run_check(app)
    assert code == 1
    assert lines == ["ERROR: the scheduled jobs' runs cannot be read (sqlalchemy.exc.OperationalError): "
                     "is the database upgraded (flask --app wsgi db upgrade)?",
                     "Configuration checked: 1 errors, 0 warnings"]


def test_check_reads_the_journal_mode_of_the_real_sqlite_database(safe_site, app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    from tests.helpers import counted_statements

    now = utcnow()
    record_success("nudges.evaluate", started_at=now, now=now)
    with counted_statements() as statements:
        assert run_check(app)[0] == 0  # the test database runs in WAL mode
    assert "PRAGMA journal_mode" in statements
