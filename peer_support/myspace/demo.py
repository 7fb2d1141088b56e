"""Demo data for My space and "becoming a peer worker" (the lead wires it into peer_support/demo.py)."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from peer_support.auth.models import Account
from peer_support.extensions import db
from peer_support.myspace.invitations import INVITATION_LIFETIME, token_hash
from peer_support.people.models import (INTEREST_STATUSES, AccountInvitation, PeerWorkInterest,
                                        peer_work_interest_programme)

# The named demo service users' follow-up choices (local part of their e-mail -> choice).
FOLLOW_UP = {"usager.paul": "contact_me_again", "usager.ines": "i_will_get_in_touch"}
# Among the other people (large size), about one in fifty says they would like to become a peer worker.
INTEREST_SHARE = 50
MESSAGES = ["Je voudrais aider à mon tour, comme on m'a aidé.", "J'aimerais savoir en quoi consiste la formation.",
            None, "On m'en a parlé pendant une rencontre ; ça m'intéresse."]


def add_demo_myspace(rng, people, programmes, coordinator, now: datetime) -> None:
    """Follow-up choices of the demo service users (Paul: contact me again; Inès: I will get in touch), Théo's
    wish to become a peer worker (informed, with a programme), a few more wishes, and one open invitation.

    `people`: the ServiceUser records (DemoPeople.people); `programmes`: add_demo_training's catalogue.
    Bulk inserts: a few statements whatever the number of people.
    """
    db.session.flush()
    if not people:
        return
    linked = {p.account_id: p for p in people if p.account_id is not None}
    emails = dict(db.session.execute(sa.select(Account.id, Account.email).where(Account.id.in_(list(linked)))).all()) \
        if linked else {}
    by_local = {emails[account_id].split("@")[0]: person for account_id, person in linked.items()
                if account_id in emails}
    for local, choice in FOLLOW_UP.items():
        person = by_local.get(local)
        if person is not None:
            person.follow_up_choice, person.follow_up_choice_at = choice, now - timedelta(days=rng.randint(1, 20))

    active = [p for p in programmes if p.is_active] if programmes else []
    initial = [p for p in active if p.kind == "initial_qualification"] or active
    rows, links = [], []
    theo = by_local.get("usager.theo")
    if theo is not None:
        rows.append({"service_user_id": theo.id, "status": "informed",
                     "message": "J'aimerais devenir pair-aidant à mon tour, quand j'irai mieux.",
                     "note": "Entretien d'information fait. Prochaine session du DU en septembre : on en reparle "
                             "en juin.", "created_at": now - timedelta(days=30),
                     "status_changed_at": now - timedelta(days=12), "updated_by_id": coordinator.id})
    others = [p for p in people if p.account_id is None]
    for person in others[::INTEREST_SHARE] if len(others) > INTEREST_SHARE else others[:1]:
        created = now - timedelta(days=rng.randint(5, 300))
        status = rng.choice(INTEREST_STATUSES)
        rows.append({"service_user_id": person.id, "status": status, "message": rng.choice(MESSAGES),
                     "note": None if status == "interested" else "Premier échange fait.", "created_at": created,
                     "status_changed_at": created + timedelta(days=rng.randint(0, 4)),
                     "updated_by_id": coordinator.id})
    if rows:
        db.session.execute(sa.insert(PeerWorkInterest), rows)
        ids = dict(db.session.execute(sa.select(PeerWorkInterest.service_user_id, PeerWorkInterest.id).where(
            PeerWorkInterest.service_user_id.in_([row["service_user_id"] for row in rows]))).all())
        for row in rows:
            if row["status"] != "interested" and initial:
                links.append({"interest_id": ids[row["service_user_id"]], "programme_id": rng.choice(initial).id})
        if links:
            db.session.execute(sa.insert(peer_work_interest_programme), links)

    # One invitation waiting to be used (its link was "sent"; the coordinator may resend or withdraw it).
    invitee = next((p for p in others if p.email), None)
    if invitee is not None:
        sent = now - timedelta(days=2)
        db.session.add(AccountInvitation(service_user_id=invitee.id, email=invitee.email,
                                         token_hash=token_hash(secrets.token_urlsafe(32)),
                                         created_by_id=coordinator.id, created_at=sent,
                                         expires_at=sent + INVITATION_LIFETIME))
    db.session.flush()
