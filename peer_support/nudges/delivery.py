"""Nudges by e-mail: each account's choice (off, immediately, a daily digest), quiet hours, and the sending job.

Who is mailed about which nudge (set-based: ONE SELECT for every recipient, ONE for the people's messages):
- a nudge to a worker or a supervisor (audience "worker", "supervisor"): the account it is addressed to;
- a coordination nudge (escalations included): every active coordinator, each by their own choice. Each
  recipient is tracked on its own (NudgeMailReceipt): one coordinator may want it at once, another in the
  morning's digest, a third not at all. Nudge.mailed_at is set once every recipient who wants mail has had
  it (for a worker's nudge: when it was mailed);
- a message to the person themselves (audience "person", nudges/person_messages.py): the person's address,
  one kind message, never a list.
Only open nudges never mailed are considered (mailed_at NULL; a receipt counts for the nudge's current
occurrence only, see NudgeMailReceipt): a nudge done, snoozed, dismissed or resolved before its mail went
out is not mailed. An account's choice:
- "immediate": the nudges go out at the first run (every 15 minutes) outside the account's quiet hours; those
  raised during quiet hours wait for them to end, then go in one mail;
- "digest" (the default for peer workers, staff and coordinators): one mail a day, listing every nudge
  waiting to be mailed, at the first run in the digest hour (local time); NudgeMailPreference.last_digest_on
  keeps it to once a day. Quiet hours do not hold a digest back (its hour is the person's own choice);
- "off": no e-mail; the nudges stay in the notification centre.
Times are the site's local times (PEER_SUPPORT_TIMEZONE), quiet hours may span midnight (20:00-08:00).

The body never holds a name nor a health detail: "You have N follow-up reminders waiting", the kinds (rule
titles) and a link to the app (APP_BASE_URL); in the recipient's language (Account.locale, else the site's).

Idempotent, one recipient at a time: the receipts, mailed_at, the digest day and the audit entry of the send
are written (flushed) first, then the mail is sent, then the transaction is committed. A mail that fails to
send rolls its records back (it is tried again at the next run); a crash after the mail left and before the
commit sends that one mail again at the next run: at most one duplicate, never a lost mail. run_delivery()
holds the database lock "nudges.mail" (nudges/lock.py), so two scheduler processes never send the same mails.
"""
from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite

from peer_support import permissions
from peer_support.audit.services import record
from peer_support.auth.models import Account
from peer_support.config import LOCALES
from peer_support.db import utcnow
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.mail import send_mail
from peer_support.nudges import lock
from peer_support.nudges.labels import rule_title
from peer_support.nudges.models import MAIL_MODES, Nudge, NudgeMailPreference, NudgeMailReceipt
from peer_support.nudges.person_messages import person_email
from peer_support.people.models import ServiceUser
from peer_support.timezones import to_local
from peer_support.units.models import Unit

log = logging.getLogger(__name__)

LOCK_NAME = "nudges.mail"
LEASE = timedelta(minutes=15)

DEFAULT_MODE = "digest"
DEFAULT_QUIET_START = time(20, 0)
DEFAULT_QUIET_END = time(8, 0)
DEFAULT_DIGEST_HOUR = 8
# Who is addressed nudges (and so may choose how to be mailed): permissions.can_receive_nudges.
ACCOUNT_AUDIENCES = ("worker", "supervisor")
# The audit entry of a mail lists the nudges' ids up to this many (a first digest may list thousands).
AUDITED_IDS = 50

MODE_LABELS = {
    "off": _l("No e-mail (I look in the app)"),
    "immediate": _l("One e-mail as they come (outside my quiet hours)"),
    "digest": _l("One e-mail a day, at the hour I choose"),
}

nudge = Nudge.__table__
receipt = NudgeMailReceipt.__table__
preference = NudgeMailPreference.__table__


# --- The preference -----------------------------------------------------------------------------

