"""The referral workflow: every step allowed and refused, validations, history and audit."""
from datetime import timedelta

import pytest
from flask_babel import force_locale
import sqlalchemy as sa

from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.referrals.models import STATUSES, Referral, ReferralEvent
from peer_support.timezones import local_date
from peer_support.training.services import current_requirements
from peer_support.triage import services
from peer_support.triage.services import TRANSITIONS
from tests.helpers import account_of, audit_entries


@pytest.fixture
def team(app, make_account, make_profile):
    coordinator = make_account("coordinator", locale="en")
    profile = make_profile(max_caseload=3)
    return coordinator, profile, account_of(profile)


def _tomorrow():
    return local_date(utcnow()) + timedelta(days=1)


# Each action, the status it leads to, and who takes it.
ACTIONS = {
    "mark_triaged": ("triaged", "coordinator", lambda actor, r: services.mark_triaged(actor, r, ip=None, now=utcnow())),
    "propose": ("proposed", "coordinator", None),  # needs the worker: see _run
    "revoke": ("triaged", "coordinator", lambda actor, r: services.revoke(actor, r, ip=None, now=utcnow())),
    "accept": ("accepted", "worker", lambda actor, r: services.accept(actor, r, ip=None, now=utcnow())),
    "decline": ("triaged", "worker", lambda actor, r: services.decline(actor, r, reason="Trop proche de mon histoire",
                                                                         ip=None, now=utcnow())),
    "start": ("active", "coordinator", lambda actor, r: services.start(actor, r, ip=None, now=utcnow())),
    "hold": ("on_hold", "coordinator", lambda actor, r: services.put_on_hold(
        actor, r, review_on=_tomorrow(), reason="Phase aiguë", ip=None, now=utcnow())),
    "resume": ("triaged", "coordinator", lambda actor, r: services.resume(actor, r, ip=None, now=utcnow())),
    "close": ("closed", "coordinator", lambda actor, r: services.close(actor, r, close_reason="user_declined",
                                                                       ip=None, now=utcnow())),
}

ALLOWED = {
    "new": {"mark_triaged", "propose", "hold", "close"},
    "triaged": {"propose", "hold", "close"},
    "proposed": {"revoke", "accept", "decline", "close"},
    "accepted": {"start", "hold", "close"},
    "active": {"hold", "close"},
    "on_hold": {"resume", "close"},
    "closed": set(),
}


def test_the_table_and_the_actions_agree():
    assert set(ALLOWED) == set(STATUSES) == set(TRANSITIONS)
    for status, actions in ALLOWED.items():
        reached = {ACTIONS[action][0] for action in actions}
        if status == "on_hold":
            reached.discard("triaged")  # resume goes back where it was: triaged here, accepted/active else
            assert reached <= TRANSITIONS[status]
        else:
            assert reached == TRANSITIONS[status], status


def _referral_in(status, profile, make_referral):
    worker = profile if status in ("proposed", "accepted", "active") else None
    return make_referral(status=status, peer_profile=worker,
                         review_on=_tomorrow() if status == "on_hold" else None,
                         close_reason="other" if status == "closed" else None)


