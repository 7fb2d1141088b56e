"""The thresholds of the nudge rules: defaults, the coordinator's programme and unit values.

A unit's value wins over the programme's, which wins over the default below."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from peer_support.audit.services import record
from peer_support.extensions import db
from peer_support.nudges.models import NudgeThreshold

# name -> (default days, whether the days are working days)
DEFAULTS: dict[str, tuple[int, bool]] = {
    # Rule 1: days since the last meeting, by the person's follow-up choice.
    "contact_gap.contact_me_again": (10, False),
    "contact_gap.i_will_get_in_touch": (45, False),
    "contact_gap.no_choice": (21, False),
    # Rule 2: days from acceptance to the first held meeting.
    "first_meeting": (14, False),
    # Rule 3: a new referral not triaged; a proposal not answered.
    "triage_delay": (2, True),
    "proposal_unanswered": (3, True),
    # Rule 4: a person's own contact request not answered.
    "contact_request": (2, True),
    # Rule 6b: a debrief request not scheduled.
    "debrief_unscheduled": (2, True),
    # Rule 8: a nudge not acted on is raised to the coordination after this many days.
    "escalation": (5, False),
    # The opt-in message to the person (nudges/person_messages.py): days the worker's contact_gap nudge has
    # waited, open or snoozed, before the person hears from the programme.
    "person_message": (3, False),
}
NAMES = tuple(DEFAULTS)


def effective_thresholds(unit_ids=()) -> dict[tuple[str, int | None], int]:
    """{(name, unit_id or None): days} for the programme (None) and each given unit, in one query."""
    rows = db.session.execute(sa.select(NudgeThreshold.name, NudgeThreshold.unit_id, NudgeThreshold.days)
                              .where(sa.or_(NudgeThreshold.unit_id.is_(None),
                                            NudgeThreshold.unit_id.in_(list(unit_ids))))).all()
    stored = {(name, unit_id): days for name, unit_id, days in rows}
    result = {}
    for name, (default, _working) in DEFAULTS.items():
        programme = stored.get((name, None), default)
        result[(name, None)] = programme
        for unit_id in unit_ids:
            result[(name, unit_id)] = stored.get((name, unit_id), programme)
    return result


def unit_overrides(name: str) -> dict[int, int]:
    """{unit_id: days} for the units that set their own value of this threshold."""
    return dict(db.session.execute(sa.select(NudgeThreshold.unit_id, NudgeThreshold.days)
                                   .where(NudgeThreshold.name == name, NudgeThreshold.unit_id.is_not(None))).all())


def set_threshold(actor, name: str, days: int | None, *, unit_id: int | None, ip: str | None,
                  now: datetime) -> None:
    """Set (or, with days=None, remove) the programme's or a unit's value; audited."""
    if name not in DEFAULTS:
        raise ValueError(name)
    # `== None` is rendered IS NULL: the programme's row.
    current = db.session.scalar(sa.select(NudgeThreshold).where(NudgeThreshold.name == name,
                                                                NudgeThreshold.unit_id == unit_id))
    before = current.days if current else None
    if days is None:
        if current:
            db.session.delete(current)
    elif current:
        current.days, current.updated_by_id, current.updated_at = days, actor.id, now
    else:
        db.session.add(NudgeThreshold(name=name, unit_id=unit_id, days=days, updated_by_id=actor.id,
                                      updated_at=now))
    if before != days:
        record("nudges.threshold_change", actor=actor, object_type="nudge_threshold", object_id=name, ip=ip,
               now=now, details={"unit_id": unit_id, "before": before, "after": days})
    db.session.flush()