@dataclass(frozen=True)
class MailPreference:
    mode: str = DEFAULT_MODE
    quiet_start: time = DEFAULT_QUIET_START
    quiet_end: time = DEFAULT_QUIET_END
    digest_hour: int = DEFAULT_DIGEST_HOUR


def preference_of(account) -> MailPreference:
    """The account's saved choice, or the defaults."""
    row = db.session.get(NudgeMailPreference, account.id)
    if row is None:
        return MailPreference()
    return MailPreference(row.mode, row.quiet_start, row.quiet_end, row.digest_hour)


def _as_dict(pref: MailPreference) -> dict:
    return {"mode": pref.mode, "quiet_start": pref.quiet_start.strftime("%H:%M"),
            "quiet_end": pref.quiet_end.strftime("%H:%M"), "digest_hour": pref.digest_hour}


def save_preference(actor, *, mode: str, quiet_start: time | None, quiet_end: time | None, digest_hour: int | None,
                    ip: str | None, now: datetime) -> bool:
    """Save the actor's own choice (audited when it changes); returns whether anything changed."""
    if not permissions.can_receive_nudges(actor):
        raise DomainError(_l("Only the programme's professionals receive follow-up reminders."))
    if mode not in MAIL_MODES:
        raise DomainError(_l("Choose how to receive the reminders."), field="mode")
    if quiet_start is None:
        raise DomainError(_l("Enter the time your quiet hours start, such as 20:00."), field="quiet_start")
    if quiet_end is None:
        raise DomainError(_l("Enter the time your quiet hours end, such as 08:00."), field="quiet_end")
    if quiet_start == quiet_end:
        raise DomainError(_l("Quiet hours must start and end at different times."), field="quiet_end")
    if digest_hour is None or not 0 <= digest_hour <= 23:
        raise DomainError(_l("Choose the hour of the daily e-mail."), field="digest_hour")
    quiet_start, quiet_end = quiet_start.replace(second=0, microsecond=0), quiet_end.replace(second=0, microsecond=0)
    before = preference_of(actor)
    after = MailPreference(mode, quiet_start, quiet_end, digest_hour)
    if before == after and db.session.get(NudgeMailPreference, actor.id) is not None:
        return False
    row = db.session.get(NudgeMailPreference, actor.id)
    if row is None:
        row = NudgeMailPreference(account_id=actor.id)
        db.session.add(row)
    row.mode, row.quiet_start, row.quiet_end, row.digest_hour = mode, quiet_start, quiet_end, digest_hour
    row.updated_at = now
    record("nudges.mail_preference", actor=actor, object_type="account", object_id=actor.id, ip=ip, now=now,
           details={"before": _as_dict(before), "after": _as_dict(after)})
    db.session.flush()
    return before != after


# --- When -----------------------------------------------------------------------------------------

def in_quiet_hours(clock: time, start: time, end: time) -> bool:
    """Whether a local time falls in the quiet hours [start, end), which may span midnight."""
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end


# --- What -----------------------------------------------------------------------------------------

def absolute_url(endpoint: str, **values) -> str:
    """An address of the app for an e-mail, from APP_BASE_URL (there is no request to take it from)."""
    base = urlsplit(current_app.config.get("APP_BASE_URL") or "http://127.0.0.1:5000")
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path.rstrip("/") or "/",
                                       url_scheme=base.scheme or "http")
    return adapter.build(endpoint, values, force_external=True)


def _locale(*candidates) -> str:
    for candidate in candidates:
        if candidate in LOCALES:
            return candidate
    return current_app.config.get("PEER_SUPPORT_DEFAULT_LOCALE", "fr")


