"""Fixtures of the triage tests: units, people, referrals made directly with the models."""
import itertools
from datetime import timedelta

import pytest

from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.people.models import ServiceUser
from peer_support.referrals.history import record_event
from peer_support.referrals.models import Referral
from peer_support.units.models import Unit
from tests.peers.conftest import domains, make_profile  # noqa: F401  (shared fixtures)

_codes = itertools.count(1)


@pytest.fixture
def units(app):
    """Two units: CL3R and TS2A."""
    entries = [Unit(code="CL3R", name="Réhabilitation psychosociale"), Unit(code="TS2A", name="Troubles du spectre")]
    db.session.add_all(entries)
    db.session.commit()
    return entries


def new_person(*, name="Camille", units=(), language=None, channel="phone", phone="06 00 00 00 00"):
    number = next(_codes)
    person = ServiceUser(code=f"PA-T{number:05d}", display_name=name, name_key=name.lower(),
                         preferred_language=language, contact_channel=channel, phone=phone)
    person.units = list(units)
    db.session.add(person)
    db.session.flush()
    return person


def new_referral(person=None, *, unit=None, status="new", formats=(), created_days_ago=0, care_stage=None,
                 reason="Souhaite rencontrer quelqu'un qui est passé par là.", actor=None, peer_profile=None,
                 review_on=None, accepted=False, commit=True, **fields):
    """A referral in any status, with a history leading there (tests set the status directly)."""
    created = utcnow() - timedelta(days=created_days_ago)
    if person is None and fields.get("source") != "self_public":
        person = new_person()
    fields.setdefault("source", "staff")
    referral = Referral(service_user=person, unit_id=unit.id if unit else None,
                        reason=reason, care_stage=care_stage, preferred_formats=list(formats), created_at=created,
                        **fields)
    db.session.add(referral)
    record_event(referral, actor=actor, to_status="new", now=created)
    db.session.flush()
    referral.review_on = review_on
    if status != "new":
        record_event(referral, actor=actor, to_status=status, now=created,
                     peer_profile_id=peer_profile.id if peer_profile else None)
    referral.peer_profile_id = peer_profile.id if peer_profile else None
    referral.review_on = review_on
    referral.status_changed_at = created
    if accepted or status in ("accepted", "active"):
        referral.accepted_at = created
    if commit:
        db.session.commit()
    return referral


@pytest.fixture
def make_person(app):
    return new_person


@pytest.fixture
def make_referral(app):
    return new_referral
