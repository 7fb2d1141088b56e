"""Factories for supervision tests: peer worker profiles, sessions and debrief requests."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.peers.models import PeerProfile
from peer_support.supervision.models import DebriefRequest, SupervisionSession

# (No character that HTML escapes: the tests look for them in pages as typed.)
NOTES = "Private notes: talked about the funeral of Mr Bernard"
TOPICS = "Topic: distance with a person close to my story"
DESCRIPTION = "Description in my words: Madame Roche died on Sunday"


@pytest.fixture
def make_profile(make_account):
    """A peer worker's profile: make_profile(supervisor=staff_account, created_at=..., **account kwargs)."""

    def make(supervisor=None, *, created_at: datetime | None = None, status: str = "active", **account):
        worker = make_account("peer_worker", **account)
        profile = PeerProfile(account_id=worker.id, supervisor_id=supervisor.id if supervisor else None,
                              status=status, created_at=created_at or utcnow())
        db.session.add(profile)
        db.session.commit()
        return profile

    return make


@pytest.fixture
def make_session(make_account):
    """A session recorded directly: make_session(attendees, supervisor=staff or external="name", ...)."""

    def make(attendees, *, supervisor=None, external: str | None = None, held_at: datetime | None = None,
             kind: str = "group", topics: str | None = None, notes: str | None = None, minutes: int = 60):
        if supervisor is None and external is None:
            external = "Dr External"
        creator = supervisor or make_account("coordinator")
        session = SupervisionSession(
            held_at=held_at or datetime(2024, 7, 1, 8, 0, tzinfo=timezone.utc), duration_minutes=minutes, kind=kind,
            supervisor_id=supervisor.id if supervisor else None, external_supervisor=external,
            topics=topics, private_notes=notes, created_by_id=creator.id)
        session.attendees = list(attendees)
        db.session.add(session)
        db.session.commit()
        return session

    return make


@pytest.fixture
def make_debrief():
    def make(profile, *, event_kind: str = "death", description: str | None = DESCRIPTION, status: str = "requested",
             **values):
        debrief = DebriefRequest(profile_id=profile.id, event_kind=event_kind, description=description, status=status,
                                 **values)
        db.session.add(debrief)
        db.session.commit()
        return debrief

    return make
