"""The yearly activity report: the printable page and its PDF (WeasyPrint), for a year and a unit."""
from __future__ import annotations

import logging
import os
import re
from datetime import date
from pathlib import Path

import pytest

from peer_support.extensions import db
from peer_support.reports import registry
from peer_support.reports.pdf import pdf_available
from peer_support.reports.tables import Filters
from peer_support.timezones import local_today
from peer_support.units.models import Unit
from tests.helpers import audit_entries, has_field_error, input_value
from tests.reports.sample_tables import CASELOAD, DELAYS, REFERRALS

# The PDF needs WeasyPrint's Pango library (installed by .ci/run); elsewhere these tests are skipped, unless
# REQUIRE_PDF=1 makes a missing library a failure.
requires_pdf = pytest.mark.skipif(not pdf_available() and os.environ.get("REQUIRE_PDF") != "1",
                                  reason="WeasyPrint's Pango library is not installed (REQUIRE_PDF=1 to require it)")

STYLESHEET = Path(__file__).resolve().parents[2] / "peer_support" / "static" / "css" / "reports.css"


@pytest.fixture
def figures(monkeypatch):
    calls: list[Filters] = []

    def figure(table):
        def compute(filters):
            calls.append(filters)
            return table
        return compute

    fakes = {table.key: figure(table) for table in (REFERRALS, DELAYS, CASELOAD)}
    monkeypatch.setattr(registry, "programme_figures", lambda: fakes)
    return calls


@pytest.fixture
def unit(app):
    unit = Unit(code="TS2A", name="Troubles du spectre")
    db.session.add(unit)
    db.session.commit()
    return unit


def test_yearly_report_for_a_past_year_and_a_unit(client, signed_in, figures, unit):
    signed_in("coordinator")

    response = client.get(f"/reports/yearly?year=2025&unit={unit.id}", headers={"Accept-Language": "en"})

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    # The whole calendar year, for that unit, every figure.
    assert figures == [Filters(date(2025, 1, 1), date(2025, 12, 31), unit_id=unit.id)] * 3
    assert "<h1>Activity report 2025</h1>" in html
    assert "Unit: TS2A — Troubles du spectre" in html
    assert "From January 1, 2025 to December 31, 2025" in html
    assert "(the year so far)" not in html
    assert html.count('role="img"') == 2 and "<caption>Data: Time to first meeting</caption>" in html
    assert f'href="/reports/yearly.pdf?year=2025&amp;unit={unit.id}"' in html
    # Printable: the report's stylesheet, and no CSV link in the report itself.
    assert "/static/css/reports.css" in html
    assert "/reports/tables/" not in html


def test_yearly_report_defaults_to_the_current_year_so_far(client, signed_in, figures):
    signed_in("coordinator")
    today = local_today()

    response = client.get("/reports/yearly", headers={"Accept-Language": "en"})

    assert response.status_code == 200
    # The current year stops today, not on a future 31 December.
    assert figures[0] == Filters(date(today.year, 1, 1), min(today, date(today.year, 12, 31)))
    assert input_value(response.get_data(as_text=True), "year") == str(today.year)


@pytest.mark.parametrize("year", ["abc", "1999", str(date.today().year + 1), ""])
def test_bad_year_gives_a_form_error_keeping_what_was_typed(client, signed_in, figures, year):
    signed_in("coordinator")

    response = client.get(f"/reports/yearly?year={year}")

    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert has_field_error(html, "year")
    assert (input_value(html, "year") or "") == year
    assert figures == []
    assert client.get(f"/reports/yearly.pdf?year={year}").status_code == 400


def test_yearly_report_for_an_unknown_unit_is_a_form_error(client, signed_in, figures):
    signed_in("coordinator")

    response = client.get("/reports/yearly?year=2025&unit=999999")

    assert response.status_code == 400 and has_field_error(response.get_data(as_text=True), "unit")


def test_print_stylesheet_hides_the_navigation_and_breaks_pages_between_figures():
    css = STYLESHEET.read_text()
    print_rules = css[css.index("@media print"):]

    assert re.search(r"\.no-print, \.site-header, \.site-footer[^{]*\{ display: none !important; \}", print_rules)
    assert ".yearly-report .report-figure { break-before: page; }" in print_rules


@requires_pdf
def test_yearly_pdf_is_rendered_and_audited(client, signed_in, figures, unit, monkeypatch):
    from peer_support.reports import pdf

    coordinator = signed_in("coordinator")
    documents = []
    real_document = pdf.document
    monkeypatch.setattr(pdf, "document", lambda html: documents.append(real_document(html)) or documents[-1])

    response = client.get(f"/reports/yearly.pdf?year=2025&unit={unit.id}", headers={"Accept-Language": "en"})

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="activity-report-2025-TS2A.pdf"'
    body = response.get_data()
    assert body.startswith(b"%PDF-")
    # A cover page, then one page per figure (print rules of reports.css): 1 + 3 pages.
    [document] = documents
    assert len(document.pages) == 4
    [entry] = audit_entries("reports.yearly_pdf")
    assert entry.actor_id == coordinator.id and entry.object_id == str(unit.id) and entry.details == {"year": 2025}


@requires_pdf
def test_pdf_loads_nothing_from_outside(caplog, monkeypatch):
    from peer_support.reports.pdf import render_pdf

    # Alembic's logging set-up (the test database's migration) disables the loggers that existed before it.
    for name in ("weasyprint", "weasyprint.progress"):
        monkeypatch.setattr(logging.getLogger(name), "disabled", False)

    # An image pointing elsewhere is refused by the URL fetcher: WeasyPrint logs it, skips it, still renders.
    body = render_pdf('<html><body><h1>Report</h1><img src="http://127.0.0.1:9/x.png" alt="x"></body></html>')

    assert body.startswith(b"%PDF-")
    assert "the report PDF loads no external resource (http://127.0.0.1:9/x.png)" in caplog.text


def test_without_pango_the_page_offers_printing_and_the_pdf_explains(client, signed_in, figures, unit, monkeypatch):
    from peer_support.reports import pdf

    monkeypatch.setattr(pdf, "pdf_available", lambda: False)
    signed_in("coordinator", locale="en")
    page = client.get("/reports/yearly?year=2025").get_data(as_text=True)
    assert "yearly.pdf" not in page and "Print this page from your browser" in page
    response = client.get("/reports/yearly.pdf?year=2025")
    assert response.status_code == 302 and "/reports/yearly" in response.headers["Location"]
    assert "Pango" in client.get(response.headers["Location"]).get_data(as_text=True)
