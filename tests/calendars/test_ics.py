"""A meeting's .ics file and the personal feed: RFC 5545 read back by two parsers, time zones, privacy, access."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from peer_support.calendars import feeds
from peer_support.calendars.models import CalendarFeed
from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.meetings.models import meeting_co_facilitator
from tests.helpers import audit_entries

UTC = timezone.utc
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def person(people, accompany):
    """Paul, accompanied by Julie, with his own account."""
    person = accompany(people["julie_profile"], name="Paul Dupont")
    person.account_id = people["service_user"].id
    db.session.commit()
    return person


@pytest.fixture
def meeting(people, person, make_room, make_meeting):
    room = make_room("Salle Jasmin")
    soon = (utcnow() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    meeting = make_meeting(people["julie_profile"], [person], starts_at=soon, room=room,
                           format="group", title="Groupe Asperger", private_notes="Notes très privées",
                           team_summary="Résumé pour l'équipe")
    db.session.execute(meeting_co_facilitator.insert().values(meeting_id=meeting.id, account_id=people["staff"].id))
    db.session.commit()
    return meeting


def read_with_vobject(text: str):
    """vobject keeps the first VTIMEZONE it met for a TZID for the whole process: forget earlier
    files' zones, so this file is read with its own VTIMEZONE."""
    registry = getattr(vobject.icalendar, "__tzidMap")
    for tzid in [t for t in registry if t != "UTC"]:
        del registry[tzid]
    return vobject.readOne(text)


def events(body: bytes):
    return [c for c in icalendar.Calendar.from_ical(body).walk("VEVENT")]


# --- One meeting's file ----------------------------------------------------------------------------------

@pytest.mark.parametrize("who, status", [("julie", 200), ("coordinator", 200), ("staff", 200), ("service_user", 200),
                                         ("karim", 404), ("researcher", 404)])
def test_who_downloads_a_meetings_file(as_, meeting, who, status):
    assert as_(who).get(f"/calendar/meetings/{meeting.id}.ics").status_code == status


def test_others_get_404(as_, meeting, people, make_account, accompany):
    stranger_staff = make_account("staff", locale="en")
    other_user = make_account("service_user", locale="en")
    someone = accompany(people["karim_profile"])
    someone.account_id = other_user.id
    db.session.commit()
    from tests.conftest import sign_in

    for account in (stranger_staff, other_user):
        client = as_(None)
        sign_in(client, account)
        assert client.get(f"/calendar/meetings/{meeting.id}.ics").status_code == 404
    assert as_("julie").get("/calendar/meetings/99999.ics").status_code == 404
    response = as_(None).get(f"/calendar/meetings/{meeting.id}.ics")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_file_says_little_and_parses_with_two_libraries(as_, meeting):
    response = as_("julie").get(f"/calendar/meetings/{meeting.id}.ics")
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response.headers["Cache-Control"]
    body = response.get_data()
    text = body.decode()
    for secret in ("Notes très privées", "Résumé", "Paul", "Groupe Asperger", "Moreau"):
        assert secret not in text
    [event] = events(body)
    assert str(event["SUMMARY"]) == "Peer support meeting"
    assert "Julie" in str(event["DESCRIPTION"])
    assert "Salle Jasmin" in str(event["LOCATION"]) and "CL3R" in str(event["LOCATION"])
    assert str(event["UID"]) == f"meeting-{meeting.id}@localhost"
    assert event.decoded("DTSTART") == meeting.starts_at
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert "DTSTAMP" in event
    assert icalendar.Calendar.from_ical(body).walk("VTIMEZONE")
    parsed = read_with_vobject(text)
    assert parsed.vevent.dtstart.value == meeting.starts_at
    assert parsed.vevent.dtend.value == meeting.ends_at
    assert parsed.vevent.summary.value == "Peer support meeting"


def test_the_summary_is_in_the_readers_language(as_, meeting, people):
    people["julie"].locale = "fr"
    db.session.commit()
    [event] = events(as_("julie").get(f"/calendar/meetings/{meeting.id}.ics").get_data())
    from flask_babel import force_locale, gettext

    with force_locale("fr"):
        # "Rencontre pair-aidance" once the catalogue has it.
        assert str(event["SUMMARY"]) == gettext("Peer support meeting")


def test_times_are_right_across_the_clock_change(as_, people, person, make_meeting):
    # Paris leaves summer time on Sunday 2026-10-25: UTC+2 before, UTC+1 after.
    saturday = make_meeting(people["julie_profile"], [person], starts_at=datetime(2026, 10, 24, 8, 0, tzinfo=UTC))
    monday = make_meeting(people["julie_profile"], [person], starts_at=datetime(2026, 10, 26, 9, 0, tzinfo=UTC))
    now = datetime(2026, 10, 1, tzinfo=UTC)
    feed = CalendarFeed(account_id=people["julie"].id, version=1)
    db.session.add(feed)
    db.session.commit()
    from peer_support.calendars import ics

    body = ics.calendar_bytes(feeds.feed_meetings(people["julie"], now), locale="en", host="example.org", now=now)
    starts = {str(e["UID"]): e.decoded("DTSTART") for e in events(body)}
    assert starts[f"meeting-{saturday.id}@example.org"] == datetime(2026, 10, 24, 10, 0, tzinfo=PARIS)
    assert starts[f"meeting-{saturday.id}@example.org"].utcoffset() == timedelta(hours=2)
    assert starts[f"meeting-{monday.id}@example.org"] == datetime(2026, 10, 26, 10, 0, tzinfo=PARIS)
    text = body.decode()
    assert "DTSTART;TZID=Europe/Paris:20261024T100000" in text
    assert "DTSTART;TZID=Europe/Paris:20261026T100000" in text
    by_uid = {e.uid.value: e.dtstart.value for e in read_with_vobject(text).vevent_list}
    assert by_uid[f"meeting-{saturday.id}@example.org"].utcoffset() == timedelta(hours=2)
    assert by_uid[f"meeting-{saturday.id}@example.org"] == datetime(2026, 10, 24, 8, 0, tzinfo=UTC)
    assert by_uid[f"meeting-{monday.id}@example.org"].utcoffset() == timedelta(hours=1)
    assert by_uid[f"meeting-{monday.id}@example.org"] == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)


