"""One export in a process of its own, so its peak memory is its own: `python -m bench.probe KIND URL OUT [ARG]`.

Prints one JSON line: seconds, the process's resident memory just before the export (the app and its imports
loaded, one query run: VmRSS) and its high-water mark after it (VmHWM; KiB, from /proc, Linux), bytes written and
rows. The difference is what the export itself needed at its peak. bench/exports.py runs it for each export.

Kinds: research_csv FORM_ID (the three CSV files of a form, as `flask export research --format csv`),
research_qdpx FORM_ID (the REFI-QDA project), subject_json PERSON_ID (everything about a person, as the
coordinator's download), dashboard_csv KEY:STARTS_ON:ENDS_ON (one dashboard table, through its page).
"""
from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from bench import bench_app
from peer_support.db import utcnow
from peer_support.extensions import db


def memory_kib(field: str) -> int:
    """VmRSS (resident now) or VmHWM (the resident high-water mark) of this process, in KiB (Linux)."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", status, re.M).group(1))


def run(kind: str, out: Path, argument: str) -> tuple[int, int]:
    """The export; returns (bytes written, rows)."""
    if kind in ("research_csv", "research_qdpx"):
        from peer_support.feedback.models import FeedbackForm
        from peer_support.research import exports, qdpx

        form = db.session.get(FeedbackForm, int(argument))
        if kind == "research_csv":
            paths = exports.write_csv_files(form, out, now=utcnow())
            rows = sum(1 for _ in paths[0].open(encoding="utf-8-sig")) - 1
            return sum(path.stat().st_size for path in paths), rows
        with out.open("wb") as target:
            rows = qdpx.write_qdpx(form, target, now=utcnow())
        return out.stat().st_size, rows
    if kind == "subject_json":
        from peer_support.privacy.subject import get_subject, subject_data

        data = subject_data(get_subject(int(argument)))
        out.write_text(json.dumps(data, ensure_ascii=False))
        return out.stat().st_size, len(data.get("meetings", []))
    if kind == "dashboard_csv":
        from flask import current_app

        from bench.run import COORDINATOR, signed_in_client

        key, starts_on, ends_on = argument.split(":")
        client = signed_in_client(current_app, COORDINATOR)
        response = client.get(f"/reports/tables/{key}.csv", query_string={"starts_on": starts_on, "ends_on": ends_on})
        if response.status_code != 200:
            raise RuntimeError(f"the dashboard CSV answered {response.status_code}")
        out.write_bytes(response.data)
        return len(response.data), response.data.count(b"\n") - 1
    raise SystemExit(f"unknown export kind {kind!r}")


def main() -> int:
    kind, url, out, argument = sys.argv[1], sys.argv[2], Path(sys.argv[3]), sys.argv[4]
    app = bench_app(url)
    with app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        before = memory_kib("VmRSS")
        started = time.perf_counter()
        size, rows = run(kind, out, argument)
        seconds = time.perf_counter() - started
        db.session.rollback()
    print(json.dumps({"kind": kind, "seconds": seconds, "baseline_kib": before, "peak_kib": memory_kib("VmHWM"),
                      "bytes": size, "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
