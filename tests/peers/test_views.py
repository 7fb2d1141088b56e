"""Peer worker pages: who sees what, who changes what."""
import pytest
import sqlalchemy as sa

from peer_support.extensions import db
from peer_support.peers.models import Absence, PeerDomain, PeerProfile, PresenceSlot
from peer_support.units.models import Unit
from tests.conftest import ROLES, sign_in
from tests.helpers import account_of, audit_entries, has_field_error, input_value


def test_directory_shows_shared_experience_only(client, signed_in, domains, make_profile):
    make_profile(shared=[domains[0]], private=[domains[1]], presentation="J'ai connu l'hôpital.")
    signed_in("staff", locale="en")
    table = client.get("/peers/").get_data(as_text=True).split("<tbody>")[1]
    assert "Schizophrenia" in table and "Bipolar disorder" not in table
    filtered = client.get(f"/peers/?domain={domains[1].id}").get_data(as_text=True)
    assert "No peer worker matches these filters." in filtered


@pytest.mark.parametrize("role", ["service_user", "researcher"])
def test_directory_and_profiles_are_not_for_service_users_or_researchers(client, signed_in, make_profile, role):
    profile = make_profile()
    signed_in(role)
    assert client.get("/peers/").status_code == 403
    assert client.get(f"/peers/{profile.id}").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, make_profile):
    profile = make_profile()
    for url in ("/peers/", f"/peers/{profile.id}", f"/peers/{profile.id}/edit", "/peers/domains"):
        assert client.get(url).headers["Location"].startswith("/login"), url


def test_private_experience_is_seen_by_the_worker_alone(app, client, signed_in, domains, make_profile, make_account):
    profile = make_profile(shared=[domains[0]], private=[domains[1]])
    for role in ("coordinator", "staff", "peer_worker"):
        viewer = app.test_client()
        sign_in(viewer, make_account(role, locale="en"))
        page = viewer.get(f"/peers/{profile.id}").get_data(as_text=True)
        assert "Schizophrenia" in page and "Bipolar disorder" not in page, role
    sign_in(client, account_of(profile))
    own = client.get(f"/peers/{profile.id}").get_data(as_text=True)
    assert "Bipolar disorder" in own and "kept to myself" in own


def test_the_frame_is_for_the_worker_their_supervisor_and_the_coordinator(app, make_account, make_profile):
    supervisor = make_account("staff", locale="en")
    profile = make_profile(supervisor=supervisor, max_caseload=7)
    db.session.add(Absence(profile_id=profile.id, starts_on=__import__("datetime").date(2099, 1, 1),
                           ends_on=__import__("datetime").date(2099, 1, 5), kind="sick", public_note="Back soon"))
    db.session.commit()
    readers = {"coordinator": make_account("coordinator", locale="en"), "supervisor": supervisor,
               "worker": account_of(profile)}
    others = {"other staff": make_account("staff", locale="en"),
              "other worker": make_account("peer_worker", locale="en")}
    for who, account in {**readers, **others}.items():
        viewer = app.test_client()
        sign_in(viewer, account)
        page = viewer.get(f"/peers/{profile.id}").get_data(as_text=True)
        assert "Back soon" in page, who  # the public note is for everyone who sees the profile
        assert ("Maximum active caseload" in page) == (who in readers), who
        assert ("Sick leave" in page) == (who in readers), who


def test_coordinator_creates_a_profile(client, signed_in, make_account):
    worker = make_account("peer_worker")
    supervisor = make_account("staff")
    signed_in("coordinator", locale="en")
    assert client.get("/peers/new").status_code == 200
    response = client.post("/peers/new", data={
        "account_id": worker.id, "presentation": "Pair-aidante depuis 2019", "languages": ["fr", "es"],
        "meeting_formats": ["individual", "phone"], "status": "active", "max_caseload": "10",
        "supervisor_id": str(supervisor.id), "started_on": "2024-09-01"})
    profile = db.session.scalar(sa.select(PeerProfile).where(PeerProfile.account_id == worker.id))
    assert response.headers["Location"] == f"/peers/{profile.id}"
    assert (profile.max_caseload, profile.supervisor_id, profile.languages) == (10, supervisor.id, ["es", "fr"])
    assert audit_entries("peers.profile_create")[-1].object_id == str(profile.id)