# --- The personal feed --------------------------------------------------------------------------------------

def feed_address(client) -> str:
    html = client.get("/calendar/feed").get_data(as_text=True)
    start = html.index('id="feed-address"')
    value = html[start:].split('value="', 1)[1].split('"', 1)[0]
    return value.replace("http://localhost", "")


@pytest.mark.parametrize("who, status", [("julie", 200), ("staff", 200), ("service_user", 200),
                                         ("coordinator", 403), ("researcher", 403)])
def test_who_has_a_feed(as_, people, who, status):
    assert as_(who).get("/calendar/feed").status_code == status


def test_feed_lifecycle(as_, app, meeting):
    client = as_("julie")
    client.post("/calendar/feed/enable")
    first = feed_address(client)
    assert first.startswith("/calendar/feed/") and first.endswith(".ics")
    public = app.test_client()
    response = public.get(first)
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response.headers["Cache-Control"]
    assert [str(e["UID"]) for e in events(response.get_data())] == [f"meeting-{meeting.id}@localhost"]
    # A new address revokes the old one.
    client.post("/calendar/feed/rotate")
    second = feed_address(client)
    assert second != first
    assert public.get(first).status_code == 404
    assert public.get(second).status_code == 200
    # Off: no address works; on again: a new one, the old ones stay dead.
    client.post("/calendar/feed/disable")
    assert public.get(second).status_code == 404
    client.post("/calendar/feed/enable")
    third = feed_address(client)
    assert public.get(third).status_code == 200
    assert public.get(first).status_code == public.get(second).status_code == 404
    assert [len(audit_entries(a)) for a in ("calendars.feed_create", "calendars.feed_rotate",
                                            "calendars.feed_disable")] == [2, 1, 1]


def test_forged_tokens_are_404(as_, app, people):
    client = as_("julie")
    client.post("/calendar/feed/enable")
    address = feed_address(client)
    token = address.rsplit("/", 1)[1][:-4]
    account_id, mac = token.split("-", 1)
    public = app.test_client()
    for bad in (f"{people['karim'].id}-{mac}", f"{account_id}-{mac[:-1]}{'B' if mac.endswith('A') else 'A'}",
                f"{account_id}-", "junk", "-", "1-x", "9" * 40 + "-x"):
        assert public.get(f"/calendar/feed/{bad}.ics").status_code == 404, bad


def test_feed_of_a_deactivated_account_stops(as_, app, people):
    client = as_("julie")
    client.post("/calendar/feed/enable")
    address = feed_address(client)
    people["julie"].is_active = False
    db.session.commit()
    assert app.test_client().get(address).status_code == 404


def test_show_details_adds_format_and_title_never_notes(as_, app, meeting):
    client = as_("julie")
    client.post("/calendar/feed/enable")
    client.post("/calendar/feed/details", data={"show_details": "y"})
    body = app.test_client().get(feed_address(client)).get_data(as_text=True)
    [event] = events(body.encode())
    assert str(event["SUMMARY"]) == "Peer support meeting: Groupe Asperger"
    assert "Group session" in str(event["DESCRIPTION"])
    for secret in ("Notes très privées", "Résumé", "Paul"):
        assert secret not in body
    assert len(audit_entries("calendars.feed_update")) == 1


def test_each_role_gets_its_own_meetings(as_, app, meeting, people, make_meeting, person):
    old = make_meeting(people["julie_profile"], [person], starts_at=utcnow() - timedelta(days=90))
    cancelled = make_meeting(people["julie_profile"], [person], starts_at=utcnow() + timedelta(days=5),
                             status="cancelled")
    make_meeting(people["karim_profile"], starts_at=utcnow() + timedelta(days=5))
    uids = {}
    for who in ("julie", "staff", "service_user"):
        client = as_(who)
        client.post("/calendar/feed/enable")
        body = app.test_client().get(feed_address(client)).get_data()
        uids[who] = {str(e["UID"]).split("@")[0]: str(e["STATUS"]) for e in events(body)}
    assert uids["julie"] == uids["service_user"] == {f"meeting-{meeting.id}": "CONFIRMED",
                                                     f"meeting-{cancelled.id}": "CANCELLED"}
    assert f"meeting-{old.id}" not in uids["julie"]
    # The co-facilitator: only the meeting they co-lead.
    assert uids["staff"] == {f"meeting-{meeting.id}": "CONFIRMED"}


def test_a_participation_cancelled_by_the_person_shows_as_cancelled(as_, app, meeting, people):
    import sqlalchemy as sa

    from peer_support.meetings.models import MeetingParticipant

    db.session.execute(sa.update(MeetingParticipant).values(status="cancelled"))
    db.session.commit()
    client = as_("service_user")
    client.post("/calendar/feed/enable")
    [event] = events(app.test_client().get(feed_address(client)).get_data())
    assert str(event["STATUS"]) == "CANCELLED"


def test_feed_changes_need_a_feed_and_a_post(as_):
    client = as_("julie")
    for url in ("/calendar/feed/rotate", "/calendar/feed/disable", "/calendar/feed/details"):
        assert client.post(url).status_code == 404
    assert client.get("/calendar/feed/enable").status_code == 405
