"""What the erasure and retention tests share: a person with identifying values everywhere, the search of
every text column of every table for them, and the programme's statistics.

Import in a test module: `from tests.privacy.rights_fixtures import *  # noqa: F401,F403`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from peer_support.audit.services import record
from peer_support.auth.models import Account
from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.meetings.models import Meeting, MeetingParticipant
from peer_support.nudges.models import Nudge
from peer_support.people.models import AccountInvitation, PeerWorkInterest, ServiceUser, service_user_unit
from peer_support.people.services import create_account_for, get_person
from peer_support.referrals.history import record_event
from peer_support.referrals.models import Referral
from tests.conftest import PASSWORD, sign_in
from tests.meetings.conftest import make_meeting  # noqa: F401  (shared fixtures)
from tests.peers.conftest import domains, make_profile  # noqa: F401  (shared fixtures)
from tests.triage.conftest import new_person, new_referral, units  # noqa: F401  (shared fixtures)

NAME = "Zébulon Quaresma"
PHONE = "+33 6 98 76 54 32"
EMAIL = "zebulon.quaresma@example.net"
YEAR_OF_BIRTH = 1977
OTHER_NAME = "Bertrand Lefèvre"


@dataclass
class Seeded:
    person: ServiceUser
    other: ServiceUser
    worker: object
    coordinator: Account
    old_code: str
    open_referral_id: int
    planned_meeting_id: int
    group_meeting_id: int
    planned_group_id: int

    def identifying_values(self) -> list[str]:
        """What must be found nowhere once the person is anonymised (the year of birth is a number: checked apart)."""
        return ["Zébulon", "Quaresma", "zebulonquaresma", PHONE, EMAIL, self.old_code]


def _at(days_ago: int) -> datetime:
    moment = utcnow() - timedelta(days=days_ago)
    return datetime(moment.year, moment.month, moment.day, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def seeded(app, client, units, make_profile, make_meeting, make_account):
    """A person with their name, phone, e-mail and year of birth in every place a worker, the coordinator or
    the person themself may write them; an account they signed in with; another person sharing a group."""
    coordinator = make_account("coordinator", locale="en")
    worker = make_profile(units=[units[0]])
    person = new_person(name=NAME, units=[units[0]], phone=PHONE)
    person.name_key = "zebulonquaresma"
    person.email, person.year_of_birth, person.age_band, person.gender = EMAIL, YEAR_OF_BIRTH, "36-50", "man"
    person.contact_note = f"Appeler {NAME} au {PHONE} après 14 h"
    other = new_person(name=OTHER_NAME, units=[units[0]])
    db.session.commit()

    # Referrals: one closed long ago, one active, one from the public contact form linked to the record.
    closed = new_referral(person, unit=units[0], status="active", peer_profile=worker, created_days_ago=400,
                          reason=f"{NAME} souhaite rencontrer un pair", information_given="On a parlé à Zébulon",
                          constraints=f"Joindre au {PHONE}", commit=False)
    record_event(closed, actor=coordinator, to_status="closed", now=_at(300), reason="Zébulon a atteint ses buts")
    closed.close_reason = "goals_reached"
    active = new_referral(person, unit=units[0], status="active", peer_profile=worker, created_days_ago=30,
                          reason="Quaresma demande un suivi", commit=False)
    public = new_referral(person, unit=units[0], status="new", source="self_public", requester_name=NAME,
                          requester_contact=EMAIL, message=f"Bonjour, je suis {NAME}", commit=False)
    public.status = "closed"
    public.close_reason = "other"
    db.session.commit()

    # Meetings: an individual one held with notes, one planned; a group session held and one planned.
    make_meeting(worker, [person], starts_at=_at(200), status="held", participant_status="attended",
                        title=f"Café avec {NAME}", place_detail=f"Appel au {PHONE}",
                        private_notes=f"{NAME} parle de son travail", team_summary="Zébulon va mieux",
                        team_summary_agreed=True)
    planned = make_meeting(worker, [person], starts_at=utcnow() + timedelta(days=3), status="planned",
                           format="phone", place_kind="remote", place_detail=PHONE)
    group = make_meeting(worker, [person, other], starts_at=_at(100), status="held", participant_status="attended",
                         format="group", minutes=90, title="Groupe du mardi",
                         private_notes=f"Zébulon et {OTHER_NAME} ont échangé", team_summary="Bonne séance")
    planned_group = make_meeting(worker, [person, other], starts_at=utcnow() + timedelta(days=5), format="group",
                                 title="Groupe suivant")
    participation = db.session.get(MeetingParticipant, (group.id, person.id))
    participation.cancel_reason = f"{NAME} était malade"

    db.session.add(PeerWorkInterest(service_user_id=person.id, message=f"Moi, {NAME}, je veux devenir pair",
                                    note=f"Rappeler Zébulon au {PHONE}"))
    db.session.add(AccountInvitation(service_user_id=person.id, email=EMAIL, token_hash="f" * 64,
                                     expires_at=utcnow() + timedelta(days=7)))
    db.session.add(Nudge(rule="contact_gap", subject_type="referral", subject_id=active.id, period="p1",
                         audience="worker", account_id=worker.account_id, service_user_id=person.id,
                         due_on=date.today(), details={"threshold": 14}, status="dismissed",
                         dismiss_reason="Zébulon Quaresma a déménagé"))
    # An audit entry whose details carry the name (as a free-text field of some future action might).
    record("people.update", actor=coordinator, object_type="service_user", object_id=person.id,
           details={"fields": ["display_name"], "previous": NAME})
    db.session.commit()

    # Their own account, a sign-in (audited with their e-mail) and a failed one.
    create_account_for(coordinator, get_person(person.id), email=None, password=PASSWORD, ip="10.0.0.7",
                       now=utcnow())
    db.session.commit()
    assert sign_in(client, EMAIL).status_code == 302
    sign_in(client, EMAIL, password="not the password")
    client.post("/logout")
    db.session.expire_all()
    return Seeded(person=get_person(person.id), other=get_person(other.id), worker=worker, coordinator=coordinator,
                  old_code=person.code, open_referral_id=active.id, planned_meeting_id=planned.id,
                  group_meeting_id=group.id, planned_group_id=planned_group.id)


def found_anywhere(values: list[str]) -> list[tuple[str, str, str]]:
    """Every (table, column, value) where a text or JSON column of any table contains one of the values."""
    folded = [value.casefold() for value in values]
    found = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (sa.String, sa.JSON))]
        if not columns:
            continue
        for row in db.session.execute(sa.select(*columns)):
            for column, cell in zip(columns, row, strict=True):
                if cell is None:
                    continue
                text = (cell if isinstance(cell, str) else json.dumps(cell, ensure_ascii=False)).casefold()
                found += [(table.name, column.name, values[i]) for i, value in enumerate(folded) if value in text]
    return found


def statistics() -> dict:
    """What the programme's reports count: referrals per unit and status, meetings and minutes per format,
    participations per attendance, people per unit, age band and gender."""
    def rows(statement):
        return sorted((tuple(row) for row in db.session.execute(statement)), key=repr)

    return {
        "referrals": rows(sa.select(Referral.unit_id, sa.func.count()).group_by(Referral.unit_id)),
        "meetings": rows(sa.select(Meeting.format, sa.func.count(), sa.func.sum(Meeting.duration_minutes))
                         .group_by(Meeting.format)),
        "participants": rows(sa.select(sa.func.count()).select_from(MeetingParticipant)),
        "attended": rows(sa.select(MeetingParticipant.status, sa.func.count())
                         .join(Meeting).where(Meeting.status == "held").group_by(MeetingParticipant.status)),
        "people": rows(sa.select(service_user_unit.c.unit_id, ServiceUser.age_band, ServiceUser.gender,
                                 sa.func.count())
                       .join(ServiceUser, ServiceUser.id == service_user_unit.c.service_user_id)
                       .group_by(service_user_unit.c.unit_id, ServiceUser.age_band, ServiceUser.gender)),
    }
