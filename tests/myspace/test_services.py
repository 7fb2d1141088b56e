"""My space services: each takes the person's own record and `now`."""
from datetime import timedelta

import pytest

from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.myspace import services
from peer_support.peers.models import Absence
from peer_support.timezones import local_date
from tests.conftest import new_account
from tests.myspace.conftest import linked_person
from tests.triage.conftest import new_person, new_referral


def test_own_record_is_the_linked_one_only(app, units):
    person, account = linked_person(units=[units[0]])
    assert services.own_record(account).id == person.id
    assert services.own_record(new_account("service_user")) is None
    staff = new_account("staff")
    person.account_id = None
    db.session.commit()
    assert services.own_record(staff) is None


def test_workers_are_those_who_accepted_and_absences_those_not_over(app, units, make_profile):
    person, _ = linked_person(units=[units[0]])
    current, former, proposed = make_profile(), make_profile(), make_profile()
    new_referral(person, status="active", peer_profile=current)
    new_referral(person, status="closed", peer_profile=former)
    new_referral(person, status="proposed", peer_profile=proposed)
    now = utcnow()
    today = local_date(now)
    db.session.add_all([
        Absence(profile_id=current.id, starts_on=today - timedelta(days=5), ends_on=today - timedelta(days=1),
                kind="leave", public_note="over"),
        Absence(profile_id=current.id, starts_on=today, ends_on=today, kind="other", public_note="today")])
    db.session.commit()
    workers = services.my_workers(person, today=today)
    assert [w.id for w in workers] == [current.id]
    assert [a.public_note for a in workers[0].absences] == ["today"]


def test_a_meeting_in_progress_is_still_upcoming_and_travel_in_time(app, units, make_profile, make_meeting):
    person, account = linked_person(units=[units[0]])
    worker = make_profile()
    start = utcnow() + timedelta(days=1)
    meeting = make_meeting(worker, [person], starts_at=start, minutes=60)
    assert [m.meeting.id for m in services.my_upcoming_meetings(person, now=start + timedelta(minutes=30))] == [
        meeting.id]
    assert services.my_upcoming_meetings(person, now=start + timedelta(minutes=60)) == []
    mine = services.my_participation(person, meeting.id)
    with pytest.raises(DomainError):
        services.cancel_participation(account, person, mine, reason=None, ip=None, now=start + timedelta(hours=2))


def test_someone_elses_participation_is_refused_by_the_service_too(app, units, make_profile, make_meeting):
    person, account = linked_person(units=[units[0]])
    other = new_person(units=[units[0]])
    meeting = make_meeting(make_profile(), [other])
    theirs = services.my_participation(other, meeting.id)
    with pytest.raises(DomainError):
        services.cancel_participation(account, person, theirs, reason=None, ip=None, now=utcnow())
    assert services.my_participation(person, meeting.id) is None


def test_the_request_goes_to_the_unit_of_the_person_when_there_is_only_one(app, units):
    _person, account = linked_person(units=[units[1]])
    person = services.own_record(account)  # what the views pass: the record with its units
    referral = services.ask_for_contact(account, person, contact=None, message=None, ip=None, now=utcnow())
    assert referral.unit_id == units[1].id and referral.source == "self" and referral.status == "new"
    _both, both_account = linked_person(units=units, name="Deux")
    both = services.own_record(both_account)
    assert services.ask_for_contact(both_account, both, contact=" ", message=" ", ip=None,
                                    now=utcnow()).unit_id is None


def test_a_request_on_hold_still_counts_as_open(app, units):
    _person, account = linked_person(units=[units[0]])
    person = services.own_record(account)
    referral = services.ask_for_contact(account, person, contact=None, message=None, ip=None, now=utcnow())
    referral.status, referral.review_on = "on_hold", local_date(utcnow()) + timedelta(days=30)
    db.session.flush()
    with pytest.raises(DomainError):
        services.ask_for_contact(account, person, contact=None, message=None, ip=None, now=utcnow())


def test_an_unknown_follow_up_choice_is_refused(app, units):
    person, account = linked_person(units=[units[0]])
    with pytest.raises(DomainError) as refused:
        services.set_follow_up_choice(account, person, "sometimes", ip=None, now=utcnow())
    assert refused.value.field == "choice"
    now = utcnow()
    services.set_follow_up_choice(account, person, "contact_me_again", ip=None, now=now)
    assert (person.follow_up_choice, person.follow_up_choice_at) == ("contact_me_again", now)
