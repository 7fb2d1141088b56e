"""`flask --app wsgi nudges run [--at ISO-8601]` (DESIGN.md §7)."""
import re
from datetime import date

import sqlalchemy as sa

from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.nudges.engine import LEASE, LOCK_NAME
from peer_support.nudges.lock import acquire
from peer_support.nudges.models import Nudge
from peer_support.people.models import ServiceUser
from tests.nudges.conftest import paris, referral_at

LINE = re.compile(r"^(?P<rule>[a-z_]+) (?P<type>referral|nudge) (?P<id>\d+) period (?P<period>\S+) "
                  r"audience (?P<audience>worker|coordination)$")


def run(app, *args):
    db.session.commit()  # the command starts outside the test's transaction, as it would in its own process
    return app.test_cli_runner().invoke(args=["nudges", "run", *args])


def test_run_prints_one_line_per_nudge_created_then_the_count(app, every_rule):
    expected = every_rule()
    result = run(app, "--at", "2026-05-04T09:00")
    assert result.exit_code == 0, result.output
    *lines, last = result.output.strip().splitlines()
    assert last == f"created {len(expected)} nudges"
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), lines
    assert {(m["rule"], m["type"], int(m["id"]), m["period"], m["audience"]) for m in parsed} == expected
    # Ids and codes only: no one's name reaches the terminal or the scheduler's log.
    names = set(db.session.scalars(sa.select(ServiceUser.display_name)))
    assert names and not any(name in result.output for name in names)
    again = run(app, "--at", "2026-05-04T09:00")
    assert (again.exit_code, again.output) == (0, "created 0 nudges\n")


def test_at_without_an_offset_is_the_sites_local_time(app):
    referral_at(paris(2026, 3, 1), status="on_hold", review_on=date(2026, 5, 10))
    # 23:30 in Paris on 9 May: the review date has not come.
    assert run(app, "--at", "2026-05-09T23:30").output == "created 0 nudges\n"
    # 23:30 UTC on 9 May is 01:30 on 10 May in Paris: it has.
    result = run(app, "--at", "2026-05-09T23:30+00:00")
    assert result.exit_code == 0 and result.output.endswith("created 1 nudges\n")
    assert result.output.startswith("hold_review referral ")


def test_at_accepts_z_and_a_date_alone(app):
    referral_at(paris(2026, 3, 1), status="on_hold", review_on=date(2026, 5, 10))
    assert run(app, "--at", "2026-05-09").output == "created 0 nudges\n"
    assert run(app, "--at", "2026-05-10T06:00Z").output.endswith("created 1 nudges\n")


def test_a_bad_at_is_refused_clearly(app):
    for bad in ("yesterday", "2026-13-01T10:00", ""):
        result = run(app, "--at", bad)
        assert result.exit_code == 2, (bad, result.output)
        assert "Invalid value for '--at'" in result.output and "ISO-8601" in result.output
        assert "Traceback" not in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Nudge)) == 0


def test_run_says_so_and_fails_when_another_evaluation_holds_the_lock(app, every_rule):
    every_rule()
    assert acquire(LOCK_NAME, "the scheduler", utcnow(), LEASE)
    result = run(app, "--at", "2026-05-04T09:00")
    assert result.exit_code == 1
    assert "another nudge evaluation is running" in result.output and "created" not in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Nudge)) == 0
