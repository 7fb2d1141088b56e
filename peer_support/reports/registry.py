"""The figures of the programme dashboard and the yearly report, in the order they are shown.

Each entry is a function `(filters: Filters) -> Table` whose name is also the Table's key (the CSV file name
and the page anchor). The pages compute every figure of this list, in order, and nothing else.
"""
from __future__ import annotations

from collections.abc import Callable

from peer_support.reports import metrics_activity as activity
from peer_support.reports import metrics_frame as frame
from peer_support.reports.tables import Filters, Table

# Activity first, then the programme's frame.
_FIGURES: tuple[Callable[[Filters], Table], ...] = (
    activity.new_referrals_by_month, activity.time_to_first_meeting, activity.active_accompaniments,
    activity.meetings_by_month_and_format, activity.topics_addressed, activity.caseload_against_capacity,
    activity.contact_gap_share,
    frame.nudges_by_rule, frame.supervision_compliance, frame.training_compliance, frame.feedback_response_rate,
    frame.likert_averages,
)


def programme_figures() -> dict[str, Callable[[Filters], Table]]:
    """key -> figure function, in the dashboard's order."""
    return {figure.__name__: figure for figure in _FIGURES}


def programme_tables(filters: Filters) -> list[Table]:
    """Every figure of the dashboard for these filters."""
    return [figure(filters) for figure in programme_figures().values()]


def programme_table(key: str, filters: Filters) -> Table | None:
    """One figure by its key (None for an unknown key)."""
    figure = programme_figures().get(key)
    return None if figure is None else figure(filters)
