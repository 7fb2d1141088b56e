"""The dashboard pages: the programme's (coordinators), a worker's own, the yearly report (page and PDF), CSV.

Audit: the programme dashboard and the yearly report page show aggregates and the names of peer workers (staff,
not people accompanied), never a person's record: reading them is not audited. Downloads are exports and are
audited (a CSV table, the yearly PDF), as is a coordinator opening one worker's own dashboard (as for a
worker's activity summary, peers.activity_view).
"""
from __future__ import annotations

import re
from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from peer_support import permissions
from peer_support.audit.services import record
from peer_support.caseload.services import worker_choices
from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.forms import choices
from peer_support.peers.services import get_profile, profile_of
from peer_support.reports import blueprint, registry
from peer_support.reports.charts import chartable, format_value, render_chart, table_body
from peer_support.reports.csv import table_csv
from peer_support.reports.forms import DashboardFilterForm, WorkerChoiceForm, YearlyReportForm, default_period
from peer_support.reports.tables import Filters
from peer_support.security import client_ip
from peer_support.timezones import local_today
from peer_support.units.models import Unit
from peer_support.units.services import unit_choices


@blueprint.context_processor
def _chart_helpers():
    return {"render_chart": render_chart, "chartable": chartable, "format_value": format_value,
            "table_body": table_body}


def _unit_choices(form_field) -> None:
    form_field.choices = choices([("", _("All units"))] + unit_choices())


def _dashboard_filters(workers: list[tuple[int, str]]) -> tuple[DashboardFilterForm, Filters | None]:
    """The filter form read from the query string, and the Filters it gives (None while it has errors);
    `workers` are worker_choices()."""
    form = DashboardFilterForm(request.args)
    _unit_choices(form.unit)
    form.worker.choices = choices([("", _("All peer workers"))] + workers)
    if not form.validate():
        return form, None
    starts_on, ends_on = default_period(local_today())
    if form.starts_on.data and not form.ends_on.data:
        ends_on = max(form.starts_on.data, ends_on)
    if form.ends_on.data and not form.starts_on.data:
        starts_on = min(starts_on, form.ends_on.data)
    filters = Filters(starts_on=form.starts_on.data or starts_on, ends_on=form.ends_on.data or ends_on,
                      unit_id=form.unit.data, peer_profile_id=form.worker.data)
    if not form.starts_on.raw_data:
        form.starts_on.data = filters.starts_on
    if not form.ends_on.raw_data:
        form.ends_on.data = filters.ends_on
    return form, filters


def filter_args(filters: Filters) -> dict:
    """The query-string arguments giving these filters (for the CSV links)."""
    args = {"starts_on": filters.starts_on.isoformat(), "ends_on": filters.ends_on.isoformat()}
    if filters.unit_id:
        args["unit"] = filters.unit_id
    if filters.peer_profile_id:
        args["worker"] = filters.peer_profile_id
    return args


@blueprint.get("/")
def dashboard():
    workers = worker_choices()
    form, filters = _dashboard_filters(workers)
    tables = registry.programme_tables(filters) if filters else []
    worker_form = WorkerChoiceForm(formdata=None)
    worker_form.worker.choices = choices([("", _("Choose…"))] + workers)
    return render_template("reports/dashboard.html", form=form, filters=filters, tables=tables,
                           worker_form=worker_form, args=filter_args(filters) if filters else {}), \
        200 if filters else 400


@blueprint.get("/tables/<key>.csv")
def table_download(key: str):
    form, filters = _dashboard_filters(worker_choices())
    if filters is None:
        abort(400)
    table = registry.programme_table(key, filters)
    if table is None:
        abort(404)
    body = table_csv(table)
    record("reports.table_export", actor=current_user, object_type="report_table", object_id=key,
           details=filter_args(filters), ip=client_ip(), now=utcnow())
    db.session.commit()
    name = f"{key}_{filters.starts_on.isoformat()}_{filters.ends_on.isoformat()}.csv"
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- A worker's own dashboard -----------------------------------------------------------------------

