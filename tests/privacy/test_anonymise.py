"""anonymise(): no identifying value left anywhere in the database (searched), statistics unchanged."""
import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.exc import DatabaseError

from peer_support.audit.models import AuditEntry
from peer_support.auth.models import Account, AuthSession, LoginAttempt
from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.meetings.models import Meeting, MeetingParticipant
from peer_support.people.models import AccountInvitation, ServiceUser
from peer_support.people.services import get_person
from peer_support.privacy.anonymise import anonymise
from peer_support.referrals.models import Referral, ReferralEvent
from tests.conftest import sign_in
from tests.privacy.rights_fixtures import *  # noqa: F401,F403
from tests.privacy.rights_fixtures import EMAIL, OTHER_NAME, YEAR_OF_BIRTH, found_anywhere, statistics


def _anonymise(seeded, how="erasure"):
    code = anonymise(get_person(seeded.person.id), how=how, actor=seeded.coordinator, now=utcnow())
    db.session.commit()
    db.session.expire_all()
    return code


def test_the_seed_really_puts_the_values_everywhere(seeded):
    # Without this, the search below could pass by finding nothing for the wrong reason.
    tables = {table for table, _column, _value in found_anywhere(seeded.identifying_values())}
    assert {"service_user", "account", "referral", "referral_event", "meeting", "meeting_participant",
            "peer_work_interest", "account_invitation", "nudge", "audit_entry", "login_attempt"} <= tables


def test_no_identifying_value_is_left_anywhere_in_the_database(seeded):
    code = _anonymise(seeded)
    assert found_anywhere(seeded.identifying_values()) == []
    person = db.session.get(ServiceUser, seeded.person.id)
    assert person.year_of_birth is None
    assert (person.code, person.display_name) == (code, f"Anonymised person {code}")
    assert code != seeded.old_code
    assert (person.anonymisation, person.anonymised_at is not None) == ("erasure", True)
    # What statistics use stays.
    assert (person.age_band, person.gender, [u.code for u in get_person(person.id).units]) == ("36-50", "man",
                                                                                                ["CL3R"])


def test_statistics_are_the_same_before_and_after(seeded):
    before = statistics()
    _anonymise(seeded)
    assert statistics() == before


def test_open_referrals_are_closed_and_planned_meetings_cancelled(seeded):
    _anonymise(seeded)
    referral = db.session.get(Referral, seeded.open_referral_id)
    assert (referral.status, referral.close_reason) == ("closed", "other")
    last = db.session.scalars(sa.select(ReferralEvent).where(ReferralEvent.referral_id == referral.id)
                              .order_by(ReferralEvent.id.desc())).first()
    assert (last.to_status, last.reason, last.actor_id) == ("closed", "erasure", seeded.coordinator.id)
    planned = db.session.get(Meeting, seeded.planned_meeting_id)
    assert (planned.status, planned.cancel_reason) == ("cancelled", "erasure")
    # A planned group session goes on for the others; the person is no longer enrolled.
    group = db.session.get(Meeting, seeded.planned_group_id)
    assert group.status == "planned"
    assert db.session.get(MeetingParticipant, (group.id, seeded.person.id)).status == "cancelled"
    assert db.session.get(MeetingParticipant, (group.id, seeded.other.id)).status == "enrolled"


def test_a_group_session_keeps_their_participation_and_the_others_notes(seeded):
    _anonymise(seeded)
    group = db.session.get(Meeting, seeded.group_meeting_id)
    participation = db.session.get(MeetingParticipant, (group.id, seeded.person.id))
    assert (participation.status, participation.cancel_reason) == ("attended", None)
    # The worker's note about the group keeps what concerns the other person, without the erased name.
    assert OTHER_NAME in group.private_notes and "Zébulon" not in group.private_notes
    assert group.team_summary == "Bonne séance"


def test_their_account_is_closed_for_good(seeded, client):
    account_id = seeded.person.account_id
    _anonymise(seeded)
    account = db.session.get(Account, account_id)
    assert (account.is_active, account.password_hash, account.totp_secret) == (False, None, None)
    assert account.email.endswith("@anonymised.invalid")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuthSession)
                             .where(AuthSession.account_id == account_id)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)
                             .where(LoginAttempt.email == EMAIL)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AccountInvitation)) == 0
    assert sign_in(client, EMAIL).status_code == 200  # refused: the login form again
    # Their entries in the audit log stay, under the neutral label.
    labels = set(db.session.scalars(sa.select(AuditEntry.actor_label).where(AuditEntry.actor_id == account_id)))
    person = db.session.get(ServiceUser, seeded.person.id)
    assert labels == {account.name} == {f"Anonymised person {person.code}"}


def test_the_audit_log_is_append_only_again_afterwards(seeded):
    _anonymise(seeded)
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(sa.update(AuditEntry.__table__).values(actor_label="changed"))
    db.session.rollback()


def test_legal_hold_and_an_anonymised_record_are_refused_and_nothing_changes(seeded):
    person = get_person(seeded.person.id)
    person.legal_hold, person.legal_hold_reason = True, "Réquisition judiciaire 2026-14"
    db.session.commit()
    with force_locale("en"), pytest.raises(DomainError, match="legal hold"):
        anonymise(get_person(person.id), how="erasure", actor=seeded.coordinator, now=utcnow())
    db.session.rollback()
    assert db.session.get(ServiceUser, person.id).year_of_birth == YEAR_OF_BIRTH
    person = get_person(person.id)
    person.legal_hold = False
    db.session.commit()
    _anonymise(seeded)
    with force_locale("en"), pytest.raises(DomainError, match="already"):
        anonymise(get_person(person.id), how="retention", actor=None, now=utcnow())
