"""`flask --app wsgi check`: the configuration an operator should not run a hospital's site with.

Each check is a plain function of the app's configuration and the environment (and, for the
database ones, of what was read from it), returning findings; the command gathers them.
"""
from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from peer_support.db import utcnow
from peer_support.operations.logs import exception_name

ERROR, WARNING = "error", "warning"

# Keys copied from documentation and tutorials, compared in lower case.
PLACEHOLDER_KEYS = {"change-me", "changeme", "change_me", "secret", "secret-key", "secret_key", "secretkey",
                    "dev", "development", "test", "testing", "key", "password", "default", "insecure",
                    "your-secret-key", "my-secret-key", "replace-me", "please-change-me", "xxx"}
PLACEHOLDER_PATTERN = re.compile(r"change[-_ ]?me|replace[-_ ]?me|your[-_ ]?secret|not[-_ ]?secret|insecure")
MIN_SECRET_KEY_LENGTH = 32

# File systems shared over a network, where SQLite's locks cannot be trusted.
NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "sshfs", "9p", "virtiofs", "afs",
                       "ceph", "glusterfs", "fuse.glusterfs", "lustre", "gpfs", "ncpfs", "davfs", "fuse.davfs2",
                       "fuse.s3fs", "fuse.rclone", "fuse.cephfs"}


@dataclass(frozen=True)
class Finding:
    level: str  # ERROR or WARNING
    message: str


def _production(config: Mapping) -> bool:
    return config.get("PEER_SUPPORT_ENV", "production") == "production"


def _true(value: str | None) -> bool:
    # As Flask reads FLASK_DEBUG.
    return bool(value) and value.strip().lower() not in {"0", "false", "no", "off"}


def check_environment(config: Mapping, environ: Mapping) -> list[Finding]:
    if _production(config):
        return []
    return [Finding(WARNING, "PEER_SUPPORT_ENV is development: cookies may travel over plain HTTP and the "
                             "production checks are skipped; never use it on a server people reach")]


def check_debug(config: Mapping, environ: Mapping) -> list[Finding]:
    if _production(config) and (config.get("DEBUG") or _true(environ.get("FLASK_DEBUG"))):
        return [Finding(ERROR, "debug mode is on (FLASK_DEBUG): error pages would show code and data; "
                               "unset FLASK_DEBUG")]
    return []


def check_secret_key(config: Mapping, environ: Mapping) -> list[Finding]:
    if not _production(config):
        return []
    key = str(config.get("SECRET_KEY") or "")
    findings = []
    lowered = key.strip().lower()
    if lowered in PLACEHOLDER_KEYS or PLACEHOLDER_PATTERN.search(lowered) or len(set(key)) < 8:
        findings.append(Finding(ERROR, "SECRET_KEY is a placeholder or too simple: anyone could sign "
                                       "sessions; set a random one (python3 -c 'import secrets; "
                                       "print(secrets.token_hex(32))')"))
    elif len(key) < MIN_SECRET_KEY_LENGTH:
        findings.append(Finding(ERROR, f"SECRET_KEY has {len(key)} characters, fewer than "
                                       f"{MIN_SECRET_KEY_LENGTH}: set a long random one"))
    if not (environ.get("SECRET_KEY") or "").strip():
        findings.append(Finding(WARNING, "SECRET_KEY is not in the environment: it comes from "
                                         "instance/secret_key, which is fine on one machine; with several "
                                         "machines sharing the database, set the same SECRET_KEY in each "
                                         "one's environment"))
    return findings


def check_session_cookie(config: Mapping, environ: Mapping) -> list[Finding]:
    if _production(config) and not config.get("SESSION_COOKIE_SECURE"):
        return [Finding(ERROR, "SESSION_COOKIE_SECURE is off in production: session cookies would travel over "
                               "plain HTTP; remove SESSION_COOKIE_SECURE=0")]
    return []


