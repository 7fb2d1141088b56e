"""Rooms of each unit and the periods a coordinator closes them."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from peer_support.db import UTCDateTime, utcnow
from peer_support.extensions import db
from peer_support.units.models import Unit


class Room(db.Model):
    """A room of a unit where meetings can be held."""

    __tablename__ = "room"
    __table_args__ = (
        sa.UniqueConstraint("unit_id", "name"),
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    capacity: Mapped[int | None]
    # Step-free access, hearing loop, quiet room ...: shown wherever a room is chosen.
    accessibility_note: Mapped[str | None] = mapped_column(sa.String(300))
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship(lazy="raise")
    closures: Mapped[list[RoomClosure]] = relationship(back_populates="room", lazy="raise",
                                                       cascade="all, delete-orphan",
                                                       order_by="RoomClosure.starts_at")


class RoomClosure(db.Model):
    """A period when a room cannot be booked (works, another use ...), end exclusive."""

    __tablename__ = "room_closure"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="order"),
        sa.Index("ix_room_closure_room_period", "room_id", "starts_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("room.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(sa.String(200))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    room: Mapped[Room] = relationship(back_populates="closures", lazy="raise")
