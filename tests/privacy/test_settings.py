"""The data-protection settings page: the coordinator's, validated, audited with before and after."""
import re

import pytest
from flask_babel import force_locale

from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.privacy.models import DataProtectionSettings
from peer_support.privacy.settings import current_settings, save_settings
from tests.conftest import sign_in
from tests.helpers import audit_entries, has_field_error, input_value


def _saved():
    db.session.expire_all()
    return db.session.get(DataProtectionSettings, 1)


def test_defaults_until_saved(app):
    settings = current_settings()
    assert (settings.two_factor_required, settings.retention_years) == (False, 5)
    assert _saved() is None


def test_the_coordinator_saves_and_the_change_is_audited(client, signed_in):
    coordinator = signed_in("coordinator", locale="en")
    page = client.get("/privacy/settings").get_data(as_text=True)
    assert "Second factor required for professionals" in page
    assert "Keep identifying data of closed accompaniments for N years" in page
    assert input_value(page, "retention_years") == "5"
    response = client.post("/privacy/settings", data={"retention_years": "8"})
    assert response.status_code == 302
    saved = _saved()
    assert (saved.two_factor_required, saved.retention_years, saved.updated_by_id) == (False, 8, coordinator.id)
    # The same values again: nothing changes, nothing is audited.
    client.post("/privacy/settings", data={"retention_years": "8"})
    assert len(audit_entries("privacy.settings_change")) == 1
    response = client.post("/privacy/settings", data={"two_factor_required": "y", "retention_years": "8"})
    assert response.status_code == 302
    assert _saved().two_factor_required is True and current_settings().two_factor_required is True
    first, second = audit_entries("privacy.settings_change")
    assert first.actor_id == coordinator.id
    assert first.details == {"before": {"two_factor_required": False, "retention_years": 5},
                             "after": {"two_factor_required": False, "retention_years": 8}}
    assert second.details == {"before": {"two_factor_required": False, "retention_years": 8},
                              "after": {"two_factor_required": True, "retention_years": 8}}


@pytest.mark.parametrize("typed", ["0", "31", "-2", "cinq", "4.5", ""])
def test_bad_years_are_a_form_error_that_keeps_what_was_typed(client, signed_in, typed):
    signed_in("coordinator", locale="en")
    response = client.post("/privacy/settings", data={"two_factor_required": "y", "retention_years": typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and has_field_error(page, "retention_years")
    assert "Enter a whole number of years between 1 and 30" in page
    assert input_value(page, "retention_years") == typed
    assert re.search(r'<input[^>]*\bchecked\b[^>]*name="two_factor_required"', page)
    assert _saved() is None and audit_entries("privacy.settings_change") == []


def test_the_service_refuses_out_of_range_years(app, make_account):
    with force_locale("en"), pytest.raises(DomainError, match="between 1 and 30"):
        save_settings(make_account("coordinator"), two_factor_required=False, retention_years=40, ip=None,
                      now=utcnow())


@pytest.mark.parametrize("role", ["staff", "peer_worker", "researcher", "service_user"])
def test_only_the_coordinator_reaches_the_settings(client, make_account, role):
    sign_in(client, make_account(role))
    assert client.get("/privacy/settings").status_code == 403
    assert client.post("/privacy/settings", data={"retention_years": "1"}).status_code == 403
    assert _saved() is None


def test_the_coordinators_home_links_to_the_settings_and_the_retention_report(client, signed_in):
    signed_in("coordinator", locale="en")
    page = client.get("/").get_data(as_text=True)
    assert 'href="/privacy/settings"' in page and 'href="/privacy/retention"' in page
