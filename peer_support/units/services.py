"""Creating and changing units."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from peer_support.audit.services import record
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.units.models import Unit, account_unit


def list_units() -> list[tuple[Unit, int]]:
    """Every unit with its number of active accounts, by code."""
    from peer_support.auth.models import Account

    members = (
        sa.select(account_unit.c.unit_id, sa.func.count().label("n"))
        .join(Account, Account.id == account_unit.c.account_id)
        .where(Account.is_active)
        .group_by(account_unit.c.unit_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Unit, sa.func.coalesce(members.c.n, 0))
        .outerjoin(members, members.c.unit_id == Unit.id)
        .order_by(Unit.code)
    )
    return [(unit, count) for unit, count in rows]


def unit_choices(include_ids: list[int] | None = None) -> list[tuple[int, str]]:
    """(id, label) of active units, plus inactive ones still attached to the object edited."""
    condition = Unit.is_active
    if include_ids:
        condition = sa.or_(condition, Unit.id.in_(include_ids))
    return [(unit.id, f"{unit.code} — {unit.name}")
            for unit in db.session.scalars(sa.select(Unit).where(condition).order_by(Unit.code))]


def _check_code(code: str, unit_id: int | None) -> str:
    code = code.strip().upper()
    taken = db.session.scalar(sa.select(Unit.id).where(sa.func.upper(Unit.code) == code, Unit.id != (unit_id or 0)))
    if taken:
        raise DomainError(_l("A unit with the code %(code)s already exists.", code=code), field="code")
    return code


def create_unit(actor, *, code: str, name: str, ip: str | None, now: datetime) -> Unit:
    """A new unit; codes are unique whatever their case."""
    unit = Unit(code=_check_code(code, None), name=name.strip(), created_at=now)
    db.session.add(unit)
    db.session.flush()
    record("unit.create", actor=actor, object_type="unit", object_id=unit.id, ip=ip, now=now)
    return unit


def update_unit(actor, unit: Unit, *, code: str, name: str, is_active: bool, ip: str | None,
                now: datetime, person_messages: bool | None = None) -> Unit:
    """Change a unit; person_messages (None: unchanged) switches the opt-in messages to its people."""
    unit.code = _check_code(code, unit.id)
    unit.name = name.strip()
    unit.is_active = is_active
    details = None
    if person_messages is not None and bool(person_messages) != unit.person_messages:
        details = {"person_messages": {"from": unit.person_messages, "to": bool(person_messages)}}
        unit.person_messages = bool(person_messages)
    record("unit.update", actor=actor, object_type="unit", object_id=unit.id, ip=ip, now=now, details=details)
    db.session.flush()
    return unit
