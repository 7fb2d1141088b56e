"""Backups and restore of the whole database, verified before they count.

SQLite: the backup API copies the live file page by page under a read lock, so
the copy is consistent while workers write (WAL). PostgreSQL: `pg_dump` in the
custom format, checked by a restore into a scratch database that is then
dropped. A backup is written under a temporary name in the target folder and
renamed only once verified, with 0600 permissions (it holds health data).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess  # nosec B404 # runs pg_dump and pg_restore only; see _run
import tempfile
import uuid
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
DAILY_NAME = re.compile(r"^peer-support-(\d{8}-\d{6})\.(sqlite3|dump)$")
DAILY_STAMP = "%Y%m%d-%H%M%S"


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why, for an operator."""


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    size: int
    tables: int
    revision: str


# -- entry points -------------------------------------------------------------------------------------------

def create_backup(url: str | URL, path: str | Path, *, force: bool = False) -> BackupSummary:
    """Copy the database at `url` into `path`, verify the copy, and only then give it its name."""
    url = make_url(url)
    path = Path(path)
    if path.is_dir():
        raise BackupError(f"{path} is a directory: give the path of the backup file")
    if path.exists() and not force:
        raise BackupError(f"{path} already exists: choose another path, or use --force to replace it")
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".partial")
    except OSError as error:
        raise BackupError(f"cannot write a backup in {folder}: {error.strerror}") from None
    os.close(fd)
    partial = Path(name)
    try:
        if _is_sqlite(url):
            _sqlite_copy(_sqlite_file(url), partial)
            summary = _check_sqlite_file(partial)
        else:
            _pg_dump(url, partial)
            summary = _verify_pg_dump(url, partial)
        os.chmod(partial, 0o600)
        _fsync(partial)
        os.replace(partial, path)
        _fsync(folder)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupSummary(path=path, size=path.stat().st_size, tables=summary.tables, revision=summary.revision)


def check_backup(url: str | URL, path: str | Path) -> BackupSummary:
    """Read a backup file through (without changing anything) and say what it holds; BackupError if unusable."""
    url = make_url(url)
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    if _is_sqlite(url):
        return _check_sqlite_file(path)
    return _check_pg_archive(path)


def restore_backup(url: str | URL, path: str | Path) -> BackupSummary:
    """Replace the database at `url` by the backup at `path` (checked first). Stop workers and scheduler before."""
    url = make_url(url)
    summary = check_backup(url, path)
    if revision_status(summary.revision) == "newer":
        raise BackupError(newer_revision_message(summary.revision))
    if _is_sqlite(url):
        _sqlite_restore(Path(path), _sqlite_file(url))
    else:
        _pg_restore_live(url, Path(path))
    return summary


def revision_status(revision: str) -> str:
    """'current' (the code's head), 'older' (needs `flask db upgrade`) or 'newer' (unknown to this code)."""
    scripts = _migration_scripts()
    if revision in scripts.get_heads():
        return "current"
    if revision in {script.revision for script in scripts.walk_revisions()}:
        return "older"
    return "newer"


def newer_revision_message(revision: str) -> str:
    heads = ", ".join(_migration_scripts().get_heads())
    return (f"the backup's database revision {revision} is newer than this code's ({heads}): restore it with "
            "the version of the application that made it")


def code_head() -> str:
    return ", ".join(_migration_scripts().get_heads())


def table_checksums(connectable) -> dict[str, tuple[int, str]]:
    """Per table: (row count, sha256 of its rows ordered by primary key, values serialised stably)."""
    with _connection(connectable) as connection:
        inspector = sa.inspect(connection)
        result = {}
        for name in sorted(inspector.get_table_names()):
            columns = [column["name"] for column in inspector.get_columns(name)]
            keys = inspector.get_pk_constraint(name)["constrained_columns"]
            table = sa.table(name, *(sa.column(column) for column in columns))
            query = sa.select(*table.c)
            if keys:
                query = query.order_by(*(table.c[key] for key in keys))
            lines = [json.dumps(list(row), default=_plain, sort_keys=True) for row in connection.execute(query)]
            if not keys:
                lines.sort()
            digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
            result[name] = (len(lines), digest)
        return result


# -- daily backup with rotation -----------------------------------------------------------------------------

def daily_backup(url: str | URL, directory: str | Path, *, keep: int, hour: int, zone, now: datetime
                 ) -> tuple[BackupSummary | None, list[Path]]:
    """The day's backup into `directory`, unless one was made since the last `hour` o'clock (local time);
    then keep the `keep` newest daily backups. Returns (the new backup or None, the files deleted)."""
    url = make_url(url)
    directory = Path(directory)
    extension = "sqlite3" if _is_sqlite(url) else "dump"
    local_now = now.astimezone(zone)
    since = local_now.replace(hour=hour, minute=0, second=0, microsecond=0)
    if since > local_now:
        since -= timedelta(days=1)
    if any(stamp >= since for stamp, _ in _daily_backups(directory, extension)):
        return None, []
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(f"cannot create the backup folder {directory}: {error.strerror}") from None
    name = f"peer-support-{now.astimezone(timezone.utc).strftime(DAILY_STAMP)}.{extension}"
    summary = create_backup(url, directory / name)
    return summary, rotate_backups(directory, keep=keep, extension=extension)


