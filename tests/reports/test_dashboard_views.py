"""The dashboard pages: the programme's (coordinators only), CSV per table, a worker's own dashboard.

The programme's figures are replaced by hand-made Tables (tests/reports/sample_tables.py) where a test is
about the page, not the SQL (the figures have their own tests); the last tests run the real registry.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest

from peer_support.auth.models import Account
from peer_support.extensions import db
from peer_support.reports import registry
from peer_support.reports.forms import default_period
from peer_support.reports.tables import Filters
from peer_support.timezones import local_today
from peer_support.units.models import Unit
from tests.conftest import sign_in
from tests.helpers import audit_entries, counted_statements, has_field_error, input_value
from tests.peers.conftest import make_profile  # noqa: F401,F811  (fixture)
from tests.reports.sample_tables import CASELOAD, DELAYS, EMPTY, REFERRALS

OTHER_ROLES = ("staff", "peer_worker", "service_user", "researcher")


@pytest.fixture
def figures(monkeypatch):
    """Hand-made figures in place of the registry's; `figures.calls` lists the Filters each was given."""

    class Figures(dict):
        calls: list[Filters] = []

    fakes = Figures()

    def figure(table):
        def compute(filters):
            fakes.calls.append(filters)
            return table
        return compute

    for table in (REFERRALS, DELAYS, CASELOAD, EMPTY):
        fakes[table.key] = figure(table)
    fakes.calls = []
    monkeypatch.setattr(registry, "programme_figures", lambda: fakes)
    return fakes


def account_of_profile(profile) -> Account:
    return db.session.get(Account, profile.account_id)


@pytest.fixture
def unit(app):
    unit = Unit(code="CL3R", name="Réhabilitation")
    db.session.add(unit)
    db.session.commit()
    return unit


def test_default_period_is_the_last_twelve_months():
    # From the first day of the month eleven months back: March 2026 -> 1 April 2025.
    assert default_period(date(2026, 3, 15)) == (date(2025, 4, 1), date(2026, 3, 15))
    assert default_period(date(2026, 12, 31)) == (date(2026, 1, 1), date(2026, 12, 31))


def test_dashboard_shows_each_figure_with_chart_description_table_and_csv(client, signed_in, figures):
    signed_in("coordinator")

    response = client.get("/reports/", headers={"Accept-Language": "en"})

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    starts_on, ends_on = default_period(local_today())
    assert figures.calls == [Filters(starts_on=starts_on, ends_on=ends_on)] * 4
    for table in (REFERRALS, DELAYS, CASELOAD, EMPTY):
        assert f'<h2 class="h4" id="{table.key}-heading">{table.title}</h2>' in html
        assert f'<p id="{table.key}-description" class="figure-description">{table.description}</p>' in html
    # Charts for the two tables that have one; the table without chart and the empty one have none.
    assert html.count('role="img"') == 2
    assert 'aria-describedby="new_referrals_by_month-description"' in html
    assert "<caption>Data: Caseload against capacity</caption>" in html
    assert '<th scope="row">Alice Martin</th>' in html
    assert "No data for this period." in html  # EMPTY
    assert "Nearest-rank percentile." in html  # DELAYS' note
    csv_link = (f"/reports/tables/caseload_against_capacity.csv?starts_on={starts_on.isoformat()}"
                f"&amp;ends_on={ends_on.isoformat()}")
    assert csv_link in html
    # The period typed by default shows in the form.
    assert input_value(html, "starts_on") == starts_on.isoformat()
    # Reading the dashboard is not audited (aggregates, no person's record).
    assert audit_entries("reports.table_export") == []