def test_bad_profile_input_is_a_form_error_and_keeps_what_was_typed(client, signed_in, make_account):
    worker = make_account("peer_worker")
    signed_in("coordinator", locale="en")
    response = client.post("/peers/new", data={
        "account_id": worker.id, "presentation": "Mon texte", "status": "active", "max_caseload": "0",
        "supervisor_id": "abc", "started_on": "not a date"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert has_field_error(page, "max_caseload") and has_field_error(page, "supervisor_id")
    assert has_field_error(page, "started_on") and "Mon texte" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PeerProfile)) == 0


def test_the_worker_edits_their_presentation_but_not_the_frame(client, make_profile):
    profile = make_profile(max_caseload=5)
    sign_in(client, account_of(profile))
    form = client.get(f"/peers/{profile.id}/edit").get_data(as_text=True)
    assert 'name="max_caseload"' not in form and 'name="supervisor_id"' not in form
    client.post(f"/peers/{profile.id}/edit", data={"presentation": "Bonjour", "languages": ["fr"],
                                                   "meeting_formats": ["informal"], "max_caseload": "99",
                                                   "status": "left"})
    db.session.refresh(profile)
    assert (profile.presentation, profile.meeting_formats) == ("Bonjour", ["informal"])
    assert (profile.max_caseload, profile.status) == (5, "active")


def test_nobody_else_edits_a_profile(app, make_profile, make_account):
    profile = make_profile()
    other_worker = make_profile()
    for account, expected in ((make_account("staff"), 403), (account_of(other_worker), 404),
                              (make_account("service_user"), 403)):
        viewer = app.test_client()
        sign_in(viewer, account)
        for url in (f"/peers/{profile.id}/edit", f"/peers/{profile.id}/presence"):
            assert viewer.get(url).status_code == expected, (account.role, url)
        assert viewer.post(f"/peers/{profile.id}/presence/slots",
                           data={"slot-weekday": "0", "slot-starts_at": "09:00", "slot-ends_at": "10:00",
                                 "slot-place": "x"}).status_code == expected
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PresenceSlot)) == 0


def test_only_the_worker_reaches_their_experience_page(app, client, domains, make_profile, make_account):
    profile = make_profile()
    coordinator = app.test_client()
    sign_in(coordinator, make_account("coordinator"))
    assert coordinator.get(f"/peers/{profile.id}/experience").status_code == 403
    other = app.test_client()
    sign_in(other, account_of(make_profile()))
    assert other.get(f"/peers/{profile.id}/experience").status_code == 404
    sign_in(client, account_of(profile))
    assert client.get(f"/peers/{profile.id}/experience").status_code == 200
    client.post(f"/peers/{profile.id}/experience", data={f"domain-{domains[2].id}": "shared",
                                                         f"domain-{domains[0].id}": "private"})
    links = {(link.domain_id, link.consent_to_matching) for link in db.session.scalars(sa.select(PeerDomain))}
    assert links == {(domains[2].id, True), (domains[0].id, False)}