def _run(action, referral, coordinator, worker_account, profile):
    actor = coordinator if ACTIONS[action][1] == "coordinator" else worker_account
    if action == "propose":
        return services.propose(actor, referral, profile.id, ip=None, now=utcnow())
    return ACTIONS[action][2](actor, referral)


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_step_is_allowed_or_refused_as_the_table_says(app, team, make_referral, status, action):
    coordinator, profile, worker = team
    referral = _referral_in(status, profile, make_referral)
    events_before = len(db.session.scalars(sa.select(ReferralEvent).where(
        ReferralEvent.referral_id == referral.id)).all())
    if action in ALLOWED[status]:
        _run(action, referral, coordinator, worker, profile)
        db.session.commit()
        assert referral.status == ACTIONS[action][0]
        event = db.session.scalars(sa.select(ReferralEvent).where(ReferralEvent.referral_id == referral.id)
                                   .order_by(ReferralEvent.id.desc())).first()
        assert (event.from_status, event.to_status) == (status, referral.status)
        assert event.actor_id == (coordinator.id if ACTIONS[action][1] == "coordinator" else worker.id)
        assert audit_entries(f"triage.{action}" if action != "hold" else "triage.hold")
    else:
        with pytest.raises(DomainError):
            _run(action, referral, coordinator, worker, profile)
        db.session.rollback()
        db.session.expire_all()
        assert db.session.get(Referral, referral.id).status == status
        assert len(db.session.scalars(sa.select(ReferralEvent).where(
            ReferralEvent.referral_id == referral.id)).all()) == events_before


def test_a_closed_referral_says_a_new_one_is_needed(app, team, make_referral):
    coordinator, profile, _ = team
    referral = make_referral(status="closed", close_reason="goals_reached")
    with pytest.raises(DomainError) as refused:
        services.mark_triaged(coordinator, referral, ip=None, now=utcnow())
    with force_locale("en"):
        assert "new referral" in str(refused.value)


def test_only_the_coordinator_takes_the_coordinators_steps(app, team, make_account, make_referral):
    _, profile, worker = team
    referral = make_referral()
    for actor in (make_account("staff"), worker):
        with pytest.raises(DomainError):
            services.propose(actor, referral, profile.id, ip=None, now=utcnow())
        with pytest.raises(DomainError):
            services.close(actor, referral, close_reason="other", reason="x", ip=None, now=utcnow())
    assert referral.status == "new"


def test_propose_accept_keeps_the_worker_and_records_who_and_when(app, team, make_referral):
    coordinator, profile, worker = team
    referral = make_referral()
    services.propose(coordinator, referral, profile.id, reason="Même unité", ip="10.0.0.1", now=utcnow())
    db.session.commit()
    assert (referral.status, referral.peer_profile_id, referral.accepted_at) == ("proposed", profile.id, None)
    moment = utcnow()
    services.accept(worker, referral, ip=None, now=moment)
    db.session.commit()
    assert (referral.status, referral.peer_profile_id, referral.accepted_at) == ("accepted", profile.id, moment)
    entry = audit_entries("triage.propose")[-1]
    assert (entry.object_type, entry.object_id, entry.actor_id) == ("referral", str(referral.id), coordinator.id)
    # Codes and ids only: the note typed by the coordinator stays in the history, not in the audit log.
    assert entry.details["peer_profile_id"] == profile.id and "Même unité" not in str(entry.details)
    history = db.session.scalars(sa.select(ReferralEvent).where(ReferralEvent.referral_id == referral.id)
                                 .order_by(ReferralEvent.id)).all()
    assert [(e.to_status, e.reason) for e in history][-2:] == [("proposed", "Même unité"), ("accepted", None)]


def test_declining_needs_a_reason_and_clears_the_worker(app, team, make_referral):
    _, profile, worker = team
    referral = make_referral(status="proposed", peer_profile=profile)
    with pytest.raises(DomainError) as refused:
        services.decline(worker, referral, reason="   ", ip=None, now=utcnow())
    assert refused.value.field == "reason"
    services.decline(worker, referral, reason="Je connais la famille", ip=None, now=utcnow())
    db.session.commit()
    assert (referral.status, referral.peer_profile_id) == ("triaged", None)
    event = db.session.scalars(sa.select(ReferralEvent).order_by(ReferralEvent.id.desc())).first()
    assert (event.peer_profile_id, event.reason) == (profile.id, "Je connais la famille")
    assert "Je connais" not in str(audit_entries("triage.decline")[-1].details)


