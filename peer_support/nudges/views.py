"""The notification centre (list, done, snooze, dismiss) and the coordinator's thresholds page."""
from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from peer_support import permissions
from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.forms import ConfirmForm, choices, show_form_error
from peer_support.nudges import blueprint, services
from peer_support.nudges.forms import (DismissForm, NudgeFilterForm, SnoozeForm, ThresholdForm, ThresholdScopeForm,
                                       field_name)
from peer_support.nudges.labels import (AUDIENCE_LABELS, RULE_TITLES, STATUS_LABELS, THRESHOLD_LABELS, days_phrase,
                                        explain, rule_title)
from peer_support.security import client_ip
from peer_support.timezones import local_date
from peer_support.units.services import unit_choices

PER_PAGE = 25
# The query-string arguments of the list that a POST carries along, to come back to the same view.
LIST_ARGS = ("status", "rule", "unit", "scope", "page")


@blueprint.context_processor
def _labels():
    return {"rule_titles": RULE_TITLES, "nudge_status_labels": STATUS_LABELS, "audience_labels": AUDIENCE_LABELS,
            "explain": explain, "rule_title": rule_title, "threshold_labels": THRESHOLD_LABELS,
            "days_phrase": days_phrase}


@blueprint.app_template_global()
def nudge_unread_count() -> int | None:
    """The header's badge: one COUNT per page, for the roles that receive nudges (None when unknown)."""
    if "nudge_unread_count" not in g:
        try:
            g.nudge_unread_count = services.unread_count(current_user)
        except SQLAlchemyError:
            # An error page rendered while the database is unavailable must still render.
            current_app.logger.warning("could not count unread nudges", exc_info=True)
            g.nudge_unread_count = None
    return g.nudge_unread_count


@blueprint.app_template_global()
def my_open_nudge_count() -> int:
    """Open nudges addressed to the signed-in account (the home pages' summary)."""
    return services.open_count(current_user)


def get_nudge_or_404(nudge_id: int):
    """The nudge, or 404 for whoever may not see it (another worker's nudge stays hidden)."""
    nudge = services.get_nudge(nudge_id)
    if nudge is None or not permissions.can_view_nudge(current_user, nudge):
        abort(404)
    return nudge


# --- The list ---------------------------------------------------------------------------------

def _list_args() -> dict:
    return {name: request.args[name] for name in LIST_ARGS if request.args.get(name)}


def _filters():
    """The filter form (from the query string) and what it asks for; a bad value falls back to its default."""
    form = NudgeFilterForm(request.args)
    form.unit.choices = choices([("", _("All units"))] + unit_choices())
    coordinator = permissions.is_coordinator(current_user)
    if not coordinator:
        del form.scope
    form.validate()

    def value(field, default):
        return default if field.errors or field.data in (None, "") else field.data

    wanted = services.NudgeFilter(
        status=value(form.status, "open"), rule=value(form.rule, None), unit_id=value(form.unit, None),
        scope=value(form.scope, "mine") if coordinator else "mine")
    return form, wanted, value(form.page, 1)


def _render_list(posted=None, status: int = 200):
    """The list as filtered by the query string; `posted` = (nudge_id, kind, form) of a refused action,
    shown with its errors and what was typed."""
    filters, wanted, page_number = _filters()
    page = services.list_nudges(current_user, wanted, page=page_number, per_page=PER_PAGE)
    now = utcnow()
    services.mark_read(current_user, [item.nudge.id for item in page.items if item.unread], now=now)
    forms = {item.nudge.id: {"snooze": SnoozeForm(prefix=f"snooze-{item.nudge.id}", formdata=None),
                             "dismiss": DismissForm(prefix=f"dismiss-{item.nudge.id}", formdata=None)}
             for item in page.items}
    posted_item = None
    if posted is not None:
        nudge_id, kind, form = posted
        if nudge_id in forms and kind in forms[nudge_id]:
            forms[nudge_id][kind] = form
        posted_item = {"nudge_id": nudge_id, "kind": kind, "form": form, "on_page": nudge_id in forms}
    html = render_template("nudges/index.html", filters=filters, wanted=wanted, page=page, forms=forms,
                           confirm=ConfirmForm(formdata=None), posted=posted_item, list_args=_list_args(),
                           today=local_date(now), coordinator=permissions.is_coordinator(current_user))
    # Committed once the page is ready (a commit expires what the page shows): the read marks.
    db.session.commit()
    return html, status