def test_dashboard_filters_reach_the_figures_and_the_csv_links(client, signed_in, figures, unit, make_profile):
    signed_in("coordinator")
    profile = make_profile()

    response = client.get(f"/reports/?starts_on=2026-01-01&ends_on=2026-03-31&unit={unit.id}&worker={profile.id}")

    assert response.status_code == 200
    assert figures.calls[0] == Filters(date(2026, 1, 1), date(2026, 3, 31), unit_id=unit.id,
                                       peer_profile_id=profile.id)
    assert (f"/reports/tables/new_referrals_by_month.csv?starts_on=2026-01-01&amp;ends_on=2026-03-31"
            f"&amp;unit={unit.id}&amp;worker={profile.id}") in response.get_data(as_text=True)


@pytest.mark.parametrize("query, field, typed", [
    ("starts_on=2026-03-31&ends_on=2026-01-01", "ends_on", "2026-01-01"),   # ends before it starts
    ("starts_on=2026-02-30&ends_on=2026-03-31", "starts_on", "2026-02-30"),  # no such day
    ("starts_on=2015-01-01&ends_on=2026-01-01", "ends_on", "2026-01-01"),   # longer than five years
    ("unit=999999", "unit", None),                                          # no such unit
    ("worker=abc", "worker", None),
])
def test_bad_filters_give_a_form_error_keeping_what_was_typed(client, signed_in, figures, query, field, typed):
    signed_in("coordinator")

    response = client.get(f"/reports/?{query}")

    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert has_field_error(html, field)
    if typed:
        assert input_value(html, field) == typed
    assert figures.calls == []  # nothing computed on a bad period


def test_filter_errors_are_in_the_person_language(client, make_account, figures):
    sign_in(client, make_account("coordinator", locale="fr"))

    html = client.get("/reports/?starts_on=2026-02-30").get_data(as_text=True)

    assert "N'est pas une date valide." in html or "N&#39;est pas une date valide." in html
    assert input_value(html, "starts_on") == "2026-02-30"


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_only_coordinators_reach_the_programme_dashboard_and_its_csv(client, signed_in, figures, role):
    signed_in(role)

    for url in ("/reports/", "/reports/tables/new_referrals_by_month.csv", "/reports/yearly",
                "/reports/yearly.pdf?year=2025"):
        assert client.get(url).status_code == 403, url
    assert figures.calls == []


def test_signed_out_visitor_is_sent_to_sign_in(client, figures):
    response = client.get("/reports/")

    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_csv_download_is_the_table_with_the_same_filters_and_is_audited(client, signed_in, figures):
    coordinator = signed_in("coordinator")

    response = client.get("/reports/tables/caseload_against_capacity.csv?starts_on=2026-01-01&ends_on=2026-03-31",
                          headers={"Accept-Language": "en"})

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="caseload_against_capacity_2026-01-01_2026-03-31.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows == [["Peer worker", "Caseload", "Capacity"], ["Alice Martin", "8", "12"], ["'=Bob", "3", "10"]]
    # Only that figure was computed, with the filters of the link.
    assert figures.calls == [Filters(date(2026, 1, 1), date(2026, 3, 31))]
    [entry] = audit_entries("reports.table_export")
    assert entry.actor_id == coordinator.id and entry.object_id == "caseload_against_capacity"
    assert entry.details == {"starts_on": "2026-01-01", "ends_on": "2026-03-31"}


def test_csv_of_an_unknown_table_or_with_bad_filters(client, signed_in, figures):
    signed_in("coordinator")

    assert client.get("/reports/tables/nothing.csv").status_code == 404
    assert client.get("/reports/tables/new_referrals_by_month.csv?starts_on=nope").status_code == 400
    assert audit_entries("reports.table_export") == []


# --- A worker's own dashboard ---------------------------------------------------------------------------

def test_worker_sees_their_own_figures_unaudited(client, make_profile):
    profile = make_profile()
    sign_in(client, account_of_profile(profile))

    response = client.get("/reports/mine", headers={"Accept-Language": "en"})

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>My figures</h1>" in html
    assert "People accompanied now" in html and "Open nudges" in html
    # The small chart of their meetings, by month, over the last 12 months (none yet: no chart, a table).
    assert 'id="my_meetings_by_month-heading"' in html
    assert audit_entries("reports.worker_figures_view") == []


