"""Local (site) time <-> UTC, for forms that take a local date and time.

Times are stored in UTC; people type and read them in the site's time zone
(PEER_SUPPORT_TIMEZONE, Europe/Paris by default), summer time included.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from flask import current_app


def site_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["PEER_SUPPORT_TIMEZONE"])


def local_to_utc(day: date, clock: time) -> datetime:
    """The UTC moment of a local date and time typed in a form."""
    return datetime.combine(day, clock, tzinfo=site_zone()).astimezone(timezone.utc)


def to_local(moment: datetime) -> datetime:
    return moment.astimezone(site_zone())


def local_date(moment: datetime) -> date:
    """The date a moment falls on where the site is."""
    return to_local(moment).date()


def start_of_local_day(day: date) -> datetime:
    """Midnight of a local date, as a UTC moment."""
    return local_to_utc(day, time(0, 0))


def local_today() -> date:
    """Today's date where the site is (just after midnight in Paris, it is still yesterday in UTC)."""
    return datetime.now(site_zone()).date()