def _worker_profile():
    """The worker whose figures are asked for: one's own, or ?worker=<profile id> for a coordinator."""
    wanted = request.args.get("worker", "")
    if wanted:
        if not wanted.isdigit():
            abort(404)
        profile = get_profile(int(wanted))
    else:
        profile = profile_of(current_user)
    if profile is None or not permissions.can_view_worker_figures(current_user, profile):
        abort(404)
    return profile


@blueprint.get("/mine")
def mine():
    from peer_support.reports.my_figures import my_figures, my_meetings_by_month

    if permissions.is_coordinator(current_user) and not request.args.get("worker"):
        # The coordinator has no figures of their own: they choose a worker (an empty choice says so).
        worker_form = WorkerChoiceForm(request.args if "worker" in request.args else None)
        worker_form.worker.choices = choices([("", _("Choose…"))] + worker_choices())
        if "worker" in request.args:
            worker_form.validate()
        return render_template("reports/mine.html", profile=None, worker_form=worker_form), \
            400 if worker_form.errors else 200
    profile = _worker_profile()
    today = local_today()
    starts_on, ends_on = default_period(today)
    figures = my_figures(profile, today=today)
    meetings = my_meetings_by_month(profile, Filters(starts_on=starts_on, ends_on=ends_on,
                                                     peer_profile_id=profile.id))
    own = permissions.is_own_profile(current_user, profile)
    html = render_template("reports/mine.html", profile=profile, figures=figures, meetings=meetings, own=own,
                           today=today)
    if not own:
        record("reports.worker_figures_view", actor=current_user, object_type="peer_profile",
               object_id=profile.id, ip=client_ip(), now=utcnow())
        db.session.commit()
    return html


# --- The yearly report ---------------------------------------------------------------------------------

def _yearly():
    """The form, and the year's Filters (None while the form has errors) with the unit reported on."""
    today = local_today()
    args = request.args if "year" in request.args else MultiDict({**request.args.to_dict(), "year": str(today.year)})
    form = YearlyReportForm(args, this_year=today.year)
    _unit_choices(form.unit)
    if not form.validate():
        return form, None, None
    year = form.year.data
    # The current year reads "so far": its figures stop today, not on a future 31 December.
    filters = Filters(starts_on=date(year, 1, 1), ends_on=min(date(year, 12, 31), today), unit_id=form.unit.data)
    unit = db.session.get(Unit, form.unit.data) if form.unit.data else None
    return form, filters, unit


@blueprint.get("/yearly")
def yearly():
    form, filters, unit = _yearly()
    if filters is None:
        return render_template("reports/yearly.html", form=form, filters=None, tables=[], unit=None), 400
    tables = registry.programme_tables(filters)
    from peer_support.reports.pdf import pdf_available

    pdf_url = url_for("reports.yearly_pdf", year=form.year.data, unit=form.unit.data or None) \
        if pdf_available() else None
    return render_template("reports/yearly.html", form=form, filters=filters, tables=tables, unit=unit,
                           pdf_url=pdf_url)


@blueprint.get("/yearly.pdf")
def yearly_pdf():
    from peer_support.reports.pdf import pdf_available, render_pdf

    form, filters, unit = _yearly()
    if filters is None:
        abort(400)
    if not pdf_available():
        flash(_("The PDF cannot be made on this server (the Pango library WeasyPrint needs is not installed): "
                "print this page instead."), "warning")
        return redirect(url_for("reports.yearly", year=form.year.data, unit=form.unit.data or None))
    tables = registry.programme_tables(filters)
    html = render_template("reports/yearly_pdf.html", filters=filters, tables=tables, unit=unit,
                           year=form.year.data)
    body = render_pdf(html)
    record("reports.yearly_pdf", actor=current_user, object_type="unit" if unit else None,
           object_id=unit.id if unit else None, details={"year": form.year.data}, ip=client_ip(), now=utcnow())
    db.session.commit()
    suffix = "-" + re.sub(r"[^A-Za-z0-9_-]", "", unit.code) if unit else ""
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="activity-report-{form.year.data}{suffix}.pdf"'})