def test_another_worker_cannot_answer_a_proposal(app, team, make_referral, make_profile):
    _, profile, _ = team
    other = account_of(make_profile())
    referral = make_referral(status="proposed", peer_profile=profile)
    for answer in (lambda: services.accept(other, referral, ip=None, now=utcnow()),
                   lambda: services.decline(other, referral, reason="non", ip=None, now=utcnow()),
                   lambda: services.start(other, referral, ip=None, now=utcnow())):
        with pytest.raises(DomainError):
            answer()
    assert (referral.status, referral.peer_profile_id) == ("proposed", profile.id)


def test_the_coordinator_revokes_and_reassigns(app, team, make_referral, make_profile):
    coordinator, profile, _ = team
    second = make_profile()
    referral = make_referral(status="proposed", peer_profile=profile)
    services.revoke(coordinator, referral, ip=None, now=utcnow())
    assert (referral.status, referral.peer_profile_id) == ("triaged", None)
    services.propose(coordinator, referral, second.id, ip=None, now=utcnow())
    db.session.commit()
    assert (referral.status, referral.peer_profile_id) == ("proposed", second.id)


def test_proposing_needs_an_active_worker(app, team, make_referral, make_profile):
    coordinator, _, _ = team
    referral = make_referral()
    for profile_id in (make_profile(status="on_leave").id, make_profile(status="left").id, None, 99999):
        with pytest.raises(DomainError) as refused:
            services.propose(coordinator, referral, profile_id, ip=None, now=utcnow())
        assert refused.value.field == "peer_profile_id"
    assert referral.status == "new" and referral.peer_profile_id is None


def test_proposing_warns_without_initial_qualification_or_with_a_full_caseload(app, team, make_referral):
    coordinator, profile, _ = team
    for _ in range(3):
        make_referral(status="active", peer_profile=profile)
    assert current_requirements().initial_qualification_before_caseload
    warnings = services.propose(coordinator, make_referral(), profile.id, ip=None, now=utcnow())
    with force_locale("en"):
        texts = [str(w) for w in warnings]
    assert len(texts) == 2 and "initial qualification" in texts[0] and "caseload is full" in texts[1]
    current_requirements().initial_qualification_before_caseload = False
    db.session.commit()
    warnings = services.propose(coordinator, make_referral(), profile.id, ip=None, now=utcnow())
    with force_locale("en"):
        assert [str(w) for w in warnings] == [texts[1]]  # a warning, never a refusal


def test_on_hold_needs_a_review_date_after_today_and_a_reason(app, team, make_referral):
    coordinator, _, _ = team
    referral = make_referral()
    today = local_date(utcnow())
    for review_on in (None, today, today - timedelta(days=3)):
        with pytest.raises(DomainError) as refused:
            services.put_on_hold(coordinator, referral, review_on=review_on, reason="Phase aiguë", ip=None,
                                 now=utcnow())
        assert refused.value.field == "review_on"
    with pytest.raises(DomainError) as refused:
        services.put_on_hold(coordinator, referral, review_on=today + timedelta(days=1), reason="", ip=None,
                             now=utcnow())
    assert refused.value.field == "reason"
    services.put_on_hold(coordinator, referral, review_on=today + timedelta(days=30), reason="Phase aiguë",
                         ip=None, now=utcnow())
    db.session.commit()
    assert (referral.status, referral.review_on) == ("on_hold", today + timedelta(days=30))


def test_a_paused_accompaniment_resumes_where_it_was_with_its_worker(app, team, make_referral):
    coordinator, profile, _ = team
    referral = make_referral(status="active", peer_profile=profile)
    services.put_on_hold(coordinator, referral, review_on=_tomorrow(), reason="Hospitalisation", ip=None,
                         now=utcnow())
    assert referral.peer_profile_id == profile.id
    assert services.allowed_steps(referral) == {"active", "closed"}
    services.resume(coordinator, referral, ip=None, now=utcnow())
    db.session.commit()
    assert (referral.status, referral.peer_profile_id, referral.review_on) == ("active", profile.id, None)
    waiting = make_referral()
    services.put_on_hold(coordinator, waiting, review_on=_tomorrow(), reason="Pas maintenant", ip=None, now=utcnow())
    services.resume(coordinator, waiting, ip=None, now=utcnow())
    assert waiting.status == "triaged"


