"""Issue 5's journey in a real browser: a peer worker quick-logs an informal meeting, plans a group
session in a room, is refused a second booking of that room at that time (the form kept), then marks
attendance once the session has taken place."""
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.meetings.models import Meeting, MeetingParticipant
from peer_support.peers.models import PeerProfile
from peer_support.rooms.models import Room
from peer_support.timezones import local_date
from peer_support.units.models import Unit
from tests.browser.test_sign_in import assert_accessible, sign_in
from tests.conftest import new_account
from tests.triage.conftest import new_person, new_referral

pytestmark = pytest.mark.browser


def _worker_with_people(app):
    with app.app_context():
        unit = Unit(code="CL3R", name="Réhabilitation psychosociale")
        db.session.add(unit)
        db.session.commit()
        worker = new_account("peer_worker", name="Julie Moreau", units=[unit], locale="en")
        profile = PeerProfile(account_id=worker.id, languages=["fr"], meeting_formats=["individual", "group"])
        db.session.add(profile)
        db.session.add(Room(unit_id=unit.id, name="Salle Tilleul", capacity=8, accessibility_note="Step-free access"))
        db.session.commit()
        people = {}
        for name in ("Camille", "Hugo"):
            person = new_person(name=name, units=[unit])
            new_referral(person, status="active", peer_profile=profile)
            people[name] = person.id
        email = worker.email
        db.session.remove()
    return email, people


def _fill_group_session(page, day: str, title: str):
    page.get_by_label("Format").select_option(label="Group session")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Camille").check()
    page.get_by_label("Hugo").check()
    page.get_by_label("Places in the group").fill("6")
    page.get_by_label("Date", exact=True).fill(day)
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("End time").fill("11:30")
    page.get_by_label("A room").check()
    page.get_by_label("Room", exact=True).select_option(label="Salle Tilleul (CL3R) — 8 places — Step-free access")


def test_quick_log_plan_a_group_in_a_room_refuse_a_double_booking_and_mark_attendance(live_server, new_page):
    email, people = _worker_with_people(live_server.app)
    page = new_page("en-US")
    sign_in(page, live_server, email)

    # A coffee in the corridor with Camille, logged in one screen.
    page.goto(f"{live_server.url}/meetings/quick-log?person={people['Camille']}")
    assert_accessible(page, "the quick log")
    page.get_by_role("button", name="Log it").click()
    expect(page.get_by_text("The meeting is logged.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Informal talk (a coffee, a corridor)")

    # A group session tomorrow in the Tilleul room.
    with live_server.app.app_context():
        tomorrow = (local_date(utcnow()) + timedelta(days=1)).isoformat()
    page.goto(f"{live_server.url}/meetings/new")
    assert_accessible(page, "the plan form")
    _fill_group_session(page, tomorrow, "Groupe désir d'enfant")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The meeting is planned.")).to_be_visible()
    assert_accessible(page, "the meeting page")
    group_url = page.url

    # The same room at the same time again: refused, with the message, and the form kept.
    page.goto(f"{live_server.url}/meetings/new")
    _fill_group_session(page, tomorrow, "Deuxième groupe")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("This room is already booked at that time")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("Deuxième groupe")
    expect(page.get_by_label("Camille")).to_be_checked()
    assert_accessible(page, "the plan form with an error")

    # The session has taken place (time travel: it started an hour ago); Hugo did not come.
    with live_server.app.app_context():
        meeting = db.session.scalars(sa.select(Meeting).where(Meeting.format == "group")).one()
        start = utcnow() - timedelta(hours=1)
        meeting.starts_at, meeting.ends_at = start, start + timedelta(minutes=90)
        db.session.commit()
        db.session.remove()
    page.goto(group_url)
    page.get_by_role("link", name="Mark held").click()
    assert_accessible(page, "the attendance form")
    page.get_by_role("group", name="Hugo").get_by_label("Absent").check()
    page.get_by_label("What follows").select_option(label="The person will get in touch")
    page.get_by_role("button", name="Save: the meeting was held").click()
    expect(page.get_by_text("The meeting is marked held.")).to_be_visible()
    with live_server.app.app_context():
        statuses = dict(db.session.execute(
            sa.select(MeetingParticipant.service_user_id, MeetingParticipant.status)
            .join(Meeting, Meeting.id == MeetingParticipant.meeting_id).where(Meeting.format == "group")).all())
        db.session.remove()
    assert statuses == {people["Camille"]: "attended", people["Hugo"]: "absent"}

    # My meetings lists both.
    page.goto(f"{live_server.url}/meetings/")
    expect(page.get_by_text("Groupe désir d'enfant")).to_be_visible()
    assert_accessible(page, "my meetings")
