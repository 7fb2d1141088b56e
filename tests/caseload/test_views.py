"""The peer worker's caseload: who is listed, last and next meetings, sorting, paging, access, query budget."""
from datetime import timedelta

import pytest

from peer_support.db import utcnow
from tests.helpers import audit_entries, statements_for_get
from tests.triage.conftest import new_person, new_referral


@pytest.fixture
def worker(make_profile):
    return make_profile()


def _sign_in_worker(client, profile):
    from peer_support.extensions import db
    from peer_support.auth.models import Account
    from tests.conftest import sign_in

    sign_in(client, db.session.get(Account, profile.account_id))


def test_lists_only_the_workers_open_accompaniments_with_last_and_next_meetings(client, worker, make_profile,
                                                                               accompany, make_meeting):
    other = make_profile()
    now = utcnow()
    camille = accompany(worker, name="Camille")
    accompany(worker, name="Basile", status="accepted")
    accompany(worker, name="Dora", status="on_hold", review_on=(now + timedelta(days=20)).date())
    new_referral(new_person(name="Closed"), status="closed", peer_profile=worker)
    accompany(other, name="Someone else")
    new_referral(new_person(name="Proposed"), status="proposed", peer_profile=worker)
    make_meeting(worker, [camille], starts_at=now - timedelta(days=12), status="held")
    make_meeting(worker, [camille], starts_at=now - timedelta(days=3), status="held")
    # Not counted as the last meeting: cancelled, or the person was absent, or with another worker.
    make_meeting(worker, [camille], starts_at=now - timedelta(days=1), status="cancelled")
    make_meeting(worker, [camille], starts_at=now - timedelta(days=2), status="held", participant_status="absent")
    make_meeting(other, [camille], starts_at=now - timedelta(hours=5), status="held")
    make_meeting(worker, [camille], starts_at=now + timedelta(days=9))
    make_meeting(worker, [camille], starts_at=now + timedelta(days=4))
    _sign_in_worker(client, worker)

    html = client.get("/caseload/").get_data(as_text=True)

    assert "Camille" in html and "Basile" in html and "Dora" in html
    assert "Someone else" not in html and "Closed" not in html and "Proposed" not in html
    assert "3 days ago" in html
    assert "No meeting yet" in html
    assert "review on" in html
    assert len(audit_entries("caseload.view")) == 1


def test_default_order_puts_people_never_met_then_the_longest_without_meeting_first(app, worker, accompany,
                                                                                    make_meeting):
    from peer_support.caseload.services import caseload

    now = utcnow()
    recent, old, never = (accompany(worker, name=n) for n in ("Recent", "Old", "Never"))
    make_meeting(worker, [recent], starts_at=now - timedelta(days=2), status="held")
    make_meeting(worker, [old], starts_at=now - timedelta(days=30), status="held")

    names = [row.display_name for row in caseload(worker.id, now=now).items]
    assert names == ["Never", "Old", "Recent"]
    by_name = caseload(worker.id, now=now, sort="name", descending=True).items
    assert [row.display_name for row in by_name] == ["Recent", "Old", "Never"]
    assert caseload(worker.id, now=now, status="accepted").total == 0


def test_pages(app, worker, accompany):
    from peer_support.caseload.services import caseload

    for number in range(7):
        accompany(worker, name=f"Person {number}")
    first = caseload(worker.id, now=utcnow(), sort="name", per_page=5)
    second = caseload(worker.id, now=utcnow(), sort="name", page=2, per_page=5)
    assert first.total == 7 and first.pages == 2 and len(first.items) == 5 and len(second.items) == 2
    assert {r.person_id for r in first.items}.isdisjoint({r.person_id for r in second.items})


def test_coordinator_chooses_a_worker(client, signed_in, worker, accompany):
    accompany(worker, name="Camille")
    signed_in("coordinator", locale="en")
    assert "Choose a peer worker to see" in client.get("/caseload/").get_data(as_text=True)
    assert "Camille" in client.get(f"/caseload/?worker={worker.id}").get_data(as_text=True)
    assert client.get("/caseload/?worker=99999").status_code == 404


@pytest.mark.parametrize("role", ["staff", "service_user", "researcher"])
def test_other_roles_cannot_see_a_caseload(client, signed_in, worker, accompany, role):
    accompany(worker, name="Camille")
    signed_in(role)
    response = client.get(f"/caseload/?worker={worker.id}")
    assert response.status_code == 403