def test_closing_needs_a_reason_and_a_word_for_other(app, team, make_referral):
    coordinator, profile, _ = team
    referral = make_referral(status="proposed", peer_profile=profile)
    for code in (None, "", "lost"):
        with pytest.raises(DomainError) as refused:
            services.close(coordinator, referral, close_reason=code, ip=None, now=utcnow())
        assert refused.value.field == "close_reason"
    with pytest.raises(DomainError) as refused:
        services.close(coordinator, referral, close_reason="other", reason=" ", ip=None, now=utcnow())
    assert refused.value.field == "reason"
    services.close(coordinator, referral, close_reason="no_contact_possible", ip=None, now=utcnow())
    db.session.commit()
    # Never accepted: the worker it was proposed to is not the one who accompanied the person.
    assert (referral.status, referral.close_reason, referral.peer_profile_id) == ("closed", "no_contact_possible",
                                                                                   None)
    accompanied = make_referral(status="active", peer_profile=profile)
    services.close(coordinator, accompanied, close_reason="goals_reached", ip=None, now=utcnow())
    assert accompanied.peer_profile_id == profile.id
    assert audit_entries("triage.close")[-1].details == {"from": "active", "to": "closed",
                                                         "close_reason": "goals_reached"}


def test_the_worker_marks_the_first_contact(app, team, make_referral):
    _, profile, worker = team
    referral = make_referral(status="accepted", peer_profile=profile)
    services.start(worker, referral, ip=None, now=utcnow())
    assert referral.status == "active"


def test_caseloads_count_accepted_and_active_referrals_only(app, team, make_referral, make_profile):
    _, profile, _ = team
    idle = make_profile()
    for status in ("proposed", "accepted", "active", "active"):
        make_referral(status=status, peer_profile=profile)
    make_referral(status="closed", peer_profile=profile, accepted=True, close_reason="goals_reached")
    assert services.caseload_counts([profile.id, idle.id]) == {profile.id: 3, idle.id: 0}


def test_the_demo_moves_referrals_through_the_workflow(app, team, make_referral, make_profile):
    import random

    from peer_support.triage.demo import add_demo_triage

    coordinator, profile, _ = team
    profiles = [profile, make_profile(), make_profile(status="on_leave")]
    referrals = [make_referral(created_days_ago=40) for _ in range(14)]
    add_demo_triage(random.Random(3), referrals, profiles, coordinator, utcnow())
    db.session.commit()
    statuses = [r.status for r in referrals]
    for status in ("proposed", "on_hold", "closed", "active", "new"):
        assert status in statuses, status
    assert all(r.peer_profile_id != profiles[2].id for r in referrals)  # never a worker on leave
    counts = services.caseload_counts(p.id for p in profiles)
    assert all(counts[p.id] <= p.max_caseload for p in profiles)


def test_the_history_keeps_every_review_date(app, team):
    from peer_support.triage.queue import load_referral
    from tests.triage.conftest import new_referral

    coordinator, _profile, _account = team
    referral = new_referral()
    first, second = _tomorrow() + timedelta(days=10), _tomorrow() + timedelta(days=40)
    services.put_on_hold(coordinator, referral, review_on=first, reason="Phase aiguë", ip=None, now=utcnow())
    services.resume(coordinator, referral, ip=None, now=utcnow())
    services.put_on_hold(coordinator, referral, review_on=second, reason="Encore trop tôt", ip=None, now=utcnow())
    db.session.commit()
    referral = load_referral(referral.id)
    assert [event.review_on for event in referral.events if event.to_status == "on_hold"] == [first, second]
    assert referral.review_on == second
