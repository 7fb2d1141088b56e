"""`make bench`: the large data set (bench.generate) and the measurements on it (bench.run).

    .venv/bin/python -m bench.generate [--force] [--scale S]   # once; reused while still valid
    .venv/bin/python -m bench.run [--scale S]                  # writes BENCHMARKS.md and prints it

Where the data lives:
- SQLite (default): bench/data/large.sqlite3, with bench/data/large.json describing it (generator
  version, seed, migration revision, the instant the data is "as of", row counts, generation time).
- PostgreSQL, when DATABASE_URL points to one: the tables of that database (which must exist), with
  bench/data/large-postgresql-<database>.json describing them.
bench/data/ is not versioned (.gitignore). BENCH_DATA_DIR names another folder (the suite's run of the bench
at a small scale, tests/test_bench.py, works in a temporary one).

This module holds what both steps share: where the data is, its description, and the application
configured for a local measurement.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import sqlalchemy as sa

from peer_support import config as settings

DATA_DIR = Path(os.environ.get("BENCH_DATA_DIR") or Path(__file__).resolve().parent / "data")
# Raise it whenever the generator changes what it produces: older data sets are then regenerated.
GENERATOR_VERSION = 2
SEED = 2019


def data_name(scale: float) -> str:
    """The data set's name: "large", or "large-x0.1" for a scaled one (statement counts against size)."""
    return "large" if scale == 1 else f"large-x{scale:g}"


def database_url(scale: float = 1) -> str:
    """DATABASE_URL (normalised as the app does) when set, else the bench's own SQLite file."""
    if os.environ.get("DATABASE_URL", "").strip():
        return settings.database_url(str(DATA_DIR))
    return "sqlite:///" + str(DATA_DIR / f"{data_name(scale)}.sqlite3")


def is_sqlite(url: str) -> bool:
    return sa.engine.make_url(url).get_backend_name() == "sqlite"


def marker_path(url: str, scale: float = 1) -> Path:
    """The JSON file that describes the generated data set (written last, when generation succeeded)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return Path(parsed.database).with_suffix(".json")
    return DATA_DIR / f"{data_name(scale)}-{parsed.get_backend_name()}-{parsed.database}.json"


def read_marker(url: str, scale: float = 1) -> dict | None:
    path = marker_path(url, scale)
    return json.loads(path.read_text()) if path.exists() else None


def write_marker(url: str, scale: float, description: dict) -> None:
    path = marker_path(url, scale)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(description, indent=2, sort_keys=True) + "\n")


def bench_app(url: str):
    """The application on `url`, as for a local measurement: CSRF off (the bench posts the login form
    directly) and session cookies over plain HTTP (the test client speaks http://localhost)."""
    from peer_support import create_app, settle_for_serving

    application = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                              "SESSION_COOKIE_SECURE": False})
    settle_for_serving()  # as wsgi.py does
    return application
