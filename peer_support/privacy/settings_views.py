"""The coordinator's data-protection settings, and the retention report with its "Run now"."""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.forms import show_form_error
from peer_support.privacy import blueprint
from peer_support.privacy.forms import DataProtectionSettingsForm, RetentionRunForm
from peer_support.privacy.retention import cutoff, due_people, run_retention
from peer_support.privacy.settings import current_settings, save_settings
from peer_support.security import client_ip

# The report lists this many people at most; the count is always complete.
REPORT_ROWS = 500


@blueprint.route("/settings", methods=["GET", "POST"])
def settings():
    saved = current_settings()
    form = DataProtectionSettingsForm(obj=saved)
    if form.validate_on_submit():
        try:
            changed = save_settings(current_user, two_factor_required=form.two_factor_required.data,
                                    retention_years=form.retention_years.data, ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The settings are saved.") if changed else _("Nothing to save: the settings are as they were."),
                  "success" if changed else "info")
            return redirect(url_for("privacy.settings"))
    return render_template("privacy/settings.html", form=form, saved=saved)


def _report(form, status=200):
    now = utcnow()
    years = current_settings().retention_years
    due = due_people(now, years)
    return render_template("privacy/retention.html", form=form, due=due[:REPORT_ROWS], total=len(due), years=years,
                           cutoff=cutoff(now, years)), status


@blueprint.get("/retention")
def retention():
    return _report(RetentionRunForm())


@blueprint.post("/retention")
def run_retention_now():
    form = RetentionRunForm()
    if not form.validate_on_submit():
        return _report(form, 400)
    actor = current_user._get_current_object()
    # The run takes the job's lock on its own connection: this request's transaction must be over first.
    db.session.commit()
    done = run_retention(utcnow(), actor=actor)
    if done is None:
        flash(_("A retention run is already in progress; try again in a few minutes."), "warning")
    else:
        flash(ngettext("%(num)d person anonymised.", "%(num)d people anonymised.", len(done)), "success")
    return redirect(url_for("privacy.retention"))
