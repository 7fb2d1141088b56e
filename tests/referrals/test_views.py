"""Referring a person, "my referrals", and a referral's page for its referrer."""
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from peer_support.auth.models import Account
from peer_support.extensions import db
from peer_support.people.models import ServiceUser
from peer_support.referrals.models import Referral
from peer_support.timezones import local_today
from tests.conftest import sign_in
from tests.helpers import audit_entries, has_field_error, input_value


def _count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _referral_form(unit, **overrides):
    data = {"unit_id": str(unit.id), "reason": "Se sent seule depuis l'annonce", "care_stage": "diagnosis",
            "information_given": "Une personne qui a vécu la maladie", "information_page_given": "y",
            "agreed_to_contact": "y", "preferred_formats": ["informal", "phone"], "constraints": "Pas le lundi",
            "review_on": ""}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _person_form(**overrides):
    data = {"person-display_name": "Léa", "person-year_of_birth": "1990", "person-age_band": "",
            "person-gender": "", "person-preferred_language": "fr", "person-contact_channel": "in_person",
            "person-phone": "", "person-email": "", "person-contact_note": ""}
    data.update(overrides)
    return data


def test_staff_refer_a_person_from_the_record(client, signed_in, units, make_person):
    person = make_person("Léa", units=[units[0]])
    nurse = signed_in("staff", units=[units[0]], locale="en")
    assert f"/referrals/new?person={person.id}" in client.get(f"/people/{person.id}").get_data(as_text=True)
    page = client.get(f"/referrals/new?person={person.id}").get_data(as_text=True)
    assert "Léa" in page and person.code in page
    response = client.post(f"/referrals/new?person={person.id}", data=_referral_form(units[0]))
    referral = db.session.scalar(sa.select(Referral))
    assert response.headers["Location"] == f"/referrals/{referral.id}"
    assert (referral.service_user_id, referral.source, referral.referred_by_id, referral.status) == (
        person.id, "staff", nurse.id, "new")
    assert (referral.care_stage, referral.information_page_given, referral.preferred_formats) == (
        "diagnosis", True, ["informal", "phone"])
    assert audit_entries("referrals.create")[-1].object_id == str(referral.id)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Se sent seule" in page and "New" in page


def test_not_now_with_a_review_date(client, signed_in, units, make_person):
    person = make_person("Léa", units=[units[0]])
    signed_in("staff", units=[units[0]], locale="en")
    review = local_today() + timedelta(days=60)
    client.post(f"/referrals/new?person={person.id}",
                data=_referral_form(units[0], on_hold="y", review_on=review.isoformat(),
                                    care_stage="after_acute_phase"))
    referral = db.session.scalar(sa.select(Referral))
    assert (referral.status, referral.review_on) == ("on_hold", review)
    assert "On hold" in client.get("/referrals/mine").get_data(as_text=True)


@pytest.mark.parametrize("overrides, field", [
    ({"agreed_to_contact": None}, "agreed_to_contact"),
    ({"on_hold": "y", "review_on": ""}, "review_on"),
    ({"on_hold": "y", "review_on": "past"}, "review_on"),
    ({"on_hold": "y", "review_on": "31/02/2030"}, "review_on"),
    ({"unit_id": "9999"}, "unit_id"),
    ({"care_stage": ""}, "care_stage"),
    ({"reason": ""}, "reason"),
])
def test_bad_referrals_are_form_errors_that_keep_what_was_typed(client, signed_in, units, make_person,
                                                               overrides, field):
    person = make_person("Léa", units=[units[0]])
    signed_in("staff", units=[units[0]], locale="en")
    if overrides.get("review_on") == "past":
        overrides["review_on"] = (local_today() - timedelta(days=1)).isoformat()
    response = client.post(f"/referrals/new?person={person.id}", data=_referral_form(units[0], **overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert has_field_error(page, field), page
    assert "Pas le lundi" in page  # the constraints typed are still there
    assert _count(Referral) == 0


def test_the_agreement_is_explained(client, signed_in, units, make_person):
    person = make_person("Léa", units=[units[0]])
    signed_in("staff", units=[units[0]], locale="en")
    page = client.post(f"/referrals/new?person={person.id}",
                       data=_referral_form(units[0], agreed_to_contact=None)).get_data(as_text=True)
    assert "contacts only people who agreed to it" in page


def test_refer_someone_without_a_record_creates_it(client, signed_in, units):
    nurse = signed_in("staff", units=[units[0]], locale="en")
    assert client.get("/referrals/new").status_code == 200
    response = client.post("/referrals/new", data={**_person_form(), **_referral_form(units[0])})
    person = db.session.scalar(sa.select(ServiceUser))
    referral = db.session.scalar(sa.select(Referral))
    assert response.headers["Location"] == f"/referrals/{referral.id}"
    assert (person.display_name, person.created_by_id, referral.service_user_id) == ("Léa", nurse.id, person.id)
    db.session.expire_all()
    from peer_support.people.services import get_person
    assert [u.id for u in get_person(person.id).units] == [units[0].id]


def test_bad_person_details_store_nothing(client, signed_in, units):
    signed_in("staff", units=[units[0]], locale="en")
    page = client.post("/referrals/new", data={**_person_form(**{"person-year_of_birth": "2999"}),
                                               **_referral_form(units[0])}).get_data(as_text=True)
    assert has_field_error(page, "person-year_of_birth")
    assert input_value(page, "person-display_name") == "Léa"
    assert (_count(ServiceUser), _count(Referral)) == (0, 0)
    page = client.post("/referrals/new", data={**_person_form(), **_referral_form(units[1])}).get_data(as_text=True)
    assert has_field_error(page, "unit_id")  # not one of the nurse's units
    assert (_count(ServiceUser), _count(Referral)) == (0, 0)


def test_duplicate_warning_in_the_referral_flow(client, signed_in, units, make_person):
    existing = make_person("Léa", units=[units[0]], year_of_birth=1990)
    signed_in("staff", units=[units[0]], locale="en")
    typed = {**_person_form(**{"person-display_name": "lea "}), **_referral_form(units[0])}
    page = client.post("/referrals/new", data=typed).get_data(as_text=True)
    assert "This person may already have a record" in page and existing.code in page
    assert f'name="existing_person" value="{existing.id}"' in page
    assert input_value(page, "person-display_name") == "lea"
    assert (_count(ServiceUser), _count(Referral)) == (1, 0)
    # The same form, sent with "refer this record instead".
    response = client.post("/referrals/new", data={**typed, "existing_person": str(existing.id)})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Referral.service_user_id)) == existing.id
    assert _count(ServiceUser) == 1
    # Or: a different person.
    response = client.post("/referrals/new", data={**typed, "person-different_person": "y"})
    assert response.status_code == 302 and (_count(ServiceUser), _count(Referral)) == (2, 2)