def rotate_backups(directory: str | Path, *, keep: int, extension: str) -> list[Path]:
    """Delete the daily backups (`peer-support-YYYYMMDD-HHMMSS.EXT`) beyond the `keep` newest; nothing else."""
    backups = sorted(_daily_backups(Path(directory), extension), reverse=True)
    deleted = []
    for _, path in backups[max(keep, 1):]:
        path.unlink(missing_ok=True)
        deleted.append(path)
    return deleted


def run_daily_backup(now: datetime) -> BackupSummary | None:
    """The scheduler's daily backup, as configured (BACKUP_DIR, BACKUP_KEEP, BACKUP_HOUR); logs one line."""
    from flask import current_app

    from peer_support.extensions import db
    from peer_support.timezones import site_zone

    config = current_app.config
    if not config.get("BACKUP_DIR"):
        log.info("daily backup switched off (BACKUP_DIR=off)")
        return None
    summary, deleted = daily_backup(db.engine.url, config["BACKUP_DIR"], keep=config["BACKUP_KEEP"],
                                    hour=config["BACKUP_HOUR"], zone=site_zone(), now=now)
    if summary is None:
        log.info("daily backup already made since %02d:00", config["BACKUP_HOUR"])
    else:
        log.info("daily backup %s: %d bytes, %d tables, verified; %d old backups deleted",
                 summary.path, summary.size, summary.tables, len(deleted))
    return summary


def _daily_backups(directory: Path, extension: str) -> list[tuple[datetime, Path]]:
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = DAILY_NAME.match(path.name)
        if match and match.group(2) == extension and path.is_file():
            try:
                stamp = datetime.strptime(match.group(1), DAILY_STAMP).replace(tzinfo=timezone.utc)
            except ValueError:
                continue
            found.append((stamp, path))
    return found


# -- SQLite -------------------------------------------------------------------------------------------------

def _is_sqlite(url: URL) -> bool:
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"backups of {backend} databases are not supported (SQLite and PostgreSQL only)")
    return backend == "sqlite"


def _sqlite_file(url: URL) -> Path:
    if url.database in (None, "", ":memory:"):
        raise BackupError("the database is in memory: there is no file to back up or restore")
    path = Path(url.database)
    if not path.is_file():
        raise BackupError(f"no database file at {path}")
    return path


def _sqlite_connect(path: Path, mode: str) -> sqlite3.Connection:
    """A connection that never creates a missing file (mode 'ro' or 'rw')."""
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True, timeout=30,
                                 isolation_level=None)
    connection.execute("PRAGMA busy_timeout = 30000")
    return connection


def _sqlite_copy(live: Path, target: Path) -> None:
    try:
        with closing(_sqlite_connect(live, "rw")) as source, closing(sqlite3.connect(target)) as copy:
            source.backup(copy)
            # One self-contained file, without -wal and -shm companions.
            copy.execute("PRAGMA journal_mode = DELETE")
    except sqlite3.Error as error:
        raise BackupError(f"the SQLite backup failed: {error}") from None


