"""A peer worker's week: their meetings, Monday to Sunday in local time."""
from flask import abort, redirect, render_template, url_for
from flask_login import current_user

from peer_support import permissions
from peer_support.audit.services import record
from peer_support.calendars import blueprint, weeks
from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.peers.labels import FORMAT_LABELS
from peer_support.peers.services import get_profile, profile_of
from peer_support.rooms.finder_views import requested_week
from peer_support.security import client_ip


@blueprint.context_processor
def _week_helpers():
    return weeks.template_helpers()


def get_worker_week_or_404(profile_id: int):
    """The worker's profile, or 404 when the actor may not see their week (another worker)."""
    profile = get_profile(profile_id)
    if profile is None or not permissions.can_view_worker_week(current_user, profile):
        abort(404)
    return profile


@blueprint.get("/week")
def my_week():
    profile = profile_of(current_user)
    if profile is None:
        return render_template("calendars/no_profile.html")
    return redirect(url_for("calendars.worker_week", profile_id=profile.id, **_week_arg()))


def _week_arg() -> dict:
    from flask import request

    return {"week": request.args["week"]} if request.args.get("week") else {}


@blueprint.get("/workers/<int:profile_id>/week")
def worker_week(profile_id: int):
    profile = get_worker_week_or_404(profile_id)
    shown = requested_week()
    own = permissions.is_own_profile(current_user, profile)
    if not own:
        # The coordinator reads whom the worker meets: an access to service users' records.
        record("calendars.week_view", actor=current_user, object_type="peer_profile", object_id=profile.id,
               ip=client_ip(), now=utcnow(), details={"week": shown.monday.isoformat()})
        db.session.commit()
        profile = get_worker_week_or_404(profile_id)
    meetings = weeks.worker_meetings(profile.id, shown)
    return render_template("calendars/worker_week.html", profile=profile, week=shown, own=own,
                           days=weeks.by_day(shown, meetings), format_labels=FORMAT_LABELS)
