"""Measure the app on the large data set: `.venv/bin/python -m bench.run [--scale S]` (after bench.generate).

1. Copies the generated database (SQLite: the online backup API into bench/data/<name>-run.sqlite3;
   PostgreSQL: CREATE DATABASE <name>_bench_copy TEMPLATE <name>), so the generated data never changes
   and every run starts from the same state. The copy's time is reported.
2. One full nudge evaluation, as the scheduler runs it (peer_support.nudges.engine.run_evaluation: the
   database lock, evaluate(now), one commit), at the data set's fixed "as of" instant; then the same
   again, which must create no nudge. Time, SQL statements (counted by a "before_cursor_execute"
   listener, as tests/helpers.py counted_statements does) and nudges created, for each run.
3. The dashboard's nightly snapshot (reports/snapshots.run_snapshot), taken once as the scheduler does
   the night before the "as of" instant (the months to yesterday, and the missing ones filled in): time,
   statements and months computed.
4. The main pages, in process, with the Flask test client signed in through the login form (CSRF off:
   a local measurement): the triage queue, the roster, a person's record and the programme dashboard (the
   12 months to the day before the "as of" instant, all read from the snapshot) as the coordinator; the
   caseload and the week (the "as of" week) of the busiest peer worker. 3 warm-up requests, then 30
   timed ones each: p50, p95, p99 (nearest rank) and the statements per request.
5. Writes the figures, the machine and the data set's row counts to BENCHMARKS.md (one section per
   database engine: a PostgreSQL run keeps the SQLite section, and the reverse) and prints them. A run
   at another --scale only prints (it is for comparing statement counts against data size).

Targets (issues 6 and 9): nudge evaluation under 5 s on SQLite with a statement count independent of
the number of subjects; page p95 at most 150 ms in process (the dashboard, issue 8: 300 ms); statement
counts constant in data size.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import re
import sqlite3
import sys
import time
from contextlib import closing, contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa
from flask import url_for

from bench import DATA_DIR, bench_app, data_name, database_url, is_sqlite, read_marker
from bench.exports import measure_backup, measure_exports
from bench.served import measure_served
from peer_support import PROJECT_ROOT
from peer_support.demo import DEFAULT_PASSWORD
from peer_support.extensions import db

WARM_UPS = 3
REQUESTS = 30
COORDINATOR = "coordination@demo.example.org"
RESEARCHER = "researcher.00001@demo.example.org"
BENCHMARKS = PROJECT_ROOT / "BENCHMARKS.md"
PAGE_TARGET_MS = 150
PAGE_TARGETS_MS = {"Dashboard": 300}  # issue 8; every other page: PAGE_TARGET_MS


# --- the copy ---------------------------------------------------------------------------------------

def copy_database(url: str, scale: float) -> tuple[str, float]:
    """A fresh copy of the generated database; returns its URL and the seconds the copy took."""
    parsed = sa.engine.make_url(url)
    started = time.perf_counter()
    if is_sqlite(url):
        target = DATA_DIR / f"{data_name(scale)}-run.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        with closing(sqlite3.connect(parsed.database)) as source, closing(sqlite3.connect(target)) as copy:
            source.backup(copy)
        return "sqlite:///" + str(target), time.perf_counter() - started
    copy_name = f"{parsed.database}_bench_copy"
    engine = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{copy_name}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{copy_name}" TEMPLATE "{parsed.database}"')
    engine.dispose()
    return parsed.set(database=copy_name).render_as_string(hide_password=False), time.perf_counter() - started


def drop_copy(copy_url: str) -> None:
    parsed = sa.engine.make_url(copy_url)
    if is_sqlite(copy_url):
        return  # kept until the next run, for looking into a figure (bench/data/ is not versioned)
    engine = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{parsed.database}"')
    engine.dispose()


# --- counting and timing ---------------------------------------------------------------------------

@contextmanager
def counted_statements(engine):
    """The SQL statements run on `engine` inside the block, each with its duration in seconds."""
    statements: list[tuple[str, float]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def after(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, time.perf_counter() - conn.info["bench_started"].pop()))

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)), 1) - 1]


def slowest(statements: list[tuple[str, float]], count: int = 3) -> list[str]:
    """The slowest statements, for the console. The time is the driver's execute(): on SQLite, rows
    fetched afterwards are not in it, so a slow SELECT may show as fast (EXPLAIN QUERY PLAN tells more)."""
    return [f"{seconds * 1000:8.1f} ms  {' '.join(statement.split())[:110]}"
            for statement, seconds in sorted(statements, key=lambda s: -s[1])[:count]]


# --- the nudge evaluation ----------------------------------------------------------------------------

def measure_nudges(app, engine, as_of: datetime) -> list[dict] | str:
    """Two evaluations at the same instant, each in its own application context as the scheduler runs
    them; a string when the nudge engine is not there (yet)."""
    try:
        from peer_support.nudges.engine import run_evaluation
    except ImportError as error:
        return f"not available ({error})"
    runs = []
    for label in ("first", "second, same instant"):
        with app.app_context(), counted_statements(engine) as statements:
            started = time.perf_counter()
            created = run_evaluation(as_of)
            seconds = time.perf_counter() - started
        if created is None:
            raise RuntimeError("the nudge evaluation's lock is held by another process")
        runs.append({"run": label, "seconds": seconds, "statements": len(statements), "created": len(created),
                     "slowest": slowest(statements)})
        print(f"nudge evaluation ({label}): {seconds:.2f} s, {len(statements)} statements, "
              f"{len(created)} nudges created", flush=True)
        for line in runs[-1]["slowest"]:
            print("   ", line)
    return runs


# --- the dashboard's snapshot ----------------------------------------------------------------------

def measure_snapshot(app, engine, as_of: datetime) -> dict | str:
    """The nightly snapshot of the contact gap, taken once at the "as of" instant (its night)."""
    try:
        from peer_support.reports.snapshots import run_snapshot
    except ImportError as error:
        return f"not available ({error})"
    with app.app_context(), counted_statements(engine) as statements:
        started = time.perf_counter()
        days = run_snapshot(as_of)
        seconds = time.perf_counter() - started
    if days is None:
        raise RuntimeError("the snapshot's lock is held by another process")
    result = {"seconds": seconds, "statements": len(statements), "months": len(days),
              "first": min(days).strftime("%Y-%m") if days else "", "last": max(days).strftime("%Y-%m") if days else ""}
    print(f"dashboard snapshot: {seconds:.2f} s, {len(statements)} statements, {len(days)} months "
          f"({result['first']} to {result['last']})", flush=True)
    return result


# --- the pages -------------------------------------------------------------------------------------

def signed_in_client(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": DEFAULT_PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"could not sign in as {email} (status {response.status_code})")
    return client


def subjects(as_of: datetime) -> dict:
    """The busiest peer worker (most people in their caseload) and a person they accompany who was
    referred more than once."""
    from peer_support.auth.models import Account
    from peer_support.peers.models import PeerProfile
    from peer_support.referrals.models import Referral
    from peer_support.timezones import local_date

    load = sa.func.count(Referral.id)
    profile_id, email = db.session.execute(
        sa.select(PeerProfile.id, Account.email).join(Account, Account.id == PeerProfile.account_id)
        .join(Referral, Referral.peer_profile_id == PeerProfile.id)
        .where(Referral.status.in_(("accepted", "active", "on_hold")))
        .group_by(PeerProfile.id, Account.email).order_by(load.desc(), PeerProfile.id).limit(1)).one()
    referred_again = sa.select(Referral.service_user_id).group_by(Referral.service_user_id) \
        .having(sa.func.count() > 1)
    person_id = db.session.scalar(
        sa.select(Referral.service_user_id)
        .where(Referral.peer_profile_id == profile_id, Referral.status == "active",
               Referral.service_user_id.in_(referred_again))
        .order_by(Referral.service_user_id).limit(1)) or db.session.scalar(
        sa.select(Referral.service_user_id).where(Referral.peer_profile_id == profile_id, Referral.status == "active")
        .order_by(Referral.service_user_id).limit(1))
    caseload = db.session.scalar(sa.select(sa.func.count(Referral.id)).where(
        Referral.peer_profile_id == profile_id, Referral.status.in_(("accepted", "active", "on_hold"))))
    db.session.remove()
    from bench.exports import forms_by_template

    forms = {key: form_id for key, (form_id, count) in forms_by_template().items()}
    # The dashboard's period: the 12 months to the last full day of data (the day before "as of").
    last_day = local_date(as_of) - timedelta(days=1)
    first_day = date(last_day.year - 1, last_day.month, 1) + timedelta(days=32)
    return {"profile_id": profile_id, "worker_email": email, "person_id": person_id, "caseload": caseload,
            "week": local_date(as_of).isoformat(), "period": (first_day.replace(day=1), last_day), "forms": forms}


def measure_pages(app, engine, who: dict) -> list[dict]:
    """Each page as its user gets it. The requests run outside any application context of ours, so each
    has its own `g` (the signed-in user) and database session, as in production."""
    with app.test_request_context():
        pages = [
            ("Triage queue", "coordinator", url_for("triage.index")),
            ("Roster", "coordinator", url_for("peers.roster")),
            ("Person record", "coordinator", url_for("people.show", person_id=who["person_id"])),
            ("Dashboard", "coordinator", url_for("reports.dashboard", starts_on=who["period"][0].isoformat(),
                                                 ends_on=who["period"][1].isoformat())),
            ("Caseload", "peer worker", url_for("caseload.index")),
            ("Week", "peer worker", url_for("calendars.worker_week", profile_id=who["profile_id"], week=who["week"])),
            ("Notifications", "peer worker", url_for("nudges.index")),
            ("Who saw this record", "coordinator", url_for("people.accesses", person_id=who["person_id"])),
        ]
        closing = who["forms"].get("end_of_accompaniment")
        if closing:
            pages += [("Feedback results", "coordinator", url_for("feedback.results_page", form_id=closing)),
                      ("Research answers", "researcher", url_for("research.responses", form_id=closing))]
    clients = {"coordinator": signed_in_client(app, COORDINATOR),
               "peer worker": signed_in_client(app, who["worker_email"]),
               "researcher": signed_in_client(app, RESEARCHER)}
    results = []
    for name, role, url in pages:
        client = clients[role]
        for _ in range(WARM_UPS):
            client.get(url)
        times, counts, statements_seen = [], [], []
        for _ in range(REQUESTS):
            with counted_statements(engine) as statements:
                started = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code} to the {role}")
            counts.append(len(statements))
            statements_seen = statements
        result = {"page": name, "role": role, "url": url, "p50": percentile(times, 0.50) * 1000,
                  "p95": percentile(times, 0.95) * 1000, "p99": percentile(times, 0.99) * 1000,
                  "statements": f"{min(counts)}" if min(counts) == max(counts) else f"{min(counts)}–{max(counts)}",
                  "slowest": slowest(statements_seen)}
        results.append(result)
        print(f"{name:<14} {url:<40} p50 {result['p50']:7.1f} ms  p95 {result['p95']:7.1f} ms  "
              f"p99 {result['p99']:7.1f} ms  {result['statements']} statements", flush=True)
        for line in result["slowest"]:
            print("   ", line)
    return results


# --- the report -------------------------------------------------------------------------------------

def machine(engine_version: str) -> list[tuple[str, str]]:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    memory = re.search(r"^MemTotal:\s*(\d+) kB", meminfo, re.M)
    return [("CPU", f"{os.cpu_count()} × {model.group(1).strip() if model else platform.processor() or '?'}"),
            ("RAM", f"{int(memory.group(1)) / 1024 ** 2:.1f} GiB" if memory else "?"),
            ("OS", platform.platform()),
            ("Python", platform.python_version()),
            ("SQLite library", sqlite3.sqlite_version),
            ("Database", engine_version)]


def engine_version() -> str:
    if db.engine.dialect.name == "sqlite":
        mode = db.session.execute(sa.text("PRAGMA journal_mode")).scalar()
        db.session.remove()
        return f"SQLite {sqlite3.sqlite_version} (file, journal_mode={mode})"
    version = db.session.execute(sa.text("SHOW server_version")).scalar()
    db.session.remove()
    return f"PostgreSQL {version}"


def number(value: int) -> str:
    return f"{value:,}".replace(",", "\u202f")  # a narrow no-break space between thousands


def report(*, engine: str, machine_rows, marker: dict, copy_seconds: float, nudges, snapshot, pages, who, served,
           exported, backup) -> str:
    now = datetime.now(timezone.utc)
    lines = [f"## {engine}", "",
             f"Run on {now:%Y-%m-%d %H:%M} UTC by `make bench` (bench/run.py). One run on one machine: compare "
             "figures between runs on the same machine.", "",
             "### Machine", "", "| | |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in machine_rows]
    counts = marker["counts"]
    lines += ["", "### Data set", "",
              f"Generated by bench/generate.py (generator version {marker['generator_version']}, seed "
              f"{marker['seed']}, migrations at {marker['revision']}) as of {marker['as_of']}, in "
              f"{marker['seconds']:.0f} s; the run works on a copy made in {copy_seconds:.1f} s. PostgreSQL is "
              "analyzed after generation; SQLite is not (the app never runs ANALYZE, so the planner has no "
              "statistics there either).", "",
              "| table | rows |", "|---|---:|"]
    lines += [f"| {table} | {number(count)} |" for table, count in sorted(counts.items()) if count]
    empty = sorted(table for table, count in counts.items() if not count)
    lines += ["", f"Empty: {', '.join(empty)}.", ""] if empty else [""]
    lines += ["### Nudge evaluation", "",
              f"`run_evaluation(now)` (lock, evaluate, one commit) at now = {marker['as_of']}. "
              "Target: under 5 s on SQLite, statement count independent of the number of subjects.", ""]
    if isinstance(nudges, str):
        lines += [f"Nudge evaluation: {nudges}."]
    else:
        lines += ["| run | time | SQL statements | nudges created |", "|---|---:|---:|---:|"]
        lines += [f"| {r['run']} | {r['seconds']:.2f} s | {r['statements']} | {number(r['created'])} |"
                  for r in nudges]
    lines += ["", "### Dashboard snapshot", "",
              "The contact gap's monthly snapshot (reports/snapshots.py), as the nightly job takes it, once at "
              f"now = {marker['as_of']}: the last months to yesterday, and every missing month filled in (the "
              "first night; later nights recompute three months).", ""]
    if isinstance(snapshot, str):
        lines += [f"Snapshot: {snapshot}."]
    else:
        lines += ["| months computed | time | SQL statements |", "|---|---:|---:|",
                  f"| {snapshot['months']} ({snapshot['first']} to {snapshot['last']}) | {snapshot['seconds']:.2f} s "
                  f"| {snapshot['statements']} |"]
    lines += ["", "### Pages, in process", "",
              f"Flask test client, {WARM_UPS} warm-up requests then {REQUESTS} timed ones per page; nearest-rank "
              f"percentiles; statements per request (on SQLite they include the BEGIN that opens each "
              f"transaction; a page's own audit entry is written after a COMMIT and a BEGIN IMMEDIATE, "
              f"not counted). Peer worker: the busiest ({who['worker_email']}, "
              f"{who['caseload']} people in their caseload). Target: p95 ≤ {PAGE_TARGET_MS} ms "
              f"(the dashboard: ≤ {PAGE_TARGETS_MS['Dashboard']} ms, period {who['period'][0]} to "
              f"{who['period'][1]}).", "",
              "| page | signed in as | URL | p50 | p95 | p99 | statements |", "|---|---|---|---:|---:|---:|---:|"]
    for r in pages:
        flag = " ⚠" if r["p95"] > PAGE_TARGETS_MS.get(r["page"], PAGE_TARGET_MS) else ""
        lines.append(f"| {r['page']} | {r['role']} | `{r['url']}` | {r['p50']:.1f} ms | {r['p95']:.1f} ms{flag} "
                     f"| {r['p99']:.1f} ms | {r['statements']} |")
    lines += served_section(served) + exports_section(exported, backup, engine)
    return "\n".join(lines) + "\n"


def served_section(served: dict) -> list[str]:
    lines = ["", "### Pages through gunicorn", "",
             f"`gunicorn --workers {served['workers']}` (sync workers) on loopback, serving bench/served.py's app: one "
             f"client, {REQUESTS} timed requests per page after 3 warm-ups, a new connection each (network, WSGI and "
             "the worker's own process included).", "",
             "| page | p50 | p95 | p99 |", "|---|---:|---:|---:|"]
    lines += [f"| {r['page']} | {r['p50']:.1f} ms | {r['p95']:.1f} ms | {r['p99']:.1f} ms |" for r in served["pages"]]
    flag = "" if served["ratio"] >= 0.25 else " ⚠"
    lines += ["", f"Throughput, same gunicorn in the same run, {served['clients']} concurrent clients for "
              f"{served['seconds']:g} s each, in {served['rounds']} turns taken by the three: a constant page "
              "rendered by Jinja, requested without a session cookie (no sign-in, no database) "
              f"{served['constant']:.0f} requests/s; the same page with the worker's session cookie (the sign-in "
              f"session and account read, as on every signed-in page) {served['signed_in']:.0f} requests/s; the "
              f"busiest worker's caseload {served['caseload']:.0f} requests/s. **Ratio to the bare page "
              f"{served['ratio']:.2f}**{flag} (target ≥ 0.25); to the signed-in constant page "
              f"{served['signed_in_ratio']:.2f}. {served['failures']} responses other than 200."]
    return lines


def exports_section(exported: list[dict], backup: dict, engine: str) -> list[str]:
    lines = ["", "### Exports", "",
             "Each export in a process of its own (bench/probe.py): time, the process's peak resident memory, and the "
             "export's own share of it (the peak minus the resident memory just before the export, the app loaded). "
             "Target: flat memory, ≤ 200 MB.", "",
             "| export | responses | time | peak memory | export's own | size | rows |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in exported:
        if r.get("missing"):
            lines.append(f"| {r['export']} | no such form in the data set | | | | | |")
            continue
        flag = " ⚠" if r["peak_mb"] > 200 else ""
        responses = number(r["responses"]) if r["responses"] is not None else "—"
        lines.append(f"| {r['export']} | {responses} | {r['seconds']:.2f} s | {r['peak_mb']:.0f} MB{flag} | "
                     f"{r['own_mb']:.0f} MB | {number(r['bytes'])} bytes | {number(r['rows'])} |")
    lines += ["", "### Online backup", ""]
    if engine == "SQLite":
        lines += [f"`flask backup`'s service (SQLite's online backup API, then its own check of the copy): "
                  f"{backup['seconds']:.1f} s for {number(backup['bytes'])} bytes, {backup['tables']} tables. "
                  f"`PRAGMA integrity_check` on the copy again: **{backup['integrity']}** in "
                  f"{backup['integrity_seconds']:.1f} s."]
    else:
        lines += [f"`flask backup`'s service (pg_dump -Fc, then restored into a scratch database to verify it): "
                  f"{backup['seconds']:.1f} s for {number(backup['bytes'])} bytes, {backup['tables']} tables."]
    return lines


def write_benchmarks(engine_key: str, section: str) -> None:
    """Replace this engine's section of BENCHMARKS.md, keeping the other engine's."""
    begin, end = f"<!-- bench:{engine_key} -->", f"<!-- /bench:{engine_key} -->"
    text = BENCHMARKS.read_text() if BENCHMARKS.exists() else ""
    blocks = {}
    for key in ("sqlite", "postgresql"):
        found = re.search(f"<!-- bench:{key} -->.*?<!-- /bench:{key} -->\n", text, re.S)
        if found:
            blocks[key] = found.group(0)
    blocks[engine_key] = f"{begin}\n{section}{end}\n"
    header = ("# Benchmarks\n\nWritten by `make bench` (see bench/__init__.py, bench/generate.py, bench/run.py): "
              "the large data set, one full nudge evaluation and the main pages.\n\n")
    BENCHMARKS.write_text(header + "\n".join(blocks[key] for key in ("sqlite", "postgresql") if key in blocks))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="the data set generated at this scale (default 1)")
    args = parser.parse_args(argv)
    url = database_url(args.scale)
    marker = read_marker(url, args.scale)
    if marker is None:
        sys.exit(f"no generated data set for {url}: run `python -m bench.generate` first")
    as_of = datetime.fromisoformat(marker["as_of"])
    copy_url, copy_seconds = copy_database(url, args.scale)
    print(f"copied the {data_name(args.scale)} data set in {copy_seconds:.1f} s", flush=True)
    try:
        app = bench_app(copy_url)
        with app.app_context():
            engine = db.engine
            machine_rows = machine(engine_version())
            who = subjects(as_of)
        nudges = measure_nudges(app, engine, as_of)
        snapshot = measure_snapshot(app, engine, as_of)
        pages = measure_pages(app, engine, who)
        engine.dispose()
        served = measure_served(copy_url, pages, {"coordinator": COORDINATOR, "peer worker": who["worker_email"],
                                                  "researcher": RESEARCHER}, DEFAULT_PASSWORD, percentile)
        exported = measure_exports(app, copy_url, who)
        backup = measure_backup(app, copy_url)
    finally:
        drop_copy(copy_url)
    engine_key = "sqlite" if is_sqlite(url) else "postgresql"
    section = report(engine="SQLite" if engine_key == "sqlite" else "PostgreSQL", machine_rows=machine_rows,
                     marker=marker, copy_seconds=copy_seconds, nudges=nudges, snapshot=snapshot, pages=pages,
                     who=who, served=served, exported=exported, backup=backup)
    print()
    print(section)
    if args.scale == 1:
        write_benchmarks(engine_key, section)
        print(f"written to {BENCHMARKS.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
