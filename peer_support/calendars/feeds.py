"""Personal calendar feeds: the secret address, turning it on and off, making a new one, and what it lists.

The address carries `<account id>-<HMAC(secret key, account id, version)>`. Nothing stored reveals
it; raising `version` revokes every earlier address at once. Fetches are not audited (a calendar
application polls every few minutes); creating, renewing and turning a feed off are.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, selectinload

from peer_support.audit.services import record
from peer_support.auth.models import Account
from peer_support.calendars.models import CalendarFeed
from peer_support.extensions import db

# What a feed lists: recent meetings (a calendar keeps its history) and those planned ahead.
PAST_DAYS, FUTURE_DAYS = 60, 366


def feed_token(account_id: int, version: int) -> str:
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    mac = hmac.new(secret, f"calendar-feed:{account_id}:{version}".encode(), hashlib.sha256).digest()
    return f"{account_id}-{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def feed_for_token(token: str) -> CalendarFeed | None:
    """The enabled feed of an active account this token opens now, or None (unknown, old or forged)."""
    account_part, _sep, _mac = token.partition("-")
    if not account_part.isdigit() or len(account_part) > 12:
        return None
    feed = db.session.scalar(sa.select(CalendarFeed).options(joinedload(CalendarFeed.account))
                             .where(CalendarFeed.account_id == int(account_part)))
    if feed is None or not feed.is_enabled or not feed.account.is_active:
        return None
    if not hmac.compare_digest(feed_token(feed.account_id, feed.version).encode(), token.encode()):
        return None
    return feed


def get_feed(account) -> CalendarFeed | None:
    return db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.account_id == account.id))


def _audit(action: str, actor, feed: CalendarFeed, ip, now, **details) -> None:
    record(action, actor=actor, object_type="calendar_feed", object_id=feed.id, ip=ip, now=now,
           details={"version": feed.version, **details})


def enable_feed(actor, *, ip: str | None, now: datetime) -> CalendarFeed:
    """Turn the actor's feed on. After it was turned off, the address is a new one (turning off
    raised the version): one given out before must not start working again."""
    feed = get_feed(actor)
    if feed is None:
        feed = CalendarFeed(account_id=actor.id, version=1, is_enabled=True, created_at=now, updated_at=now)
        db.session.add(feed)
        db.session.flush()
        _audit("calendars.feed_create", actor, feed, ip, now)
    elif not feed.is_enabled:
        feed.is_enabled = True
        db.session.flush()
        _audit("calendars.feed_create", actor, feed, ip, now)
    return feed


def rotate_feed(actor, feed: CalendarFeed, *, ip: str | None, now: datetime) -> CalendarFeed:
    """A new address; the old one stops working."""
    feed.version += 1
    feed.is_enabled = True
    db.session.flush()
    _audit("calendars.feed_rotate", actor, feed, ip, now)
    return feed


def disable_feed(actor, feed: CalendarFeed, *, ip: str | None, now: datetime) -> CalendarFeed:
    feed.is_enabled = False
    feed.version += 1
    db.session.flush()
    _audit("calendars.feed_disable", actor, feed, ip, now)
    return feed


def set_feed_details(actor, feed: CalendarFeed, show_details: bool, *, ip: str | None, now: datetime) -> CalendarFeed:
    if feed.show_details != show_details:
        feed.show_details = show_details
        db.session.flush()
        _audit("calendars.feed_update", actor, feed, ip, now, show_details=show_details)
    return feed


# --- What an account's calendar holds -------------------------------------------------------------

def _meeting_options():
    from peer_support.meetings.models import Meeting
    from peer_support.peers.models import PeerProfile
    from peer_support.rooms.models import Room

    return (joinedload(Meeting.peer_profile).joinedload(PeerProfile.account),
            joinedload(Meeting.room).joinedload(Room.unit))


def involvement(account_id: int):
    """SQL condition: the account leads the meeting, co-facilitates it, or is one of its participants."""
    from peer_support.meetings.models import Meeting, MeetingParticipant, meeting_co_facilitator
    from peer_support.people.models import ServiceUser
    from peer_support.peers.models import PeerProfile

    leads = Meeting.peer_profile_id.in_(sa.select(PeerProfile.id).where(PeerProfile.account_id == account_id))
    co_leads = Meeting.id.in_(sa.select(meeting_co_facilitator.c.meeting_id)
                              .where(meeting_co_facilitator.c.account_id == account_id))
    takes_part = Meeting.id.in_(sa.select(MeetingParticipant.meeting_id)
                                .join(ServiceUser, ServiceUser.id == MeetingParticipant.service_user_id)
                                .where(ServiceUser.account_id == account_id))
    return sa.or_(leads, co_leads, takes_part)


def cancelled_participations(account_id: int, meeting_ids) -> set[int]:
    """Meetings the account (a service user) cancelled their own place in."""
    from peer_support.meetings.models import MeetingParticipant
    from peer_support.people.models import ServiceUser

    ids = list(meeting_ids)
    if not ids:
        return set()
    return set(db.session.scalars(
        sa.select(MeetingParticipant.meeting_id)
        .join(ServiceUser, ServiceUser.id == MeetingParticipant.service_user_id)
        .where(ServiceUser.account_id == account_id, MeetingParticipant.status == "cancelled",
               MeetingParticipant.meeting_id.in_(ids))))


def feed_meetings(account: Account, now: datetime):
    """The account's meetings from PAST_DAYS ago to FUTURE_DAYS ahead, cancelled ones included
    (the feed marks them STATUS:CANCELLED so calendars drop what they had already copied)."""
    from peer_support.meetings.models import Meeting

    return list(db.session.scalars(
        sa.select(Meeting).options(*_meeting_options())
        .where(involvement(account.id), Meeting.starts_at >= now - timedelta(days=PAST_DAYS),
               Meeting.starts_at < now + timedelta(days=FUTURE_DAYS))
        .order_by(Meeting.starts_at, Meeting.id)))


def get_meeting_for_calendar(meeting_id: int):
    """A meeting with what its .ics and its access rule need (leader, room, co-facilitators, participants)."""
    from peer_support.meetings.models import Meeting, MeetingParticipant

    return db.session.scalar(
        sa.select(Meeting).options(*_meeting_options(), selectinload(Meeting.co_facilitators),
                                   selectinload(Meeting.participants).joinedload(MeetingParticipant.service_user))
        .where(Meeting.id == meeting_id))