def test_presence_times_and_absences_from_the_worker(client, make_profile):
    unit = Unit(code="CL3R", name="Réhabilitation")
    db.session.add(unit)
    db.session.commit()
    profile = make_profile(units=[unit])
    sign_in(client, account_of(profile))
    added = client.post(f"/peers/{profile.id}/presence/slots", data={
        "slot-weekday": "2", "slot-starts_at": "14:00", "slot-ends_at": "16:30", "slot-place": "Bureau 4",
        "slot-unit_id": str(unit.id)})
    assert added.status_code == 302
    overlapping = client.post(f"/peers/{profile.id}/presence/slots", data={
        "slot-weekday": "2", "slot-starts_at": "16:00", "slot-ends_at": "17:00", "slot-place": "Cafétéria"})
    assert overlapping.status_code == 400
    assert input_value(overlapping.get_data(as_text=True), "slot-place") == "Cafétéria"
    absence = client.post(f"/peers/{profile.id}/presence/absences", data={
        "absence-starts_on": "2099-03-01", "absence-ends_on": "2099-03-10", "absence-kind": "leave",
        "absence-public_note": "Retour le 11 mars"})
    assert absence.status_code == 302
    backwards = client.post(f"/peers/{profile.id}/presence/absences", data={
        "absence-starts_on": "2099-03-10", "absence-ends_on": "2099-03-01", "absence-kind": "leave"})
    assert backwards.status_code == 400
    page = client.get(f"/peers/{profile.id}").get_data(as_text=True)
    assert "Bureau 4 (CL3R)" in page and "Retour le 11 mars" in page and "Wednesday" in page
    slot = db.session.scalar(sa.select(PresenceSlot))
    assert client.post(f"/peers/{profile.id}/presence/slots/{slot.id}/delete").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PresenceSlot)) == 0


def test_a_slot_of_another_profile_cannot_be_removed_through_mine(client, make_profile):
    mine, theirs = make_profile(), make_profile()
    db.session.add(PresenceSlot(profile_id=theirs.id, weekday=0, starts_at=__import__("datetime").time(9),
                                ends_at=__import__("datetime").time(10), place="Ailleurs"))
    db.session.commit()
    slot_id = db.session.scalar(sa.select(PresenceSlot.id))
    sign_in(client, account_of(mine))
    client.post(f"/peers/{mine.id}/presence/slots/{slot_id}/delete")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PresenceSlot)) == 1


@pytest.mark.parametrize("role", [r for r in ROLES if r != "coordinator"])
def test_only_coordinators_manage_the_vocabulary(client, signed_in, domains, role):
    signed_in(role)
    assert client.get("/peers/domains").status_code == 403
    assert client.post("/peers/domains/new", data={"name_fr": "Addiction", "name_en": "Addiction"}).status_code == 403


def test_coordinator_manages_the_vocabulary(client, signed_in, domains):
    signed_in("coordinator", locale="en")
    assert client.post("/peers/domains/new", data={"name_fr": "Addiction", "name_en": "Addiction",
                                                   "is_active": "y"}).status_code == 302
    duplicate = client.post("/peers/domains/new", data={"name_fr": "schizophrénie", "name_en": "Psychosis"})
    assert has_field_error(duplicate.get_data(as_text=True), "name_fr")
    assert input_value(duplicate.get_data(as_text=True), "name_en") == "Psychosis"
    edited = client.post(f"/peers/domains/{domains[2].id}/edit", data={"name_fr": "Cancer du sein",
                                                                       "name_en": "Breast cancer"})
    assert edited.status_code == 302
    db.session.refresh(domains[2])
    assert domains[2].is_active is False  # unticked: no longer offered, kept for those who have it


def test_a_worker_without_profile_is_told_so(client, signed_in):
    signed_in("peer_worker", locale="en")
    assert "has not been opened yet" in client.get("/peers/me").get_data(as_text=True)


def test_directory_query_count_does_not_grow_with_the_number_of_workers(app, client, signed_in, domains,
                                                                          make_profile):
    from sqlalchemy import event

    signed_in("coordinator", locale="en")

    def statements():
        counted = []
        listener = lambda *args: counted.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/peers/").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(counted)

    make_profile(shared=[domains[0]])
    few = statements()
    for _ in range(8):
        make_profile(shared=[domains[1]], private=[domains[2]])
    assert statements() == few
