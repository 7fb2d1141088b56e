"""The account settings' section on reminder e-mails (nudges/delivery.py): who sees it, saving, refusing."""
from __future__ import annotations

from datetime import time

import pytest

from peer_support.extensions import db
from peer_support.nudges.models import NudgeMailPreference
from tests.helpers import audit_entries, has_field_error, input_value

URL = "/account/settings/nudge-mail"


def _form(**values) -> dict:
    data = {"mail-mode": "immediate", "mail-quiet_start": "21:30", "mail-quiet_end": "07:00", "mail-digest_hour": "9"}
    data.update(values)
    return data


@pytest.mark.parametrize("role", ["peer_worker", "staff", "coordinator"])
def test_those_who_receive_nudges_see_the_defaults(client, signed_in, role):
    signed_in(role, locale="en")
    html = client.get("/account/settings").get_data(as_text=True)
    assert "Follow-up reminders by e-mail" in html
    assert 'value="digest" checked' in html or ('value="digest"' in html and "checked" in html)
    assert input_value(html, "mail-quiet_start") == "20:00" and input_value(html, "mail-quiet_end") == "08:00"
    assert '<option selected value="8">08:00</option>' in html


@pytest.mark.parametrize("role", ["service_user", "researcher"])
def test_service_users_and_researchers_neither_see_nor_reach_it(client, signed_in, role):
    account = signed_in(role, locale="en")
    html = client.get("/account/settings").get_data(as_text=True)
    assert "Follow-up reminders by e-mail" not in html and URL not in html
    assert client.post(URL, data=_form()).status_code == 403
    assert db.session.get(NudgeMailPreference, account.id) is None


def test_saving_the_choice_is_audited(client, signed_in):
    account = signed_in("peer_worker", locale="en")
    response = client.post(URL, data=_form())
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/settings#nudge-mail-title")
    saved = db.session.get(NudgeMailPreference, account.id)
    assert (saved.mode, saved.quiet_start, saved.quiet_end, saved.digest_hour) == ("immediate", time(21, 30),
                                                                                  time(7), 9)
    [entry] = audit_entries("nudges.mail_preference")
    assert entry.actor_id == account.id and entry.details["before"]["mode"] == "digest"
    assert entry.details["after"] == {"mode": "immediate", "quiet_start": "21:30", "quiet_end": "07:00",
                                      "digest_hour": 9}
    client.post(URL, data=_form())  # the same again: nothing changes, nothing audited
    assert len(audit_entries("nudges.mail_preference")) == 1


def test_quiet_hours_must_start_and_end_at_different_times(client, signed_in):
    account = signed_in("staff", locale="en")
    response = client.post(URL, data=_form(**{"mail-quiet_start": "22:00", "mail-quiet_end": "22:00"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert has_field_error(html, "mail-quiet_end")
    assert "Quiet hours must start and end at different times." in html
    assert input_value(html, "mail-quiet_start") == "22:00"  # what was typed is kept
    assert db.session.get(NudgeMailPreference, account.id) is None


@pytest.mark.parametrize("field, value", [("mail-quiet_start", "25:99"), ("mail-quiet_end", "soon"),
                                          ("mail-quiet_end", "")])
def test_a_time_that_is_not_one_is_refused_clearly(client, signed_in, field, value):
    signed_in("coordinator", locale="en")
    response = client.post(URL, data=_form(**{field: value}))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and has_field_error(html, field)
    assert "such as" in html


@pytest.mark.parametrize("values", [{"mail-mode": "sometimes"}, {"mail-digest_hour": "24"},
                                    {"mail-digest_hour": "x"}])
def test_a_tampered_choice_is_refused(client, signed_in, values):
    account = signed_in("peer_worker", locale="en")
    assert client.post(URL, data=_form(**values)).status_code == 400
    assert db.session.get(NudgeMailPreference, account.id) is None
