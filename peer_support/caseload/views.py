from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from peer_support import permissions
from peer_support.caseload import blueprint, services
from peer_support.caseload.forms import CaseloadFilterForm
from peer_support.caseload.table import table_rows
from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.forms import choices
from peer_support.peers.services import get_profile, profile_of
from peer_support.security import client_ip


@blueprint.get("/")
def index():
    """The signed-in worker's caseload; the coordinator chooses a worker (?worker=<profile id>)."""
    filters = CaseloadFilterForm(request.args)
    coordinator = permissions.is_coordinator(current_user)
    filters.worker.choices = choices([("", _("Choose a peer worker"))] + services.worker_choices()
                                     if coordinator else [])
    valid = filters.validate()
    if coordinator:
        profile = get_profile(filters.worker.data) if valid and filters.worker.data else None
        if valid and filters.worker.data and profile is None:
            abort(404)
    else:
        profile = profile_of(current_user)
    now = utcnow()
    page = None
    if profile is not None and permissions.can_view_caseload(current_user, profile):
        page = services.caseload(profile.id, now=now, sort=(filters.sort.data if valid else None) or "last_meeting",
                                 descending=valid and filters.order.data == "desc",
                                 status=filters.status.data if valid else None,
                                 page=(filters.page.data if valid and filters.page.data else 1))
        services.record_view(current_user, profile.id, ip=client_ip(), now=now)
    elif profile is not None:
        abort(404)
    html = render_template("caseload/index.html", filters=filters, profile=profile, page=page,
                           rows=table_rows(page.items, now=now, actions=not coordinator) if page is not None else "",
                           coordinator=coordinator)
    db.session.commit()  # after rendering: the commit expires what the page shows
    return html
