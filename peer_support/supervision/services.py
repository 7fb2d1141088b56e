"""Supervision sessions: recording them, who sees which, and each worker's supervision status.

Topics and private notes are the session's content: visible to its supervisor and
its attending workers only (see permissions.py); the coordinator records and
sees the rest (date, kind, supervisor, attendees) for the programme's frame.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from peer_support import permissions
from peer_support.audit.services import record
from peer_support.auth.models import Account
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.pagination import Page
from peer_support.peers.models import PeerProfile
from peer_support.supervision.models import SESSION_KINDS, SupervisionSession, supervision_attendee
from peer_support.timezones import local_date, start_of_local_day

MIN_DURATION, MAX_DURATION = 15, 480
TOPICS_MAX, NOTES_MAX, EXTERNAL_NAME_MAX = 2000, 20000, 200
# ProgrammeRequirements' default, used while the coordinator has not saved the requirements.
DEFAULT_INTERVAL_WEEKS = 4


@dataclass
class SessionData:
    """What a session form gives. topics/private_notes None: not given (the actor may not write them)."""

    held_at: datetime
    duration_minutes: int | None
    kind: str
    supervisor_id: int | None
    external_supervisor: str | None
    attendee_ids: list[int] = field(default_factory=list)
    topics: str | None = None
    private_notes: str | None = None


# --- Reading ----------------------------------------------------------------------------------

def _session_query():
    return sa.select(SupervisionSession).options(
        joinedload(SupervisionSession.supervisor),
        selectinload(SupervisionSession.attendees).joinedload(PeerProfile.account),
    )


def get_session(session_id: int) -> SupervisionSession | None:
    """A session with its supervisor and attendees (what its page and its access rule need)."""
    return db.session.scalar(_session_query().where(SupervisionSession.id == session_id))


def _attended_by(account_id: int):
    return SupervisionSession.attendees.any(PeerProfile.account_id == account_id)


def visible_sessions(actor, *, page: int, per_page: int) -> Page:
    """The sessions the actor may list, newest first: all for the coordinator, those led by a
    member of staff, those attended by a peer worker, none for anyone else."""
    if permissions.is_coordinator(actor):
        condition = sa.true()
    elif actor.role == "staff":
        condition = SupervisionSession.supervisor_id == actor.id
    elif actor.role == "peer_worker":
        condition = _attended_by(actor.id)
    else:
        condition = sa.false()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(SupervisionSession).where(condition))
    page = max(1, page)
    items = db.session.scalars(
        _session_query().where(condition)
        .order_by(SupervisionSession.held_at.desc(), SupervisionSession.id.desc())
        .offset((page - 1) * per_page).limit(per_page)
    ).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total)


def sessions_attended(profile_id: int) -> list[SupervisionSession]:
    """Every session a worker attended, newest first (their supervision history)."""
    return list(db.session.scalars(
        _session_query()
        .where(SupervisionSession.attendees.any(PeerProfile.id == profile_id))
        .order_by(SupervisionSession.held_at.desc(), SupervisionSession.id.desc())
    ))


def supervisor_choices(include_id: int | None = None) -> list[tuple[int, str]]:
    """(id, name) of active care staff, plus the session's current supervisor if no longer one."""
    condition = sa.and_(Account.role == "staff", Account.is_active)
    if include_id:
        condition = sa.or_(condition, Account.id == include_id)
    return [(a.id, a.name) for a in db.session.scalars(sa.select(Account).where(condition).order_by(Account.name))]


def attendee_choices(include_ids: Iterable[int] = ()) -> list[tuple[int, str]]:
    """(profile id, name) of active peer workers, plus those already attending the session edited."""
    condition = sa.and_(PeerProfile.status == "active", Account.is_active)
    include_ids = list(include_ids)
    if include_ids:
        condition = sa.or_(condition, PeerProfile.id.in_(include_ids))
    rows = db.session.execute(
        sa.select(PeerProfile.id, Account.name).join(Account, Account.id == PeerProfile.account_id)
        .where(condition).order_by(Account.name, PeerProfile.id))
    return [(profile_id, name) for profile_id, name in rows]


def supervised_profiles(actor) -> list[PeerProfile]:
    """The workers whose supervision the actor follows: all active ones for the coordinator,
    their own supervisees for a member of staff."""
    query = (sa.select(PeerProfile).join(PeerProfile.account).options(joinedload(PeerProfile.account))
             .where(PeerProfile.status != "left").order_by(Account.name, PeerProfile.id))
    if permissions.is_coordinator(actor):
        return list(db.session.scalars(query))
    if actor.role == "staff":
        return list(db.session.scalars(query.where(PeerProfile.supervisor_id == actor.id)))
    return []


