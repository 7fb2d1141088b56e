"""Fixtures of the rooms and calendars tests: the meetings' shared fixtures, and people of every role."""
import pytest

from peer_support.auth.models import Account
from peer_support.extensions import db
from tests.conftest import sign_in
from tests.meetings.conftest import (accompany, domains, make_meeting, make_profile, make_room, new_person,  # noqa: F401
                                     new_referral, topics, units)


@pytest.fixture
def people(make_account, make_profile, units):
    """One account per role (English), two peer workers with their profiles."""
    people = {
        "coordinator": make_account("coordinator", name="Cora Coordinator", locale="en"),
        "staff": make_account("staff", name="Sam Staff", locale="en"),
        "service_user": make_account("service_user", name="Paul Person", locale="en"),
        "researcher": make_account("researcher", locale="en"),
    }
    for key, name in (("julie", "Julie Moreau"), ("karim", "Karim Laurent")):
        profile = make_profile()
        account = db.session.get(Account, profile.account_id)
        account.name = name
        db.session.commit()
        people[key] = account
        people[key + "_profile"] = profile
    return people


@pytest.fixture
def as_(app, people):
    """A client signed in as one of the people: as_("coordinator").get(...); as_(None) is signed out."""

    def client(name):
        browser = app.test_client()
        if name is not None:
            response = sign_in(browser, people[name])
            assert response.status_code == 302
        return browser

    return client
