"""Triage pages: who reaches what, the queue and its filters, the steps through the forms, query counts."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from peer_support.auth.models import Account
from peer_support.extensions import db
from peer_support.people.models import ServiceUser
from peer_support.referrals.models import Referral, ReferralEvent
from peer_support.timezones import local_date
from peer_support.db import utcnow
from tests.conftest import sign_in
from tests.helpers import account_of, audit_entries, has_field_error

COORDINATOR_PAGES = ("/triage/", "/triage/{id}")
COORDINATOR_POSTS = ("triaged", "propose", "revoke", "hold", "resume", "start", "close")


@pytest.fixture
def referral(app, units, make_person, make_referral):
    person = make_person(name="Yasmine Secret", units=[units[0]], language="ar")
    return make_referral(person, unit=units[0], formats=["phone"], reason="Diagnostic récent, isolement")


@pytest.mark.parametrize("role", ["staff", "service_user", "researcher", "peer_worker"])
def test_only_the_coordinator_reaches_the_queue_and_the_triage_page(client, signed_in, referral, role):
    signed_in(role, locale="en")
    for url in COORDINATOR_PAGES:
        response = client.get(url.format(id=referral.id))
        assert response.status_code == 403 and "Yasmine" not in response.get_data(as_text=True), url
    for step in COORDINATOR_POSTS:
        assert client.post(f"/triage/{referral.id}/{step}", data={"close-close_reason": "other"}).status_code == 403
    assert db.session.get(Referral, referral.id).status == "new"


@pytest.mark.parametrize("role", ["coordinator", "staff", "service_user", "researcher"])
def test_the_proposals_page_is_for_peer_workers(client, signed_in, role):
    signed_in(role)
    assert client.get("/triage/proposals").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, referral):
    for url in ("/triage/", f"/triage/{referral.id}", "/triage/proposals"):
        assert client.get(url).headers["Location"].startswith("/login"), url
    response = client.post(f"/triage/proposals/{referral.id}/accept")
    assert response.headers["Location"].startswith("/login")


def test_an_unknown_referral_is_not_found(client, signed_in):
    signed_in("coordinator")
    assert client.get("/triage/4242").status_code == 404
    assert client.post("/triage/4242/close", data={"close-close_reason": "other"}).status_code == 404


def test_the_triage_page_shows_the_person_the_referral_the_history_and_suggestions(
        client, signed_in, units, referral, make_profile):
    worker = make_profile(units=[units[0]], languages=["ar"], meeting_formats=["phone"])
    coordinator = signed_in("coordinator", locale="en")
    page = client.get(f"/triage/{referral.id}").get_data(as_text=True)
    for text in ("Yasmine Secret", "CL3R", "Arabic", "By phone", "Diagnostic récent, isolement",
                 "Referral received", "Suggested peer workers", account_of(worker).name,
                 "works in CL3R; speaks Arabic; offers: phone call; 12 places left"):
        assert text in page, text
    # Opening the referral shows the person's record: audited, for the referral and for the person.
    assert audit_entries("triage.view")[-1].object_id == str(referral.id)
    view = audit_entries("people.view")[-1]
    assert (view.actor_id, view.object_id) == (coordinator.id, str(referral.service_user_id))


def test_wanted_domains_rerank_the_suggestions(client, signed_in, domains, referral, make_profile):
    plain = make_profile()
    sharing = make_profile(shared=[domains[1]])
    db.session.get(Account, plain.account_id).name = "Aaron"
    db.session.get(Account, sharing.account_id).name = "Zelda"
    db.session.commit()
    signed_in("coordinator", locale="en")
    page = client.get(f"/triage/{referral.id}").get_data(as_text=True)
    assert page.index("Aaron") < page.index("Zelda")
    page = client.get(f"/triage/{referral.id}?ranked=1&domain={domains[1].id}").get_data(as_text=True)
    assert page.index("Zelda") < page.index("Aaron") and "shares: Bipolar disorder" in page


def test_the_domain_asked_by_the_referral_ranks_first_until_the_coordinator_unticks_it(
        client, signed_in, domains, referral, make_profile):
    plain = make_profile()
    sharing = make_profile(shared=[domains[1]])
    db.session.get(Account, plain.account_id).name = "Aaron"
    db.session.get(Account, sharing.account_id).name = "Zelda"
    referral.wanted_domain_id = domains[1].id
    db.session.commit()
    signed_in("coordinator", locale="en")
    page = client.get(f"/triage/{referral.id}").get_data(as_text=True)
    assert page.index("Zelda") < page.index("Aaron") and "The referral asks for: Bipolar disorder" in page
    page = client.get(f"/triage/{referral.id}?ranked=1").get_data(as_text=True)
    assert page.index("Aaron") < page.index("Zelda")


def test_coordinator_proposes_and_the_worker_accepts(app, client, signed_in, referral, make_profile):
    worker = make_profile()
    signed_in("coordinator", locale="en")
    response = client.post(f"/triage/{referral.id}/propose",
                           data={"propose-peer_profile_id": worker.id, "propose-reason": "Même langue"})
    assert response.headers["Location"] == f"/triage/{referral.id}"
    assert "no completed initial qualification" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert (db.session.get(Referral, referral.id).status, db.session.get(Referral, referral.id).peer_profile_id) \
        == ("proposed", worker.id)

    worker_client = app.test_client()
    sign_in(worker_client, account_of(worker))
    home = worker_client.get("/").get_data(as_text=True)
    assert "1 referral is proposed to you" in home
    page = worker_client.get("/triage/proposals").get_data(as_text=True)
    assert "Yasmine Secret" in page and "Diagnostic récent" in page
    assert "06 00 00 00 00" not in page  # contact details come once the worker has accepted
    assert worker_client.post(f"/triage/proposals/{referral.id}/accept").status_code == 302
    db.session.expire_all()
    accepted = db.session.get(Referral, referral.id)
    assert (accepted.status, accepted.peer_profile_id) == ("accepted", worker.id) and accepted.accepted_at
    page = worker_client.get("/triage/proposals").get_data(as_text=True)
    assert "First contact made" in page and "06 00 00 00 00" in page
    assert worker_client.post(f"/triage/proposals/{referral.id}/start").status_code == 302
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == "active"


def test_declining_without_a_reason_is_a_form_error(app, client, referral, make_profile, make_referral):
    worker = make_profile()
    proposed = make_referral(status="proposed", peer_profile=worker)
    sign_in(client, account_of(worker))
    response = client.post(f"/triage/proposals/{proposed.id}/decline", data={f"decline-{proposed.id}-reason": " "})
    assert response.status_code == 400
    assert has_field_error(response.get_data(as_text=True), f"decline-{proposed.id}-reason")
    db.session.expire_all()
    assert db.session.get(Referral, proposed.id).status == "proposed"
    response = client.post(f"/triage/proposals/{proposed.id}/decline",
                           data={f"decline-{proposed.id}-reason": "Je connais la personne"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (db.session.get(Referral, proposed.id).status, db.session.get(Referral, proposed.id).peer_profile_id) \
        == ("triaged", None)


def test_a_worker_acts_only_on_referrals_proposed_to_them(app, client, make_profile, make_person, make_referral):
    mine, theirs = make_profile(), make_profile()
    hidden = make_referral(make_person(name="Personne Cachée"), status="proposed", peer_profile=theirs)
    accepted_elsewhere = make_referral(status="accepted", peer_profile=theirs)
    sign_in(client, account_of(mine))
    assert "Personne Cachée" not in client.get("/triage/proposals").get_data(as_text=True)
    for url, data in ((f"/triage/proposals/{hidden.id}/accept", {}),
                      (f"/triage/proposals/{hidden.id}/decline", {f"decline-{hidden.id}-reason": "non"}),
                      (f"/triage/proposals/{accepted_elsewhere.id}/start", {}),
                      ("/triage/proposals/4242/accept", {})):
        response = client.post(url, data=data)
        assert response.status_code == 404 and "Personne Cachée" not in response.get_data(as_text=True), url
    db.session.expire_all()
    assert (db.session.get(Referral, hidden.id).status, db.session.get(Referral, hidden.id).peer_profile_id) \
        == ("proposed", theirs.id)
    assert db.session.get(Referral, accepted_elsewhere.id).status == "accepted"
    assert not audit_entries("triage.accept") and not audit_entries("triage.decline")


def test_a_refused_step_keeps_the_page_and_what_was_typed(client, signed_in, referral):
    signed_in("coordinator", locale="en")
    yesterday = (local_date(utcnow()) - timedelta(days=1)).isoformat()
    response = client.post(f"/triage/{referral.id}/hold",
                           data={"hold-review_on": yesterday, "hold-reason": "Phase aiguë en cours"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and has_field_error(page, "hold-review_on")
    assert "Choose a review date after today." in page and "Phase aiguë en cours" in page
    response = client.post(f"/triage/{referral.id}/close", data={"close-close_reason": "other"})
    assert response.status_code == 400 and has_field_error(response.get_data(as_text=True), "close-reason")
    response = client.post(f"/triage/{referral.id}/propose", data={"propose-peer_profile_id": "99999"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == "new"


def test_coordinator_steps_through_the_forms(client, signed_in, referral):
    signed_in("coordinator", locale="en")
    review_on = (local_date(utcnow()) + timedelta(days=14)).isoformat()
    assert client.post(f"/triage/{referral.id}/triaged", data={"triaged-reason": ""}).status_code == 302
    assert client.post(f"/triage/{referral.id}/hold",
                       data={"hold-review_on": review_on, "hold-reason": "Phase aiguë"}).status_code == 302
    page = client.get(f"/triage/{referral.id}").get_data(as_text=True)
    assert "On hold until" in page and "Phase aiguë" in page and "Resume now" in page
    assert client.post(f"/triage/{referral.id}/resume", data={}).status_code == 302
    assert client.post(f"/triage/{referral.id}/close",
                       data={"close-close_reason": "user_declined"}).status_code == 302
    db.session.expire_all()
    closed = db.session.get(Referral, referral.id)
    assert (closed.status, closed.close_reason) == ("closed", "user_declined")
    statuses = db.session.scalars(sa.select(ReferralEvent.to_status).where(ReferralEvent.referral_id == referral.id)
                                  .order_by(ReferralEvent.id)).all()
    assert statuses == ["new", "triaged", "on_hold", "triaged", "closed"]
    page = client.get(f"/triage/{referral.id}").get_data(as_text=True)
    assert "A closed referral does not change any more." in page and "Close the referral" not in page


# --- The queue ---------------------------------------------------------------------------

def _rows(page: str) -> str:
    return page.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in page else ""


def test_the_queue_lists_what_waits_and_filters_it(client, signed_in, units, make_person, make_referral,
                                                   make_profile):
    cl3r, ts2a = units
    worker = make_profile()
    make_referral(make_person(name="Alpha"), unit=cl3r, care_stage="diagnosis", created_days_ago=10)
    make_referral(make_person(name="Bravo"), unit=ts2a, care_stage="ongoing_care", created_days_ago=2)
    make_referral(make_person(name="Charlie"), unit=cl3r, status="proposed", peer_profile=worker)
    make_referral(make_person(name="Delta"), unit=cl3r, status="active", peer_profile=worker)
    make_referral(make_person(name="Echo"), unit=cl3r, status="closed", close_reason="transferred")
    signed_in("coordinator", locale="en")
    rows = _rows(client.get("/triage/").get_data(as_text=True))
    assert [n for n in ("Alpha", "Bravo", "Charlie", "Delta", "Echo") if n in rows] == ["Alpha", "Bravo", "Charlie"]
    assert rows.index("Alpha") < rows.index("Bravo")  # the longest waiting first
    assert account_of(worker).name in rows
    rows = _rows(client.get(f"/triage/?unit={ts2a.id}").get_data(as_text=True))
    assert "Bravo" in rows and "Alpha" not in rows
    rows = _rows(client.get("/triage/?older_than=5").get_data(as_text=True))
    assert "Alpha" in rows and "Bravo" not in rows and "Charlie" not in rows
    rows = _rows(client.get("/triage/?stage=ongoing_care").get_data(as_text=True))
    assert "Bravo" in rows and "Alpha" not in rows
    rows = _rows(client.get("/triage/?status=open").get_data(as_text=True))
    assert "Delta" in rows and "Echo" not in rows
    rows = _rows(client.get("/triage/?status=closed").get_data(as_text=True))
    assert "Echo" in rows and "Alpha" not in rows
    response = client.get("/triage/?older_than=abc&unit=999999&status=nonsense")
    assert response.status_code == 200  # a bad filter is a form error, never a 500


def test_the_coordinator_home_counts_new_referrals(client, signed_in, make_referral):
    make_referral()
    make_referral()
    make_referral(status="triaged")
    signed_in("coordinator", locale="en")
    home = client.get("/").get_data(as_text=True)
    assert "2 new referrals wait for you." in home and 'href="/triage/"' in home


def _bulk_referrals(n: int, unit) -> None:
    start = db.session.scalar(sa.select(sa.func.count()).select_from(ServiceUser))
    people = [ServiceUser(code=f"PA-B{start + i:06d}", display_name=f"Bulk {i}", name_key=f"bulk{i}")
              for i in range(n)]
    db.session.add_all(people)
    db.session.flush()
    db.session.add_all([Referral(service_user_id=p.id, unit_id=unit.id, source="staff", status="new")
                        for p in people])
    db.session.commit()


def _count_statements(client, url):
    counted = []

    def count(*args):
        counted.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(counted)


def test_the_queue_runs_a_constant_number_of_queries(client, signed_in, units, make_profile):
    signed_in("coordinator", locale="en")
    _bulk_referrals(5, units[0])
    at_five = _count_statements(client, "/triage/")
    _bulk_referrals(495, units[0])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Referral)) == 500
    assert _count_statements(client, "/triage/") == at_five
    assert _count_statements(client, "/triage/?page=3") == at_five