def reminders_message(rules: list[str], *, locale: str) -> tuple[str, str]:
    """Subject and body of a mail about N nudges: how many, their kinds, the link. No name, no detail."""
    kinds = Counter(rules)
    with force_locale(locale):
        lines = [f"- {rule_title(rule)} ({count})" for rule, count in sorted(kinds.items(),
                                                                             key=lambda item: -item[1])]
        subject = ngettext("%(num)d follow-up reminder waiting", "%(num)d follow-up reminders waiting", len(rules))
        body = "\n\n".join([
            gettext("Hello,"),
            ngettext("You have %(num)d follow-up reminder waiting.", "You have %(num)d follow-up reminders waiting.",
                     len(rules)),
            gettext("What they are about:") + "\n" + "\n".join(lines),
            gettext("To see them and act on them, sign in to the app:") + "\n" + absolute_url("nudges.index"),
            gettext("For confidentiality, this e-mail gives no names and no details."),
            gettext("You choose how you receive these e-mails in your account settings:") + "\n"
            + absolute_url("auth.settings"),
        ]) + "\n"
    return subject, body


def person_message(*, locale: str) -> tuple[str, str]:
    """Subject and body of the message to the person themselves: kind, no health detail, no name."""
    with force_locale(locale):
        subject = gettext("Would you like to meet your peer worker again?")
        body = "\n\n".join([
            gettext("Hello,"),
            gettext("Would you like to meet your peer worker again? You asked to be contacted again after "
                    "each meeting, and we want to make sure you are not forgotten."),
            gettext("You can reply to this message, or ask from My space:") + "\n"
            + absolute_url("myspace.ask_contact"),
            gettext("If you would rather not meet for now, that is fine: the choice is yours."),
            gettext("You receive this message because you asked for it. You can stop it at any time from "
                    "My space:") + "\n" + absolute_url("myspace.index"),
        ]) + "\n"
    return subject, body


# --- The job --------------------------------------------------------------------------------------

@dataclass
class DeliveryReport:
    mails: int = 0
    nudges: int = 0
    failures: int = 0
    # (kind, recipient id) of each mail sent: kind "immediate", "digest" or "person".
    sent: list[tuple[str, int]] = field(default_factory=list)


def _pending_for_accounts():
    """ONE SELECT: (nudge, recipient account) pairs waiting to be mailed, with the account's choice."""
    own = (sa.select(Nudge.id.label("nudge_id"), Nudge.rule, Nudge.created_at, Nudge.account_id.label("recipient_id"))
           .where(Nudge.audience.in_(ACCOUNT_AUDIENCES), Nudge.account_id.is_not(None)))
    coordinator = sa.orm.aliased(Account, name="coordinator")
    team = (sa.select(Nudge.id.label("nudge_id"), Nudge.rule, Nudge.created_at,
                      coordinator.id.label("recipient_id"))
            .join(coordinator, sa.and_(coordinator.role == "coordinator", coordinator.is_active))
            .where(Nudge.audience == "coordination"))
    waiting = [Nudge.status == "open", Nudge.mailed_at.is_(None)]
    pairs = sa.union_all(own.where(*waiting), team.where(*waiting)).subquery("pairs")
    mailed = sa.exists().where(receipt.c.nudge_id == pairs.c.nudge_id, receipt.c.account_id == pairs.c.recipient_id,
                               receipt.c.mailed_at >= pairs.c.created_at)
    return db.session.execute(
        sa.select(pairs.c.nudge_id, pairs.c.rule, Account.id.label("account_id"), Account.email, Account.locale,
                  sa.func.coalesce(preference.c.mode, DEFAULT_MODE).label("mode"),
                  preference.c.quiet_start, preference.c.quiet_end, preference.c.digest_hour,
                  preference.c.last_digest_on)
        .join(Account, Account.id == pairs.c.recipient_id)
        .outerjoin(preference, preference.c.account_id == Account.id)
        .where(Account.is_active, Account.role.in_(("coordinator", "staff", "peer_worker")),
               sa.func.coalesce(preference.c.mode, DEFAULT_MODE) != "off", ~mailed)
        .order_by(Account.id, pairs.c.nudge_id)).all()


