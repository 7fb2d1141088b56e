"""Demo data of triage: some demo referrals moved through the workflow, the way a coordinator would."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from peer_support.auth.models import Account
from peer_support.people.models import ServiceUser
from peer_support.units.models import account_unit
from peer_support.extensions import db
from peer_support.timezones import local_date
from peer_support.triage import services

HOLD_REASONS = ["Phase aiguë, à revoir à la sortie d'hospitalisation.", "La personne préfère attendre la fin du bilan."]
DECLINE_REASONS = ["Je connais la famille de la personne.", "Mon agenda est complet ce mois-ci."]


def add_demo_triage(rng, referrals, profiles, coordinator, now: datetime) -> None:
    """Move new demo referrals through the workflow (through the real services, so history and audit follow).

    The people who have an account (the demo service users) are accompanied by a
    worker of their unit. Of the others: one proposed and one declined then proposed
    again, one on hold until a review date, one closed; most of the rest active
    with accepted workers, some accepted, some triaged, a few left new for the queue.
    """
    waiting = sorted((r for r in referrals if r.status == "new"), key=lambda r: r.id)
    workers = [p for p in profiles if p.status == "active"]
    if not waiting or not workers:
        return
    rng.shuffle(waiting)
    accounts = {a.id: a for a in db.session.scalars(
        sa.select(Account).where(Account.id.in_([p.account_id for p in workers])))}
    load = {p.id: 0 for p in workers}
    worker_units: dict[int, set[int]] = {}
    for account_id, unit_id in db.session.execute(
            sa.select(account_unit.c.account_id, account_unit.c.unit_id)
            .where(account_unit.c.account_id.in_(list(accounts)))):
        worker_units.setdefault(account_id, set()).add(unit_id)
    with_account = set(db.session.scalars(
        sa.select(ServiceUser.id).where(ServiceUser.account_id.is_not(None),
                                        ServiceUser.id.in_([r.service_user_id for r in waiting]))))

    def worker_with_room(exclude=None, unit_id=None):
        free = [p for p in workers if load[p.id] < p.max_caseload and p.id != exclude
                and (unit_id is None or unit_id in worker_units.get(p.account_id, ()))]
        return rng.choice(free) if free else None

    def at(referral, days: int) -> datetime:
        """`days` after the request, never in the future."""
        return min((referral.created_at or now) + timedelta(days=days), now)

    def propose(referral, when, exclude=None):
        profile = worker_with_room(exclude, referral.unit_id) or worker_with_room(exclude)
        if profile is None:
            return None
        services.propose(coordinator, referral, profile.id, ip=None, now=when)
        return profile

    def accept(referral, profile, when):
        services.accept(accounts[profile.account_id], referral, ip=None, now=when)
        load[profile.id] += 1

    linked = [r for r in waiting if r.service_user_id in with_account]
    waiting = [r for r in waiting if r.service_user_id not in with_account]
    plan = ["proposed", "declined", "on_hold", "closed"]
    share = len(waiting) - len(plan)
    plan += ["active"] * (share * 6 // 10) + ["accepted"] * max(1, share // 10) + ["triaged"] * (share // 10)
    # The plan and the waiting referrals need not be as long as each other: referrals past the plan stay new.
    for referral, target in [(r, "active") for r in linked] + list(zip(waiting, plan, strict=False)):
        if target == "triaged":
            services.mark_triaged(coordinator, referral, ip=None, now=at(referral, 1))
        elif target == "proposed":
            propose(referral, at(referral, 2))
        elif target == "declined":
            first = propose(referral, at(referral, 1))
            if first is not None:
                services.decline(accounts[first.account_id], referral, reason=rng.choice(DECLINE_REASONS), ip=None,
                                 now=at(referral, 2))
                propose(referral, at(referral, 3), exclude=first.id)
        elif target == "on_hold":
            services.put_on_hold(coordinator, referral, review_on=local_date(now) + timedelta(days=rng.randint(14, 60)),
                                 reason=rng.choice(HOLD_REASONS), ip=None, now=at(referral, 1))
        elif target in ("accepted", "active", "closed"):
            profile = propose(referral, at(referral, 1))
            if profile is None:
                continue
            accept(referral, profile, at(referral, 2))
            if target in ("active", "closed"):
                services.start(coordinator, referral, ip=None, now=at(referral, 5))
            if target == "closed":
                services.close(coordinator, referral, close_reason="goals_reached", ip=None, now=at(referral, 90))
                load[profile.id] -= 1
    db.session.flush()
