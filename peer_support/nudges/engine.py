"""The nudge evaluation: every rule as of `now`, set-based, idempotent, committed once.

evaluate(now) runs, in one transaction:
1. snoozed nudges whose snooze has ended (snoozed_until <= today) go back to "open";
2. for each rule of rules.RULES: ONE SELECT of the nudges due (rules.py), ONE bulk INSERT of them
   (ON CONFLICT on uq_nudge_key: an existing nudge is left as it is, so a rerun creates nothing; see
   below for the one exception), RETURNING the rows created; then ONE UPDATE resolving the rule's
   active nudges (open or snoozed) that are no longer due: the meeting got planned, the referral was
   triaged ...;
3. escalation (rule 8): the same SELECT and INSERT, then ONE UPDATE stamping escalated_at on the nudges
   raised, and ONE UPDATE resolving escalations whose nudge is no longer waiting for anyone.

The due nudges travel to the database as ONE JSON parameter, read back as rows by json_each (SQLite)
or json_to_recordset (PostgreSQL): the INSERT and the UPDATE that resolves are a single statement
each however many nudges are due, and the number of statements of an evaluation does not depend on
the number of subjects (tests/nudges/test_engine.py counts them).

A nudge that had resolved itself and whose very occurrence (same key) is due again, say the planned
meeting was cancelled, is raised again rather than lost: the same INSERT (ON CONFLICT DO UPDATE ...
WHERE status = 'resolved') turns it back to "open", unread, not mailed, created now, and returns it
with the new ones. Nudges a person marked done or dismissed stay so; active ones are left untouched.

evaluate() does not commit: run_evaluation() takes the database lock, evaluates, commits once and
gives the lock back, so a crash mid-way leaves nothing half done and a rerun (the rows being keyed)
creates exactly what is missing.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from peer_support.db import UTCDateTime
from peer_support.extensions import db
from peer_support.nudges import lock, person_messages, rules
from peer_support.nudges.models import ACTIVE_STATUSES, RULES as RULE_ORDER, Nudge

log = logging.getLogger(__name__)

LOCK_NAME = "nudges.evaluate"
# Far longer than an evaluation takes; a crashed holder blocks the next runs at most this long.
LEASE = timedelta(minutes=15)

nudge = Nudge.__table__
KEY = ("rule", "subject_type", "subject_id", "period", "audience")
# What rules.nudge_row() gives, in the JSON rows, with the SQL type each column is read back as.
FIELDS = {
    "rule": sa.String, "subject_type": sa.String, "subject_id": sa.Integer, "period": sa.String,
    "audience": sa.String, "account_id": sa.Integer, "unit_id": sa.Integer, "service_user_id": sa.Integer,
    "peer_profile_id": sa.Integer, "due_on": sa.Date, "details": sa.JSON,
}
RETURNED = [nudge.c.id, *(nudge.c[name] for name in FIELDS)]


def _due_rows(rows: list[dict], names=tuple(FIELDS)):
    """The rows as a table in SQL, from ONE JSON parameter (one statement whatever their number)."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        payload = sa.bindparam("due_rows", rows, type_=postgresql.JSON)
        return (sa.func.json_to_recordset(payload)
                .table_valued(*(sa.column(name, FIELDS[name]) for name in names))
                .render_derived(name="due", with_types=True))
    payload = sa.bindparam("due_rows", rows, type_=sa.JSON)
    each = sa.func.json_each(payload).table_valued("value")
    # json_extract gives numbers as numbers, text as text, and an object (details) as its JSON text.
    return (sa.select(*(sa.func.json_extract(each.c.value, f"$.{name}").label(name) for name in names))
            .select_from(each).subquery("due"))


def _insert(dialect: str):
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(nudge)


def _raise(rows: list[dict], now: datetime) -> list[sa.Row]:
    """Create the due nudges that do not exist yet (and raise again those that had resolved); ONE INSERT."""
    # Within one statement a key may appear once (ON CONFLICT DO UPDATE cannot touch a row twice).
    unique = list({tuple(row[k] for k in KEY): row for row in rows}.values())
    due = _due_rows(unique)
    dialect = db.session.get_bind().dialect.name
    source = (sa.select(*(due.c[name] for name in FIELDS), sa.literal("open"), sa.literal(now, UTCDateTime()))
              # SQLite needs a WHERE in an INSERT ... SELECT with ON CONFLICT (else ON reads as a join's).
              .where(sa.true()))
    statement = _insert(dialect).from_select([*FIELDS, "status", "created_at"], source)
    fresh = {name: statement.excluded[name] for name in ("account_id", "unit_id", "service_user_id",
                                                           "peer_profile_id", "due_on", "details", "created_at")}
    statement = statement.on_conflict_do_update(
        index_elements=[nudge.c[name] for name in KEY],
        set_={**fresh, "status": "open", "resolved_at": None, "read_at": None, "mailed_at": None,
              "snoozed_until": None},
        # Only a nudge that resolved itself comes back; one a person acted on, or still active, is left alone.
        where=nudge.c.status == "resolved",
    ).returning(*RETURNED)
    return list(db.session.execute(statement))


