"""Accessible SVG charts drawn on the server from a Table, and the values' display format.

Why our own renderer rather than pygal: pygal always writes an inline <script> (its configuration) and a
<style> element into the SVG, both refused by our Content-Security-Policy (no 'unsafe-inline'), and keeps the
series' colours in that <style>: without it the chart loses its colours. The SVG below uses presentation
attributes only (fill, stroke, font-size: not governed by style-src), so it is inlined in the page, prints,
goes into the PDF as is, and needs no JavaScript.

Accessibility: the <svg> has role="img", its <title> as accessible name and the Table's description (shown
beside it) as accessible description; the data table is always rendered next to it. Colours follow the
Okabe–Ito palette (safe for colour-blind readers), every bar has a black outline (WCAG 1.4.11 contrast), series
differ by pattern (bars) or marker and dash (lines) too, and values are written on the bars, so nothing relies
on colour alone, in print either.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Callable
from datetime import date

from babel import numbers
from markupsafe import Markup, escape

from peer_support.i18n import format_local_date, integer_writer, request_locale, tenths_writer
from peer_support.reports.tables import Table

# Okabe & Ito (2008), "Color Universal Design", black last.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', Arial, sans-serif"
_FONT = escape(FONT)
WIDTH = 720
MAX_LABEL = 28  # characters of a category label drawn in the chart (the table beside it has the whole label)


# --- Values -------------------------------------------------------------------------------------

def value_formatter(kind: str) -> Callable[[object], str]:
    """The function that writes values of this kind as shown on screen, in the request's language ("—" when
    there is none), with the locale and patterns looked up once: a dashboard writes thousands of values."""
    locale = request_locale()
    if kind == "int":
        write = integer_writer(locale)
    elif kind in ("number", "days", "hours"):
        write = tenths_writer(locale)
    elif kind == "percent":
        # Percentages are given as 0–100 (a share of 37.5 % is 37.5), written with one decimal and the locale's
        # sign and spacing ("12,5 %" in French, "12.5%" in English): those of its pattern, written once by Babel.
        pattern = locale.percent_formats[None].pattern.replace("#,##0", "#,##0.#", 1)
        before, _, after = numbers.format_percent(0, format=pattern, locale=locale).partition("0")
        write_share = tenths_writer(locale, scale=2)

        def write(value):
            return before + write_share(value / 100) + after
    elif kind == "month":
        def write(value):
            return format_local_date(_month(value), "MMM yyyy")
    elif kind == "date":
        def write(value):
            return format_local_date(value, "medium")
    else:
        write = str
    return lambda value: "—" if value is None else write(value)


def format_value(value, kind: str) -> str:
    """A value as shown on screen, in the request's language; "—" when there is none."""
    return value_formatter(kind)(value)


def table_body(table: Table) -> Markup:
    """The data table's rows, each value as shown and escaped: the first a row header (on one line for months and
    dates), numbers aligned right. Written here rather than by the template: a dashboard has thousands of cells."""
    first, *others = table.columns
    write_first = value_formatter(first.kind)
    header = '<th scope="row" class="text-nowrap">' if first.kind in ("month", "date") else '<th scope="row">'
    cells = [(value_formatter(column.kind), '<td class="text-end">' if column.numeric else "<td>")
             for column in others]
    rows = []
    for row in table.rows:
        rows.append(f"<tr>{header}{escape(write_first(row[0]))}</th>"
                    + "".join(f"{td}{escape(write(value))}</td>"
                              for (write, td), value in zip(cells, row[1:], strict=True)) + "</tr>")
    # Every value is escaped above; the rest is constant.
    return Markup(  # nosec B704
        "\n".join(rows))


def csv_value(value, kind: str):
    """A value as written to CSV: plain numbers, ISO dates, months as YYYY-MM, blank when none."""
    if value is None:
        return ""
    if kind == "month":
        return _month(value).strftime("%Y-%m")
    if kind == "date" and isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 2)
    return value


def _month(value) -> date:
    if isinstance(value, date):
        return value
    year, month = str(value)[:7].split("-")
    return date(int(year), int(month), 1)


def _number(value) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[:MAX_LABEL - 1] + "…"


def axis(highest: float, kind: str = "number") -> tuple[float, int]:
    """The top of the value axis and its number of steps: steps of 1, 2, 2.5 or 5 times a power of ten
    (never 2.5 for whole numbers), at most 5 of them, the top at least `highest`; a percentage stops at 100."""
    if highest <= 0:
        return (4.0, 4) if kind == "int" else (1.0, 4)
    multiples = (1, 2, 5, 10) if kind == "int" else (1, 2, 2.5, 5, 10)
    rough = highest / 4
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in multiples if m * power >= rough)
    if kind == "int":
        step = max(step, 1)
    steps = max(1, math.ceil(highest / step - 1e-9))
    top = step * steps
    if kind == "percent" and highest <= 100 and top > 100:
        return 100.0, 4
    return float(top), steps