def test_one_cannot_refer_a_record_one_may_not_see(client, signed_in, units, make_person):
    hidden = make_person("Léa", units=[units[1]])
    signed_in("staff", units=[units[0]], locale="en")
    assert client.get(f"/referrals/new?person={hidden.id}").status_code == 404
    assert client.post(f"/referrals/new?person={hidden.id}", data=_referral_form(units[1])).status_code == 404
    assert client.post("/referrals/new", data={**_person_form(), **_referral_form(units[0]),
                                               "existing_person": str(hidden.id)}).status_code == 404
    assert client.get("/referrals/new?person=abc").status_code == 404
    assert _count(Referral) == 0


def test_the_information_page_is_linked_only_when_it_exists(app, client, signed_in, units, make_person,
                                                            monkeypatch):
    person = make_person("Léa", units=[units[0]])
    signed_in("staff", units=[units[0]], locale="en")
    link = 'to show or print it'
    exists = "information.peer_worker" in app.view_functions
    assert (link in client.get(f"/referrals/new?person={person.id}").get_data(as_text=True)) == exists
    monkeypatch.delitem(app.view_functions, "information.peer_worker", raising=False)
    assert link not in client.get(f"/referrals/new?person={person.id}").get_data(as_text=True)


def test_my_referrals_show_status_dates_and_the_worker_once_accepted(client, signed_in, units, make_person,
                                                                    make_account, make_profile, make_referral):
    nurse = signed_in("staff", units=[units[0]], locale="en")
    accepted_by, proposed_to = make_profile(), make_profile()
    first, second, third = (make_person(name, units=[units[0]]) for name in ("Léa", "Hugo", "Nadia"))
    make_referral(first, nurse, units[0], steps=[("triaged", None), ("proposed", None), ("accepted", None)],
                  profile=accepted_by)
    make_referral(second, nurse, units[0], steps=[("triaged", None), ("proposed", None)], profile=proposed_to)
    make_referral(third, nurse, units[0], steps=[("closed", None)], close_reason="user_declined")
    make_referral(make_person("Autre", units=[units[0]]), make_account("staff", units=[units[0]]), units[0])
    page = client.get("/referrals/mine").get_data(as_text=True)
    table = page.split("<tbody>")[1]
    for text in ("Léa", first.code, "Hugo", "Nadia", "CL3R", "Accepted by a peer worker",
                 "Proposed to a peer worker", "Closed", "The person declined"):
        assert text in table, text
    assert "Autre" not in table
    names = {profile.id: db.session.get(Account, profile.account_id).name for profile in (accepted_by, proposed_to)}
    assert names[accepted_by.id] in table and names[proposed_to.id] not in table
    for word in ("meeting", "note", "Meeting", "Note"):
        assert word not in table


