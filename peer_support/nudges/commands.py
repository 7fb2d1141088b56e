"""flask --app wsgi nudges run [--at ISO-8601]: one nudge evaluation, as of now or of another time.

The output is for operators and scripts: one line per nudge created (rule, subject, period, audience:
ids and codes, never a name or a health detail), then `created N nudges`.
"""
from __future__ import annotations

from datetime import datetime, timezone

import click
from flask.cli import AppGroup

from peer_support.db import utcnow
from peer_support.nudges.engine import LOCK_NAME, run_evaluation
from peer_support.timezones import site_zone


class Instant(click.ParamType):
    """An ISO-8601 date and time: with an offset (or Z) it is that instant; without, the site's local time."""

    name = "ISO-8601"

    def convert(self, value, param, ctx):
        if isinstance(value, datetime):
            return value
        try:
            return datetime.fromisoformat(value.strip())
        except (AttributeError, ValueError):
            self.fail(f"{value!r} is not an ISO-8601 date and time, e.g. 2026-05-04T09:30 (site time) "
                      "or 2026-05-04T07:30Z", param, ctx)


def as_utc(moment: datetime) -> datetime:
    """A naive moment is the site's local time (the time zone is only known inside the app)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=site_zone())
    return moment.astimezone(timezone.utc)


nudges_command = AppGroup("nudges", help="Follow-up nudges.")


@nudges_command.command("run")
@click.option("--at", "at", type=Instant(), default=None,
              help="Evaluate as of this time (ISO-8601; without an offset, the site's local time). Default: now.")
def run_command(at: datetime | None):
    """Evaluate every nudge rule once, print the nudges created."""
    now = as_utc(at) if at is not None else utcnow()
    created = run_evaluation(now)
    if created is None:
        click.echo(f"another nudge evaluation is running (lock {LOCK_NAME} held): nothing done", err=True)
        raise click.exceptions.Exit(1)
    for row in created:
        click.echo(f"{row.rule} {row.subject_type} {row.subject_id} period {row.period} audience {row.audience}")
    click.echo(f"created {len(created)} nudges")
