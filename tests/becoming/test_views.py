"""Becoming a peer worker: the person says so in their space; the coordinator follows it; nobody else sees it."""
import pytest
import sqlalchemy as sa

from peer_support.extensions import db
from peer_support.people.models import PeerWorkInterest, peer_work_interest_programme
from tests.conftest import sign_in
from tests.helpers import audit_entries, has_field_error, statements_for_get
from tests.myspace.conftest import linked_person
from tests.triage.conftest import new_person


def _interest():
    db.session.expire_all()
    return db.session.scalar(sa.select(PeerWorkInterest))


def _link(interest, programmes):
    db.session.execute(sa.insert(peer_work_interest_programme),
                       [{"interest_id": interest.id, "programme_id": p.id} for p in programmes])


def _new_interest(person, status="interested", **fields):
    interest = PeerWorkInterest(service_user_id=person.id, status=status, **fields)
    db.session.add(interest)
    db.session.commit()
    return interest


def test_the_person_says_they_would_like_to_become_a_peer_worker(client, units):
    person, account = linked_person(units=[units[0]])
    sign_in(client, account)
    assert "I would like to become a peer worker" in client.get("/my-space/").get_data(as_text=True)
    response = client.post("/my-space/become-a-peer-worker", data={"message": "Je voudrais aider à mon tour."})
    assert response.status_code == 302
    interest = _interest()
    assert (interest.service_user_id, interest.status, interest.message) == (
        person.id, "interested", "Je voudrais aider à mon tour.")
    [entry] = audit_entries("becoming.interest")
    assert entry.details["created"] is True and "aider" not in str(entry.details)
    page = client.get("/my-space/become-a-peer-worker").get_data(as_text=True)
    assert "Interested" in page and "Je voudrais aider à mon tour." in page
    # Saying it again updates the message; it stays one record.
    client.post("/my-space/become-a-peer-worker", data={"message": "Plus précisément : la pair-aidance en oncologie."})
    assert _interest().message.startswith("Plus précisément")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PeerWorkInterest)) == 1


def test_after_not_now_the_person_can_be_interested_again(client, units):
    person, account = linked_person(units=[units[0]])
    _new_interest(person, status="not_now", note="On en reparle dans six mois.")
    sign_in(client, account)
    page = client.get("/my-space/become-a-peer-worker").get_data(as_text=True)
    assert "Not now" in page and "On en reparle dans six mois." in page and "I am interested again" in page
    client.post("/my-space/become-a-peer-worker", data={"message": ""})
    assert _interest().status == "interested"


def test_an_oversized_message_is_refused_and_kept(client, units):
    _person, account = linked_person(units=[units[0]])
    sign_in(client, account)
    response = client.post("/my-space/become-a-peer-worker", data={"message": "m" * 2001})
    assert response.status_code == 400
    assert has_field_error(response.get_data(as_text=True), "message") and "m" * 2001 in response.get_data(as_text=True)
    assert _interest() is None


def test_the_coordinator_follows_up_and_the_person_reads_it(client, signed_in, units, programmes, make_account):
    person, account = linked_person(units=[units[0]], name="Théo")
    interest = _new_interest(person, message="Jy pense depuis longtemps.")
    coordinator = signed_in("coordinator", locale="en")
    page = client.get("/becoming-a-peer-worker/").get_data(as_text=True)
    assert "Théo" in page and person.code in page and f"/becoming-a-peer-worker/{interest.id}" in page
    page = client.get(f"/becoming-a-peer-worker/{interest.id}").get_data(as_text=True)
    assert "Jy pense depuis longtemps." in page
    assert "University diploma in peer support" in page and "Old module" not in page  # active programmes only
    assert len(audit_entries("becoming.view")) == 1
    response = client.post(f"/becoming-a-peer-worker/{interest.id}", data={
        "status": "informed", "note": "Rendez-vous le 12 mars.", "programme_ids": [programmes[0].id]})
    assert response.status_code == 302
    interest = _interest()
    assert (interest.status, interest.note, interest.updated_by_id) == (
        "informed", "Rendez-vous le 12 mars.", coordinator.id)
    assert [p.id for p in db.session.scalars(sa.select(PeerWorkInterest).options(
        sa.orm.selectinload(PeerWorkInterest.programmes))).one().programmes] == [programmes[0].id]
    [entry] = audit_entries("becoming.update")
    assert entry.details["fields"] == ["status", "note", "programmes"]
    client.get("/logout")
    sign_in(client, account)
    page = client.get("/my-space/become-a-peer-worker").get_data(as_text=True)
    assert "Informed" in page and "Rendez-vous le 12 mars." in page
    assert "University diploma in peer support" in page
    assert "Informed" in client.get("/my-space/").get_data(as_text=True)


def test_a_withdrawn_programme_or_an_unknown_status_is_refused(client, signed_in, units, programmes):
    person = new_person(units=[units[0]])
    interest = _new_interest(person)
    signed_in("coordinator", locale="en")
    response = client.post(f"/becoming-a-peer-worker/{interest.id}", data={
        "status": "informed", "note": "Gardé", "programme_ids": [programmes[2].id]})
    assert response.status_code == 400 and has_field_error(response.get_data(as_text=True), "programme_ids")
    assert "Gardé" in response.get_data(as_text=True)
    response = client.post(f"/becoming-a-peer-worker/{interest.id}", data={"status": "astronaut"})
    assert response.status_code == 400 and has_field_error(response.get_data(as_text=True), "status")
    assert _interest().status == "interested"