# --- Drawing ------------------------------------------------------------------------------------

@functools.cache
def _attribute_name(name: str) -> str:
    """An SVG attribute's name from a keyword argument's: stroke_width -> stroke-width, class_ -> class."""
    return name.rstrip("_").replace("_", "-")


@functools.lru_cache(maxsize=4096)
def _escaped(text: str) -> str:
    """A text escaped for SVG: the same few (colours, the font, labels) recur thousands of times in a dashboard."""
    return escape(text)


class _Svg:
    """The elements of one chart, escaped as they are added (numbers need no escaping: a chart has thousands)."""

    def __init__(self):
        self.parts: list[str] = []

    def add(self, tag: str, text: str | None = None, **attributes) -> None:
        attrs = "".join(f' {_attribute_name(name)}="{value if type(value) in (int, float) else _escaped(value)}"'
                        for name, value in attributes.items() if value is not None)
        if text is None:
            self.parts.append(f"<{tag}{attrs}/>")
        else:
            self.parts.append(f"<{tag}{attrs}>{_escaped(text)}</{tag}>")

    def raw(self, markup: str) -> None:
        self.parts.append(markup)

    # The two elements a chart draws by the thousand (a bar per worker), written as add() writes them.

    def rect(self, x, y, width, height, fill: str) -> None:
        self.parts.append(f'<rect x="{_r(x)}" y="{_r(y)}" width="{_r(width)}" height="{_r(height)}" '
                          f'fill="{_escaped(fill)}" stroke="#000" stroke-width="1"/>')

    def text(self, x, y, text: str, *, size=12, anchor="start", weight=None, transform=None) -> None:
        extra = (f' font-weight="{_escaped(weight)}"' if weight is not None else "") + \
            (f' transform="{_escaped(transform)}"' if transform is not None else "")
        self.parts.append(f'<text x="{_r(x)}" y="{_r(y)}" font-size="{size}" font-family="{_FONT}" fill="#000" '
                          f'text-anchor="{_escaped(anchor)}"{extra}>{_escaped(text)}</text>')


def _r(value: float) -> int | float:
    """A coordinate to a tenth, as a number (written 12 or 12.5, and not escaped: _Svg.add)."""
    if type(value) is int:
        return value
    rounded = round(value if type(value) is float else float(value), 1)
    return int(rounded) if rounded.is_integer() else rounded


def _patterns(svg: _Svg, prefix: str, count: int) -> list[str]:
    """One fill per series: the colour, overlaid from the second series on with a distinct black pattern."""
    fills = []
    for index in range(count):
        colour = PALETTE[index % len(PALETTE)]
        kind = index % 6
        if kind == 0:
            fills.append(colour)
            continue
        pattern_id = f"{prefix}-p{index}"
        rotate = {1: 45, 2: -45, 3: 0, 4: 90, 5: 0}[kind]
        overlay = ('<circle cx="3" cy="3" r="1.4" fill="#000" fill-opacity="0.6"/>' if kind == 5 else
                   '<line x1="0" y1="0" x2="0" y2="6" stroke="#000" stroke-width="1.6" stroke-opacity="0.6"/>')
        svg.raw(f'<pattern id="{pattern_id}" patternUnits="userSpaceOnUse" width="6" height="6" '
                f'patternTransform="rotate({rotate})"><rect width="6" height="6" fill="{colour}"/>{overlay}</pattern>')
        fills.append(f"url(#{pattern_id})")
    return fills


def _legend(svg: _Svg, labels: list[str], fills: list[str], y: float, *, lines: bool = False) -> float:
    """The series' names with their swatch (pattern or line and marker); returns the baseline of its last row."""
    x = 8.0
    for index, (label, fill) in enumerate(zip(labels, fills, strict=True)):
        width = 28 + len(label) * 7
        if x + width > WIDTH and x > 8:
            x, y = 8.0, y + 20
        if lines:
            svg.add("line", x1=_r(x), y1=_r(y - 4), x2=_r(x + 18), y2=_r(y - 4), stroke=PALETTE[index % len(PALETTE)],
                    stroke_width=3, stroke_dasharray=_dash(index))
            _marker(svg, index, x + 9, y - 4)
        else:
            svg.rect(x, y - 11, 14, 14, fill)
        svg.text(x + 22, y, label)
        x += width
    return y


