"""The demo data of My space and "becoming a peer worker"."""

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from peer_support.auth.models import Account
from peer_support.db import utcnow
from peer_support.demo import DOMAIN, load_demo_data
from peer_support.extensions import db
from peer_support.people.models import AccountInvitation, PeerWorkInterest, ServiceUser


def _person_of(local):
    account_id = db.session.scalar(sa.select(Account.id).where(Account.email == f"{local}@{DOMAIN}"))
    return db.session.scalar(sa.select(ServiceUser).where(ServiceUser.account_id == account_id))


def test_demo_choices_wish_and_invitation(app):
    load_demo_data(size="small", seed=2019, password="demo-pairs-aidants-2026")
    # The demo loader wires My space in (add_demo_myspace).
    assert _person_of("usager.paul").follow_up_choice == "contact_me_again"
    assert _person_of("usager.ines").follow_up_choice == "i_will_get_in_touch"
    theo = _person_of("usager.theo")
    interest = db.session.scalar(sa.select(PeerWorkInterest).options(selectinload(PeerWorkInterest.programmes))
                                 .where(PeerWorkInterest.service_user_id == theo.id))
    assert interest.status == "informed" and len(interest.programmes) == 1
    [invitation] = db.session.scalars(sa.select(AccountInvitation)).all()
    assert invitation.used_at is None and invitation.revoked_at is None and invitation.expires_at > utcnow()