def supervises_anyone(account_id: int) -> bool:
    """Whether this account is the designated supervisor of at least one peer worker."""
    return db.session.scalar(sa.select(sa.exists().where(PeerProfile.supervisor_id == account_id)))


# --- The requirement: one session every N weeks --------------------------------------------------

@dataclass(frozen=True)
class SupervisionStatus:
    profile_id: int
    last_session_on: date | None
    days_since: int | None
    interval_weeks: int
    # The last day that keeps the worker within the requirement.
    due_on: date
    overdue: bool


def supervision_status(profile_ids: Iterable[int] | sa.Select, today: date) -> dict[int, SupervisionStatus]:
    """For each worker (ids, or a SELECT of them): the (local) date of the last session attended up to today and
    whether supervision is overdue, in one aggregate query whatever the number of workers.

    Never supervised counts as overdue once the profile is older than the interval."""
    # Imported here: the training package imports its views, which may import this module.
    from peer_support.training.models import ProgrammeRequirements

    if isinstance(profile_ids, sa.Select):
        ids = profile_ids
    else:
        ids = sorted(set(profile_ids))
        if not ids:
            return {}
    interval = (sa.select(ProgrammeRequirements.supervision_interval_weeks)
                .where(ProgrammeRequirements.id == 1).scalar_subquery())
    # Sessions recorded ahead of time (later than today) do not count yet.
    counted = sa.and_(SupervisionSession.id == supervision_attendee.c.session_id,
                      SupervisionSession.held_at < start_of_local_day(today + timedelta(days=1)))
    rows = db.session.execute(
        sa.select(PeerProfile.id, PeerProfile.created_at, sa.func.max(SupervisionSession.held_at),
                  sa.func.coalesce(interval, DEFAULT_INTERVAL_WEEKS))
        .select_from(PeerProfile)
        .outerjoin(supervision_attendee, supervision_attendee.c.profile_id == PeerProfile.id)
        .outerjoin(SupervisionSession, counted)
        .where(PeerProfile.id.in_(ids))
        .group_by(PeerProfile.id, PeerProfile.created_at)
    )
    statuses = {}
    for profile_id, created_at, last_held_at, weeks in rows:
        last_on = local_date(last_held_at) if last_held_at else None
        due_on = (last_on or local_date(created_at)) + timedelta(weeks=weeks)
        statuses[profile_id] = SupervisionStatus(
            profile_id=profile_id, last_session_on=last_on,
            days_since=(today - last_on).days if last_on else None,
            interval_weeks=weeks, due_on=due_on, overdue=today > due_on,
        )
    return statuses


# --- Recording ---------------------------------------------------------------------------------

def _clean(text: str | None) -> str | None:
    return (text or "").strip() or None


def _check(actor, data: SessionData, session: SupervisionSession | None) -> list[PeerProfile]:
    """Refuse what breaks a rule; returns the attendees' profiles."""
    if data.kind not in SESSION_KINDS:
        raise DomainError(_l("Choose the kind of session."), field="kind")
    if data.duration_minutes is None or not MIN_DURATION <= data.duration_minutes <= MAX_DURATION:
        raise DomainError(_l("The duration is between %(low)d and %(high)d minutes.", low=MIN_DURATION,
                             high=MAX_DURATION), field="duration_minutes")
    external = _clean(data.external_supervisor)
    if data.supervisor_id is None and external is None:
        raise DomainError(_l("Choose the supervisor, or type the name of an external supervisor."),
                          field="supervisor_id")
    if data.supervisor_id is not None and external is not None:
        raise DomainError(_l("Either a supervisor from the staff or an external supervisor, not both."),
                          field="external_supervisor")
    if external is not None and len(external) > EXTERNAL_NAME_MAX:
        raise DomainError(_l("The name is too long."), field="external_supervisor")
    current_supervisor = session.supervisor_id if session else None
    if data.supervisor_id is not None and data.supervisor_id != current_supervisor:
        supervisor = db.session.get(Account, data.supervisor_id)
        if supervisor is None or supervisor.role != "staff" or not supervisor.is_active:
            raise DomainError(_l("The supervisor must be an active member of the care staff."),
                              field="supervisor_id")
    if not permissions.is_coordinator(actor) and (data.supervisor_id != actor.id or external is not None):
        # Staff record the sessions they lead themselves, and cannot hand them to someone else.
        raise DomainError(_l("You can only record the sessions you lead."), field="supervisor_id")
    ids = list(dict.fromkeys(data.attendee_ids))
    if not ids:
        raise DomainError(_l("Choose who attended."), field="attendee_ids")
    if data.kind == "individual" and len(ids) != 1:
        raise DomainError(_l("An individual supervision has exactly one attendee."), field="attendee_ids")
    already = {p.id for p in session.attendees} if session else set()
    profiles = list(db.session.scalars(
        sa.select(PeerProfile).options(joinedload(PeerProfile.account)).where(PeerProfile.id.in_(ids))))
    usable = [p for p in profiles if p.id in already or (p.status == "active" and p.account.is_active)]
    if len(usable) != len(ids):
        raise DomainError(_l("Every attendee must be an active peer worker."), field="attendee_ids")
    if data.topics is not None or data.private_notes is not None:
        if data.supervisor_id != actor.id or (session is not None and session.supervisor_id != actor.id):
            raise DomainError(_l("Only the supervisor of the session writes its topics and notes."))
    if data.topics is not None and len(data.topics) > TOPICS_MAX:
        raise DomainError(_l("The topics are too long (at most %(n)d characters).", n=TOPICS_MAX), field="topics")
    if data.private_notes is not None and len(data.private_notes) > NOTES_MAX:
        raise DomainError(_l("The notes are too long (at most %(n)d characters).", n=NOTES_MAX),
                          field="private_notes")
    return sorted(usable, key=lambda p: ids.index(p.id))


