"""The real entry points start in a fresh interpreter (the tests import modules in another order)."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args):
    env = {**os.environ, "SECRET_KEY": "entry-point-test", "DATABASE_URL": "sqlite://"}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_wsgi_imports_and_every_feature_registers():
    result = _run("-c", "import wsgi; print(' '.join(sorted(wsgi.app.blueprints)))")
    assert result.returncode == 0, result.stderr[-2000:]
    from peer_support import FEATURES
    assert set(FEATURES) <= set(result.stdout.split())


def test_the_flask_command_lists_the_stable_commands():
    result = _run("-m", "flask", "--app", "wsgi", "--help")
    assert result.returncode == 0, result.stderr[-2000:]
    for command in ("create-user", "demo-data", "scheduler", "db"):
        assert command in result.stdout
