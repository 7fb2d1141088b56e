"""The demo's records and referrals are valid data."""
import random

import sqlalchemy as sa

from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.people.demo import PEOPLE, add_demo_people
from peer_support.people.models import ServiceUser
from peer_support.referrals.models import Referral


def test_demo_people_and_referrals(app, units, make_account):
    staff = [make_account("staff", units=[units[0]]), make_account("staff", units=[units[1]])]
    users = [make_account("service_user", name=name) for name in ("Paul Durand", "Inès Mercier", "Théo Lambert")]
    result = add_demo_people(random.Random(1), {u.code: u for u in units}, staff, utcnow(),
                             service_user_accounts=users)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ServiceUser)) == len(PEOPLE) + 3
    linked = set(db.session.scalars(sa.select(ServiceUser.account_id).where(ServiceUser.account_id.is_not(None))))
    assert linked == {u.id for u in users}
    statuses = sorted(db.session.scalars(sa.select(Referral.status)))
    assert set(statuses) == {"new", "on_hold", "triaged", "closed"}
    assert result.waiting and all(r.status == "new" for r in result.waiting)
