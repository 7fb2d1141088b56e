"""Week views (Monday to Sunday, local time): a peer worker's meetings, a room's bookings and closures.

Each week is read in a fixed number of queries whatever the number of meetings.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from peer_support.extensions import db
from peer_support.rooms.booking import HOLDING_STATUSES
from peer_support.rooms.models import Room, RoomClosure
from peer_support.timezones import local_date, start_of_local_day


@dataclass(frozen=True)
class Week:
    monday: date

    @property
    def days(self) -> list[date]:
        return [self.monday + timedelta(days=n) for n in range(7)]

    @property
    def starts_at(self) -> datetime:
        return start_of_local_day(self.monday)

    @property
    def ends_at(self) -> datetime:
        # Local midnight to local midnight: a week with a clock change lasts 167 or 169 hours.
        return start_of_local_day(self.monday + timedelta(days=7))

    @property
    def previous(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def next(self) -> date:
        return self.monday + timedelta(days=7)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)


def week_of(day: date) -> Week:
    return Week(monday=day - timedelta(days=day.weekday()))


def by_day(week: Week, items, *, spanning: bool = False) -> dict[date, list]:
    """Items (with starts_at, ends_at) grouped by the local day they start on; `spanning` lists
    each item on every day it covers (a closure of several days, a booking across midnight)."""
    days = {day: [] for day in week.days}
    for item in items:
        first = max(local_date(item.starts_at), week.monday)
        last = local_date(item.ends_at - timedelta(microseconds=1)) if spanning else first
        day = first
        while day <= min(last, week.sunday):
            days[day].append(item)
            day += timedelta(days=1)
    return days


def worker_meetings(profile_id: int, week: Week):
    """The worker's meetings starting this week, with place, participants and co-facilitators."""
    from peer_support.meetings.models import Meeting, MeetingParticipant

    return list(db.session.scalars(
        sa.select(Meeting)
        .options(joinedload(Meeting.room).joinedload(Room.unit),
                 selectinload(Meeting.participants).joinedload(MeetingParticipant.service_user),
                 selectinload(Meeting.co_facilitators))
        .where(Meeting.peer_profile_id == profile_id, Meeting.starts_at >= week.starts_at,
               Meeting.starts_at < week.ends_at)
        .order_by(Meeting.starts_at, Meeting.id)))


def room_bookings(room_id: int, week: Week):
    """Meetings holding the room at some moment of the week, with their leader."""
    from peer_support.meetings.models import Meeting
    from peer_support.peers.models import PeerProfile

    return list(db.session.scalars(
        sa.select(Meeting)
        .options(joinedload(Meeting.peer_profile).joinedload(PeerProfile.account))
        .where(Meeting.room_id == room_id, Meeting.status.in_(HOLDING_STATUSES),
               Meeting.starts_at < week.ends_at, Meeting.ends_at > week.starts_at)
        .order_by(Meeting.starts_at, Meeting.id)))


def room_closures(room_id: int, week: Week) -> list[RoomClosure]:
    return list(db.session.scalars(
        sa.select(RoomClosure)
        .where(RoomClosure.room_id == room_id, RoomClosure.starts_at < week.ends_at,
               RoomClosure.ends_at > week.starts_at)
        .order_by(RoomClosure.starts_at)))


# --- What the week templates show -------------------------------------------------------------------

STATUS_LABELS = {
    "planned": _l("Planned"),
    "held": _l("Held"),
    "cancelled": _l("Cancelled"),
    "missed": _l("Missed"),
}


def meeting_page_url(meeting_id: int) -> str | None:
    """The meeting's page (the meetings feature), when it is there."""
    if "meetings.show" not in current_app.view_functions:
        return None
    return url_for("meetings.show", meeting_id=meeting_id)


def template_helpers() -> dict:
    from peer_support.calendars.ics import PLACE_LABELS

    return {"meeting_page_url": meeting_page_url, "place_labels": PLACE_LABELS, "status_labels": STATUS_LABELS}
