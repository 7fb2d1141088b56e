from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, render_template, request

from peer_support.audit import blueprint, services
from peer_support.audit.forms import AuditFilterForm
from peer_support.audit.labels import ACTION_LABELS, OBJECT_TYPE_LABELS, SYSTEM_ACTOR_LABELS
from peer_support.auth.models import Account
from peer_support.extensions import db
from peer_support.forms import choices
from peer_support.pagination import page_number
from peer_support.timezones import start_of_local_day


@blueprint.get("/")
def index():
    form = AuditFilterForm(request.args)
    form.action.choices = choices([("", "—")] + [(a, ACTION_LABELS.get(a, a)) for a in services.known_actions()])
    valid = form.validate()
    filters = services.AuditFilter()
    unknown_actor = False
    if valid:
        actor_id = None
        if form.actor.data:
            actor_id = db.session.scalar(sa.select(Account.id).where(Account.email == form.actor.data.strip().lower()))
            unknown_actor = actor_id is None
        filters = services.AuditFilter(
            action=form.action.data or None, actor_id=actor_id, object_type=form.object_type.data or None,
            object_id=form.object_id.data or None, outcome=form.outcome.data or None,
            since=start_of_local_day(form.since.data) if form.since.data else None,
            until=start_of_local_day(form.until.data + timedelta(days=1)) if form.until.data else None,
        )
    page = None if unknown_actor else services.search(
        filters, page=request.args.get("page", 1, type=page_number), per_page=current_app.config["AUDIT_PAGE_SIZE"])
    return render_template("audit/index.html", form=form, page=page, unknown_actor=unknown_actor,
                           action_labels=ACTION_LABELS, object_type_labels=OBJECT_TYPE_LABELS,
                           system_actor_labels=SYSTEM_ACTOR_LABELS)
