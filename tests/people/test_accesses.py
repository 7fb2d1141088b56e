"""Who saw this record: the coordinator's list on the record, the person's own in My space."""
import pytest

from peer_support.audit.services import record
from peer_support.db import utcnow
from peer_support.extensions import db
from tests.conftest import sign_in
from tests.helpers import audit_entries, counted_statements
from tests.meetings.conftest import make_meeting  # noqa: F401  (shared fixtures)
from tests.myspace.conftest import linked_person
from tests.peers.conftest import make_profile  # noqa: F401  (shared fixtures)
from tests.triage.conftest import new_person, new_referral, units  # noqa: F401  (shared fixtures)


def _rows(html: str) -> list[str]:
    """The table's body rows, as text."""
    if "<tbody>" not in html:
        return []
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    return [row for row in body.split("<tr>")[1:]]


@pytest.fixture
def world(app, units, make_account, make_profile, make_meeting):
    person, person_account = linked_person(units=[units[0]], name="Camille")
    other, other_account = linked_person(units=[units[0]], name="Hugo")
    nurse = make_account("staff", units=[units[0]], name="Nora Nurse", locale="en")
    coordinator = make_account("coordinator", name="Cora Coordinator", locale="en")
    worker = make_profile(units=[units[0]])
    worker_account = worker.account
    referral = new_referral(person, unit=units[0], status="active", peer_profile=worker, actor=nurse,
                            referred_by_id=nurse.id)
    meeting = make_meeting(worker, [person])
    return {"person": person, "person_account": person_account, "other": other, "other_account": other_account,
            "nurse": nurse, "coordinator": coordinator, "worker": worker, "worker_account": worker_account,
            "referral": referral, "meeting": meeting}


def test_the_coordinator_sees_every_access_to_the_record_its_referrals_and_meetings(app, client, world):
    nurse_view = app.test_client()
    sign_in(nurse_view, world["nurse"])
    assert nurse_view.get(f"/people/{world['person'].id}").status_code == 200
    assert nurse_view.get(f"/referrals/{world['referral'].id}").status_code == 200
    # Somebody else's record: not in Camille's list.
    assert nurse_view.get(f"/people/{world['other'].id}").status_code == 200
    record("meetings.view", actor=world["worker_account"], object_type="meeting", object_id=world["meeting"].id,
           now=utcnow())
    db.session.commit()
    sign_in(client, world["coordinator"])
    page = client.get(f"/people/{world['person'].id}/accesses").get_data(as_text=True)
    rows = _rows(page)
    assert len(rows) == 3
    assert "Meeting read" in rows[0] and "Peer worker" in rows[0]
    assert "Referral read" in rows[1] and "Nora Nurse" in rows[1] and "Care staff" in rows[1]
    assert "Service user record read" in rows[2] and "Nora Nurse" in rows[2]
    [entry] = audit_entries("people.access_log_view")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        world["coordinator"].id, "service_user", str(world["person"].id))
    # Reading the list is an access too: it is listed the next time.
    again = _rows(client.get(f"/people/{world['person'].id}/accesses").get_data(as_text=True))
    assert len(again) == 4 and "List of who saw the record read" in again[0]
    assert "Who saw this record" in client.get(f"/people/{world['person'].id}").get_data(as_text=True)


def test_the_person_sees_the_others_accesses_not_their_own_visits(app, client, world):
    nurse_view = app.test_client()
    sign_in(nurse_view, world["nurse"])
    nurse_view.get(f"/people/{world['person'].id}")
    nurse_view.get(f"/people/{world['other'].id}")
    world["person_account"].locale = "en"
    db.session.commit()
    sign_in(client, world["person_account"])
    space = client.get("/my-space/").get_data(as_text=True)  # a visit of their own: recorded, not listed
    assert "/my-space/who-saw-my-record" in space
    page = client.get("/my-space/who-saw-my-record").get_data(as_text=True)
    rows = _rows(page)
    assert len(rows) == 1 and "Nora Nurse" in rows[0] and "Service user record read" in rows[0]
    assert len(audit_entries("myspace.view")) == 1


def test_another_participant_acting_on_a_shared_meeting_is_not_listed(app, client, world, make_meeting):
    group = make_meeting(world["worker"], [world["person"], world["other"]])
    record("myspace.meeting_cancel", actor=world["other_account"], object_type="meeting", object_id=group.id,
           now=utcnow())
    record("meetings.view", actor=world["worker_account"], object_type="meeting", object_id=group.id, now=utcnow())
    db.session.commit()
    sign_in(client, world["coordinator"])
    rows = _rows(client.get(f"/people/{world['person'].id}/accesses").get_data(as_text=True))
    assert len(rows) == 1 and "Peer worker" in rows[0]
    assert world["other_account"].name not in "".join(rows)
    # On the other person's own list, the worker's view is there too, and their own action is not.
    world["other_account"].locale = "en"
    db.session.commit()
    sign_in(client, world["other_account"])
    own = _rows(client.get("/my-space/who-saw-my-record").get_data(as_text=True))
    assert len(own) == 1 and world["person_account"].name not in "".join(own)


def test_a_person_without_accesses_gets_a_kind_empty_list(client, world):
    world["other_account"].locale = "en"
    db.session.commit()
    sign_in(client, world["other_account"])
    page = client.get("/my-space/who-saw-my-record").get_data(as_text=True)
    assert "Nobody else has opened your record yet." in page


@pytest.mark.parametrize("role", ["staff", "peer_worker", "researcher", "service_user"])
def test_only_the_coordinator_reads_the_list_on_a_record(app, client, world, make_account, units, role):
    sign_in(client, make_account(role, units=[units[0]]))
    response = client.get(f"/people/{world['person'].id}/accesses")
    assert response.status_code in (403, 404)
    assert "Nora Nurse" not in response.get_data(as_text=True)
    assert audit_entries("people.access_log_view") == []


@pytest.mark.parametrize("role", ["coordinator", "staff", "peer_worker", "researcher"])
def test_my_list_is_for_service_users_only(client, make_account, units, role):
    sign_in(client, make_account(role, units=[units[0]]))
    assert client.get("/my-space/who-saw-my-record").status_code == 403


def test_the_list_is_paged_in_a_constant_number_of_statements(app, client, world):
    def views(count):
        for _ in range(count):
            record("people.view", actor=world["nurse"], object_type="service_user", object_id=world["person"].id,
                   now=utcnow())
        db.session.commit()

    sign_in(client, world["coordinator"])
    url = f"/people/{world['person'].id}/accesses"
    views(5)
    with counted_statements() as few:
        client.get(url)
    views(120)
    with counted_statements() as many:
        page = client.get(url).get_data(as_text=True)
    assert len(many) == len(few)
    assert len(_rows(page)) == 50 and "Page 1 of 3" in page
    second = client.get(url + "?page=2").get_data(as_text=True)
    assert len(_rows(second)) == 50 and f"/people/{world['person'].id}/accesses?page=3" in second