def check_base_url(config: Mapping, environ: Mapping) -> list[Finding]:
    url = str(config.get("APP_BASE_URL") or "")
    if _production(config) and not url.lower().startswith("https://"):
        return [Finding(WARNING, f"APP_BASE_URL is not an https address ({url}): links in e-mails would "
                                 "use plain HTTP; set it to the address people reach, e.g. "
                                 "https://peer-support.example")]
    return []


def check_mail(config: Mapping, environ: Mapping) -> list[Finding]:
    if not config.get("MAIL_SERVER"):
        return [Finding(WARNING, f"no mail server (MAIL_SERVER): outgoing mail is written to "
                                 f"{config.get('OUTBOX_DIR')} instead of being sent")]
    return []


def check_log_format(config: Mapping, environ: Mapping) -> list[Finding]:
    if config.get("LOG_FORMAT", "text") not in {"text", "json"}:
        return [Finding(WARNING, f"LOG_FORMAT {config.get('LOG_FORMAT')!r} is neither json nor text: "
                                 "logs are plain text")]
    return []


def sqlite_path(config: Mapping) -> Path | None:
    """The SQLite database file, or None when the database is not an SQLite file."""
    url = sa.engine.make_url(str(config.get("SQLALCHEMY_DATABASE_URI") or ""))
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def _unescape_mount_field(field: str) -> str:
    # /proc/mounts writes space, tab, newline and backslash in paths as octal escapes (\040 ...).
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def filesystem_of(path: str, mounts: str) -> str | None:
    """The file system type of the mount holding `path` (the longest mount point that prefixes it),
    from the text of /proc/mounts."""
    best, best_type = "", None
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        mount_point, fs_type = _unescape_mount_field(fields[1]), fields[2]
        prefix = mount_point.rstrip("/") + "/"
        if (path == mount_point or path.startswith(prefix)) and len(mount_point) >= len(best):
            best, best_type = mount_point, fs_type
    return best_type


def configured_workers(environ: Mapping) -> int:
    """How many gunicorn workers the environment asks for (WEB_CONCURRENCY, GUNICORN_CMD_ARGS); 1 if neither."""
    workers = 1
    try:
        workers = int(environ.get("WEB_CONCURRENCY") or 1)
    except ValueError:
        pass
    try:
        arguments = shlex.split(environ.get("GUNICORN_CMD_ARGS") or "")
    except ValueError:
        arguments = []
    for index, argument in enumerate(arguments):
        value = None
        if argument in ("-w", "--workers") and index + 1 < len(arguments):
            value = arguments[index + 1]
        elif argument.startswith("--workers="):
            value = argument.split("=", 1)[1]
        elif argument.startswith("-w") and len(argument) > 2:
            value = argument[2:]
        if value is not None and value.isdigit():
            workers = int(value)  # the command line wins over WEB_CONCURRENCY, as in gunicorn
    return workers


def check_sqlite_location(config: Mapping, environ: Mapping, mounts: str) -> list[Finding]:
    path = sqlite_path(config)
    if path is None:
        return []
    real = os.path.realpath(path)
    fs_type = filesystem_of(real, mounts)
    if fs_type not in NETWORK_FILESYSTEMS and not (fs_type or "").startswith("nfs"):
        return []
    workers = configured_workers(environ)
    if workers > 1:
        return [Finding(ERROR, f"the SQLite database {real} is on a network file system ({fs_type}) and "
                               f"{workers} workers would write to it: its locks do not hold there and the "
                               "database can be corrupted; move it to a local disk or use PostgreSQL")]
    return [Finding(WARNING, f"the SQLite database {real} is on a network file system ({fs_type}): its locks "
                             "may not hold there (the scheduler is a second process); move it to a local disk "
                             "or use PostgreSQL")]


