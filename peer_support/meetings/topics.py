"""The topic vocabulary of meetings, managed by the coordinator (names in French and English)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from peer_support.audit.services import record
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.meetings.models import MeetingTopic

NAME_MAX = 120


def _check_names(name_fr: str, name_en: str, topic_id: int | None) -> tuple[str, str]:
    names = []
    for column, value, form_field in ((MeetingTopic.name_fr, name_fr, "name_fr"),
                                      (MeetingTopic.name_en, name_en, "name_en")):
        value = (value or "").strip()
        if not value:
            raise DomainError(_l("Enter the name."), field=form_field)
        if len(value) > NAME_MAX:
            raise DomainError(_l("Keep it under %(max)d characters.", max=NAME_MAX), field=form_field)
        taken = db.session.scalar(sa.select(MeetingTopic.id).where(
            sa.func.lower(column) == value.lower(), MeetingTopic.id != (topic_id or 0)))
        if taken:
            raise DomainError(_l("This name is already in the list."), field=form_field)
        names.append(value)
    return names[0], names[1]


def save_topic(actor, topic: MeetingTopic | None, *, name_fr: str, name_en: str, ip: str | None,
               now: datetime) -> MeetingTopic:
    """Create (topic=None) or rename an entry; names are unique in each language."""
    name_fr, name_en = _check_names(name_fr, name_en, topic.id if topic else None)
    created = topic is None
    if created:
        topic = MeetingTopic(created_at=now, is_active=True)
        db.session.add(topic)
    topic.name_fr, topic.name_en = name_fr, name_en
    db.session.flush()
    record("meetings.topic_create" if created else "meetings.topic_update", actor=actor,
           object_type="meeting_topic", object_id=topic.id, ip=ip, now=now)
    return topic


def set_topic_active(actor, topic: MeetingTopic, active: bool, *, ip: str | None, now: datetime) -> None:
    """Offer a topic again, or stop offering it (meetings that use it keep it)."""
    topic.is_active = active
    db.session.flush()
    record("meetings.topic_reactivate" if active else "meetings.topic_deactivate", actor=actor,
           object_type="meeting_topic", object_id=topic.id, ip=ip, now=now)