def _check_sqlite_file(path: Path) -> BackupSummary:
    try:
        with closing(_sqlite_connect(path, "ro")) as connection:
            problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupError(f"{path} is damaged (integrity check: {'; '.join(problems[:3])})")
            tables = [row[0] for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
            if "alembic_version" not in tables:
                raise BackupError(f"{path} is not a backup of this application (no alembic_version table)")
            revisions = [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")]
    except sqlite3.Error as error:
        raise BackupError(f"{path} is not a usable SQLite backup: {error}") from None
    if len(revisions) != 1:
        raise BackupError(f"{path} has no single database revision in alembic_version")
    return BackupSummary(path=path, size=path.stat().st_size, tables=len(tables), revision=revisions[0])


def _sqlite_restore(backup: Path, live: Path) -> None:
    try:
        with closing(_sqlite_connect(backup, "ro")) as source, closing(_sqlite_connect(live, "rw")) as target:
            source.backup(target)
            target.execute("PRAGMA journal_mode = WAL")
    except sqlite3.Error as error:
        raise BackupError(f"the SQLite restore failed: {error}") from None


# -- PostgreSQL ---------------------------------------------------------------------------------------------

def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools (Debian: postgresql-client), "
                          "of the server's major version or newer")
    return found


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and an environment carrying it (PGPASSWORD)."""
    params = {"host": url.host, "port": url.port, "user": url.username, "dbname": url.database}
    for key, value in url.query.items():
        params[key] = value[-1] if isinstance(value, tuple) else value
    conninfo = " ".join(f"{key}={_quote(str(value))}" for key, value in params.items() if value not in (None, ""))
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    return conninfo, environment


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _run(command: list[str], environment: dict[str, str], what: str) -> str:
    # The program is pg_dump or pg_restore (_tool); arguments are a list and no shell reads them.
    done = subprocess.run(command, env=environment, capture_output=True, text=True)  # nosec B603
    if done.returncode != 0:
        detail = " ".join(done.stderr.strip().splitlines()[-3:])
        raise BackupError(f"{what} failed: {detail or f'exit status {done.returncode}'}")
    return done.stdout


def _pg_dump(url: URL, target: Path) -> None:
    conninfo, environment = _libpq(url)
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}", f"--dbname={conninfo}"],
         environment, "pg_dump")


def _check_pg_archive(path: Path) -> BackupSummary:
    """`pg_restore --list` reads the table of contents; converting the whole archive to nowhere reads every
    data block (a truncated file fails here, not halfway through a restore)."""
    tool = _tool("pg_restore")
    environment = dict(os.environ)
    listing = _run([tool, "--list", str(path)], environment, f"reading {path} (pg_restore --list)")
    tables = _archive_tables(listing)
    _run([tool, f"--file={os.devnull}", str(path)], environment, f"reading {path} through")
    data = _run([tool, "--data-only", "--table=alembic_version", "--file=-", str(path)], environment,
                f"reading the revision of {path}")
    revisions = _copy_rows(data, "alembic_version")
    if len(revisions) != 1:
        raise BackupError(f"{path} is not a backup of this application (no single row in alembic_version)")
    return BackupSummary(path=path, size=path.stat().st_size, tables=len(tables), revision=revisions[0])


def _archive_tables(listing: str) -> set[tuple[str, str]]:
    """(schema, table) of every table in a `pg_restore --list` listing."""
    return {(match.group(1), match.group(2))
            for match in re.finditer(r"^\d+; \d+ \d+ TABLE (?!DATA )(\S+) (\S+) ", listing, re.MULTILINE)}


def _copy_rows(script: str, table: str) -> list[str]:
    """The rows of `table` in a plain SQL script from pg_restore (COPY ... FROM stdin; rows; \\.)."""
    rows, inside = [], False
    for line in script.splitlines():
        if inside:
            if line == "\\.":
                break
            rows.append(line)
        elif line.startswith("COPY ") and f"{table} (" in line:
            inside = True
    return rows


def _verify_pg_dump(url: URL, dump: Path) -> BackupSummary:
    """Restore the dump into a scratch database, check every table and the revision are there, drop it."""
    summary = _check_pg_archive(dump)
    source_engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    scratch = f"peer_support_verify_{uuid.uuid4().hex[:12]}"
    try:
        with source_engine.connect() as connection:
            expected = set(sa.inspect(connection).get_table_names())
            try:
                connection.exec_driver_sql(f'CREATE DATABASE "{scratch}"')
            except sa.exc.DBAPIError as error:
                raise BackupError(
                    "cannot create a scratch database to verify the backup (the database role needs CREATEDB): "
                    f"{type(error.orig).__name__}") from None
        try:
            scratch_url = url.set(database=scratch)
            conninfo, environment = _libpq(scratch_url)
            _run([_tool("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={conninfo}", str(dump)],
                 environment, "the verification restore (pg_restore into a scratch database)")
            scratch_engine = sa.create_engine(scratch_url, poolclass=sa.pool.NullPool)
            try:
                with scratch_engine.connect() as connection:
                    restored = set(sa.inspect(connection).get_table_names())
                    missing = expected - restored
                    if missing:
                        raise BackupError(f"the verification restore lacks tables: {', '.join(sorted(missing))}")
                    for name in restored:
                        connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
                    revision = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
            finally:
                scratch_engine.dispose()
            if revision != [summary.revision]:
                raise BackupError("the verification restore has no single alembic_version row")
            return BackupSummary(path=dump, size=dump.stat().st_size, tables=len(restored), revision=revision[0])
        finally:
            with source_engine.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
    except sa.exc.OperationalError as error:
        raise BackupError(f"the verification could not reach the database: {type(error.orig).__name__}") from None
    finally:
        source_engine.dispose()


def _pg_restore_live(url: URL, dump: Path) -> None:
    conninfo, environment = _libpq(url)
    tool = _tool("pg_restore")
    _run([tool, "--clean", "--if-exists", "--no-owner", "--single-transaction",
          "--exit-on-error", f"--dbname={conninfo}", str(dump)], environment, "pg_restore")
    # --clean only drops what the dump holds: tables of later migrations would stay, and the
    # `flask db upgrade` that follows an older backup would fail to create them again.
    kept = {name for schema, name in _archive_tables(_run([tool, "--list", str(dump)], environment,
                                                          f"reading {dump}")) if schema == "public"}
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            for name in set(sa.inspect(connection).get_table_names()) - kept:
                connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{name}" CASCADE')
    finally:
        engine.dispose()


# -- small helpers ------------------------------------------------------------------------------------------

@contextmanager
def _connection(connectable):
    if isinstance(connectable, sa.engine.Engine):
        with connectable.connect() as connection:
            yield connection
    else:
        yield connectable


def _plain(value):
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return str(value)  # Decimal, UUID ...


def _fsync(path: Path) -> None:
    """Make the file (or the rename in a folder) durable before saying the backup exists."""
    flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _migration_scripts():
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS_DIR))
