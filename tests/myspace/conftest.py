"""Fixtures of the My space tests: a service user with an account linked to their record, accompanied."""
from datetime import time

import pytest

from peer_support.extensions import db
from peer_support.peers.models import PresenceSlot
from tests.conftest import new_account
from tests.meetings.conftest import accompany, make_meeting, make_room  # noqa: F401  (shared fixtures)
from tests.peers.conftest import domains, make_profile  # noqa: F401  (shared fixtures)
from tests.triage.conftest import new_person, new_referral, units  # noqa: F401  (shared fixtures)


def linked_person(*, units=(), name="Camille", locale="en", **fields):
    """A record with a service_user account linked to it: (person, account)."""
    person = new_person(name=name, units=units, **fields)
    account = new_account("service_user", name=name, locale=locale)
    person.account_id = account.id
    db.session.commit()
    return person, account


@pytest.fixture
def make_linked_person(app):
    return linked_person


@pytest.fixture
def worker(make_profile, units):
    """An active peer worker with a presentation and two presence slots."""
    profile = make_profile(presentation="J'ai vécu des années difficiles ; je suis là pour en parler.",
                           units=[units[0]])
    db.session.add_all([
        PresenceSlot(profile_id=profile.id, weekday=1, starts_at=time(14), ends_at=time(17), unit_id=units[0].id,
                     place="Salle des familles"),
        PresenceSlot(profile_id=profile.id, weekday=3, starts_at=time(9, 30), ends_at=time(12), place="Cafétéria")])
    db.session.commit()
    return profile
