"""Becoming a peer worker: a service user's wish to train as one (the thesis' theme 5), and its follow-up by the
coordinator (status, note, training programmes suggested). The person reads all of it in their own space."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from peer_support.audit.services import record
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.pagination import Page
from peer_support.people.models import INTEREST_STATUSES, PeerWorkInterest, ServiceUser
from peer_support.training.models import TrainingProgramme

MESSAGE_MAX = 2000
NOTE_MAX = 5000


def _clean(text: str | None) -> str | None:
    return (text or "").strip() or None


def _with_programmes(query):
    return query.options(joinedload(PeerWorkInterest.service_user), selectinload(PeerWorkInterest.programmes))


def interest_of(person_id: int) -> PeerWorkInterest | None:
    """The person's wish, with its programmes (each person has at most one)."""
    return db.session.scalar(_with_programmes(sa.select(PeerWorkInterest))
                             .where(PeerWorkInterest.service_user_id == person_id))


def get_interest(interest_id: int) -> PeerWorkInterest | None:
    return db.session.scalar(_with_programmes(sa.select(PeerWorkInterest)).where(PeerWorkInterest.id == interest_id))


def express_interest(actor, person: ServiceUser, *, message: str | None, ip: str | None,
                     now: datetime) -> PeerWorkInterest:
    """The person says they would like to become a peer worker (again, after a "not now"), with their words."""
    message = _clean(message)
    if message is not None and len(message) > MESSAGE_MAX:
        raise DomainError(_l("Keep your message under %(max)d characters.", max=MESSAGE_MAX), field="message")
    interest = interest_of(person.id)
    created = interest is None
    if created:
        interest = PeerWorkInterest(service_user_id=person.id, status="interested", created_at=now,
                                    status_changed_at=now)
        db.session.add(interest)
    elif interest.status == "not_now":
        interest.status, interest.status_changed_at = "interested", now
    if message is not None or created:
        interest.message = message
    interest.updated_by_id = actor.id
    db.session.flush()
    record("becoming.interest", actor=actor, object_type="peer_work_interest", object_id=interest.id, ip=ip,
           now=now, details={"service_user_id": person.id, "status": interest.status, "created": created})
    return interest


def record_interest_for(actor, person: ServiceUser, *, message: str | None, ip: str | None,
                        now: datetime) -> PeerWorkInterest:
    """The coordinator records a wish the person expressed elsewhere (e.g. in a meeting)."""
    if interest_of(person.id) is not None:
        raise DomainError(_l("This person's wish is already recorded."))
    message = _clean(message)
    if message is not None and len(message) > MESSAGE_MAX:
        raise DomainError(_l("Keep it under %(max)d characters.", max=MESSAGE_MAX), field="message")
    interest = PeerWorkInterest(service_user_id=person.id, status="interested", message=message, created_at=now,
                                status_changed_at=now, updated_by_id=actor.id)
    db.session.add(interest)
    db.session.flush()
    record("becoming.create", actor=actor, object_type="peer_work_interest", object_id=interest.id, ip=ip, now=now,
           details={"service_user_id": person.id})
    return interest


def programme_choices(keep_ids=()) -> list[TrainingProgramme]:
    """Active programmes of the catalogue, and those already linked (kept even once deactivated)."""
    keep_ids = list(keep_ids)
    condition = TrainingProgramme.is_active
    if keep_ids:
        condition = sa.or_(condition, TrainingProgramme.id.in_(keep_ids))
    return list(db.session.scalars(sa.select(TrainingProgramme).where(condition)
                                   .order_by(TrainingProgramme.kind, TrainingProgramme.name_en)))


def update_interest(actor, interest: PeerWorkInterest, *, status: str, note: str | None, programme_ids,
                    ip: str | None, now: datetime) -> PeerWorkInterest:
    """The coordinator's follow-up: status, a note the person reads, programmes suggested (its programmes loaded)."""
    if status not in INTEREST_STATUSES:
        raise DomainError(_l("Choose a status."), field="status")
    note = _clean(note)
    if note is not None and len(note) > NOTE_MAX:
        raise DomainError(_l("Keep the note under %(max)d characters.", max=NOTE_MAX), field="note")
    wanted = set(programme_ids or ())
    linked = {programme.id for programme in interest.programmes}
    allowed = {programme.id for programme in programme_choices(linked)}
    if not wanted <= allowed:
        raise DomainError(_l("Choose the programmes from the list."), field="programme_ids")
    changed = []
    if status != interest.status:
        changed.append("status")
        interest.status, interest.status_changed_at = status, now
    if note != interest.note:
        changed.append("note")
        interest.note = note
    if wanted != linked:
        changed.append("programmes")
        interest.programmes = list(db.session.scalars(
            sa.select(TrainingProgramme).where(TrainingProgramme.id.in_(sorted(wanted))))) if wanted else []
    interest.updated_by_id = actor.id
    db.session.flush()
    record("becoming.update", actor=actor, object_type="peer_work_interest", object_id=interest.id, ip=ip, now=now,
           details={"service_user_id": interest.service_user_id, "status": interest.status, "fields": changed})
    return interest


def record_view(actor, interest: PeerWorkInterest, *, ip: str | None, now: datetime) -> None:
    record("becoming.view", actor=actor, object_type="peer_work_interest", object_id=interest.id, ip=ip, now=now,
           details={"service_user_id": interest.service_user_id})
    db.session.flush()


def _filtered(status: str | None):
    query = sa.select(PeerWorkInterest).join(PeerWorkInterest.service_user)
    if status:
        query = query.where(PeerWorkInterest.status == status)
    return query


def list_interests(*, status: str | None, page: int, per_page: int) -> Page:
    """One page of wishes, most recent change first, with each person and programmes (three queries)."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(_filtered(status).subquery()))
    page = max(1, page)
    items = db.session.scalars(
        _with_programmes(_filtered(status))
        .order_by(PeerWorkInterest.status_changed_at.desc(), PeerWorkInterest.id.desc())
        .offset((page - 1) * per_page).limit(per_page)).unique().all()
    return Page(items=list(items), page=page, per_page=per_page, total=total)


def all_interests(*, status: str | None) -> list[PeerWorkInterest]:
    """Every wish matching the filter (the CSV export), in three queries."""
    return list(db.session.scalars(
        _with_programmes(_filtered(status)).order_by(ServiceUser.code)).unique())


def record_export(actor, *, status: str | None, count: int, ip: str | None, now: datetime) -> None:
    record("becoming.export", actor=actor, object_type="peer_work_interest", ip=ip, now=now,
           details={"status": status, "rows": count})
    db.session.flush()
