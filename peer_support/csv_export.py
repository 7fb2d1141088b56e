"""CSV files for spreadsheets, safe to open in Excel or LibreOffice."""
from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Iterator, Sequence

# A cell starting with one of these is a formula to a spreadsheet ("CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_STARTS) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def iter_csv(header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """The same CSV, one line at a time (for streamed downloads: memory stays flat)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([_cell(h) for h in header])
    for row in itertools.chain([None], rows):
        if row is not None:
            writer.writerow([_cell(value) for value in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def to_csv(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """The table as CSV text, with a byte-order mark so spreadsheets read accents right."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([_cell(h) for h in header])
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return buffer.getvalue()