def _dash(index: int) -> str | None:
    return (None, "8 4", "2 3", "10 3 2 3")[index % 4]


def _marker(svg: _Svg, index: int, x: float, y: float) -> None:
    colour = PALETTE[index % len(PALETTE)]
    shape = index % 4
    if shape == 0:
        svg.add("circle", cx=_r(x), cy=_r(y), r=4, fill=colour, stroke="#000", stroke_width=1)
    elif shape == 1:
        svg.rect(x - 4, y - 4, 8, 8, colour)
    elif shape == 2:
        svg.add("path", d=f"M{_r(x)} {_r(y - 5)}L{_r(x + 5)} {_r(y + 4)}L{_r(x - 5)} {_r(y + 4)}Z", fill=colour,
                stroke="#000", stroke_width=1)
    else:
        svg.add("path", d=f"M{_r(x)} {_r(y - 5)}L{_r(x + 5)} {_r(y)}L{_r(x)} {_r(y + 5)}L{_r(x - 5)} {_r(y)}Z",
                fill=colour, stroke="#000", stroke_width=1)


def _series(table: Table) -> list[str]:
    if table.series:
        return list(table.series)
    return [c.key for c in table.columns if c.key != table.x and c.kind != "text"][:1]


def chartable(table: Table) -> bool:
    """Whether the table has a chart and at least one value to draw."""
    if table.chart == "none" or not table.rows or table.x is None:
        return False
    indexes = [_index(table, key) for key in _series(table)]
    return any(_number(row[i]) for row in table.rows for i in indexes)


def _index(table: Table, key: str) -> int:
    return next(i for i, column in enumerate(table.columns) if column.key == key)


def render_chart(table: Table, *, id_prefix: str = "chart") -> Markup:
    """The table drawn as inline SVG (bars, stacked bars or lines), or an empty Markup when there is nothing
    to draw. Months run along a horizontal axis; other categories (workers, topics) as horizontal bars."""
    if not chartable(table):
        return Markup("")
    prefix = f"{id_prefix}-{table.key}"
    series = _series(table)
    x_index = _index(table, table.x)
    x_column = table.columns[x_index]
    write_category = value_formatter(x_column.kind)
    categories = [write_category(row[x_index]) for row in table.rows]
    indexes = [_index(table, key) for key in series]
    values = [[_number(row[index]) for index in indexes] for row in table.rows]
    labels = [table.column(key).label for key in series]
    kind = table.column(series[0]).kind
    svg = _Svg()
    svg.raw("<defs>")
    fills = _patterns(svg, prefix, len(series))
    svg.raw("</defs>")
    top = 24.0
    if len(series) > 1:
        top = _legend(svg, labels, fills, 18, lines=table.chart == "line") + 22
    if table.chart == "line":
        height = _columns(svg, categories, values, kind, top, fills, line=True)
    elif x_column.kind in ("month", "date", "int"):
        height = _columns(svg, categories, values, kind, top, fills, stacked=table.chart == "stacked_bar")
    else:
        height = _bars(svg, categories, values, kind, top, fills, stacked=table.chart == "stacked_bar")
    # Every text and attribute value went through escape() (_Svg.add, the title, the key); the raw parts are
    # this module's own constant markup and ids made from code (table keys, template prefixes).
    return Markup(  # nosec B704
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {_r(height)}" role="img" '
        f'aria-labelledby="{prefix}-title" aria-describedby="{escape(table.key)}-description" focusable="false">'
        f'<title id="{prefix}-title">{escape(table.title)}</title>'
        f'<rect width="{WIDTH}" height="{_r(height)}" fill="#fff"/>' + "".join(svg.parts) + "</svg>")


def _axis(values: list[list[float | None]], kind: str, stacked: bool) -> tuple[float, int]:
    if stacked:
        highest = max((sum(v or 0 for v in row) for row in values), default=0)
    else:
        highest = max((v for row in values for v in row if v is not None), default=0)
    return axis(highest, kind)


