"""The right of access: the person reads and downloads all their data; the coordinator does it for them when a
request comes on paper. Every view and every download is audited."""
from __future__ import annotations

import json
import re

from flask import Response, abort, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from peer_support import permissions
from peer_support.audit.labels import ACTION_LABELS, SYSTEM_ACTOR_LABELS
from peer_support.auth.labels import device_name
from peer_support.becoming.labels import INTEREST_STATUS_LABELS
from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.meetings import labels as meeting_labels
from peer_support.myspace.services import own_record
from peer_support.nudges.labels import AUDIENCE_LABELS, RULE_TITLES
from peer_support.nudges.labels import STATUS_LABELS as NUDGE_STATUS_LABELS
from peer_support.privacy import blueprint
from peer_support.privacy.subject import get_subject, record_subject_access, subject_data, subject_record
from peer_support.referrals.labels import CARE_STAGE_LABELS, CLOSE_REASON_LABELS, SOURCE_LABELS
from peer_support.referrals.labels import STATUS_LABELS as REFERRAL_STATUS_LABELS
from peer_support.security import client_ip
from peer_support.timezones import local_today

# Meetings' own labels speak as the peer worker ("Me"); this page speaks about the worker.
INITIATOR_LABELS = {"service_user": _l("The person"), "peer_worker": _l("The peer worker"),
                    "staff": _l("The care team")}
MEETING_FOLLOW_UP_LABELS = {
    "person_will_get_in_touch": _l("The person will get in touch"),
    "next_meeting_by": _l("The peer worker will propose a next meeting by a date"),
    "no_further_meeting": _l("No further meeting planned"),
}

LABELS = {
    "referral_status": REFERRAL_STATUS_LABELS, "referral_source": SOURCE_LABELS, "care_stage": CARE_STAGE_LABELS,
    "close_reason": CLOSE_REASON_LABELS, "meeting_format": meeting_labels.FORMAT_LABELS,
    "meeting_status": meeting_labels.STATUS_LABELS, "place": meeting_labels.PLACE_LABELS,
    "initiator": INITIATOR_LABELS, "meeting_follow_up": MEETING_FOLLOW_UP_LABELS,
    "participation": meeting_labels.PARTICIPANT_STATUS_LABELS, "nudge_rule": RULE_TITLES,
    "nudge_status": NUDGE_STATUS_LABELS, "audience": AUDIENCE_LABELS, "interest_status": INTEREST_STATUS_LABELS,
    "action": ACTION_LABELS, "system_actor": SYSTEM_ACTOR_LABELS,
}


def _no_record():
    # A service_user account not (yet) linked to a record: the kind page of My space, not an error.
    return render_template("myspace/no_record.html")


def get_subject_or_404(person_id: int):
    """The record, for whoever may read all of it (the coordinator), or 404."""
    person = get_subject(person_id)
    if person is None or not permissions.can_read_subject_data(current_user, person):
        abort(404)
    return person


def _page(person, *, own: bool):
    now = utcnow()
    data = subject_record(person, now=now)
    page = render_template("privacy/subject_data.html", person=person, data=data, own=own, labels=LABELS,
                           device_name=device_name)
    record_subject_access(current_user, person, export_format=None, ip=client_ip(), now=now)
    db.session.commit()
    return page


def _download(person, *, filename: str):
    now = utcnow()
    body = json.dumps(subject_data(person, now=now), ensure_ascii=False, indent=2)
    record_subject_access(current_user, person, export_format="json", ip=client_ip(), now=now)
    db.session.commit()
    return Response(body.encode("utf-8"), content_type="application/json; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blueprint.get("/my-data")
def my_data():
    """Everything the programme holds about me, readable."""
    person = own_record(current_user)
    if person is None:
        return _no_record()
    return _page(get_subject(person.id), own=True)


@blueprint.get("/my-data.json")
def my_data_json():
    person = own_record(current_user)
    if person is None:
        return _no_record()
    return _download(get_subject(person.id), filename=f"my-data-{local_today().isoformat()}.json")


@blueprint.get("/people/<int:person_id>/data")
def person_data(person_id: int):
    """The same page about one person, for the coordinator answering a request received on paper."""
    return _page(get_subject_or_404(person_id), own=False)


@blueprint.get("/people/<int:person_id>/data.json")
def person_data_json(person_id: int):
    person = get_subject_or_404(person_id)
    code = re.sub(r"[^A-Za-z0-9-]", "", person.code)
    return _download(person, filename=f"person-data-{code}-{local_today().isoformat()}.json")
