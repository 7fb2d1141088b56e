"""A dashboard Table as a CSV file (column labels in the request's language, plain values)."""
from __future__ import annotations

from peer_support.csv_export import to_csv
from peer_support.reports.charts import csv_value
from peer_support.reports.tables import Table


def table_csv(table: Table) -> str:
    """The table's rows as CSV: numbers unformatted, months as YYYY-MM, dates ISO, blank when no value."""
    kinds = [column.kind for column in table.columns]
    rows = ([csv_value(value, kind) for value, kind in zip(row, kinds, strict=True)] for row in table.rows)
    return to_csv([column.label for column in table.columns], rows)