@blueprint.get("/")
def index():
    return _render_list()


def _act(nudge_id: int, kind: str, form, action, success: str):
    """Validate the action's form, call the service, commit once and come back to the list (PRG); bad input
    shows the list again with the error and what was typed."""
    nudge = get_nudge_or_404(nudge_id)
    if form.validate_on_submit():
        try:
            action(nudge, form)
        except DomainError as error:
            db.session.rollback()
            if error.field is None or error.field not in form:
                # Not about what was typed (e.g. someone else acted first): say so, back to the list.
                flash(str(error), "danger")
                return redirect(url_for("nudges.index", **_list_args()))
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(success, "success")
            return redirect(url_for("nudges.index", **_list_args()))
    return _render_list((nudge_id, kind, form), 400)


def _common() -> dict:
    return {"ip": client_ip(), "now": utcnow()}


@blueprint.post("/<int:nudge_id>/done")
def done(nudge_id: int):
    return _act(nudge_id, "done", ConfirmForm(), lambda nudge, form: services.mark_done(
        current_user, nudge, **_common()), _("The nudge is marked done."))


@blueprint.post("/<int:nudge_id>/snooze")
def snooze(nudge_id: int):
    def action(nudge, form):
        common = _common()
        services.snooze(current_user, nudge, form.until.data, today=local_date(common["now"]), **common)

    return _act(nudge_id, "snooze", SnoozeForm(prefix=f"snooze-{nudge_id}"), action,
                _("The nudge is snoozed; it will come back on the date you chose."))


@blueprint.post("/<int:nudge_id>/dismiss")
def dismiss(nudge_id: int):
    return _act(nudge_id, "dismiss", DismissForm(prefix=f"dismiss-{nudge_id}"), lambda nudge, form: services.dismiss(
        current_user, nudge, form.reason.data, **_common()), _("The nudge is dismissed, with your reason."))


# --- The thresholds ----------------------------------------------------------------------------

@blueprint.route("/settings", methods=["GET", "POST"])
def settings():
    scope = ThresholdScopeForm(request.args)
    scope.unit.choices = choices([("", _("The whole programme"))] + unit_choices())
    if not scope.validate():
        abort(404)
    unit_id = scope.unit.data
    units = services.units_by_id()
    rows = services.threshold_table()
    form = ThresholdForm()
    for row in rows:
        field = form[field_name(row.name)]
        if unit_id is None:
            inherited = _("Default: %(days)s; leave empty to use it.", days=days_phrase(row.default, row.working_days))
        else:
            inherited = _("The programme's value: %(days)s; leave empty to use it.",
                          days=days_phrase(row.programme_effective, row.working_days))
        field.description = f"{field.description} {inherited}" if field.description else inherited
        if request.method == "GET":
            field.data = row.programme if unit_id is None else row.units.get(unit_id)
    if form.validate_on_submit():
        try:
            changed = services.save_thresholds(current_user, form.values(), unit_id=unit_id, **_common())
        except DomainError as error:
            db.session.rollback()
            show_form_error(form, error)
        else:
            db.session.commit()
            if changed:
                flash(ngettext("%(num)d value saved.", "%(num)d values saved.", len(changed)), "success")
            else:
                flash(_("Nothing to save: the values are as they were."), "info")
            return redirect(url_for("nudges.settings", unit=unit_id) if unit_id else url_for("nudges.settings"))
    return render_template("nudges/settings.html", form=form, scope=scope, rows=rows, units=units,
                           unit=units.get(unit_id) if unit_id else None)
