"""`make bench`'s two steps, run at a two-hundredth of the large scale on the engine the suite runs on.

The figures themselves are not checked (they are for BENCHMARKS.md, on the full data set): this keeps the bench
running as the application changes, and checks that its report holds every measurement issue 9 asks for. It
works in a temporary folder (BENCH_DATA_DIR) or a scratch PostgreSQL database, and must not touch BENCHMARKS.md
(only a run at the full scale writes it).
"""
from __future__ import annotations

import json
import os
import re
import subprocess  # nosec B404 - runs the bench's own modules with this interpreter, no shell
import sys

import pytest

from peer_support import PROJECT_ROOT
from tests.conftest import _database_url, _is_postgres
from tests.helpers import scratch_postgres

pytestmark = pytest.mark.bench

SCALE = "0.005"
MAIN_PAGES = ("Triage queue", "Roster", "Person record", "Dashboard", "Caseload", "Week", "Notifications")


@pytest.fixture
def bench_environment(tmp_path):
    """The environment the bench's processes run in: a temporary data folder, a short throughput run, and the
    suite's engine (SQLite when DATABASE_URL is unset, else a scratch database on its PostgreSQL server)."""
    environment = {**os.environ, "BENCH_DATA_DIR": str(tmp_path), "BENCH_THROUGHPUT_SECONDS": "0.5"}
    environment.pop("DATABASE_URL", None)
    url = _database_url()
    drop = None
    if _is_postgres(url):
        environment["DATABASE_URL"], drop = scratch_postgres(url, "bench")
    try:
        yield environment
    finally:
        if drop is not None:
            drop()


def _bench(step: str, environment: dict) -> str:
    finished = subprocess.run(  # nosec B603 - fixed argument list, no shell
        [sys.executable, "-m", f"bench.{step}", "--scale", SCALE], cwd=PROJECT_ROOT, env=environment,
        capture_output=True, text=True, timeout=900, check=False)
    assert finished.returncode == 0, f"bench.{step} failed:\n{finished.stdout[-3000:]}\n{finished.stderr[-5000:]}"
    return finished.stdout


def test_the_bench_runs_and_reports_every_measurement(bench_environment, tmp_path):
    benchmarks = PROJECT_ROOT / "BENCHMARKS.md"
    before = benchmarks.read_bytes() if benchmarks.exists() else None

    _bench("generate", bench_environment)
    described = [json.loads(path.read_text()) for path in tmp_path.glob("*.json")]
    assert len(described) == 1 and described[0]["counts"]["meeting"] > 0, described
    report = _bench("run", bench_environment)

    postgres = "DATABASE_URL" in bench_environment
    assert f"## {'PostgreSQL' if postgres else 'SQLite'}" in report
    # Both nudge evaluations ran; the second, at the same instant, created nothing.
    assert re.search(r"^\| first \| [\d.]+ s \| \d+ \| [\d ]+ \|$", report, re.MULTILINE), report
    assert re.search(r"^\| second, same instant \| [\d.]+ s \| \d+ \| 0 \|$", report, re.MULTILINE), report
    for page in MAIN_PAGES:
        # In process: three percentiles and the statement count; through gunicorn: three percentiles.
        assert re.search(rf"^\| {page} \| [^|]+ \| `/[^`]*` \| [\d.]+ ms \| [\d.]+ ms( ⚠)? \| [\d.]+ ms \| \d+ \|$",
                         report, re.MULTILINE), page
        assert re.search(rf"^\| {page} \| [\d.]+ ms \| [\d.]+ ms \| [\d.]+ ms \|$", report, re.MULTILINE), page
    throughput = re.search(r"Ratio to the bare page (\d+\.\d\d)\*\*.*to the signed-in constant page (\d+\.\d\d)\. "
                           r"(\d+) responses other than 200", report)
    assert throughput, report
    # Both rates were measured (their relation is a timing, left to BENCHMARKS.md), and every answer was 200.
    assert float(throughput[1]) > 0 and float(throughput[2]) > 0 and throughput[3] == "0"
    exports = re.findall(r"^\| (Research (?:CSV|\.qdpx)|A person's data|Dashboard table)[^|]* \|", report,
                         re.MULTILINE)
    assert len(exports) == 6, exports
    if postgres:
        assert "pg_dump -Fc, then restored into a scratch database" in report
    else:
        assert "`PRAGMA integrity_check` on the copy again: **ok**" in report

    # A run at another scale only prints.
    assert (benchmarks.read_bytes() if benchmarks.exists() else None) == before
