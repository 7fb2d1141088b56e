from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.peers import services
from peer_support.peers.models import PeerDomain, PresenceSlot
from tests.helpers import account_of, audit_entries


def test_domain_names_are_unique_in_each_language_whatever_the_case(app, domains, make_account):
    coordinator = make_account("coordinator")
    with pytest.raises(DomainError) as refused:
        services.save_domain(coordinator, None, name_fr="schizophrénie", name_en="Psychosis", is_active=True,
                             ip=None, now=utcnow())
    assert refused.value.field == "name_fr"
    renamed = services.save_domain(coordinator, domains[0], name_fr="Schizophrénie", name_en="Schizophrenia",
                                   is_active=False, ip=None, now=utcnow())
    assert renamed.is_active is False  # saving an entry under its own names is fine


def test_only_the_worker_decides_what_of_their_experience_is_shared(app, domains, make_profile, make_account):
    profile = make_profile()
    coordinator = make_account("coordinator")
    with pytest.raises(DomainError):
        services.set_experience(coordinator, profile, {domains[0].id: "shared"}, ip=None, now=utcnow())
    worker = account_of(profile)
    services.set_experience(worker, profile, {domains[0].id: "shared", domains[1].id: "private",
                                              domains[2].id: "none"}, ip=None, now=utcnow())
    db.session.commit()
    links = {link.domain_id: link.consent_to_matching for link in db.session.scalars(sa.select(PeerDomain))}
    assert links == {domains[0].id: True, domains[1].id: False}
    services.set_experience(worker, profile, {domains[0].id: "none", domains[1].id: "shared"}, ip=None,
                            now=utcnow())
    db.session.commit()
    links = {link.domain_id: link.consent_to_matching for link in db.session.scalars(sa.select(PeerDomain))}
    assert links == {domains[1].id: True}
    entry = audit_entries("peers.experience_update")[-1]
    # The audit log says that something changed, never which experience.
    assert entry.details == {"changed": 2} and "Schizo" not in str(entry.details)


def test_unknown_domain_or_choice_is_refused(app, domains, make_profile):
    profile = make_profile()
    for choices in ({999: "shared"}, {domains[0].id: "maybe"}):
        with pytest.raises(DomainError):
            services.set_experience(account_of(profile), profile, choices, ip=None, now=utcnow())


def test_directory_matches_consented_domains_only_and_hides_those_who_left(app, domains, make_profile):
    sharing = make_profile(shared=[domains[0]])
    keeping = make_profile(private=[domains[0]])
    left = make_profile(shared=[domains[0]], status="left")
    found = services.directory(include_left=False, domain_id=domains[0].id)
    assert [p.id for p in found] == [sharing.id]
    assert {p.id for p in services.directory(include_left=True, domain_id=domains[0].id)} == {sharing.id, left.id}
    assert keeping.id in {p.id for p in services.directory(include_left=False)}


def test_presence_slots_must_be_ordered_and_not_overlap(app, make_profile):
    profile = make_profile()
    worker = account_of(profile)
    services.add_presence_slot(worker, profile, weekday=1, starts_at=time(9), ends_at=time(12), unit_id=None,
                               place="Bureau 12", ip=None, now=utcnow())
    with pytest.raises(DomainError) as overlap:
        services.add_presence_slot(worker, profile, weekday=1, starts_at=time(11), ends_at=time(13),
                                   unit_id=None, place="Café", ip=None, now=utcnow())
    assert overlap.value.field == "starts_at"
    with pytest.raises(DomainError) as backwards:
        services.add_presence_slot(worker, profile, weekday=2, starts_at=time(14), ends_at=time(14),
                                   unit_id=None, place="Café", ip=None, now=utcnow())
    assert backwards.value.field == "ends_at"
    # Touching slots, or the same hours another day, are fine.
    services.add_presence_slot(worker, profile, weekday=1, starts_at=time(12), ends_at=time(13), unit_id=None,
                               place="Cafétéria", ip=None, now=utcnow())
    services.add_presence_slot(worker, profile, weekday=3, starts_at=time(9), ends_at=time(12), unit_id=None,
                               place="Bureau 12", ip=None, now=utcnow())
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PresenceSlot)) == 3


def test_absences_and_what_is_still_to_come(app, make_profile):
    profile = make_profile()
    today = date(2026, 11, 23)
    services.add_absence(account_of(profile), profile, starts_on=today - timedelta(days=10),
                         ends_on=today - timedelta(days=1), kind="leave", public_note=None, ip=None, now=utcnow())
    current = services.add_absence(account_of(profile), profile, starts_on=today - timedelta(days=1), ends_on=today,
                                   kind="training", public_note="  Back tomorrow ", ip=None, now=utcnow())
    with pytest.raises(DomainError):
        services.add_absence(account_of(profile), profile, starts_on=today, ends_on=today - timedelta(days=1),
                             kind="leave", public_note=None, ip=None, now=utcnow())
    with pytest.raises(DomainError):
        services.add_absence(account_of(profile), profile, starts_on=today, ends_on=today, kind="holiday",
                             public_note=None, ip=None, now=utcnow())
    assert services.current_and_coming_absences(profile, today) == [current]
    assert current.public_note == "Back tomorrow"


def test_the_supervisor_must_be_active_care_staff(app, make_profile, make_account):
    profile = make_profile()
    coordinator = make_account("coordinator")
    researcher = make_account("researcher")
    data = services.ProfileAdminData(status="on_leave", max_caseload=8, supervisor_id=researcher.id)
    with pytest.raises(DomainError) as refused:
        services.update_profile(coordinator, profile, data, ip=None, now=utcnow())
    assert refused.value.field == "supervisor_id"
    nurse = make_account("staff")
    data.supervisor_id = nurse.id
    services.update_profile(coordinator, profile, data, ip=None, now=utcnow())
    assert (profile.status, profile.max_caseload, profile.supervisor_id) == ("on_leave", 8, nurse.id)


def test_one_profile_per_peer_worker_account(app, make_account):
    coordinator = make_account("coordinator")
    worker = make_account("peer_worker")
    services.create_profile(coordinator, worker.id, services.ProfileAdminData(languages=["fr", "ar", "fr"],
                            meeting_formats=["phone", "individual"]), ip=None, now=utcnow())
    db.session.commit()
    profile = services.profile_of(worker)
    assert profile.languages == ["ar", "fr"] and profile.meeting_formats == ["individual", "phone"]
    assert services.accounts_without_profile() == []
    with pytest.raises(DomainError):
        services.create_profile(coordinator, worker.id, services.ProfileAdminData(), ip=None, now=utcnow())
    with pytest.raises(DomainError):
        services.create_profile(coordinator, make_account("staff").id, services.ProfileAdminData(), ip=None,
                                now=utcnow())