def _write_content(session: SupervisionSession, data: SessionData) -> None:
    """Topics and notes, when given (by the session's supervisor: see _check)."""
    if data.topics is not None:
        session.topics = _clean(data.topics)
    if data.private_notes is not None:
        session.private_notes = _clean(data.private_notes)


def create_session(actor, data: SessionData, *, ip: str | None, now: datetime) -> SupervisionSession:
    """Record a session (the coordinator, or a member of staff leading it)."""
    attendees = _check(actor, data, None)
    session = SupervisionSession(
        held_at=data.held_at, duration_minutes=data.duration_minutes, kind=data.kind,
        supervisor_id=data.supervisor_id, external_supervisor=_clean(data.external_supervisor),
        created_by_id=actor.id, created_at=now, updated_at=now,
    )
    session.attendees = attendees
    _write_content(session, data)
    db.session.add(session)
    db.session.flush()
    record("supervision.create", actor=actor, object_type="supervision_session", object_id=session.id, ip=ip,
           now=now, details={"kind": session.kind, "attendees": len(attendees)})
    return session


def update_session(actor, session: SupervisionSession, data: SessionData, *, ip: str | None,
                   now: datetime) -> SupervisionSession:
    """Change a session; who leads it and who attended it stay as they are once it has content,
    unless its supervisor changes them (the notes must not reach someone else)."""
    if not permissions.can_edit_session(actor, session):
        raise DomainError(_l("You cannot change this session."))
    attendees = _check(actor, data, session)
    external = _clean(data.external_supervisor)
    has_content = bool(session.topics or session.private_notes)
    if has_content and session.supervisor_id != actor.id:
        if (data.supervisor_id, external) != (session.supervisor_id, session.external_supervisor):
            raise DomainError(_l("This session has private notes: only its supervisor can hand it to someone else."),
                              field="supervisor_id")
        if {p.id for p in attendees} != {p.id for p in session.attendees}:
            raise DomainError(_l("This session has private notes: only its supervisor can change who attended."),
                              field="attendee_ids")
    before = {
        "held_at": session.held_at, "duration_minutes": session.duration_minutes, "kind": session.kind,
        "supervisor": (session.supervisor_id, session.external_supervisor),
        "attendees": sorted(p.id for p in session.attendees),
        "topics": session.topics, "private_notes": session.private_notes,
    }
    session.held_at = data.held_at
    session.duration_minutes = data.duration_minutes
    session.kind = data.kind
    session.supervisor_id = data.supervisor_id
    session.external_supervisor = external
    session.attendees = attendees
    _write_content(session, data)
    after = {
        "held_at": session.held_at, "duration_minutes": session.duration_minutes, "kind": session.kind,
        "supervisor": (session.supervisor_id, session.external_supervisor),
        "attendees": sorted(p.id for p in session.attendees),
        "topics": session.topics, "private_notes": session.private_notes,
    }
    changed = sorted(name for name in before if before[name] != after[name])
    session.updated_at = now
    # The names of the fields changed, never their content.
    record("supervision.update", actor=actor, object_type="supervision_session", object_id=session.id, ip=ip,
           now=now, details={"fields": changed})
    db.session.flush()
    return session
