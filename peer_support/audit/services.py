"""Writing and reading the audit log."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, joinedload

from peer_support.audit.models import AuditEntry
from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.pagination import Page


def record(action: str, *, actor=None, actor_label: str | None = None, object_type: str | None = None,
           object_id=None, ip: str | None = None, outcome: str = "success", details: dict | None = None,
           now: datetime | None = None) -> AuditEntry:
    """Append one entry to the audit log (flushed with the rest of the unit of work)."""
    entry = AuditEntry(
        at=now or utcnow(),
        actor_id=actor.id if actor is not None else None,
        actor_label=actor_label or (actor.email if actor is not None else None),
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        ip=ip,
        outcome=outcome,
        details=details,
    )
    db.session.add(entry)
    return entry


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("the audit log is append-only")


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    actor_id: int | None = None
    object_type: str | None = None
    object_id: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def search(filters: AuditFilter, *, page: int, per_page: int) -> Page:
    """One page of entries matching the filters, newest first."""
    conditions = []
    if filters.action:
        conditions.append(AuditEntry.action.startswith(filters.action, autoescape=True))
    if filters.actor_id:
        conditions.append(AuditEntry.actor_id == filters.actor_id)
    if filters.object_type:
        conditions.append(AuditEntry.object_type == filters.object_type)
    if filters.object_id:
        conditions.append(AuditEntry.object_id == filters.object_id)
    if filters.outcome:
        conditions.append(AuditEntry.outcome == filters.outcome)
    if filters.since:
        conditions.append(AuditEntry.at >= filters.since)
    if filters.until:
        conditions.append(AuditEntry.at < filters.until)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(*conditions))
    page = max(1, page)
    items = db.session.scalars(
        sa.select(AuditEntry)
        .options(joinedload(AuditEntry.actor))
        .where(*conditions)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total)


def known_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
