"""Referrals by staff: what a referral must hold, its first step, what its referrer may know."""
from datetime import timedelta

import pytest

from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.referrals import services
from peer_support.referrals.labels import CARE_STAGE_LABELS, CLOSE_REASON_LABELS, SOURCE_LABELS, STATUS_LABELS
from peer_support.referrals.models import CARE_STAGES, CLOSE_REASONS, SOURCES, STATUSES
from peer_support.timezones import local_today
from tests.helpers import audit_entries


def test_every_code_has_a_label():
    assert set(STATUS_LABELS) == set(STATUSES)
    assert set(CARE_STAGE_LABELS) == set(CARE_STAGES)
    assert set(SOURCE_LABELS) == set(SOURCES)
    assert set(CLOSE_REASON_LABELS) == set(CLOSE_REASONS)


def _data(unit, **fields):
    values = {"unit_id": unit.id, "reason": "Isolement après l'annonce", "care_stage": "diagnosis",
              "agreed_to_contact": True, "preferred_formats": ["phone", "individual"]}
    values.update(fields)
    return services.ReferralData(**values)


def test_a_referral_starts_new_with_its_first_step(app, units, make_person, make_account):
    nurse = make_account("staff", units=[units[0]])
    person = make_person("Léa", units=[units[0]])
    now = utcnow()
    referral = services.create_staff_referral(nurse, person, _data(units[0], information_given="  "), ip=None,
                                              now=now)
    db.session.commit()
    referral = services.get_referral(referral.id)
    assert (referral.source, referral.status, referral.referred_by_id, referral.review_on) == (
        "staff", "new", nurse.id, None)
    assert referral.preferred_formats == ["individual", "phone"]  # in the vocabulary's order
    assert referral.information_given is None
    assert [(e.from_status, e.to_status, e.actor_id) for e in referral.events] == [(None, "new", nurse.id)]
    entry = audit_entries("referrals.create")[-1]
    assert (entry.object_type, entry.object_id, entry.details) == (
        "referral", str(referral.id), {"service_user_id": person.id, "status": "new"})


def test_not_now_puts_it_on_hold_until_the_review_date(app, units, make_person, make_account):
    nurse = make_account("staff", units=[units[0]])
    person = make_person("Léa", units=[units[0]])
    review = local_today() + timedelta(days=30)
    referral = services.create_staff_referral(nurse, person, _data(units[0], on_hold=True, review_on=review),
                                              ip=None, now=utcnow())
    assert (referral.status, referral.review_on) == ("on_hold", review)
    assert [(e.from_status, e.to_status) for e in referral.events] == [(None, "on_hold")]


@pytest.mark.parametrize("fields, field", [
    ({"agreed_to_contact": False}, "agreed_to_contact"),
    ({"on_hold": True, "review_on": None}, "review_on"),
    ({"on_hold": True, "review_on": "today"}, "review_on"),
    ({"on_hold": True, "review_on": "yesterday"}, "review_on"),
    ({"care_stage": "acute"}, "care_stage"),
    ({"reason": " "}, "reason"),
    ({"preferred_formats": ["telepathy"]}, "preferred_formats"),
    ({"unit_id": "other"}, "unit_id"),
])
def test_what_a_referral_cannot_hold(app, units, make_person, make_account, fields, field):
    nurse = make_account("staff", units=units)
    person = make_person("Léa", units=[units[0]])
    days = {"today": 0, "yesterday": -1}
    if fields.get("review_on") in days:
        fields["review_on"] = local_today() + timedelta(days=days[fields["review_on"]])
    if fields.get("unit_id") == "other":
        fields["unit_id"] = units[1].id  # not one of the person's units
    with pytest.raises(DomainError) as refused:
        services.create_staff_referral(nurse, person, _data(units[0], **fields), ip=None, now=utcnow())
    assert refused.value.field == field


def test_the_worker_is_named_once_they_accepted(app, units, make_person, make_account, make_profile,
                                                make_referral):
    nurse = make_account("staff", units=[units[0]])
    profile = make_profile()
    person = make_person("Léa", units=[units[0]])
    shown = {}
    for steps in ([("triaged", None)], [("triaged", None), ("proposed", None)],
                  [("triaged", None), ("proposed", None), ("accepted", None)],
                  [("triaged", None), ("proposed", None), ("accepted", None), ("active", None)]):
        referral = make_referral(person, nurse, units[0], steps=steps, profile=profile)
        worker = services.worker_shown(services.get_referral(referral.id))
        shown[steps[-1][0]] = worker.id if worker else None
    assert shown == {"triaged": None, "proposed": None, "accepted": profile.account_id,
                     "active": profile.account_id}
