"""The SVG charts (reports/charts.py), the display and CSV formats of values, and a Table as CSV."""
from __future__ import annotations

import csv
import io
import random
import re
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

import pytest
from babel import Locale, numbers
from flask_babel import force_locale

from peer_support.config import LOCALES
from peer_support.i18n import format_tenths, integer_writer
from peer_support.reports.charts import (PALETTE, axis, chartable, csv_value, format_value, render_chart,
                                          value_formatter)
from peer_support.reports.csv import table_csv
from tests.reports.sample_tables import CASELOAD, DELAYS, EMPTY, GAP_SHARE, REFERRALS

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def request_context(app):
    with app.test_request_context("/"), force_locale("en"):
        yield


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def bars(svg: ET.Element) -> list[ET.Element]:
    """The data rectangles: those with a black outline (the background and legend swatches excepted)."""
    plot = [rect for rect in svg.iter(f"{SVG}rect") if rect.get("stroke") == "#000"]
    legend = [rect for rect in plot if rect.get("width") == "14" and rect.get("height") == "14"]
    return [rect for rect in plot if rect not in legend]


def texts(svg: ET.Element) -> list[str]:
    return [text.text for text in svg.iter(f"{SVG}text")]


def test_chart_is_an_accessible_image_without_script_or_inline_style(request_context):
    markup = str(render_chart(REFERRALS, id_prefix="dash"))
    svg = parse(markup)

    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "dash-new_referrals_by_month-title"
    assert svg.find(f"{SVG}title").get("id") == "dash-new_referrals_by_month-title"
    assert svg.find(f"{SVG}title").text == "New referrals by month"
    # The description is the page's paragraph beside the chart (templates/reports/_macros.html).
    assert svg.get("aria-describedby") == "new_referrals_by_month-description"
    # Nothing the Content-Security-Policy refuses (no inline script, no <style>, no style attribute).
    assert "<script" not in markup and "<style" not in markup and "style=" not in markup


def test_stacked_bars_draw_one_rectangle_per_non_zero_value_and_write_the_totals(request_context):
    svg = parse(render_chart(REFERRALS))

    # Rows (2, 1), (0, 0), (4, 2): four non-zero values, four rectangles.
    assert len(bars(svg)) == 4
    # Totals on top of the stacks: 2+1 = 3 and 4+2 = 6 (the empty month has no stack, so no label).
    labels = texts(svg)
    assert "3" in labels and "6" in labels
    # Axis up to 6 in whole steps of 2: 0, 2, 4, 6 (no "2.5" for whole numbers).
    assert {"0", "2", "4", "6"} <= set(labels) and "2.5" not in labels
    # The legend names both series; the second series is patterned, not told apart by colour alone.
    assert "By staff" in labels and "Self-referral" in labels
    fills = {rect.get("fill") for rect in bars(svg)}
    assert fills == {PALETTE[0], "url(#chart-new_referrals_by_month-p1)"}
    assert svg.find(f".//{SVG}pattern").get("id") == "chart-new_referrals_by_month-p1"
    # Months written in the request's language.
    assert "Jan 2026" in labels and "Mar 2026" in labels


def test_line_breaks_at_a_month_without_value(request_context):
    svg = parse(render_chart(GAP_SHARE))

    # Values 37.5, None, 50: two single points, so no line segment, but two markers and their labels.
    assert list(svg.iter(f"{SVG}polyline")) == []
    assert len(list(svg.iter(f"{SVG}circle"))) == 2
    assert {"37.5%", "50%"} <= set(texts(svg))
    # Up to 50 %: steps of 20 up to 60 %, not to 100 %.
    assert {"0%", "20%", "40%", "60%"} <= set(texts(svg)) and "100%" not in texts(svg)


def test_text_categories_are_horizontal_bars_with_their_values(request_context):
    svg = parse(render_chart(CASELOAD))

    # Two workers x two series = four bars, each value written at its end.
    assert len(bars(svg)) == 4
    assert {"8", "12", "3", "10"} <= set(texts(svg))
    assert {"Alice Martin", "=Bob"} <= set(texts(svg))


def test_nothing_is_drawn_without_a_chart_or_without_values(request_context):
    assert not chartable(DELAYS) and str(render_chart(DELAYS)) == ""
    assert not chartable(EMPTY) and str(render_chart(EMPTY)) == ""
    assert chartable(REFERRALS)


def test_labels_are_escaped(request_context):
    from dataclasses import replace

    table = replace(CASELOAD, title="<b>Caseload</b>", rows=(("<script>x</script>", 1, 2),))
    markup = str(render_chart(table))

    assert "<script>" not in markup and "<b>" not in markup
    assert "&lt;script&gt;" in markup