def test_worker_never_sees_another_worker_figures_nor_the_programme(client, make_profile, figures):
    mine, other = make_profile(), make_profile()
    sign_in(client, account_of_profile(mine))

    assert client.get(f"/reports/mine?worker={other.id}").status_code == 404
    assert client.get("/reports/mine?worker=abc").status_code == 404
    assert client.get(f"/reports/mine?worker={mine.id}").status_code == 200
    assert client.get("/reports/").status_code == 403
    assert figures.calls == []


@pytest.mark.parametrize("role", ("staff", "service_user", "researcher"))
def test_other_roles_have_no_worker_dashboard(client, signed_in, make_profile, role):
    profile = make_profile()
    signed_in(role)

    assert client.get("/reports/mine").status_code == 403
    assert client.get(f"/reports/mine?worker={profile.id}").status_code == 403


def test_coordinator_opens_a_worker_dashboard_audited(client, signed_in, make_profile):
    coordinator = signed_in("coordinator")
    profile = make_profile()

    chooser = client.get("/reports/mine", headers={"Accept-Language": "en"})
    response = client.get(f"/reports/mine?worker={profile.id}", headers={"Accept-Language": "en"})

    assert chooser.status_code == 200 and 'id="open-worker"' in chooser.get_data(as_text=True)
    assert response.status_code == 200
    assert f"Figures of {account_of_profile(profile).name}" in response.get_data(as_text=True)
    [entry] = audit_entries("reports.worker_figures_view")
    assert entry.actor_id == coordinator.id and entry.object_id == str(profile.id)
    # An empty choice is a form error, not a 404 or 500.
    empty = client.get("/reports/mine?worker=", headers={"Accept-Language": "en"})
    assert empty.status_code == 400 and "Choose a peer worker." in empty.get_data(as_text=True)
    assert client.get("/reports/mine?worker=999999").status_code == 404


def test_navigation_and_home_pages_link_the_dashboards(client, signed_in, make_profile):
    signed_in("coordinator")
    coordinator_home = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'href="/reports/">Dashboard' in coordinator_home
    assert "My figures" not in coordinator_home

    profile = make_profile()
    sign_in(client, account_of_profile(profile))
    worker_home = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert re.search(r'class="nav-link[^"]*" href="/reports/mine"', worker_home)
    assert 'href="/reports/">' not in worker_home


# --- The real figures -----------------------------------------------------------------------------------

def test_real_dashboard_renders_every_registered_figure(client, signed_in, make_profile, unit):
    signed_in("coordinator")
    make_profile(units=[unit])

    response = client.get("/reports/?starts_on=2026-01-01&ends_on=2026-03-31", headers={"Accept-Language": "en"})

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    keys = list(registry.programme_figures())
    assert len(keys) == 12
    for key in keys:
        assert f'id="{key}-heading"' in html
        assert f"/reports/tables/{key}.csv?" in html


def _workers_and_units(make_profile, count: int) -> None:
    units = [Unit(code=f"U{count}-{n}", name=f"Unit {n}") for n in range(count)]
    db.session.add_all(units)
    db.session.commit()
    for n in range(count):
        make_profile(units=[units[n]])


def test_dashboard_runs_as_many_statements_with_ten_times_the_workers_and_units(client, signed_in, make_profile):
    signed_in("coordinator")
    url = "/reports/?starts_on=2026-01-01&ends_on=2026-03-31"
    _workers_and_units(make_profile, 2)
    with counted_statements() as small:
        assert client.get(url).status_code == 200
    _workers_and_units(make_profile, 18)  # 20 workers and 20 units in all
    with counted_statements() as large:
        assert client.get(url).status_code == 200

    assert len(large) == len(small)
