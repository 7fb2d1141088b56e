"""Each export's time and peak memory (bench/probe.py in a process of its own), and an online backup.

Target (issue 9): flat memory, at most 200 MB, whatever the number of responses. The peak is the process's
resident high-water mark; "export's own" is that peak minus the resident memory just before the export began.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess  # nosec B404 # runs our own probe module with sys.executable, no shell
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from bench import is_sqlite
from peer_support import PROJECT_ROOT
from peer_support.extensions import db

MEMORY_TARGET_MB = 200


def _probe(kind: str, url: str, out: Path, argument: str) -> dict:
    completed = subprocess.run(  # nosec B603 # fixed argument list, no shell
        [sys.executable, "-m", "bench.probe", kind, url, str(out), argument], cwd=PROJECT_ROOT,
        capture_output=True, text=True, check=False, env={**os.environ, "PYTHONHASHSEED": "0"})
    if completed.returncode != 0:
        raise RuntimeError(f"bench.probe {kind} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def forms_by_template() -> dict[str, tuple[int, int]]:
    """template key -> (form id, responses)."""
    from peer_support.feedback.models import FeedbackForm, FeedbackResponse

    rows = db.session.execute(
        sa.select(FeedbackForm.template_key, FeedbackForm.id, sa.func.count(FeedbackResponse.id))
        .outerjoin(FeedbackResponse, FeedbackResponse.form_id == FeedbackForm.id)
        .group_by(FeedbackForm.template_key, FeedbackForm.id)).all()
    db.session.remove()
    return {key: (form_id, count) for key, form_id, count in rows if key}


def measure_exports(app, url: str, who: dict) -> list[dict]:
    with app.app_context():
        forms = forms_by_template()
    starts_on, ends_on = (day.isoformat() for day in who["period"])
    plan = [("Research CSV, end of accompaniment", "research_csv", "end_of_accompaniment", "dir"),
            ("Research .qdpx, end of accompaniment", "research_qdpx", "end_of_accompaniment", ".qdpx"),
            ("Research CSV, after meetings (anonymous)", "research_csv", "post_meeting", "dir"),
            ("Research .qdpx, after meetings (anonymous)", "research_qdpx", "post_meeting", ".qdpx"),
            ("A person's data (JSON), record page's subject", "subject_json", None, ".json"),
            ("Dashboard table CSV (meetings by month)", "dashboard_csv", None, ".csv")]
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-exports-") as folder:
        for number, (label, kind, template, suffix) in enumerate(plan):
            out = Path(folder) / (f"export-{number}" if suffix == "dir" else f"export-{number}{suffix}")
            if kind.startswith("research"):
                if template not in forms:
                    results.append({"export": label, "missing": True})
                    continue
                argument, responses = str(forms[template][0]), forms[template][1]
            elif kind == "subject_json":
                argument, responses = str(who["person_id"]), None
            else:
                argument, responses = f"meetings_by_month_and_format:{starts_on}:{ends_on}", None
            figures = _probe(kind, url, out, argument)
            figures.update(export=label, responses=responses,
                           own_mb=max(0, figures["peak_kib"] - figures["baseline_kib"]) / 1024,
                           peak_mb=figures["peak_kib"] / 1024)
            results.append(figures)
            print(f"{label:<48} {figures['seconds']:7.2f} s  peak {figures['peak_mb']:6.0f} MB "
                  f"(export's own {figures['own_mb']:5.0f} MB)  {figures['bytes']:>12,} bytes  "
                  f"{figures['rows']:>8,} rows", flush=True)
    return results


def measure_backup(app, url: str) -> dict:
    """`flask backup`'s service on the copy: SQLite's online backup API (then verified), or pg_dump (then
    restored into a scratch database to verify it); then, on SQLite, PRAGMA integrity_check on the copy again,
    timed on its own."""
    from peer_support.operations.backup import create_backup

    with tempfile.TemporaryDirectory(prefix="bench-backup-") as folder:
        path = Path(folder) / ("backup.sqlite3" if is_sqlite(url) else "backup.dump")
        with app.app_context():
            db.engine.dispose()
            started = time.perf_counter()
            summary = create_backup(url, path)
            seconds = time.perf_counter() - started
        result = {"seconds": seconds, "bytes": summary.size, "tables": summary.tables}
        if is_sqlite(url):
            started = time.perf_counter()
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
                result["integrity"] = connection.execute("PRAGMA integrity_check").fetchone()[0]
            result["integrity_seconds"] = time.perf_counter() - started
    print(f"backup: {result['seconds']:.1f} s, {result['bytes']:,} bytes, {result['tables']} tables"
          + (f"; integrity_check {result['integrity']} in {result['integrity_seconds']:.1f} s"
             if "integrity" in result else ""), flush=True)
    return result