def _key_text(table) -> sa.ColumnElement[str]:
    """A nudge's key but its rule, as one text (see key_text), so that "is it still due" is one lookup."""
    return (table.c.subject_type + "|" + sa.cast(table.c.subject_id, sa.String) + "|" + table.c.period + "|"
            + table.c.audience)


def key_text(row: dict) -> str:
    return f"{row['subject_type']}|{row['subject_id']}|{row['period']}|{row['audience']}"


def _texts(texts: list[str]):
    """SELECT the texts, from ONE JSON parameter."""
    postgres = db.session.get_bind().dialect.name == "postgresql"
    payload = sa.bindparam("due_keys", texts, type_=postgresql.JSON if postgres else sa.JSON)
    each = (sa.func.json_array_elements_text if postgres else sa.func.json_each)(payload).table_valued("value")
    return sa.select(each.c.value)


def _resolve_no_longer_due(rule: str, rows: list[dict], now: datetime) -> int:
    """Resolve the rule's active nudges whose key is not among the due rows; ONE UPDATE.

    NOT IN over the keys as texts: both engines build the set of due keys once (SQLite an ephemeral
    index, PostgreSQL a hash), where a join with the JSON rows would be searched once per nudge."""
    result = db.session.execute(
        sa.update(nudge).where(nudge.c.rule == rule, nudge.c.status.in_(ACTIVE_STATUSES),
                               _key_text(nudge).not_in(_texts([key_text(row) for row in rows])))
        .values(status="resolved", resolved_at=now))
    return result.rowcount


def _reopen_snoozed(today) -> int:
    """A snooze lasts until its date: on that day the nudge is waiting again (snoozed_until is kept, see
    rules.escalations)."""
    result = db.session.execute(
        sa.update(nudge).where(nudge.c.status == "snoozed", nudge.c.snoozed_until <= today).values(status="open"))
    return result.rowcount


def _mark_escalated(rows: list[dict], now: datetime) -> None:
    """Stamp escalated_at on the nudges this run raised to the coordination; ONE UPDATE. (Raising and
    stamping share the transaction: an escalation never exists without its stamp, hence "once".)"""
    due = _due_rows(rows, ("subject_id",))
    db.session.execute(sa.update(nudge).where(nudge.c.escalated_at.is_(None),
                                              nudge.c.id.in_(sa.select(due.c.subject_id)))
                       .values(escalated_at=now))


def _resolve_escalations(now: datetime) -> int:
    """An escalation resolves when its nudge is no longer waiting (acted on, or resolved itself); ONE UPDATE."""
    original = nudge.alias("original")
    settled = sa.exists().where(original.c.id == nudge.c.subject_id, original.c.status.not_in(ACTIVE_STATUSES))
    result = db.session.execute(
        sa.update(nudge).where(nudge.c.rule == "escalation", nudge.c.subject_type == "nudge",
                               nudge.c.status.in_(ACTIVE_STATUSES), settled)
        .values(status="resolved", resolved_at=now))
    return result.rowcount


def _order(row) -> tuple:
    return RULE_ORDER.index(row.rule), row.subject_type, row.subject_id, row.period, row.audience


def evaluate(now: datetime) -> list[sa.Row]:
    """Create, resolve and escalate the nudges due as of `now` (UTC); returns the nudges created, in rule
    order. Does not commit: run_evaluation() does, once."""
    if now.tzinfo is None:
        raise ValueError("evaluate() needs a timezone-aware `now`")
    ctx = rules.context(now)
    _reopen_snoozed(ctx.today)
    created: list[sa.Row] = []
    resolved = 0
    for rule, find in rules.RULES:
        due = find(ctx)
        created += _raise(due, now)
        resolved += _resolve_no_longer_due(rule, due, now)
    # The opt-in messages to the people themselves, once their worker's nudge has waited (person_messages.py).
    person_created, person_resolved = person_messages.evaluate(ctx, now)
    created += person_created
    resolved += person_resolved
    escalations = rules.escalations(ctx)
    created += _raise(escalations, now)
    _mark_escalated(escalations, now)
    resolved += _resolve_escalations(now)
    log.info("nudges evaluated as of %s: %d created, %d resolved", now.isoformat(), len(created), resolved)
    return sorted(created, key=_order)


def run_evaluation(now: datetime, holder: str | None = None) -> list[sa.Row] | None:
    """The scheduled job and `flask nudges run`: evaluate under the database lock and commit once.

    Returns the nudges created, or None when another live holder has the lock (nothing is done)."""
    return lock.run_locked(LOCK_NAME, LEASE, lambda: evaluate(now), holder=holder)