def _pending_for_people():
    """ONE SELECT: the messages to people waiting to be mailed, the opt-ins checked again at sending time."""
    return db.session.execute(
        sa.select(Nudge.id.label("nudge_id"), ServiceUser.id.label("person_id"), person_email().label("email"),
                  ServiceUser.preferred_language, Account.locale)
        .join(ServiceUser, ServiceUser.id == Nudge.service_user_id)
        .join(Unit, Unit.id == Nudge.unit_id)
        .outerjoin(Account, Account.id == ServiceUser.account_id)
        .where(Nudge.audience == "person", Nudge.status == "open", Nudge.mailed_at.is_(None),
               ServiceUser.contact_message_opt_in, Unit.person_messages, person_email().is_not(None))
        .order_by(ServiceUser.id, Nudge.id)).all()


def _insert(table):
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _ids(ids: list[int]):
    """SELECT the ids, from ONE JSON parameter (a digest may list thousands: no parameter per id)."""
    postgres = db.session.get_bind().dialect.name == "postgresql"
    payload = sa.bindparam("nudge_ids", [str(i) for i in ids], type_=postgresql.JSON if postgres else sa.JSON)
    each = (sa.func.json_array_elements_text if postgres else sa.func.json_each)(payload).table_valued("value")
    return sa.select(sa.cast(each.c.value, sa.Integer))


def _record_receipts(account_id: int, nudge_ids: list[int], now: datetime) -> None:
    statement = _insert(receipt).from_select(
        ["nudge_id", "account_id", "mailed_at"],
        # SQLite needs a WHERE in an INSERT ... SELECT with ON CONFLICT (see engine._raise).
        sa.select(nudge.c.id, sa.literal(account_id), sa.literal(now, receipt.c.mailed_at.type))
        .where(nudge.c.id.in_(_ids(nudge_ids))))
    db.session.execute(statement.on_conflict_do_update(index_elements=[receipt.c.nudge_id, receipt.c.account_id],
                                                       set_={"mailed_at": statement.excluded.mailed_at}))
    # mailed_at once nobody who wants it is left: for a coordination nudge, every active coordinator not "off".
    coordinator = sa.orm.aliased(Account, name="coordinator")
    still_waiting = (sa.select(coordinator.id)
                     .select_from(coordinator)
                     .outerjoin(preference, preference.c.account_id == coordinator.id)
                     .where(coordinator.role == "coordinator", coordinator.is_active,
                            sa.func.coalesce(preference.c.mode, DEFAULT_MODE) != "off",
                            ~sa.exists().where(receipt.c.nudge_id == nudge.c.id,
                                               receipt.c.account_id == coordinator.id,
                                               receipt.c.mailed_at >= nudge.c.created_at))
                     .exists())
    db.session.execute(sa.update(nudge).where(nudge.c.id.in_(_ids(nudge_ids)), nudge.c.mailed_at.is_(None),
                                              sa.or_(nudge.c.audience != "coordination", ~still_waiting))
                       .values(mailed_at=now))


def _record_digest_day(account_id: int, day, now: datetime) -> None:
    statement = _insert(preference).values(account_id=account_id, mode=DEFAULT_MODE, quiet_start=DEFAULT_QUIET_START,
                                           quiet_end=DEFAULT_QUIET_END, digest_hour=DEFAULT_DIGEST_HOUR,
                                           last_digest_on=day, updated_at=now)
    db.session.execute(statement.on_conflict_do_update(index_elements=[preference.c.account_id],
                                                       set_={"last_digest_on": day}))


def _audit_details(kind: str, nudge_ids: list[int]) -> dict:
    """What the audit log keeps of a mail: its kind and how many nudges (their ids when few). No content."""
    details = {"kind": kind, "count": len(nudge_ids)}
    if len(nudge_ids) <= AUDITED_IDS:
        details["nudge_ids"] = nudge_ids
    return details