def check_sqlite_journal_mode(config: Mapping, journal_mode: str | None) -> list[Finding]:
    if sqlite_path(config) is None or journal_mode is None or journal_mode.lower() == "wal":
        return []
    return [Finding(WARNING, f"the SQLite database is in {journal_mode} journal mode, not WAL: readers and "
                             "writers will block each other (WAL does not work on network file systems)")]


def check_scheduler(last_success_at: datetime | None, failing: list[tuple[str, str | None]], now: datetime,
                    stale_after: timedelta) -> list[Finding]:
    """`failing`: (job id, error class name) of the jobs whose last run failed."""
    findings = []
    if last_success_at is None:
        findings.append(Finding(WARNING, "no scheduled job has ever succeeded: is the scheduler running "
                                         "(flask --app wsgi scheduler)?"))
    elif now - last_success_at > stale_after:
        minutes = int((now - last_success_at).total_seconds() // 60)
        findings.append(Finding(WARNING, f"no scheduled job has succeeded for {minutes} minutes (last: "
                                         f"{last_success_at.isoformat(timespec='seconds')}): is the scheduler "
                                         "running (flask --app wsgi scheduler)?"))
    for job_id, error in failing:
        findings.append(Finding(WARNING, f"the last run of scheduled job {job_id} failed ({error}); "
                                         "see the scheduler's log"))
    return findings


CONFIG_CHECKS = (check_environment, check_debug, check_secret_key, check_session_cookie, check_base_url,
                 check_mail, check_log_format)


def read_proc_mounts() -> str:
    try:
        return Path("/proc/mounts").read_text()
    except OSError:
        return ""


def _database_findings(config: Mapping, now: datetime) -> list[Finding]:
    from peer_support.extensions import db
    from peer_support.operations.jobs import failing_jobs, scheduler_health

    stale_after = timedelta(minutes=config["SCHEDULER_STALE_AFTER_MINUTES"])
    try:
        db.session.execute(sa.text("SELECT 1"))
        journal_mode = None
        if sqlite_path(config) is not None:
            journal_mode = db.session.execute(sa.text("PRAGMA journal_mode")).scalar()
    except sa.exc.SQLAlchemyError as error:
        db.session.rollback()
        return [Finding(ERROR, f"the database does not answer ({exception_name(type(error))})")]
    findings = check_sqlite_journal_mode(config, journal_mode)
    try:
        last_success_at = scheduler_health(now, stale_after).last_success_at
        failing = [(job.job_id, job.last_error) for job in failing_jobs()]
    except sa.exc.SQLAlchemyError as error:
        findings.append(Finding(ERROR, f"the scheduled jobs' runs cannot be read ({exception_name(type(error))}): "
                                       "is the database upgraded (flask --app wsgi db upgrade)?"))
    else:
        findings += check_scheduler(last_success_at, failing, now, stale_after)
    finally:
        db.session.rollback()
    return findings


def collect_findings(config: Mapping, environ: Mapping, *, now: datetime,
                     read_mounts: Callable[[], str] = read_proc_mounts) -> list[Finding]:
    """Every finding about this configuration, errors first (needs an application context for the database)."""
    findings = [finding for check in CONFIG_CHECKS for finding in check(config, environ)]
    findings += check_sqlite_location(config, environ, read_mounts())
    findings += _database_findings(config, now)
    return sorted(findings, key=lambda finding: finding.level != ERROR)


@click.command("check")
@click.pass_context
@with_appcontext
def check_command(context: click.Context):
    """Report unsafe configuration (debug, secret key, cookies, SQLite on a network drive, scheduler...)."""
    findings = collect_findings(current_app.config, os.environ, now=utcnow(), read_mounts=read_proc_mounts)
    for finding in findings:
        click.echo(f"{finding.level.upper()}: {finding.message}")
    errors = sum(finding.level == ERROR for finding in findings)
    click.echo(f"Configuration checked: {errors} errors, {len(findings) - errors} warnings")
    if errors:
        context.exit(1)