@pytest.mark.parametrize("highest, kind, expected", [
    (0, "int", (4.0, 4)),          # nothing to show: a small empty axis
    (6, "int", (6.0, 3)),          # 6/4 = 1.5 -> steps of 2: 0, 2, 4, 6
    (3, "int", (3.0, 3)),          # 3/4 = 0.75 -> steps of 1 (whole numbers)
    (10, "number", (10.0, 4)),     # 10/4 = 2.5 -> steps of 2.5
    (37, "number", (40.0, 4)),     # 37/4 = 9.25 -> steps of 10: 0..40
    (50, "percent", (60.0, 3)),    # 50/4 = 12.5 -> steps of 20 (the first of 10, 20, 25, 50 above): 0..60
    (95, "percent", (100.0, 4)),   # never past 100 %
])
def test_axis(highest, kind, expected):
    assert axis(highest, kind) == expected


def test_values_are_shown_in_the_request_language(app):
    with app.test_request_context("/"):
        with force_locale("en"):
            assert format_value(1234, "int") == "1,234"
            assert format_value(37.5, "percent") == "37.5%"
            assert format_value(3.25, "days") == "3.2"
            assert format_value(date(2026, 3, 1), "month") == "Mar 2026"
            assert format_value(None, "int") == "—"
        with force_locale("fr"):
            assert format_value(1234, "int") == "1\u202f234"
            assert format_value(37.5, "percent") == "37,5\u00a0%"
            assert format_value(date(2026, 3, 1), "month") == "mars 2026"


@pytest.mark.parametrize("locale", LOCALES)
def test_whole_numbers_are_written_as_babel_writes_them(app, locale):
    """integer_writer's short path (plain ints) gives Babel's own text, and anything else goes through Babel."""
    values = [0, 7, -7, 999, 1000, -1000, 12345, 999999, 1000000, -1234567, 10 ** 12 + 3, 40.0, -2500.0, 0.0]
    with app.test_request_context("/"), force_locale(locale):
        format_integer = integer_writer()
        for value in values:
            assert format_integer(value) == numbers.format_decimal(value, locale=locale), value
        assert format_integer(Decimal("12345")) == numbers.format_decimal(12345, locale=locale)
        assert format_integer(2.5) == numbers.format_decimal(2.5, locale=locale)


@pytest.mark.parametrize("locale", LOCALES)
def test_numbers_with_a_decimal_are_written_as_babel_writes_them(app, locale):
    """format_tenths (the dashboard's days, hours and percentages) gives Babel's text for #,##0.#: its rounding
    (half to even on the number's decimal text, -0 kept), its signs; and the percent formatter its pattern's."""
    generator = random.Random(9)
    values = [0, -0.0, 0.05, 0.15, 0.25, 0.35, -0.04, 12.35, 1234.55, 999999.95, 10 ** 7 + 0.05, -1234.5, 5, 100,
              Decimal("2.45"), Decimal("-0.05"), 10 ** 12 + 3]
    values += [round(generator.uniform(-10 ** 6, 10 ** 6), generator.randint(0, 4)) for _ in range(2000)]
    with app.test_request_context("/"), force_locale(locale):
        percent = value_formatter("percent")
        percent_pattern = Locale.parse(locale).percent_formats[None].pattern.replace("#,##0", "#,##0.#", 1)
        for value in values:
            assert format_tenths(value) == numbers.format_decimal(value, format="#,##0.#", locale=locale), value
            if not isinstance(value, Decimal):
                assert percent(value) == numbers.format_percent(value / 100, format=percent_pattern,
                                                                 locale=locale), value
        assert format_tenths(float("nan")) == numbers.format_decimal(float("nan"), format="#,##0.#", locale=locale)


def test_csv_values_are_plain():
    assert csv_value(date(2026, 3, 1), "month") == "2026-03"
    assert csv_value("2026-03", "month") == "2026-03"
    assert csv_value(date(2026, 3, 9), "date") == "2026-03-09"
    assert csv_value(2 / 3, "number") == 0.67
    assert csv_value(None, "int") == ""


def test_table_as_csv(request_context):
    rows = list(csv.reader(io.StringIO(table_csv(CASELOAD).lstrip("\ufeff"))))

    assert rows == [["Peer worker", "Caseload", "Capacity"], ["Alice Martin", "8", "12"],
                    # A cell a spreadsheet would take for a formula is quoted.
                    ["'=Bob", "3", "10"]]
    months = list(csv.reader(io.StringIO(table_csv(GAP_SHARE).lstrip("\ufeff"))))
    assert months == [["Month", "Share"], ["2026-01", "37.5"], ["2026-02", ""], ["2026-03", "50.0"]]
    assert re.match("\ufeff", table_csv(EMPTY))