def _send(to: str, subject: str, body: str, now: datetime, report: DeliveryReport, kind: str, recipient: int,
          count: int) -> None:
    """Send, then commit what was recorded with it; on failure roll it back (tried again next run)."""
    try:
        db.session.flush()
        send_mail(to, subject, body, config=current_app.config, now=now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        report.failures += 1
        log.exception("nudge mail (%s) to recipient %s could not be sent; it will be tried again", kind, recipient)
        return
    report.mails += 1
    report.nudges += count
    report.sent.append((kind, recipient))


def send_due_mail(now: datetime) -> DeliveryReport:
    """Send the nudge mails due as of `now` (UTC). Commits once per mail sent (see the module's notes);
    start it outside a transaction."""
    if now.tzinfo is None:
        raise ValueError("send_due_mail() needs a timezone-aware `now`")
    local = to_local(now)
    today, clock = local.date(), local.time().replace(tzinfo=None)
    report = DeliveryReport()

    by_account: dict[int, list] = defaultdict(list)
    for row in _pending_for_accounts():
        by_account[row.account_id].append(row)
    people: dict[int, list] = defaultdict(list)
    for row in _pending_for_people():
        people[row.person_id].append(row)
    db.session.commit()  # the selection's transaction ends here: each mail below has its own

    for account_id, rows in by_account.items():
        first = rows[0]
        quiet_start = first.quiet_start or DEFAULT_QUIET_START
        quiet_end = first.quiet_end or DEFAULT_QUIET_END
        digest_hour = DEFAULT_DIGEST_HOUR if first.digest_hour is None else first.digest_hour
        if first.mode == "immediate":
            if in_quiet_hours(clock, quiet_start, quiet_end):
                continue
        elif first.mode == "digest":
            if clock.hour != digest_hour or (first.last_digest_on is not None and first.last_digest_on >= today):
                continue
            _record_digest_day(account_id, today, now)
        else:
            continue
        nudge_ids = [row.nudge_id for row in rows]
        _record_receipts(account_id, nudge_ids, now)
        record("nudges.mail_sent", actor_label="scheduler", object_type="account", object_id=account_id, now=now,
               details=_audit_details(first.mode, nudge_ids))
        subject, body = reminders_message([row.rule for row in rows], locale=_locale(first.locale))
        _send(first.email, subject, body, now, report, first.mode, account_id, len(rows))

    # The people's own messages: immediately, outside the site's default quiet hours.
    if not in_quiet_hours(clock, DEFAULT_QUIET_START, DEFAULT_QUIET_END):
        for person_id, rows in people.items():
            first = rows[0]
            nudge_ids = [row.nudge_id for row in rows]
            db.session.execute(sa.update(nudge).where(nudge.c.id.in_(_ids(nudge_ids)), nudge.c.mailed_at.is_(None))
                               .values(mailed_at=now))
            record("nudges.mail_sent", actor_label="scheduler", object_type="service_user", object_id=person_id,
                   now=now, details=_audit_details("person", nudge_ids))
            subject, body = person_message(locale=_locale(first.preferred_language, first.locale))
            _send(first.email, subject, body, now, report, "person", person_id, len(rows))
    log.info("nudge mail as of %s: %d mails about %d nudges, %d failed", now.isoformat(), report.mails,
             report.nudges, report.failures)
    return report


def run_delivery(now: datetime, holder: str | None = None) -> DeliveryReport | None:
    """The scheduled job: send_due_mail under the database lock "nudges.mail"; None when another holds it."""
    if db.session().in_transaction():
        raise RuntimeError("run_delivery() must start outside a transaction: commit or roll back first")
    holder = holder or lock.new_holder()
    if not lock.acquire(LOCK_NAME, holder, utcnow(), LEASE):
        log.info("nudge mail skipped: %s is held by another process", LOCK_NAME)
        return None
    try:
        return send_due_mail(now)
    except BaseException:
        db.session.rollback()
        raise
    finally:
        lock.release(LOCK_NAME, holder)