def test_a_referrals_history_hides_reasons_from_staff(app, units, make_person, make_account, make_profile,
                                                      make_referral):
    nurse = make_account("staff", units=[units[0]], locale="en")
    worker = make_profile()
    referral = make_referral(make_person("Léa", units=[units[0]]), nurse, units[0], profile=worker,
                             steps=[("triaged", None), ("proposed", None),
                                    ("triaged", "Je connais cette personne personnellement")])
    staff_view = app.test_client()
    sign_in(staff_view, nurse)
    page = staff_view.get(f"/referrals/{referral.id}").get_data(as_text=True)
    history = page.split('id="history-title"')[1]
    assert history.count("<tr>") == 5  # header + the four steps
    assert "Proposed to a peer worker" in history
    assert "personnellement" not in page
    coordinator_view = app.test_client()
    sign_in(coordinator_view, make_account("coordinator", locale="en"))
    assert "personnellement" in coordinator_view.get(f"/referrals/{referral.id}").get_data(as_text=True)


def test_who_reaches_referral_pages(app, client, units, make_person, make_account, make_referral):
    nurse = make_account("staff", units=[units[0]], locale="en")
    referral = make_referral(make_person("Léa", units=[units[0]]), nurse, units[0], reason="Motif confidentiel")
    expectations = {
        "referrer": (nurse, 200, 200, 200),
        "coordinator": (make_account("coordinator"), 200, 403, 200),
        "staff of the same unit": (make_account("staff", units=[units[0]]), 404, 200, 200),
        "staff of another unit": (make_account("staff", units=[units[1]]), 404, 200, 200),
        "peer_worker": (make_account("peer_worker", units=[units[0]]), 403, 403, 403),
        "service_user": (make_account("service_user", units=[units[0]]), 403, 403, 403),
        "researcher": (make_account("researcher"), 403, 403, 403),
    }
    for who, (account, show, mine, create) in expectations.items():
        viewer = app.test_client()
        sign_in(viewer, account)
        views_before = len(audit_entries("referrals.view"))
        response = viewer.get(f"/referrals/{referral.id}")
        assert response.status_code == show, who
        # Every view of the page (it shows the person's record) is audited; a refused one reads nothing.
        views = audit_entries("referrals.view")
        assert len(views) == views_before + (show == 200), who
        if show == 200:
            assert (views[-1].actor_id, views[-1].object_id) == (account.id, str(referral.id)), who
        assert ("Motif confidentiel" in response.get_data(as_text=True)) == (show == 200), who
        mine_page = viewer.get("/referrals/mine")
        assert mine_page.status_code == mine, who
        assert ("Léa" in mine_page.get_data(as_text=True)) == (who == "referrer"), who
        assert viewer.get("/referrals/new").status_code == create, who
    for url in (f"/referrals/{referral.id}", "/referrals/mine", "/referrals/new", "/referrals/new?person=1"):
        assert client.get(url).headers["Location"].startswith("/login"), url


def test_staff_home_lists_recent_referrals(client, signed_in, units, make_person, make_referral):
    nurse = signed_in("staff", units=[units[0]], locale="en")
    assert "Refer someone" in client.get("/").get_data(as_text=True)
    make_referral(make_person("Léa", units=[units[0]]), nurse, units[0])
    page = client.get("/").get_data(as_text=True)
    assert "Léa" in page and "/referrals/mine" in page and "Refer someone" in page


def _statements(app, url, client):
    count = 0

    def count_statement(*args):
        nonlocal count
        count += 1

    event.listen(db.engine, "before_cursor_execute", count_statement)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count_statement)
    return count


@pytest.mark.parametrize("url", ["/referrals/mine", "/"])
def test_my_referrals_run_a_constant_number_of_queries(app, client, signed_in, units, make_person, make_profile,
                                                       make_referral, url):
    nurse = signed_in("staff", units=[units[0]], locale="en")
    profiles = [make_profile(), make_profile()]
    steps = [[], [("triaged", None)], [("triaged", None), ("proposed", None)],
             [("triaged", None), ("proposed", None), ("accepted", None)],
             [("triaged", None), ("proposed", None), ("accepted", None), ("active", None)]]

    def add(n):
        for number in range(n):
            make_referral(make_person(f"P{number}", units=[units[number % 2]]), nurse, units[number % 2],
                          steps=steps[number % 5], profile=profiles[number % 2])

    add(5)
    few = _statements(app, url, client)
    add(45)
    assert _statements(app, url, client) == few


def test_the_lived_experience_wanted_is_kept_and_an_inactive_one_refused(client, signed_in, units, make_person,
                                                                         domains):
    person = make_person("Léa", units=[units[0]])
    signed_in("staff", units=[units[0]], locale="en")
    domains[2].is_active = False
    db.session.commit()
    page = client.get(f"/referrals/new?person={person.id}").get_data(as_text=True)
    assert "Bipolar disorder" in page and "Breast cancer" not in page
    refused = client.post(f"/referrals/new?person={person.id}",
                          data=_referral_form(units[0], wanted_domain_id=str(domains[2].id)))
    assert has_field_error(refused.get_data(as_text=True), "wanted_domain_id") and _count(Referral) == 0
    response = client.post(f"/referrals/new?person={person.id}",
                           data=_referral_form(units[0], wanted_domain_id=str(domains[1].id)))
    assert db.session.scalar(sa.select(Referral)).wanted_domain_id == domains[1].id
    assert "Bipolar disorder" in client.get(response.headers["Location"]).get_data(as_text=True)