def test_a_worker_sees_only_their_own_caseload_whatever_the_url(client, worker, make_profile, accompany):
    other = make_profile()
    accompany(other, name="Not yours")
    _sign_in_worker(client, worker)
    html = client.get(f"/caseload/?worker={other.id}").get_data(as_text=True)
    assert "Not yours" not in html


def test_signed_out_is_sent_to_sign_in(client):
    response = client.get("/caseload/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_worker_without_profile_gets_an_explanation(client, signed_in):
    signed_in("peer_worker", locale="en")
    assert "has not opened your peer worker profile" in client.get("/caseload/").get_data(as_text=True)


def test_constant_number_of_statements_at_5_and_500_people(app, client, worker, accompany, make_meeting):
    from peer_support.extensions import db
    from peer_support.meetings.models import Meeting, MeetingParticipant

    now = utcnow()

    def add_people(count):
        people = [accompany(worker, name=f"P{index}") for index in range(count)]
        for index, person in enumerate(people):
            starts = now - timedelta(days=index % 40 + 1)
            meeting = Meeting(peer_profile_id=worker.id, format="individual", status="held", starts_at=starts,
                              duration_minutes=30, ends_at=starts + timedelta(minutes=30), place_kind="hospital")
            meeting.participants = [MeetingParticipant(service_user_id=person.id, status="attended")]
            db.session.add(meeting)
        db.session.commit()

    _sign_in_worker(client, worker)
    add_people(5)
    small = statements_for_get(client, "/caseload/")
    add_people(495)
    # Adding 495 people may take longer than the sign-in session's "last seen" resolution on a loaded machine:
    # one request first, so the bookkeeping write it may do is not counted as the page's.
    client.get("/caseload/")
    large = statements_for_get(client, "/caseload/?sort=next_meeting&page=3")
    assert small == large


def test_the_view_is_audited_once_the_page_is_rendered(client, worker, accompany):
    """A GET writes its trace when it commits, after the page's last query (the navigation's unread count, the
    list): written earlier, it took SQLite's write lock for the rest of the rendering, and concurrent pages
    rendered one after the other."""
    from tests.helpers import counted_statements

    accompany(worker, name="Camille")
    _sign_in_worker(client, worker)
    client.get("/caseload/")  # the sign-in session's "last seen" bookkeeping, not this page's
    with counted_statements() as statements:
        assert client.get("/caseload/").status_code == 200
    reads = [index for index, statement in enumerate(statements) if statement.lstrip().upper().startswith("SELECT")]
    writes = [index for index, statement in enumerate(statements) if "INSERT INTO audit_entry" in statement]
    assert len(writes) == 1 and len(reads) >= 3 and writes[0] > max(reads)
    assert audit_entries("caseload.view")


@pytest.mark.parametrize("query", ["worker=abc", "sort=bogus&order=up", "page=-1", "page=999999999999", "status=x"])
def test_bad_query_strings_never_fail(client, signed_in, worker, query):
    signed_in("coordinator")
    assert client.get(f"/caseload/?{query}").status_code in (200, 404)


def test_each_row_escapes_what_people_typed_and_links_the_worker_to_the_person(client, signed_in, worker, accompany):
    """The rows are written by caseload/table.py, not by the template: a name, a code or a contact detail is
    escaped like any template value, the contact detail shown is the one of the chosen channel, the worker's four
    links name the person for screen readers, and the coordinator, who does not accompany them, has no links."""
    hostile = accompany(worker, name='<script>alert("x")</script> & Cie', channel="phone", phone="<b>06</b>")
    emailed = accompany(worker, name="Basile", channel="email", status="accepted", accepted_at=utcnow())
    emailed.email = "basile&co@example.org"
    from peer_support.extensions import db
    db.session.commit()
    _sign_in_worker(client, worker)

    html = client.get("/caseload/").get_data(as_text=True)

    assert "<script>alert" not in html and "<b>06</b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Cie" in html
    assert "&lt;b&gt;06&lt;/b&gt;" in html and "basile&amp;co@example.org" in html
    assert f"/meetings/quick-log?person={hostile.id}" in html and f"/meetings/new?person={emailed.id}" in html
    assert '<span class="visually-hidden"> — Basile</span>' in html
    assert "accepted 0 days ago" in html

    signed_in("coordinator", locale="fr")
    page = client.get(f"/caseload/?worker={worker.id}").get_data(as_text=True)
    assert "&lt;script&gt;" in page and "Basile" in page
    assert "quick-log?person=" not in page and "Aucune rencontre pour l'instant" in page
