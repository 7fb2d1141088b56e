"""The shape every figure of the dashboard takes: a titled table of rows, with how to chart it.

Metric functions (reports/metrics_*.py) take Filters and return a Table computed by aggregate SQL; the pages
render any Table the same way: a chart (accessible SVG), its text alternative, the data table beside it, and a
CSV download. Values are plain Python numbers, dates and strings (never lazy strings in rows: labels are
resolved in the request's language by the metric function, or given as codes with `labels`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# How a column's values are shown and written to CSV.
KINDS = ("text", "int", "number", "percent", "days", "hours", "month", "date")
CHARTS = ("bar", "stacked_bar", "line", "none")


@dataclass(frozen=True)
class Filters:
    """The period (local dates, both ends included) and, optionally, one unit and one peer worker."""

    starts_on: date
    ends_on: date
    unit_id: int | None = None
    peer_profile_id: int | None = None


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "int"

    @property
    def numeric(self) -> bool:
        """Whether the column holds numbers (aligned right in the data table)."""
        return self.kind not in ("text", "month", "date")


@dataclass(frozen=True)
class Table:
    key: str  # stable: the CSV file name and the page anchor
    title: str
    description: str  # what is measured and how: read by screen readers before the chart, printed under it
    columns: tuple[Column, ...]
    rows: tuple[tuple, ...]
    chart: str = "bar"
    x: str | None = None  # the column along the horizontal axis (categories or months)
    series: tuple[str, ...] = ()  # the columns drawn as bars or lines
    notes: tuple[str, ...] = field(default_factory=tuple)  # limits of the measure, shown under the table

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)