def test_a_programme_linked_before_it_was_withdrawn_stays_choosable(client, signed_in, units, programmes):
    person = new_person(units=[units[0]])
    interest = _new_interest(person)
    _link(interest, [programmes[2]])
    db.session.commit()
    signed_in("coordinator", locale="en")
    assert "Old module" in client.get(f"/becoming-a-peer-worker/{interest.id}").get_data(as_text=True)
    response = client.post(f"/becoming-a-peer-worker/{interest.id}", data={
        "status": "applied", "programme_ids": [programmes[2].id, programmes[1].id]})
    assert response.status_code == 302


def test_the_coordinator_records_a_wish_from_the_record(client, signed_in, units):
    person = new_person(name="Inès", units=[units[0]])
    db.session.commit()
    signed_in("coordinator", locale="en")
    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert f"/becoming-a-peer-worker/new/{person.id}" in page
    response = client.post(f"/becoming-a-peer-worker/new/{person.id}", data={"message": "Dit en entretien."})
    assert response.status_code == 302
    interest = _interest()
    assert (interest.status, interest.message) == ("interested", "Dit en entretien.")
    assert len(audit_entries("becoming.create")) == 1
    # Once recorded, the record links to it and recording again leads to it.
    assert f"/becoming-a-peer-worker/{interest.id}" in client.get(f"/people/{person.id}").get_data(as_text=True)
    response = client.get(f"/becoming-a-peer-worker/new/{person.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/{interest.id}")
    assert client.get("/becoming-a-peer-worker/new/999999").status_code == 404


def test_filter_by_status(client, signed_in, units):
    _new_interest(new_person(name="Alice", units=[units[0]]), status="hired")
    _new_interest(new_person(name="Bruno", units=[units[0]]), status="not_now")
    signed_in("coordinator", locale="en")
    page = client.get("/becoming-a-peer-worker/?status=hired").get_data(as_text=True)
    assert "Alice" in page and "Bruno" not in page
    page = client.get("/becoming-a-peer-worker/?status=bogus").get_data(as_text=True)
    assert "Alice" in page and "Bruno" in page


def test_csv_export(client, signed_in, units, programmes):
    interest = _new_interest(new_person(name="=cmd()", units=[units[0]]), status="in_training")
    _link(interest, [programmes[0]])
    db.session.commit()
    _new_interest(new_person(name="Bruno", units=[units[0]]), status="not_now")
    signed_in("coordinator", locale="en")
    response = client.get("/becoming-a-peer-worker/export.csv?status=in_training")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert "'=cmd()" in text and "In training" in text and "University diploma in peer support" in text
    assert "Bruno" not in text
    [entry] = audit_entries("becoming.export")
    assert entry.details == {"status": "in_training", "rows": 1}


@pytest.mark.parametrize("role", ["staff", "peer_worker", "service_user", "researcher"])
def test_nobody_else_reaches_the_coordinator_pages(client, signed_in, units, role):
    person, _account = linked_person(units=[units[0]])
    interest = _new_interest(person)
    signed_in(role, units=[units[0]])
    for url in ("/becoming-a-peer-worker/", "/becoming-a-peer-worker/export.csv",
                f"/becoming-a-peer-worker/{interest.id}", f"/becoming-a-peer-worker/new/{person.id}"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/becoming-a-peer-worker/{interest.id}", data={"status": "hired"}).status_code == 403
    assert _interest().status == "interested"


def test_the_person_whose_wish_it_is_still_uses_only_their_own_space(client, units):
    person, account = linked_person(units=[units[0]])
    interest = _new_interest(person)
    other, _ = linked_person(units=[units[0]], name="Autre")
    _new_interest(other, note="Note pour Autre")
    sign_in(client, account)
    assert client.get(f"/becoming-a-peer-worker/{interest.id}").status_code == 403
    assert "Note pour Autre" not in client.get("/my-space/become-a-peer-worker").get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    for url in ("/becoming-a-peer-worker/", "/becoming-a-peer-worker/1", "/becoming-a-peer-worker/export.csv"):
        assert client.get(url).status_code == 302


def test_the_list_runs_a_constant_number_of_statements(client, signed_in, units, programmes):
    signed_in("coordinator")
    for i in range(5):
        interest = _new_interest(new_person(name=f"P{i}", units=[units[0]]))
        _link(interest, programmes[:2])
    db.session.commit()
    small = statements_for_get(client, "/becoming-a-peer-worker/")
    for i in range(45):
        interest = _new_interest(new_person(name=f"Q{i}", units=[units[0]]), status="informed")
        _link(interest, programmes[:2])
    db.session.commit()
    assert statements_for_get(client, "/becoming-a-peer-worker/") == small


def test_staff_reading_the_record_do_not_see_the_wish(client, signed_in, units):
    person = new_person(name="Inès", units=[units[0]])
    _new_interest(person, note="Note du coordinateur")
    signed_in("staff", units=[units[0]], locale="en")
    page = client.get(f"/people/{person.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Wish to become a peer worker" not in html and "/becoming-a-peer-worker" not in html
    assert "send an invitation by e-mail" not in html
