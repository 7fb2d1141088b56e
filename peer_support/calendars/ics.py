"""Meetings as iCalendar (RFC 5545) with the icalendar package.

An event says only "Peer support meeting", the place and the peer worker's first name: a
calendar is often synchronised to a phone, a cloud account, a shared screen. With "show more
details" it adds the meeting's format and title; never topics, notes or participants' names.
Times carry the site's time zone (TZID and its VTIMEZONE), so they stay right across clock changes.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Event

from peer_support.peers.labels import FORMAT_LABELS
from peer_support.timezones import site_zone

PRODID = "-//Peer support programme//Meetings//EN"

PLACE_LABELS = {
    "hospital": _l("In the hospital"),
    "off_site": _l("Off site"),
    "remote": _l("Remote (phone or video)"),
}


def first_name(full_name: str | None) -> str:
    return (full_name or "").strip().split(" ")[0]


def location(meeting) -> str:
    """The room and its unit, or where else the meeting happens."""
    if meeting.room is not None:
        return f"{meeting.room.name} — {meeting.room.unit.code} {meeting.room.unit.name}"
    label = str(PLACE_LABELS.get(meeting.place_kind, ""))
    return f"{label}: {meeting.place_detail}" if meeting.place_detail else label


def _event(meeting, *, host: str, now: datetime, show_details: bool, cancelled: bool) -> Event:
    zone = site_zone()
    event = Event()
    event.add("uid", f"meeting-{meeting.id}@{host}")
    event.add("dtstamp", now.astimezone(timezone.utc))
    event.add("last-modified", meeting.updated_at.astimezone(timezone.utc))
    event.add("dtstart", meeting.starts_at.astimezone(zone))
    event.add("dtend", meeting.ends_at.astimezone(zone))
    summary = _("Peer support meeting")
    description = [_("With %(name)s, peer worker.", name=first_name(meeting.peer_profile.account.name))]
    if show_details:
        if meeting.title:
            summary = f"{summary}: {meeting.title}"
        description.append(_("Format: %(format)s.", format=FORMAT_LABELS.get(meeting.format, meeting.format)))
    event.add("summary", summary)
    event.add("description", "\n".join(description))
    place = location(meeting)
    if place:
        event.add("location", place)
    event.add("status", "CANCELLED" if cancelled or meeting.status == "cancelled" else "CONFIRMED")
    event.add("class", "PRIVATE")
    event.add("transp", "OPAQUE")
    return event


def calendar_bytes(meetings, *, locale: str, host: str, now: datetime, show_details: bool = False,
                   cancelled_ids=frozenset(), name: str | None = None) -> bytes:
    """The meetings as one VCALENDAR, in the reader's language."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    with force_locale(locale):
        if name:
            calendar.add("x-wr-calname", name)
        for meeting in meetings:
            calendar.add_component(_event(meeting, host=host, now=now, show_details=show_details,
                                          cancelled=meeting.id in cancelled_ids))
    if meetings:
        # The zone's rules over the calendar's span only: a short VTIMEZONE that every client reads
        # the same way (long RDATE lists are misread by some parsers).
        first = min(m.starts_at for m in meetings).astimezone(site_zone()).date() - timedelta(days=1)
        last = max(m.ends_at for m in meetings).astimezone(site_zone()).date() + timedelta(days=1)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar.to_ical()
