"""A peer worker's week: who sees it, what it shows, local days across a clock change, query count."""
from datetime import datetime, timedelta, timezone

import pytest

from peer_support.extensions import db
from peer_support.meetings.models import meeting_co_facilitator
from tests.helpers import audit_entries, statements_for_get

UTC = timezone.utc


def page(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def week_meeting(people, accompany, make_room, make_meeting):
    person = accompany(people["julie_profile"], name="Paul Dupont")
    room = make_room("Salle Jasmin")
    meeting = make_meeting(people["julie_profile"], [person], starts_at=datetime(2026, 6, 2, 8, 0, tzinfo=UTC),
                           room=room, format="group", title="Groupe Asperger", private_notes="Notes privées")
    db.session.execute(meeting_co_facilitator.insert().values(meeting_id=meeting.id, account_id=people["staff"].id))
    db.session.commit()
    return meeting


def url(people, who="julie", week="2026-06-03"):
    return f"/calendar/workers/{people[who + '_profile'].id}/week?week={week}"


def test_the_worker_sees_their_week(as_, people, week_meeting):
    html = page(as_("julie").get(url(people)))
    assert "My week" in html and "Paul Dupont" in html and "Salle Jasmin" in html and "Sam Staff" in html
    assert "Groupe Asperger" in html and "Notes privées" not in html
    # 08:00 UTC is 10:00 in Paris, on Tuesday.
    assert "Tuesday, June 2, 2026" in html and "10:00" in html
    assert f"/calendar/meetings/{week_meeting.id}.ics" in html
    assert "week=2026-05-25" in html and "week=2026-06-08" in html
    assert audit_entries("calendars.week_view") == []


def test_my_week_redirects_to_the_workers_page(as_, people):
    response = as_("julie").get("/calendar/week?week=2026-06-03")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url(people))


def test_the_coordinator_opens_any_workers_week_and_it_is_audited(as_, people, week_meeting):
    html = page(as_("coordinator").get(url(people)))
    assert "Paul Dupont" in html and "Julie Moreau" in html
    [entry] = audit_entries("calendars.week_view")
    assert entry.object_id == str(people["julie_profile"].id)


@pytest.mark.parametrize("who, status", [("karim", 404), ("staff", 403), ("service_user", 403), ("researcher", 403)])
def test_others_do_not_see_a_workers_week(as_, people, week_meeting, who, status):
    response = as_(who).get(url(people))
    assert response.status_code == status
    assert "Paul Dupont" not in page(response)


def test_signed_out_people_are_sent_to_sign_in(as_, people):
    for path in (url(people), "/calendar/week", "/calendar/feed"):
        response = as_(None).get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_week_with_a_clock_change_keeps_local_days(as_, people, make_meeting):
    # Sunday 2026-10-25 at 23:30 in Paris (UTC+1) is 22:30 UTC; Monday 00:30 Paris is Sunday 23:30 UTC.
    make_meeting(people["julie_profile"], starts_at=datetime(2026, 10, 25, 22, 30, tzinfo=UTC), minutes=30,
                 title="Dimanche soir")
    make_meeting(people["julie_profile"], starts_at=datetime(2026, 10, 25, 23, 30, tzinfo=UTC), minutes=30,
                 title="Lundi matin")
    this_week = page(as_("julie").get(url(people, week="2026-10-21")))
    assert "Dimanche soir" in this_week and "Lundi matin" not in this_week
    next_week = page(as_("julie").get(url(people, week="2026-10-26")))
    assert "Lundi matin" in next_week and "Dimanche soir" not in next_week


def test_a_bad_week_is_400(as_, people):
    assert as_("julie").get(url(people, week="2026-13-01")).status_code == 400


def test_the_week_runs_a_constant_number_of_queries(as_, people, accompany, make_room, make_meeting):
    client = as_("julie")
    monday = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
    rooms = [make_room(f"Salle {n}") for n in range(3)]
    persons = [accompany(people["julie_profile"], name=f"Personne {n}") for n in range(4)]

    def add(first, last):
        for n in range(first, last):
            meeting = make_meeting(people["julie_profile"], persons[n % 4: n % 4 + 2],
                                   starts_at=monday + timedelta(minutes=90 * n), minutes=60,
                                   room=rooms[n % 3] if n % 2 else None)
            if n % 5 == 0:
                db.session.execute(meeting_co_facilitator.insert().values(meeting_id=meeting.id,
                                                                         account_id=people["staff"].id))
        db.session.commit()

    add(0, 5)
    five = statements_for_get(client, url(people, week="2026-06-01"))
    add(5, 50)
    assert statements_for_get(client, url(people, week="2026-06-01")) == five
    assert page(client.get(url(people, week="2026-06-01"))).count(".ics file") == 50


def test_my_week_without_a_profile_says_so(app, make_account):
    from tests.conftest import sign_in

    client = app.test_client()
    sign_in(client, make_account("peer_worker", locale="en"))
    response = client.get("/calendar/week")
    assert response.status_code == 200 and "has not been opened yet" in page(response)


def test_an_unknown_worker_is_404(as_):
    assert as_("coordinator").get("/calendar/workers/99999/week").status_code == 404