def _columns(svg: _Svg, categories, values, kind, top, fills, *, stacked=False, line=False) -> float:
    """Vertical columns (or a line) along a horizontal axis of categories, usually months."""
    left, right, plot_height = 64.0, 16.0, 220.0
    count = len(categories)
    band = (WIDTH - left - right) / count
    rotate = band < 56
    bottom = top + plot_height
    height = bottom + (64 if rotate else 32)
    scale_top, steps = _axis(values, kind, stacked)
    write = value_formatter(kind)

    def y_of(value: float) -> float:
        return bottom - plot_height * (value / scale_top)

    for step in range(steps + 1):
        tick = scale_top * step / steps
        y = y_of(tick)
        svg.add("line", x1=_r(left), y1=_r(y), x2=_r(WIDTH - right), y2=_r(y), stroke="#767676" if step else "#000",
                stroke_width=1 if step else 1.5, stroke_dasharray="3 3" if step else None)
        svg.text(left - 6, y + 4, write(tick), size=11, anchor="end")
    every = max(1, math.ceil(count / 12)) if rotate else 1
    for index, category in enumerate(categories):
        x = left + band * (index + 0.5)
        if index % every == 0:
            if rotate:
                svg.text(x, bottom + 14, _short(category), size=11, anchor="end",
                         transform=f"rotate(-40 {_r(x)} {_r(bottom + 14)})")
            else:
                svg.text(x, bottom + 18, _short(category), size=11, anchor="middle")
    series_count = len(values[0])
    if line:
        for s in range(series_count):
            # A month without a value breaks the line: it is not drawn as if it were between its neighbours.
            segments, segment = [], []
            for i, row in enumerate(values):
                if row[s] is None:
                    segment = []
                    continue
                if not segment:
                    segments.append(segment)
                segment.append((left + band * (i + 0.5), y_of(row[s]), row[s]))
            for segment in segments:
                if len(segment) > 1:
                    svg.add("polyline", points=" ".join(f"{_r(x)},{_r(y)}" for x, y, _ in segment), fill="none",
                            stroke=PALETTE[s % len(PALETTE)], stroke_width=3, stroke_dasharray=_dash(s))
                for x, y, value in segment:
                    _marker(svg, s, x, y)
                    if series_count == 1 and band >= 36:
                        svg.text(x, y - 9, write(value), size=11, anchor="middle")
        return height
    inner = band * 0.7
    for i, row in enumerate(values):
        x0 = left + band * i + (band - inner) / 2
        if stacked:
            base = 0.0
            for s, value in enumerate(row):
                if not value:
                    continue
                svg.rect(x0, y_of(base + value), inner, y_of(base) - y_of(base + value), fills[s])
                base += value
            if band >= 28:
                svg.text(x0 + inner / 2, y_of(base) - 5, write(base), size=11, anchor="middle")
        else:
            width = inner / series_count
            for s, value in enumerate(row):
                if value is None:
                    continue
                x = x0 + width * s
                svg.rect(x, y_of(value), width, y_of(0) - y_of(value), fills[s])
                if width >= 24:
                    svg.text(x + width / 2, y_of(value) - 5, write(value), size=11, anchor="middle")
    return height


def _bars(svg: _Svg, categories, values, kind, top, fills, *, stacked=False) -> float:
    """Horizontal bars, one row per category (a worker, a topic), with the value written at the end."""
    left, right = 200.0, 72.0
    series_count = len(values[0])
    row_height = 26.0 if stacked or series_count == 1 else 14.0 * series_count + 10
    plot_width = WIDTH - left - right
    scale_top, steps = _axis(values, kind, stacked)
    write = value_formatter(kind)
    bottom = top + row_height * len(categories)

    def x_of(value: float) -> float:
        return left + plot_width * (value / scale_top)

    for step in range(steps + 1):
        tick = scale_top * step / steps
        x = x_of(tick)
        svg.add("line", x1=_r(x), y1=_r(top), x2=_r(x), y2=_r(bottom), stroke="#767676" if step else "#000",
                stroke_width=1 if step else 1.5, stroke_dasharray="3 3" if step else None)
        svg.text(x, bottom + 16, write(tick), size=11, anchor="middle")
    for i, (category, row) in enumerate(zip(categories, values, strict=True)):
        y0 = top + row_height * i
        svg.text(left - 8, y0 + row_height / 2 + 4, _short(category), size=12, anchor="end")
        if stacked:
            base = 0.0
            for s, value in enumerate(row):
                if not value:
                    continue
                svg.rect(x_of(base), y0 + 4, x_of(base + value) - x_of(base), row_height - 8, fills[s])
                base += value
            svg.text(x_of(base) + 5, y0 + row_height / 2 + 4, write(base), size=11)
        else:
            bar = (row_height - 10) / series_count
            for s, value in enumerate(row):
                if value is None:
                    continue
                y = y0 + 5 + bar * s
                svg.rect(left, y, x_of(value) - left, bar, fills[s])
                svg.text(x_of(value) + 5, y + bar / 2 + 4, write(value), size=11)
    return bottom + 28
