"""The notification centre's pages: who reaches what, the list and its filters, the header's badge, the
actions (done, snooze, dismiss) with good and bad input, and the coordinator's thresholds page."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from peer_support.auth.models import Account
from peer_support.extensions import db
from peer_support.nudges.models import Nudge, NudgeThreshold
from peer_support.timezones import local_today
from tests.helpers import audit_entries, has_field_error, input_value, statements_for_get
from tests.nudges.ui_fixtures import as_, gap_details, new_nudge, world  # noqa: F401  (fixtures)


def _page(response) -> str:
    return response.get_data(as_text=True)


def _fresh(nudge) -> Nudge:
    db.session.expire_all()
    return db.session.get(Nudge, nudge.id)


def _listed(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'id="nudge-(\d+)-title"', html)]


@pytest.fixture
def nudges(world):
    w = world
    return {
        "gap": new_nudge(account=w["julie"], person=w["camille"], profile=w["julie_profile"], unit=w["cl3r"],
                         details=gap_details(last_meeting="2026-02-20", threshold=10), due_on=date(2026, 3, 2),
                         subject_id=11),
        "first": new_nudge(rule="first_meeting", account=w["julie"], person=w["hugo"], profile=w["julie_profile"],
                           unit=w["ts2a"], due_on=date(2026, 2, 20), subject_id=12,
                           details={"accepted_on": "2026-02-06", "threshold": 14, "days": 26}),
        "karim": new_nudge(account=w["karim"], person=w["hugo"], profile=w["karim_profile"], unit=w["ts2a"],
                           details=gap_details(), subject_id=13),
        "triage": new_nudge(rule="triage_delay", person=w["camille"], unit=w["cl3r"], subject_id=14,
                            details={"since": "2026-02-26", "threshold": 2, "days": 3}),
        "supervision": new_nudge(rule="supervision_overdue", account=w["staff"], audience="supervisor",
                                 subject_type="peer_profile", subject_id=w["julie_profile"].id,
                                 profile=w["julie_profile"]),
    }


def _later(days: int = 7) -> str:
    return (local_today() + timedelta(days=days)).isoformat()


# --- access ------------------------------------------------------------------------------------------

PAGES = [("GET", "/nudges/"), ("POST", "/nudges/{id}/done"), ("POST", "/nudges/{id}/snooze"),
         ("POST", "/nudges/{id}/dismiss"), ("GET", "/nudges/settings"), ("POST", "/nudges/settings")]


@pytest.mark.parametrize("method, path", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, nudges, method, path):
    response = client.open(path.format(id=nudges["gap"].id), method=method)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    assert _fresh(nudges["gap"]).status == "open"


REFUSED = [
    ("GET", "/nudges/", ("service_user", "researcher")),
    ("POST", "/nudges/{id}/done", ("service_user", "researcher")),
    ("POST", "/nudges/{id}/snooze", ("service_user", "researcher")),
    ("POST", "/nudges/{id}/dismiss", ("service_user", "researcher")),
    ("GET", "/nudges/settings", ("service_user", "researcher", "staff", "julie")),
    ("POST", "/nudges/settings", ("service_user", "researcher", "staff", "julie")),
]


@pytest.mark.parametrize("method, path, refused", REFUSED, ids=[f"{m} {p}" for m, p, _ in REFUSED])
def test_each_page_is_refused_to_those_who_must_not_see_it(as_, nudges, method, path, refused):
    data = {"until": _later(), "reason": "no", "first_meeting": "3"}
    for name in refused:
        response = as_(name).open(path.format(id=nudges["gap"].id), method=method, data=data)
        assert response.status_code == 403, (name, path)
        assert "Camille" not in _page(response)
    assert _fresh(nudges["gap"]).status == "open"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NudgeThreshold)) == 0


def test_another_workers_nudge_is_not_found_and_unchanged(as_, nudges):
    karim = as_("karim")
    gap = nudges["gap"]
    for action, data in (("done", {}), ("snooze", {f"snooze-{gap.id}-until": _later()}),
                         ("dismiss", {f"dismiss-{gap.id}-reason": "Not mine"})):
        assert karim.post(f"/nudges/{gap.id}/{action}", data=data).status_code == 404, action
    # A member of staff, on the coordination's nudge, and anyone on one that does not exist.
    assert as_("staff").post(f"/nudges/{nudges['triage'].id}/done").status_code == 404
    assert as_("julie").post("/nudges/999999/done").status_code == 404
    stored = _fresh(gap)
    assert (stored.status, stored.snoozed_until, stored.dismiss_reason, stored.read_at) == ("open", None, None, None)
    assert audit_entries("nudges.done") == audit_entries("nudges.snooze") == audit_entries("nudges.dismiss") == []
    # Nor does Karim's list show it.
    assert gap.id not in _listed(_page(karim.get("/nudges/?scope=programme&status=all")))


def test_the_navigation_shows_nudges_to_those_who_receive_them(as_, nudges):
    for name in ("coordinator", "staff", "julie"):
        assert 'href="/nudges/"' in _page(as_(name).get("/")), name
    for name in ("service_user", "researcher"):
        assert 'href="/nudges/"' not in _page(as_(name).get("/")), name


# --- the list ------------------------------------------------------------------------------------------

def test_the_worker_sees_their_nudges_with_explanation_person_and_link(as_, nudges):
    response = as_("julie").get("/nudges/")
    assert response.status_code == 200
    page = _page(response)
    assert _listed(page) == [nudges["first"].id, nudges["gap"].id]  # the one due longest ago first
    assert "Time to get back in touch — Camille" in page
    assert "Camille asked to be contacted again after each meeting." in page and "The frame is 10 days." in page
    assert "First meeting not held yet — Hugo" in page
    assert 'href="/caseload/"' in page and f'href="/meetings/new?person={nudges["gap"].service_user_id}"' in page
    assert f'action="/nudges/{nudges["gap"].id}/snooze"' in page and f'action="/nudges/{nudges["gap"].id}/done"' in page
    assert "Karim" not in page and "Sam Supervisor" not in page


def test_the_coordinator_sees_the_coordinations_then_the_whole_programme(as_, nudges):
    client = as_("coordinator")
    page = _page(client.get("/nudges/"))
    assert _listed(page) == [nudges["triage"].id]
    assert f'href="/triage/{nudges["triage"].subject_id}"' in page and "For: Coordination" in page
    page = _page(client.get("/nudges/?scope=programme"))
    assert sorted(_listed(page)) == sorted(n.id for n in nudges.values())
    assert "For: Julie Moreau (Peer worker)" in page and "Peer worker: Julie Moreau" in page
    # The coordinator may act on any nudge: the actions are there.
    assert f'action="/nudges/{nudges["karim"].id}/done' in page
    assert "Thresholds of the nudges" in page


def test_the_staff_supervisor_sees_the_link_to_the_workers_supervision(as_, nudges, world):
    page = _page(as_("staff").get("/nudges/"))
    assert _listed(page) == [nudges["supervision"].id]
    assert f'href="/supervision/workers/{world["julie_profile"].id}"' in page and "Supervision session due" in page


def test_filters_and_bad_filter_values(as_, nudges, world):
    client = as_("coordinator")
    assert _listed(_page(client.get(f"/nudges/?scope=programme&unit={world['ts2a'].id}"))) == [
        nudges["first"].id, nudges["karim"].id]
    assert _listed(_page(client.get("/nudges/?scope=programme&rule=first_meeting"))) == [nudges["first"].id]
    assert _listed(_page(client.get("/nudges/?status=done&scope=programme"))) == []
    assert "No nudge to show with these filters." in _page(client.get("/nudges/?status=done"))
    # Nonsense in the query string: the defaults, never an error.
    response = client.get("/nudges/?status=zzz&rule=zzz&unit=abc&scope=zzz&page=-4")
    assert response.status_code == 200 and _listed(_page(response)) == [nudges["triage"].id]
    # A worker has no "whole programme".
    page = _page(as_("julie").get("/nudges/?scope=programme"))
    assert 'name="scope"' not in page and sorted(_listed(page)) == sorted([nudges["gap"].id, nudges["first"].id])


def test_pagination(as_, world):
    for day in range(1, 30):
        new_nudge(account=world["julie"], due_on=date(2026, 1, day), commit=False)
    db.session.commit()
    client = as_("julie")
    page = _page(client.get("/nudges/?rule=contact_gap"))
    assert len(_listed(page)) == 25 and "Page 1 of 2" in page
    assert 'href="/nudges/?rule=contact_gap&amp;page=2"' in page
    assert len(_listed(_page(client.get("/nudges/?rule=contact_gap&page=2")))) == 4


def test_the_header_badge_counts_unread_nudges_and_the_list_marks_them_read(as_, nudges):
    client = as_("julie")
    home = _page(client.get("/"))
    assert '<span class="visually-hidden">2 unread</span>' in home
    assert "2 nudges are waiting for you." in home
    page = _page(client.get("/nudges/"))
    # The page shows which were new; once listed they are read, and the badge goes.
    assert page.count(">New<") == 2
    assert "unread</span>" not in page
    assert "unread</span>" not in _page(client.get("/"))
    assert _fresh(nudges["gap"]).read_at is not None
    assert _page(client.get("/nudges/")).count(">New<") == 0
    # The coordinator looking through the programme does not mark Karim's read.
    as_("coordinator").get("/nudges/?scope=programme")
    assert _fresh(nudges["karim"]).read_at is None
    assert '<span class="visually-hidden">1 unread</span>' in _page(as_("karim").get("/"))


def test_the_list_runs_the_same_number_of_statements_for_5_and_50_nudges(as_, world):
    client = as_("julie")

    def add(count):
        for index in range(count):
            new_nudge(rule=("contact_gap", "first_meeting", "contact_request", "proposal_unanswered")[index % 4],
                      account=world["julie"], person=world["camille"], profile=world["julie_profile"],
                      unit=world["cl3r"], details=gap_details(), commit=False)
        db.session.commit()

    add(5)
    five = statements_for_get(client, "/nudges/?status=all")
    add(45)
    assert statements_for_get(client, "/nudges/?status=all") == five
    # The other pages pay one query for the badge, whatever the number of nudges.
    home = statements_for_get(client, "/")
    add(50)
    assert statements_for_get(client, "/") == home


def test_the_list_in_french(as_, nudges, world):
    world["julie"].locale = "fr"
    db.session.commit()
    response = as_("julie").get("/nudges/")
    assert response.status_code == 200
    page = _page(response)
    assert '<html lang="fr">' in page and "février" in page


# --- done, snooze, dismiss ----------------------------------------------------------------------------

def test_done(as_, nudges):
    gap = nudges["gap"]
    response = as_("julie").post(f"/nudges/{gap.id}/done?status=open&rule=contact_gap&evil=http://x")
    assert response.status_code == 302
    assert response.headers["Location"] == "/nudges/?status=open&rule=contact_gap"
    stored = _fresh(gap)
    assert stored.status == "done" and stored.acted_by_id == stored.account_id
    assert len(audit_entries("nudges.done")) == 1


def test_snooze(as_, nudges):
    gap = nudges["gap"]
    client = as_("julie")
    response = client.post(f"/nudges/{gap.id}/snooze", data={f"snooze-{gap.id}-until": _later(14)})
    assert response.status_code == 302 and response.headers["Location"] == "/nudges/"
    assert "The nudge is snoozed" in _page(client.get("/nudges/?status=snoozed"))
    stored = _fresh(gap)
    assert (stored.status, stored.snoozed_until) == ("snoozed", local_today() + timedelta(days=14))
    assert len(audit_entries("nudges.snooze")) == 1


@pytest.mark.parametrize("typed", ["", "2026-02-31", "yesterday", "TODAY", "FAR"])
def test_a_bad_snooze_date_shows_the_list_with_the_error_and_what_was_typed(as_, nudges, typed):
    typed = {"TODAY": local_today().isoformat(), "FAR": _later(91)}.get(typed, typed)
    gap = nudges["gap"]
    response = as_("julie").post(f"/nudges/{gap.id}/snooze?rule=contact_gap",
                                 data={f"snooze-{gap.id}-until": typed})
    assert response.status_code == 400
    page = _page(response)
    assert has_field_error(page, f"snooze-{gap.id}-until")
    assert input_value(page, f"snooze-{gap.id}-until") == typed
    assert 'role="alert"' in page and "could not be snoozed" in page
    assert _listed(page) == [gap.id]  # the list as it was filtered
    assert _fresh(gap).status == "open" and audit_entries("nudges.snooze") == []


def test_dismiss_with_a_reason(as_, nudges):
    gap = nudges["gap"]
    response = as_("julie").post(f"/nudges/{gap.id}/dismiss",
                                 data={f"dismiss-{gap.id}-reason": "Camille moved to Lyon."})
    assert response.status_code == 302
    stored = _fresh(gap)
    assert (stored.status, stored.dismiss_reason) == ("dismissed", "Camille moved to Lyon.")
    page = _page(as_("julie").get("/nudges/?status=dismissed"))
    assert "Reason given: Camille moved to Lyon." in page and "Dismissed on" in page


@pytest.mark.parametrize("typed", ["", "   ", "x" * 501])
def test_a_missing_or_too_long_reason_shows_the_error_and_keeps_what_was_typed(as_, nudges, typed):
    gap = nudges["gap"]
    response = as_("julie").post(f"/nudges/{gap.id}/dismiss", data={f"dismiss-{gap.id}-reason": typed})
    assert response.status_code == 400
    page = _page(response)
    assert has_field_error(page, f"dismiss-{gap.id}-reason")
    if typed.strip():
        assert typed in page
    assert '<details class="nudge-action mt-2" open>' in page
    assert _fresh(gap).status == "open"


def test_acting_on_a_nudge_no_longer_active_says_so(as_, nudges):
    gap = nudges["gap"]
    db.session.execute(sa.update(Nudge).where(Nudge.id == gap.id).values(status="resolved"))
    db.session.commit()
    client = as_("julie")
    response = client.post(f"/nudges/{gap.id}/dismiss?status=all", data={f"dismiss-{gap.id}-reason": "Done already"})
    assert response.status_code == 302 and response.headers["Location"] == "/nudges/?status=all"
    page = _page(client.get("/nudges/?status=all"))
    assert "no longer waiting for anyone" in page and "Resolved by itself" in page
    assert _fresh(gap).status == "resolved"
    # And it offers no action any more.
    assert f'action="/nudges/{gap.id}/done' not in page


def test_the_coordinator_acts_on_a_workers_nudge(as_, nudges):
    response = as_("coordinator").post(f"/nudges/{nudges['karim'].id}/done?scope=programme")
    assert response.status_code == 302
    stored = _fresh(nudges["karim"])
    assert stored.status == "done" and db.session.get(Account, stored.acted_by_id).name == "Cora Coordinator"


def test_an_action_on_a_nudge_not_on_the_current_page_still_shows_its_error(as_, nudges):
    gap = nudges["gap"]
    response = as_("julie").post(f"/nudges/{gap.id}/snooze?rule=first_meeting", data={f"snooze-{gap.id}-until": ""})
    assert response.status_code == 400
    page = _page(response)
    assert "could not be snoozed" in page and "Choose the date until which to snooze it." in page


# --- the thresholds ----------------------------------------------------------------------------------

def test_the_settings_page_shows_the_defaults(as_):
    response = as_("coordinator").get("/nudges/settings")
    assert response.status_code == 200
    page = _page(response)
    assert "No meeting, the person asked to be contacted again" in page
    assert "2 working days" in page and "Default: 10 days; leave empty to use it." in page
    assert input_value(page, "contact_gap__contact_me_again") in (None, "")


def test_saving_the_programmes_values(as_):
    client = as_("coordinator")
    response = client.post("/nudges/settings", data={"contact_gap__contact_me_again": "7", "triage_delay": "3"})
    assert response.status_code == 302 and response.headers["Location"] == "/nudges/settings"
    rows = {(t.name, t.unit_id): t.days for t in db.session.scalars(sa.select(NudgeThreshold))}
    assert rows == {("contact_gap.contact_me_again", None): 7, ("triage_delay", None): 3}
    page = _page(client.get("/nudges/settings"))
    assert "2 values saved." in page and input_value(page, "triage_delay") == "3"
    assert [e.details for e in audit_entries("nudges.threshold_change")] == [
        {"unit_id": None, "before": None, "after": 7}, {"unit_id": None, "before": None, "after": 3}]
    # Clearing a value: the default again. (A field not sent at all is left as it is.)
    client.post("/nudges/settings", data={"triage_delay": ""})
    rows = {(t.name, t.unit_id): t.days for t in db.session.scalars(sa.select(NudgeThreshold))}
    assert rows == {("contact_gap.contact_me_again", None): 7}


@pytest.mark.parametrize("typed, message", [
    ("abc", "Enter a whole number of days"),
    ("4000", "between 0 and 3650"),
    ("-1", "between 0 and 3650"),
    ("2.5", "Enter a whole number of days"),
])
def test_invalid_values_keep_what_was_typed(as_, typed, message):
    response = as_("coordinator").post("/nudges/settings", data={"first_meeting": typed, "escalation": "9"})
    assert response.status_code == 200
    page = _page(response)
    assert has_field_error(page, "first_meeting") and message in page
    assert input_value(page, "first_meeting") == typed and input_value(page, "escalation") == "9"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NudgeThreshold)) == 0


def test_a_unit_override_and_clearing_it(as_, world):
    client = as_("coordinator")
    client.post("/nudges/settings", data={"first_meeting": "10"})
    unit = world["cl3r"]
    page = _page(client.get(f"/nudges/settings?unit={unit.id}"))
    assert "Change the values of CL3R" in page and "The programme&#39;s value: 10 days" in page
    assert input_value(page, "first_meeting") in (None, "")
    response = client.post(f"/nudges/settings?unit={unit.id}", data={"first_meeting": "5"})
    assert response.status_code == 302 and response.headers["Location"] == f"/nudges/settings?unit={unit.id}"
    rows = {(t.name, t.unit_id): t.days for t in db.session.scalars(sa.select(NudgeThreshold))}
    assert rows == {("first_meeting", None): 10, ("first_meeting", unit.id): 5}
    page = _page(client.get(f"/nudges/settings?unit={unit.id}"))
    assert input_value(page, "first_meeting") == "5" and "CL3R: 5 days" in page
    # Blank: the unit uses the programme's value again.
    client.post(f"/nudges/settings?unit={unit.id}", data={"first_meeting": ""})
    rows = {(t.name, t.unit_id): t.days for t in db.session.scalars(sa.select(NudgeThreshold))}
    assert rows == {("first_meeting", None): 10}
    assert audit_entries("nudges.threshold_change")[-1].details == {"unit_id": unit.id, "before": 5, "after": None}
    # An unknown unit: not found.
    assert client.get("/nudges/settings?unit=999999").status_code == 404
    assert client.post("/nudges/settings?unit=abc", data={"first_meeting": "3"}).status_code == 404


def test_the_settings_page_in_french_says_the_errors_in_french(as_, world):
    world["coordinator"].locale = "fr"
    db.session.commit()
    response = as_("coordinator").post("/nudges/settings", data={"first_meeting": "abc"})
    assert response.status_code == 200
    assert '<html lang="fr">' in _page(response) and has_field_error(_page(response), "first_meeting")
