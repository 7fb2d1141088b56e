"""Debrief pages: a worker asks for one; their supervisor and the coordinator follow it up."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from peer_support import permissions
from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.pagination import page_number
from peer_support.peers.services import profile_of
from peer_support.security import client_ip
from peer_support.supervision import blueprint, debriefs
from peer_support.supervision.forms import DebriefFilterForm, DebriefForm, DebriefStatusForm
from peer_support.forms import show_form_error
from peer_support.supervision.views import PER_PAGE
from peer_support.timezones import local_date, local_to_utc, to_local


def get_debrief_or_404(debrief_id: int, need: str = "view"):
    """The request, or 404 for whoever may not see (or handle) it: its existence stays hidden."""
    debrief = debriefs.get_debrief(debrief_id)
    rule = {"view": permissions.can_view_debrief, "handle": permissions.can_handle_debrief}[need]
    if debrief is None or not rule(current_user, debrief):
        abort(404)
    return debrief


@blueprint.get("/debriefs/", endpoint="debriefs")
def debriefs_index():
    filters = DebriefFilterForm(request.args)
    filters.validate()
    page = debriefs.requests_to_handle(current_user, open_only=filters.show.data != "all",
                                       page=request.args.get("page", 1, type=page_number), per_page=PER_PAGE)
    return render_template("supervision/debriefs.html", page=page, filters=filters)


@blueprint.get("/debriefs/mine")
def my_debriefs():
    profile = profile_of(current_user)
    if profile is None:
        return render_template("supervision/no_profile.html")
    return render_template("supervision/my_debriefs.html", requests=debriefs.requests_of(profile.id))


@blueprint.route("/debriefs/new", methods=["GET", "POST"])
def new_debrief():
    profile = profile_of(current_user)
    if profile is None:
        return render_template("supervision/no_profile.html")
    form = DebriefForm()
    if form.validate_on_submit():
        now = utcnow()
        data = debriefs.DebriefData(event_kind=form.event_kind.data, event_on=form.event_on.data,
                                    description=form.description.data)
        try:
            debrief = debriefs.request_debrief(current_user, profile, data, ip=client_ip(), now=now,
                                               today=local_date(now))
        except DomainError as error:
            db.session.rollback()
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("Your request is sent to your supervisor and the coordinator. They will get back to you."),
                  "success")
            return redirect(url_for("supervision.debrief", debrief_id=debrief.id))
    return render_template("supervision/debrief_form.html", form=form, profile=profile)


def _status_form(debrief) -> DebriefStatusForm:
    form = DebriefStatusForm(obj=debrief)
    if request.method == "GET" and debrief.scheduled_for:
        local = to_local(debrief.scheduled_for)
        form.scheduled_on.data, form.scheduled_at.data = local.date(), local.time().replace(second=0, microsecond=0)
    return form


@blueprint.get("/debriefs/<int:debrief_id>")
def debrief(debrief_id: int):
    request_ = get_debrief_or_404(debrief_id)
    debriefs.record_view(current_user, request_, ip=client_ip(), now=utcnow())
    form = _status_form(request_) if permissions.can_handle_debrief(current_user, request_) else None
    page = render_template("supervision/debrief.html", debrief=request_, form=form,
                           own=permissions.is_own_profile(current_user, request_.profile))
    # Committed once the page is ready (a commit expires what the page needs); shown only once audited.
    db.session.commit()
    return page


@blueprint.post("/debriefs/<int:debrief_id>/status")
def debrief_status(debrief_id: int):
    request_ = get_debrief_or_404(debrief_id, need="handle")
    form = _status_form(request_)
    if form.validate_on_submit():
        now = utcnow()
        scheduled_for = None
        if form.scheduled_on.data and form.scheduled_at.data:
            scheduled_for = local_to_utc(form.scheduled_on.data, form.scheduled_at.data)
        try:
            debriefs.set_status(current_user, request_, status=form.status.data, scheduled_for=scheduled_for,
                                held_on=form.held_on.data, ip=client_ip(), now=now, today=local_date(now))
        except DomainError as error:
            db.session.rollback()
            request_ = debriefs.get_debrief(debrief_id)
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The status of the request is saved."), "success")
            return redirect(url_for("supervision.debrief", debrief_id=request_.id))
    return render_template("supervision/debrief.html", debrief=request_, form=form,
                           own=permissions.is_own_profile(current_user, request_.profile))
