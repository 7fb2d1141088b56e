"""The opt-in message to the person themselves: "would you like to meet your peer worker again?"

When the person chose "contact me again", the nudge to their peer worker comes first (rule contact_gap).
Only if that nudge is still waiting N days later (threshold "person_message", default 3 days; a unit may set
its own) does the person get a kind message of their own, and only when all of these hold:

- the person opted in on My space (ServiceUser.contact_message_opt_in; off by default);
- the unit of the accompaniment allows it (Unit.person_messages, set by the coordinator; off by default);
- their follow-up choice is still "contact me again";
- they have an e-mail address (their record's, else their own account's while it is active).

The message is a nudge of rule "person_message", audience "person": the same referral and the same period
as the worker's contact_gap nudge, so one occurrence of the gap gives at most one message, and a new gap
(a new last meeting) a new one. It has no account (account_id NULL): it never shows in the notification
centre (nudges/services.py leaves audience "person" out) and is never escalated (rules.ESCALATED_AUDIENCES).
nudges/delivery.py mails it, with no health detail. It resolves itself, like any nudge, as soon as its
condition stops: the worker's nudge resolved or was acted on, an opt-in withdrawn, the choice changed.

"Waiting" means open or snoozed: a snooze defers the worker's reminder, it is not a contact.

person_message(ctx) is ONE SELECT over every worker's contact_gap nudge old enough (set-based, as in
rules.py); evaluate(ctx, now) is the one call engine.evaluate makes, after the rules and before escalation,
with the engine's own INSERT and resolving UPDATE.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from peer_support.auth.models import Account
from peer_support.extensions import db
from peer_support.nudges.models import ACTIVE_STATUSES, Nudge
from peer_support.nudges.rules import Context, nudge_row
from peer_support.people.models import ServiceUser
from peer_support.referrals.models import Referral
from peer_support.timezones import local_date
from peer_support.units.models import Unit

RULE = "person_message"
THRESHOLD = "person_message"


def person_email():
    """SQL: the address a person's message goes to: their record's, else their active account's (or NULL)."""
    record_email = sa.func.nullif(sa.func.trim(ServiceUser.email), "")
    account_email = sa.case((Account.is_active, Account.email), else_=None)
    return sa.func.coalesce(record_email, account_email)


def person_message(ctx: Context) -> list[dict]:
    """The messages due: a worker's contact_gap nudge waiting N days, both opt-ins on, an address known."""
    bound = ctx.now - timedelta(days=ctx.smallest(THRESHOLD))
    rows = db.session.execute(
        sa.select(Nudge.id, Nudge.subject_id, Nudge.period, Nudge.unit_id, Nudge.service_user_id,
                  Nudge.peer_profile_id, Nudge.created_at)
        .join(Referral, Referral.id == Nudge.subject_id)
        .join(Unit, Unit.id == Referral.unit_id)
        .join(ServiceUser, ServiceUser.id == Referral.service_user_id)
        .outerjoin(Account, Account.id == ServiceUser.account_id)
        .where(Nudge.rule == "contact_gap", Nudge.subject_type == "referral", Nudge.audience == "worker",
               Nudge.status.in_(ACTIVE_STATUSES), Nudge.created_at <= bound,
               ServiceUser.follow_up_choice == "contact_me_again", ServiceUser.contact_message_opt_in,
               Unit.person_messages, person_email().is_not(None)))
    due = []
    for row in rows:
        threshold = ctx.days(THRESHOLD, row.unit_id)
        due_at = row.created_at + timedelta(days=threshold)
        if due_at > ctx.now:
            continue
        due.append(nudge_row(RULE, "referral", row.subject_id, row.period, "person", due_on=local_date(due_at),
                             details={"threshold": threshold, "days": (ctx.now - row.created_at).days},
                             unit_id=row.unit_id, service_user_id=row.service_user_id,
                             peer_profile_id=row.peer_profile_id))
    return due


def evaluate(ctx: Context, now) -> tuple[list, int]:
    """Create the messages due and resolve those no longer due, with the engine's helpers (one INSERT, one
    UPDATE); returns (nudges created, number resolved). Does not commit."""
    from peer_support.nudges import engine  # engine imports this module

    due = person_message(ctx)
    return engine._raise(due, now), engine._resolve_no_longer_due(RULE, due, now)
