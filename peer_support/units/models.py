"""Units: the departments or programmes a service is made of (CL3R, TS2A ...)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from peer_support.db import UTCDateTime, utcnow
from peer_support.extensions import db

# Which units an account belongs to (a coordinator may belong to none).
account_unit = sa.Table(
    "account_unit",
    db.metadata,
    sa.Column("account_id", sa.ForeignKey("account.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("unit_id", sa.ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Unit(db.Model):
    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Set by the coordinator: the people of this unit may opt in to a message of their own when their peer
    # worker has not been in touch (nudges/person_messages.py). Off unless switched on.
    person_messages: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"
