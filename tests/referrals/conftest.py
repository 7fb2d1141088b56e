from datetime import timedelta

import pytest

from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.referrals.history import record_event
from peer_support.referrals.models import Referral
from tests.peers.conftest import domains  # noqa: F401  (shared fixtures)
from tests.people.conftest import make_person, units  # noqa: F401  (shared fixtures)
from tests.peers.conftest import make_profile  # noqa: F401


@pytest.fixture
def make_referral(app):
    """A staff referral: make_referral(person, referrer, unit, steps=[("triaged", None), ...])."""

    def make(person, referrer, unit, *, steps=(), profile=None, **fields):
        now = utcnow() - timedelta(days=len(steps) + 1)
        fields = {"reason": "Isolement", "care_stage": "start_of_care", **fields}
        referral = Referral(service_user_id=person.id, unit_id=unit.id, source="staff", referred_by_id=referrer.id,
                            agreed_to_contact=True, created_at=now, **fields)
        record_event(referral, actor=referrer, to_status="new", now=now)
        db.session.add(referral)
        db.session.flush()
        for number, (status, reason) in enumerate(steps, start=1):
            if status in ("proposed", "accepted", "active") and profile is not None:
                referral.peer_profile_id = profile.id
            if status == "accepted":
                referral.accepted_at = now + timedelta(days=number)
            record_event(referral, actor=None, to_status=status, now=now + timedelta(days=number), reason=reason,
                         peer_profile_id=profile.id if profile is not None else None)
        db.session.commit()
        return referral

    return make
