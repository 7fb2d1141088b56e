"""Working days: weekends and French public holidays skipped, for the thresholds counted in working days.

The holidays come from the maintained `holidays` package (national list, without the days only
Alsace-Moselle observes), never from a hand-written list that would silently go stale.

"n full working days have passed since D" counts the working days strictly after D and strictly
before today: a referral made on a Monday has had its two working days (Tuesday, Wednesday) by
Thursday. Today does not count while it is still going on.
"""
from __future__ import annotations

from datetime import date, timedelta

import holidays

# Years are filled in lazily as dates are looked up (the package expands on demand).
_FRENCH_HOLIDAYS = holidays.France()
_ONE_DAY = timedelta(days=1)


def is_working_day(day: date) -> bool:
    """Monday to Friday, and not a French public holiday."""
    return day.weekday() < 5 and day not in _FRENCH_HOLIDAYS


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after `start` (`start` itself when n is 0)."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    while n:
        day += _ONE_DAY
        if is_working_day(day):
            n -= 1
    return day


def working_days_before(today: date, n: int) -> date:
    """The latest date D such that n full working days have passed between D and `today`.

    Anything that started on D or earlier is overdue today; the rules compare a start date with
    this cutoff, so the SQL gets one parameter instead of a calendar."""
    if n < 0:
        raise ValueError("n must not be negative")
    if n == 0:
        return today
    day = today
    while n:
        day -= _ONE_DAY
        if is_working_day(day):
            n -= 1
    # `day` is the n-th working day back; whatever started the day before it has had all n.
    return day - _ONE_DAY


def due_after_working_days(start: date, n: int) -> date:
    """The first day on which n full working days have passed since `start` (the nudge's due date).

    The inverse of working_days_before: working_days_before(T, n) >= start exactly when T >= this day."""
    if n == 0:
        return start
    return add_working_days(start, n) + _ONE_DAY


def full_working_days_between(start: date, today: date) -> int:
    """How many full working days have passed since `start`: those strictly after it and before today."""
    count, day = 0, start + _ONE_DAY
    while day < today:
        count += is_working_day(day)
        day += _ONE_DAY
    return count
