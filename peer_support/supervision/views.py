"""Supervision pages: the session list, a session, recording one, a worker's supervision history."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from peer_support import permissions
from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.forms import show_form_error, choices
from peer_support.pagination import page_number
from peer_support.peers.services import get_profile, profile_of
from peer_support.security import client_ip
from peer_support.supervision import blueprint, debriefs, services
from peer_support.supervision.forms import SessionForm
from peer_support.supervision.labels import DEBRIEF_STATUS_LABELS, HARD_EVENT_LABELS, SESSION_KIND_LABELS
from peer_support.timezones import local_date, local_to_utc, to_local

PER_PAGE = 50


@blueprint.context_processor
def _labels():
    return {"kind_labels": SESSION_KIND_LABELS, "event_labels": HARD_EVENT_LABELS,
            "debrief_status_labels": DEBRIEF_STATUS_LABELS}


def get_session_or_404(session_id: int, need: str = "view"):
    """The session, or 404 when it does not exist or the actor may not see (or change) it."""
    session = services.get_session(session_id)
    rule = {"view": permissions.can_view_session, "edit": permissions.can_edit_session}[need]
    if session is None or not rule(current_user, session):
        abort(404)
    return session


def get_history_or_404(profile_id: int):
    profile = get_profile(profile_id)
    if profile is None or not permissions.can_view_supervision_history(current_user, profile):
        abort(404)
    return profile


def today():
    return local_date(utcnow())


# --- Sessions ---------------------------------------------------------------------------------

@blueprint.get("/")
def index():
    page = services.visible_sessions(current_user, page=request.args.get("page", 1, type=page_number),
                                     per_page=PER_PAGE)
    followed = services.supervised_profiles(current_user)
    statuses = services.supervision_status([p.id for p in followed], today())
    if permissions.is_coordinator(current_user):
        # Everyone's status is the roster's job: here, those who need a session now.
        followed = [p for p in followed if statuses[p.id].overdue]
    return render_template("supervision/index.html", page=page, followed=followed, statuses=statuses,
                           own=profile_of(current_user), open_requests=debriefs.open_request_count(current_user))


def _session_form(session=None) -> SessionForm:
    """The form as the actor may fill it: staff lead their own sessions, and only the session's
    supervisor sees and writes its topics and notes."""
    form = SessionForm(obj=session)
    if permissions.is_coordinator(current_user):
        form.supervisor_id.choices = choices(
            [("", _("External supervisor (type the name below)"))]
            + services.supervisor_choices(include_id=session.supervisor_id if session else None))
    else:
        del form.supervisor_id
        del form.external_supervisor
    may_write = (permissions.can_write_session_notes(current_user, session) if session
                 else not permissions.is_coordinator(current_user))
    if not may_write:
        del form.topics
        del form.private_notes
    form.attendee_ids.choices = choices(services.attendee_choices(p.id for p in session.attendees) if session
                                        else services.attendee_choices())
    if session is not None and request.method == "GET":
        local = to_local(session.held_at)
        form.held_on.data, form.starts_at.data = local.date(), local.time().replace(second=0, microsecond=0)
        form.attendee_ids.data = [p.id for p in session.attendees]
        if "supervisor_id" in form:
            form.supervisor_id.data = session.supervisor_id
    return form


def _session_data(form) -> services.SessionData:
    coordinator = "supervisor_id" in form
    return services.SessionData(
        held_at=local_to_utc(form.held_on.data, form.starts_at.data),
        duration_minutes=form.duration_minutes.data, kind=form.kind.data,
        supervisor_id=form.supervisor_id.data if coordinator else current_user.id,
        external_supervisor=form.external_supervisor.data if coordinator else None,
        attendee_ids=form.attendee_ids.data or [],
        topics=form.topics.data if "topics" in form else None,
        private_notes=form.private_notes.data if "private_notes" in form else None,
    )


@blueprint.route("/sessions/new", methods=["GET", "POST"])
def create():
    form = _session_form()
    if request.method == "GET":
        form.duration_minutes.data = 60
    if form.validate_on_submit():
        try:
            session = services.create_session(current_user, _session_data(form), ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The supervision session is recorded."), "success")
            return redirect(url_for("supervision.session", session_id=session.id))
    return render_template("supervision/form.html", form=form, session=None)


@blueprint.get("/sessions/<int:session_id>")
def session(session_id: int):
    return render_template("supervision/session.html", session=get_session_or_404(session_id))


@blueprint.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
def edit(session_id: int):
    session = get_session_or_404(session_id, need="edit")
    form = _session_form(session)
    if form.validate_on_submit():
        try:
            services.update_session(current_user, session, _session_data(form), ip=client_ip(), now=utcnow())
        except DomainError as error:
            db.session.rollback()
            session = services.get_session(session_id)
            show_form_error(form, error)
        else:
            db.session.commit()
            flash(_("The supervision session is saved."), "success")
            return redirect(url_for("supervision.session", session_id=session.id))
    return render_template("supervision/form.html", form=form, session=session)


# --- A worker's history -----------------------------------------------------------------------

@blueprint.get("/mine")
def mine():
    profile = profile_of(current_user)
    if profile is None:
        return render_template("supervision/no_profile.html")
    return redirect(url_for("supervision.worker", profile_id=profile.id))


@blueprint.get("/workers/<int:profile_id>")
def worker(profile_id: int):
    profile = get_history_or_404(profile_id)
    return render_template("supervision/worker.html", profile=profile,
                           status=services.supervision_status([profile.id], today())[profile.id],
                           sessions=services.sessions_attended(profile.id),
                           requests=debriefs.requests_of(profile.id),
                           own=permissions.is_own_profile(current_user, profile))


from peer_support.supervision import debrief_views  # noqa: E402,F401  (the debrief pages, same blueprint)
