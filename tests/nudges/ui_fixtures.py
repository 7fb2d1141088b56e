"""Fixtures of the notification-centre tests: people of every role and nudges made directly with the models
(the engine that creates them in production is tested on its own)."""
from __future__ import annotations

import itertools
from datetime import date

import pytest

from peer_support.extensions import db
from peer_support.nudges.models import Nudge
from peer_support.peers.models import PeerProfile
from peer_support.units.models import Unit
from tests.conftest import new_account, sign_in
from tests.triage.conftest import new_person

_periods = itertools.count(1)
DUE = date(2026, 3, 2)


def new_nudge(*, rule: str = "contact_gap", account=None, audience: str | None = None,
              subject_type: str = "referral", subject_id: int = 1, person=None, profile=None, unit=None,
              due_on: date = DUE, details: dict | None = None, status: str = "open", commit: bool = True,
              **fields) -> Nudge:
    """A nudge for an account (audience "worker" by default) or, without one, for the coordination."""
    nudge = Nudge(rule=rule, subject_type=subject_type, subject_id=subject_id, period=f"p{next(_periods)}",
                  audience=audience or ("worker" if account is not None else "coordination"),
                  account_id=account.id if account is not None else None, unit_id=unit.id if unit else None,
                  service_user_id=person.id if person else None, peer_profile_id=profile.id if profile else None,
                  due_on=due_on, details={} if details is None else details, status=status, **fields)
    db.session.add(nudge)
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return nudge


def gap_details(**values) -> dict:
    details = {"choice": "contact_me_again", "last_meeting": "2026-02-20", "days": 10, "threshold": 10}
    details.update(values)
    return details


@pytest.fixture
def world(app):
    """Two units; a coordinator (and a second one), a supervisor, two peer workers with profiles, a service
    user, a researcher; Camille (CL3R) and Hugo (TS2A), accompanied by Julie."""
    cl3r, ts2a = Unit(code="CL3R", name="Réhabilitation psychosociale"), Unit(code="TS2A", name="Troubles du spectre")
    db.session.add_all([cl3r, ts2a])
    db.session.commit()
    people = {
        "cl3r": cl3r, "ts2a": ts2a,
        "coordinator": new_account("coordinator", name="Cora Coordinator", locale="en"),
        "coordinator2": new_account("coordinator", name="Colin Second", locale="en"),
        "staff": new_account("staff", name="Sam Supervisor", locale="en", units=[cl3r]),
        "julie": new_account("peer_worker", name="Julie Moreau", locale="en", units=[cl3r]),
        "karim": new_account("peer_worker", name="Karim Laurent", locale="en", units=[ts2a]),
        "service_user": new_account("service_user", name="Paul Durand", locale="en"),
        "researcher": new_account("researcher", name="Rita Research", locale="en"),
    }
    for name in ("julie", "karim"):
        profile = PeerProfile(account_id=people[name].id, supervisor_id=people["staff"].id)
        db.session.add(profile)
        db.session.flush()
        people[name + "_profile"] = profile
    people["camille"] = new_person(name="Camille", units=[cl3r])
    people["hugo"] = new_person(name="Hugo", units=[ts2a])
    db.session.commit()
    return people


@pytest.fixture
def as_(app, world):
    """A test client signed in as one of the world's people: as_("julie").get(...)."""

    def client_of(name):
        client = app.test_client()
        response = sign_in(client, world[name])
        assert response.status_code == 302
        return client

    return client_of
