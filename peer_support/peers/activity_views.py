"""The activity summary page of a worker (same blueprint as the profiles)."""
from datetime import date

from flask import abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import Optional, ValidationError

from peer_support import permissions
from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.peers import activity, blueprint
from peer_support.peers.labels import FORMAT_LABELS
from peer_support.peers.services import get_profile
from peer_support.security import client_ip
from peer_support.timezones import local_today


class PeriodForm(FlaskForm):
    """The period of the summary (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    starts_on = DateField(_l("From"), validators=[Optional()])
    ends_on = DateField(_l("To (included)"), validators=[Optional()])

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end of the period must be on or after its start."))


@blueprint.get("/<int:profile_id>/activity")
def activity_summary(profile_id: int):
    profile = get_profile(profile_id)
    if profile is None or not permissions.can_view_peer_frame(current_user, profile):
        abort(404)
    form = PeriodForm(request.args)
    today = local_today()
    starts_on, ends_on = date(today.year, 1, 1), today
    summary = None
    if form.validate():
        starts_on = form.starts_on.data or starts_on
        ends_on = form.ends_on.data or max(ends_on, starts_on)
        summary = activity.activity_summary(profile.id, starts_on, ends_on)
        activity.record_view(current_user, profile.id, ip=client_ip(), now=utcnow())
    if form.starts_on.raw_data is None:
        form.starts_on.data, form.ends_on.data = starts_on, ends_on
    html = render_template("peers/activity.html", profile=profile, form=form, summary=summary,
                           format_labels=FORMAT_LABELS)
    db.session.commit()  # after rendering: the commit expires what the page shows
    return html
