"""Reading and saving the coordinator's data-protection settings (one row, defaults until first saved)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from peer_support.audit.services import record
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.privacy.models import DataProtectionSettings

# As the table's check constraint allows.
RETENTION_YEARS_MIN, RETENTION_YEARS_MAX = 1, 30


def current_settings() -> DataProtectionSettings:
    """The saved settings, or the defaults (not added to the session) while none are saved."""
    saved = db.session.get(DataProtectionSettings, 1)
    return saved if saved is not None else DataProtectionSettings(id=1, two_factor_required=False, retention_years=5)


# Read on every request of a professional without a second factor (security._must_enrol_second_factor): the one
# value, from a statement built once, rather than the row as an entity.
_TWO_FACTOR_REQUIRED = sa.select(DataProtectionSettings.two_factor_required).where(DataProtectionSettings.id == 1)


def two_factor_required() -> bool:
    """Whether the programme requires a second factor of its professionals (False while nothing is saved)."""
    return bool(db.session.scalar(_TWO_FACTOR_REQUIRED))


def _as_dict(settings: DataProtectionSettings) -> dict:
    return {"two_factor_required": bool(settings.two_factor_required), "retention_years": settings.retention_years}


def save_settings(actor, *, two_factor_required: bool, retention_years: int, ip: str | None,
                  now: datetime) -> list[str]:
    """Save the settings (the first save creates the row), audited with before and after; returns what changed."""
    if retention_years is None or not RETENTION_YEARS_MIN <= retention_years <= RETENTION_YEARS_MAX:
        raise DomainError(_l("Enter a number of years between %(min)d and %(max)d.", min=RETENTION_YEARS_MIN,
                             max=RETENTION_YEARS_MAX), field="retention_years")
    settings = db.session.get(DataProtectionSettings, 1)
    if settings is None:
        settings = current_settings()
        db.session.add(settings)
    before = _as_dict(settings)
    settings.two_factor_required = bool(two_factor_required)
    settings.retention_years = retention_years
    after = _as_dict(settings)
    changed = [name for name in after if before[name] != after[name]]
    if changed:
        settings.updated_at = now
        settings.updated_by_id = actor.id
        record("privacy.settings_change", actor=actor, object_type="data_protection_settings", object_id=1, ip=ip,
               now=now, details={"before": before, "after": after})
    db.session.flush()
    return changed
