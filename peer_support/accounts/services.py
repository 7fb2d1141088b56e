"""Account management by a coordinator (and by the create-user command)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from peer_support.audit.services import record
from peer_support.auth.models import PROFESSIONS, Account
from peer_support.auth.services import end_all_sessions, normalise_email, set_password
from peer_support.config import LOCALES, ROLES
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.pagination import Page
from peer_support.units.models import Unit


@dataclass
class AccountData:
    email: str
    name: str
    role: str
    profession: str | None = None
    locale: str | None = None
    unit_ids: list[int] = field(default_factory=list)


def _check(data: AccountData, *, account_id: int | None = None) -> AccountData:
    email = normalise_email(data.email)
    if data.role not in ROLES:
        raise DomainError(_l("Unknown role: %(role)s.", role=data.role), field="role")
    if data.role == "staff" and data.profession not in PROFESSIONS:
        raise DomainError(_l("Choose the profession of this member of staff."), field="profession")
    if data.locale not in (None, "", *LOCALES):
        raise DomainError(_l("Unknown language."), field="locale")
    if not data.name or not data.name.strip():
        raise DomainError(_l("Enter the person's name."), field="name")
    taken = db.session.scalar(sa.select(Account.id).where(Account.email == email, Account.id != (account_id or 0)))
    if taken:
        raise DomainError(_l("An account with this e-mail address already exists."), field="email")
    return AccountData(
        email=email, name=data.name.strip(), role=data.role,
        profession=data.profession if data.role == "staff" else None,
        locale=data.locale or None, unit_ids=list(data.unit_ids),
    )


def _units(unit_ids: list[int]) -> list[Unit]:
    if not unit_ids:
        return []
    units = list(db.session.scalars(sa.select(Unit).where(Unit.id.in_(unit_ids))))
    if len(units) != len(set(unit_ids)):
        raise DomainError(_l("One of the chosen units does not exist."), field="unit_ids")
    return units


def create_account(actor: Account | None, data: AccountData, *, password: str, ip: str | None,
                   now: datetime, must_change_password: bool = True) -> Account:
    """A new account; the person must change the given password at first sign-in unless told otherwise."""
    data = _check(data)
    account = Account(email=data.email, name=data.name, role=data.role, profession=data.profession,
                      locale=data.locale, created_at=now)
    account.units = _units(data.unit_ids)
    set_password(account, password, now=now, must_change=must_change_password)
    db.session.add(account)
    db.session.flush()
    record("account.create", actor=actor, object_type="account", object_id=account.id, ip=ip, now=now,
           details={"role": account.role}, actor_label=None if actor else "command line")
    return account


def update_account(actor: Account, account: Account, data: AccountData, *, ip: str | None,
                   now: datetime) -> Account:
    """Change an account's details; the last active coordinator keeps their role."""
    data = _check(data, account_id=account.id)
    if account.role == "coordinator" and data.role != "coordinator" and _is_last_coordinator(account):
        raise DomainError(_l("This is the last active coordinator account: its role cannot change."), field="role")
    changed = sorted(
        name for name in ("email", "name", "role", "profession", "locale")
        if getattr(account, name) != getattr(data, name)
    )
    if sorted(u.id for u in account.units) != sorted(set(data.unit_ids)):
        changed.append("units")
    for name in ("email", "name", "role", "profession", "locale"):
        setattr(account, name, getattr(data, name))
    account.units = _units(data.unit_ids)
    if "role" in changed or "email" in changed:
        # What the person may see has changed: their open sessions must sign in again.
        end_all_sessions(account, reason="account_changed", now=now)
    record("account.update", actor=actor, object_type="account", object_id=account.id, ip=ip, now=now,
           details={"fields": changed})
    db.session.flush()
    return account


def _is_last_coordinator(account: Account) -> bool:
    others = db.session.scalar(
        sa.select(sa.func.count()).select_from(Account)
        .where(Account.role == "coordinator", Account.is_active, Account.id != account.id)
    )
    return others == 0


def deactivate_account(actor: Account, account: Account, *, ip: str | None, now: datetime) -> None:
    """The person can no longer sign in, and every open session of theirs ends now."""
    if account.id == actor.id:
        raise DomainError(_l("You cannot deactivate your own account."))
    if not account.is_active:
        return
    account.is_active = False
    account.deactivated_at = now
    ended = end_all_sessions(account, reason="deactivated", now=now)
    record("account.deactivate", actor=actor, object_type="account", object_id=account.id, ip=ip, now=now,
           details={"sessions_ended": ended})
    db.session.flush()


def reactivate_account(actor: Account, account: Account, *, ip: str | None, now: datetime) -> None:
    if account.is_active:
        return
    account.is_active = True
    account.deactivated_at = None
    record("account.reactivate", actor=actor, object_type="account", object_id=account.id, ip=ip, now=now)
    db.session.flush()


def reset_password(actor: Account, account: Account, temporary_password: str, *, ip: str | None,
                   now: datetime) -> None:
    """Give a temporary password, to be changed at next sign-in; open sessions end."""
    set_password(account, temporary_password, now=now, must_change=True)
    end_all_sessions(account, reason="password_reset", now=now)
    record("account.password_reset", actor=actor, object_type="account", object_id=account.id, ip=ip, now=now)
    db.session.flush()


def get_account(account_id: int) -> Account | None:
    return db.session.scalar(
        sa.select(Account).options(selectinload(Account.units)).where(Account.id == account_id)
    )


def list_accounts(*, role: str | None, active: bool | None, text: str | None, page: int,
                  per_page: int) -> Page:
    """One page of accounts, filtered, sorted by name."""
    conditions = []
    if role in ROLES:
        conditions.append(Account.role == role)
    if active is not None:
        conditions.append(Account.is_active.is_(active))
    if text:
        typed = f"%{text.strip()}%"
        pattern = typed.lower()
        # SQLite's lower() folds ASCII only ("Émilie" stays "Émilie"): also compare with the
        # database folding both sides, so a name typed as stored is always found.
        conditions.append(sa.or_(sa.func.lower(Account.name).like(pattern),
                                 sa.func.lower(Account.name).like(sa.func.lower(typed)),
                                 Account.email.like(pattern)))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Account).where(*conditions))
    page = max(1, page)
    items = db.session.scalars(
        sa.select(Account).options(selectinload(Account.units)).where(*conditions)
        .order_by(sa.func.lower(Account.name), Account.id).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total)
