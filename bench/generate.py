"""Generate the `large` benchmark data set once: `.venv/bin/python -m bench.generate [--force] [--scale S]`.

The data set is reused while it is still valid: its description (bench/data/*.json, see bench/__init__.py)
names the same generator version, seed and scale, and the database is at the migrations' head revision
with the number of meetings described. Otherwise, or with --force, it is generated again: SQLite file
removed, or PostgreSQL schema `public` dropped and created again (refused, without --force, for a
database that has tables the bench did not generate). The schema comes from the migrations
(flask_migrate.upgrade, as `flask db upgrade`), then rows are inserted with SQLAlchemy Core insert()
executemany, in chunks, in four transactions. On SQLite, synchronous=OFF while generating.

What it makes at scale 1, "as of" midnight UTC of the day it runs, over the three years before:
- 10 units with 2 or 3 rooms each (closures ahead); 4 coordinators (coordination@demo.example.org
  first), 400 staff (20 psychologists supervise the workers), 6 researchers, 3 000 service-user accounts;
  every account has the demo password (peer_support.demo.DEFAULT_PASSWORD);
- 210 peer workers (196 active, 8 on leave, 6 who left) with profiles, shared lived-experience domains,
  weekly presence slots, absences, calendar feeds, training records (an initial qualification, ongoing
  training, a renewable first-aid certificate: some valid, some due for renewal, some expired), monthly
  group supervision and individual sessions, debrief requests (a few still waiting);
- 50 000 service users (follow-up choice "contact me again" 40 %, "I will get in touch" 20 %, none 40 %;
  1 000 wishing to become peer workers; 400 account invitations);
- 60 000 referrals with their full history (~300 000 events): 10 000 active and 800 accepted with a
  worker (accepted_at set), about 1 350 new (some from the person's own space, some from the public
  form without a record yet), 600 triaged, 900 proposed, 2 500 on hold with review dates (some passed),
  the rest closed, most after an accompaniment; 10 000 people were referred once before (closed);
- 500 000 meetings within the accompaniments (held 82 %, cancelled 9 %, missed 9 % in the past; one
  planned in the next three weeks for most ongoing accompaniments; 5 % group sessions of 2 to 7
  people), with participants, topics, notes, follow-up intentions ("next meeting by" with its date in
  30 % of held meetings), rooms booked without double booking;
- 1 000 000 audit entries (sign-ins, record and caseload views, meetings logged, triage steps);
- a research study and the three built-in feedback forms, with 98 918 responses (bench/feedback_data.py):
  33 818 at the end of an accompaniment (every closed accompaniment whose answer falls before the "as of"
  instant; consents in force, withdrawn, none), 64 700 anonymous after meetings, one per staff account; their
  invitations and 750 098 answers.
Not generated: nudges (the benchmark's first evaluation creates them), sign-in attempts and sessions,
uploaded files (certificates, photos).

--scale S multiplies the people, referrals, meetings and audit entries (not the workers, staff, units)
and writes another data set (bench/data/large-xS.*): comparing statement counts between two scales
shows whether a page's queries grow with the data.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time as clock
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import upgrade

import peer_support.models as m
from bench import (GENERATOR_VERSION, SEED, bench_app, data_name, database_url, is_sqlite, marker_path,
                   read_marker, write_marker)
from bench.caseloads import Caseloads, scaled
from bench.feedback_data import FeedbackRows, make_forms
from peer_support import PROJECT_ROOT
from peer_support.auth.passwords import hash_password
from peer_support.demo import DEFAULT_PASSWORD, DOMAIN, FIRST_NAMES, LARGE_EXTRA_UNITS, LAST_NAMES, UNITS
from peer_support.meetings import last_meetings
from peer_support.extensions import db
from peer_support.meetings.demo import TOPICS
from peer_support.meetings.models import meeting_topic_link
from peer_support.peers.demo import DOMAINS, FORMATS, PLACES
from peer_support.people.models import peer_work_interest_programme, service_user_unit
from peer_support.rooms.demo import ROOM_SPECS
from peer_support.supervision.demo import PRACTICE_TOPICS
from peer_support.supervision.models import supervision_attendee
from peer_support.training.demo import CATALOGUE
from peer_support.training.status import expiry_date
from peer_support.units.models import account_unit

UTC = timezone.utc
DAY = timedelta(days=1)
CHUNK = 10_000
YEARS = 3
COUNTS = {"coordinator": 4, "staff": 400, "peer_worker": 210, "researcher": 6}
SUPERVISORS = 20
ON_LEAVE, LEFT = 8, 6
SERVICE_USER_ACCOUNTS = 3_000
AUDIT_ENTRIES = 1_000_000
AUDIT_ACTIONS = {"auth.login": 30, "people.view": 15, "caseload.view": 12, "meetings.quick_log": 10,
                 "referrals.view": 6, "triage.view": 5, "meetings.hold": 5, "meetings.view": 4, "triage.propose": 3,
                 "triage.accept": 3, "triage.start": 2, "triage.close": 2, "calendars.week_view": 2,
                 "peers.activity_view": 1}
HARD_EVENTS = ["death", "aggression", "over_identification", "own_health", "other"]


@dataclass
class Worker:
    profile_id: int
    account_id: int
    status: str
    unit_ids: list[int]
    weight: float
    supervisor_id: int
    started_on: date
    load: int = 0  # ongoing accompaniments (accepted or active)


@dataclass
class World:
    """What the generator knows while planning: randomness, time, scale and the ids planned so far."""

    rng: random.Random
    as_of: datetime
    zone: ZoneInfo
    scale: float
    unit_ids: list[int] = field(default_factory=list)
    unit_weights: list[int] = field(default_factory=list)
    accounts: list[dict] = field(default_factory=list)
    account_units: list[tuple[int, int]] = field(default_factory=list)
    coordinator_ids: list[int] = field(default_factory=list)
    staff_by_unit: dict[int, list[int]] = field(default_factory=dict)
    supervisor_ids: list[int] = field(default_factory=list)
    service_user_account_ids: list[int] = field(default_factory=list)
    workers: list[Worker] = field(default_factory=list)
    workers_by_unit: dict[int, list[Worker]] = field(default_factory=dict)
    rooms_by_unit: dict[int, list[tuple[int, int | None]]] = field(default_factory=dict)
    domain_ids: list[int] = field(default_factory=list)
    topic_ids: list[int] = field(default_factory=list)

    @property
    def start(self) -> datetime:
        return self.as_of - YEARS * 365 * DAY

    @property
    def today(self) -> date:
        return self.as_of.astimezone(self.zone).date()

    def pick_worker(self, unit_id: int, *, ongoing: bool) -> Worker:
        """A worker of the unit, busier ones more often; those who left only for closed accompaniments."""
        allowed = ("active", "on_leave") if ongoing else ("active", "on_leave", "left")
        candidates = [w for w in self.workers_by_unit.get(unit_id, ()) if w.status in allowed] \
            or [w for w in self.workers if w.status in allowed]
        return self.rng.choices(candidates, [w.weight for w in candidates])[0]


class Generator:
    def __init__(self, connection, world: World, password_hash: str):
        self.connection = connection
        self.world = world
        self.rng = world.rng
        self.password_hash = password_hash
        self.password_change_due = False  # demo accounts sign in with the password given, no change asked
        self.caseloads = Caseloads(world)
        self.rooms: list[dict] = []
        self.qualification_ids = [i for i, spec in enumerate(CATALOGUE, 1) if spec[0] == "initial_qualification"]

    def insert(self, table: sa.Table, rows) -> None:
        """Insert rows (an iterable of dicts) in chunks, one executemany each."""
        started, count, chunk = clock.perf_counter(), 0, []
        for row in rows:
            chunk.append(row)
            if len(chunk) == CHUNK:
                self.connection.execute(table.insert(), chunk)
                count, chunk = count + len(chunk), []
        if chunk:
            self.connection.execute(table.insert(), chunk)
            count += len(chunk)
        print(f"  {table.name:<30} {count:>9,} rows {clock.perf_counter() - started:7.1f} s", flush=True)

    def moment(self, low: datetime, high: datetime) -> datetime:
        return self.caseloads.moment(low, high)

    def local(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.world.zone).astimezone(UTC)

    def run(self) -> None:
        started = clock.perf_counter()
        self.plan_programme()
        self.caseloads.plan_referrals()
        self.caseloads.plan_meetings()
        self.caseloads.assign_ids()
        print(f"  planned in memory {clock.perf_counter() - started:.1f} s", flush=True)
        c = self.caseloads
        with self.connection.begin():
            self.insert_programme()
        with self.connection.begin():
            self.insert(m.ServiceUser.__table__, c.person_rows())
            self.insert(service_user_unit, ({"service_user_id": p, "unit_id": u} for p, u in c.person_unit_rows()))
            interests = list(c.interest_rows())
            self.insert(m.PeerWorkInterest.__table__, interests)
            self.insert(peer_work_interest_programme, (
                {"interest_id": row["id"], "programme_id": self.rng.choice(self.qualification_ids)}
                for row in interests if row["status"] != "interested"))
            self.insert(m.AccountInvitation.__table__, c.invitation_rows())
            self.insert(m.Referral.__table__, c.referral_rows())
            self.insert(m.ReferralEvent.__table__, c.event_rows())
        with self.connection.begin():
            self.insert(m.Meeting.__table__, c.meeting_rows())
            self.insert(m.MeetingParticipant.__table__, c.participant_rows())
            self.insert(meeting_topic_link, c.topic_rows())
            last_meetings.rebuild(self.connection)  # the rows above bypass the session hook that keeps it
        with self.connection.begin():
            self.insert(m.AuditEntry.__table__, self.audit_rows())
        self.insert_feedback()

    def insert_feedback(self) -> None:
        """The study and forms through the services (their own session, committed), then the responses."""
        if self.connection.dialect.name == "postgresql":
            with self.connection.begin():  # the services below take ids from the sequences
                advance_sequences(self.connection)
        forms = make_forms(self.world)
        staff = sorted({account for accounts in self.world.staff_by_unit.values() for account in accounts})
        rows = FeedbackRows(self.world, self.caseloads, forms, staff)
        with self.connection.begin():
            self.insert(m.ResearchConsent.__table__, rows.consents)
            self.insert(m.FeedbackInvitation.__table__, rows.invitations)
            self.insert(m.FeedbackResponse.__table__, rows.responses)
            self.insert(m.FeedbackAnswer.__table__, rows.answers)

    # --- the programme: units, accounts, workers, rooms ----------------------------------------------

    def plan_programme(self) -> None:
        world, rng = self.world, self.rng
        world.unit_ids = list(range(1, len(UNITS) + len(LARGE_EXTRA_UNITS) + 1))
        world.unit_weights = [3 if unit_id <= len(UNITS) else 1 for unit_id in world.unit_ids]
        world.domain_ids = list(range(1, len(DOMAINS) + 1))
        world.topic_ids = list(range(1, len(TOPICS) + 1))
        # Staff and workers spread over the units in proportion to the people each unit has.
        by_size = [unit_id for unit_id, weight in zip(world.unit_ids, world.unit_weights, strict=True)
                   for _ in range(weight)]
        for role, count in COUNTS.items():
            for number in range(1, count + 1):
                account_id = self.add_account(role, number)
                if role == "coordinator":
                    world.coordinator_ids.append(account_id)
                    units = rng.sample(world.unit_ids, k=3)
                else:
                    units = [by_size[number % len(by_size)]]
                    if rng.random() < (0.3 if role == "peer_worker" else 0.1):
                        units = sorted({units[0], rng.choice(world.unit_ids)})
                world.account_units += [(account_id, unit_id) for unit_id in units]
                if role == "staff":
                    for unit_id in units:
                        world.staff_by_unit.setdefault(unit_id, []).append(account_id)
                    if number <= SUPERVISORS:
                        world.supervisor_ids.append(account_id)
                elif role == "peer_worker":
                    status = "active" if number <= count - ON_LEAVE - LEFT else \
                        "on_leave" if number <= count - LEFT else "left"
                    weight = rng.uniform(0.5, 1.8) * (1 if status == "active" else 0.3)
                    started_on = world.today - timedelta(days=rng.randint(3 * 365, 8 * 365))
                    worker = Worker(profile_id=number, account_id=account_id, status=status, unit_ids=units,
                                    weight=weight, supervisor_id=0, started_on=started_on)
                    world.workers.append(worker)
                    for unit_id in units:
                        world.workers_by_unit.setdefault(unit_id, []).append(worker)
        for worker in world.workers:
            worker.supervisor_id = world.supervisor_ids[worker.profile_id % SUPERVISORS]
        for number in range(1, scaled(world, SERVICE_USER_ACCOUNTS) + 1):
            world.service_user_account_ids.append(self.add_account("service_user", number))
        room_id = 0
        for unit_id in world.unit_ids:
            for name, capacity, note in rng.sample(ROOM_SPECS, k=rng.choice([2, 3])):
                room_id += 1
                world.rooms_by_unit.setdefault(unit_id, []).append((room_id, capacity))
                self.rooms.append({"id": room_id, "unit_id": unit_id, "name": name, "capacity": capacity,
                                   "accessibility_note": note, "is_active": True, "created_at": world.start - 30 * DAY})

    def add_account(self, role: str, number: int) -> int:
        world, rng = self.world, self.rng
        account_id = len(world.accounts) + 1
        if role == "coordinator" and number == 1:
            email, name = f"coordination@{DOMAIN}", "Hélène Coordinatrice"
        else:
            email, name = f"{role.replace('_', '.')}.{number:05d}@{DOMAIN}", \
                f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        profession = None
        if role == "staff":
            profession = "psychologist" if number <= SUPERVISORS else \
                rng.choice(["doctor", "nurse", "nurse", "psychologist", "social_worker", "other"])
        created = world.start - rng.randint(1, 400) * DAY if role != "service_user" else \
            self.moment(world.start, world.as_of)
        account = {
            "id": account_id, "email": email, "name": name, "role": role, "profession": profession,
            "locale": rng.choice([None, None, None, "fr", "en"]), "password_hash": self.password_hash,
            "must_change_password": self.password_change_due,
            "is_active": True, "created_at": created, "updated_at": created,
            "password_changed_at": created, "last_login_at": self.moment(world.as_of - 30 * DAY, world.as_of),
            "deactivated_at": None}
        world.accounts.append(account)
        return account_id

    def insert_programme(self) -> None:
        world, rng = self.world, self.rng
        created = world.start - 60 * DAY
        self.insert(m.Unit.__table__, ({"id": i, "code": code, "name": name, "is_active": True, "created_at": created}
                                       for i, (code, name) in enumerate(UNITS + LARGE_EXTRA_UNITS, 1)))
        self.insert(m.Account.__table__, world.accounts)
        self.insert(account_unit, ({"account_id": a, "unit_id": u} for a, u in world.account_units))
        self.insert(m.LivedExperienceDomain.__table__, (
            {"id": i, "name_fr": fr, "name_en": en, "is_active": True, "created_at": created}
            for i, (fr, en) in enumerate(DOMAINS, 1)))
        self.insert(m.MeetingTopic.__table__, ({"id": i, "name_fr": fr, "name_en": en, "is_active": True,
                                                "created_at": created} for i, (fr, en) in enumerate(TOPICS, 1)))
        self.insert(m.TrainingProgramme.__table__, (
            {"id": i, "kind": kind, "name_fr": fr, "name_en": en, "provider": provider,
             "default_hours": Decimal(str(hours)), "validity_months": validity, "renewal_notice_days": 60,
             "grace_days": 30, "is_active": True, "created_at": created}
            for i, (kind, fr, en, provider, hours, validity) in enumerate(CATALOGUE, 1)))
        self.insert(m.PeerProfile.__table__, (
            {"id": w.profile_id, "account_id": w.account_id, "status": w.status,
             "max_caseload": max(0, w.load + rng.randint(-3, 10)),
             "languages": ["fr"] + rng.sample(["en", "ar", "es", "pt"], k=rng.randint(0, 2)),
             "meeting_formats": sorted(rng.sample(FORMATS, k=4), key=FORMATS.index),
             "presentation": "Pair-aidant·e, j'ai traversé la maladie et je suis là pour en parler avec vous, "
                             "à votre rythme.",
             "supervisor_id": w.supervisor_id, "started_on": w.started_on, "photo_key": None,
             "photo_content_type": None, "created_at": created, "updated_at": created} for w in world.workers))
        self.insert(m.PeerDomain.__table__, (
            {"profile_id": w.profile_id, "domain_id": domain_id, "consent_to_matching": rng.random() < 0.7,
             "consent_changed_at": created}
            for w in world.workers for domain_id in sorted(rng.sample(world.domain_ids, k=rng.randint(1, 3)))))
        self.insert(m.PresenceSlot.__table__, self.presence_rows())
        self.insert(m.Absence.__table__, self.absence_rows())
        self.insert(m.Room.__table__, self.rooms)
        self.insert(m.RoomClosure.__table__, (
            {"id": i, "room_id": room["id"], "starts_at": self.local(world.today + (30 + 7 * i) * DAY, 8),
             "ends_at": self.local(world.today + (32 + 7 * i) * DAY, 18), "reason": "Travaux de peinture",
             "created_by_id": world.coordinator_ids[0], "created_at": world.as_of - 3 * DAY}
            for i, room in enumerate(rng.sample(self.rooms, k=4), 1)))
        self.insert(m.CalendarFeed.__table__, (
            {"id": i, "account_id": w.account_id, "version": rng.randint(1, 3), "is_enabled": rng.random() < 0.9,
             "show_details": False, "created_at": created, "updated_at": created}
            for i, w in enumerate((w for w in world.workers if w.profile_id % 2), 1)))
        self.insert(m.TrainingRecord.__table__, self.training_rows())
        sessions, attendees = self.supervision_rows()
        self.insert(m.SupervisionSession.__table__, sessions)
        self.insert(supervision_attendee, attendees)
        self.insert(m.DebriefRequest.__table__, self.debrief_rows())

    def presence_rows(self):
        number = 0
        for w in self.world.workers:
            for weekday in sorted(self.rng.sample(range(5), k=self.rng.randint(2, 3))):
                number += 1
                start = self.rng.choice([9, 10, 13, 14])
                yield {"id": number, "profile_id": w.profile_id, "weekday": weekday, "starts_at": time(start),
                       "ends_at": time(start + 3), "unit_id": self.rng.choice(w.unit_ids),
                       "place": self.rng.choice(PLACES)}

    def absence_rows(self):
        """Summer leave every year, some training or sick days, and for some an absence ahead."""
        rng, today, number = self.rng, self.world.today, 0
        for w in self.world.workers:
            spells = [(date(year, 7, 1) + timedelta(days=rng.randint(0, 45)), rng.randint(10, 20), "leave")
                      for year in range(today.year - YEARS, today.year + 1)]
            spells += [(today - timedelta(days=rng.randint(1, YEARS * 365)), rng.randint(1, 4),
                        rng.choice(["training", "sick", "other"])) for _ in range(rng.randint(0, 3))]
            if rng.random() < 0.3:
                spells.append((today + timedelta(days=rng.randint(5, 60)), rng.randint(3, 15), "leave"))
            for starts_on, days, kind in sorted(spells):
                number += 1
                ends_on = starts_on + timedelta(days=days - 1)
                yield {"id": number, "profile_id": w.profile_id, "starts_on": starts_on, "ends_on": ends_on,
                       "kind": kind, "public_note": f"De retour le {ends_on + DAY:%d/%m}." if kind == "leave" else None}

    def training_rows(self):
        """An initial qualification, ongoing training, and for most a renewable first-aid certificate."""
        rng, today, number = self.rng, self.world.today, 0
        ongoing = [i for i, spec in enumerate(CATALOGUE, 1) if spec[0] == "ongoing" and not spec[5]]
        renewable = next(i for i, spec in enumerate(CATALOGUE, 1) if spec[5])
        for w in self.world.workers:
            records = [(rng.choice(self.qualification_ids), w.started_on - timedelta(days=rng.randint(10, 100)), 300)]
            records += [(rng.choice(ongoing), today - timedelta(days=rng.randint(-90, YEARS * 365)), 1)
                        for _ in range(rng.randint(3, 8))]
            if rng.random() < 0.7:
                records.append((renewable, today - timedelta(days=rng.randint(30, 1600)), 2))
            for programme_id, ends_on, length in records:
                number += 1
                spec = CATALOGUE[programme_id - 1]
                status = "completed" if ends_on < today else "planned"
                at = min(self.local(min(ends_on, today), 12), self.world.as_of - DAY)
                yield {"id": number, "profile_id": w.profile_id, "programme_id": programme_id, "status": status,
                       "starts_on": ends_on - timedelta(days=length), "ends_on": ends_on,
                       "hours": Decimal(str(spec[4])),
                       "expires_on": expiry_date(ends_on, spec[5]) if status == "completed" and spec[5] else None,
                       "certificate_key": None, "certificate_filename": None, "certificate_content_type": None,
                       "certificate_size": None, "certificate_uploaded_at": None, "created_at": at, "updated_at": at}

    def supervision_rows(self) -> tuple[list[dict], list[dict]]:
        """Each supervisor's monthly analysis of practice with their workers; individual sessions now and then."""
        world, rng = self.world, self.rng
        sessions, attendees = [], []
        left_on = world.today - timedelta(days=365)

        def session(day, hour, kind, supervisor_id, minutes, people):
            held_at = self.local(day, hour)
            if held_at >= world.as_of or not people:
                return
            created = min(held_at + timedelta(hours=rng.uniform(1, 48)), world.as_of - DAY)
            sessions.append({"id": 0, "held_at": held_at, "duration_minutes": minutes, "kind": kind,
                             "supervisor_id": supervisor_id, "external_supervisor": None,
                             "topics": rng.choice(PRACTICE_TOPICS),
                             "private_notes": "Points à reprendre." if rng.random() < 0.4 else None,
                             "created_by_id": supervisor_id, "created_at": created, "updated_at": created})
            attendees.append(people)

        first = world.start.date()
        for supervisor_id in world.supervisor_ids:
            group = [w for w in world.workers if w.supervisor_id == supervisor_id]
            day = first + timedelta(days=rng.randint(0, 20))
            while day < world.today:
                while day.weekday() >= 5:
                    day += DAY
                present = [w.profile_id for w in group if rng.random() < 0.85 and (w.status != "left" or day < left_on)]
                session(day, 14, "practice_analysis", supervisor_id, 120, present)
                day += timedelta(days=rng.randint(26, 38))
        for w in world.workers:
            day = first + timedelta(days=rng.randint(0, 90))
            while day < (world.today if w.status != "left" else left_on):
                if rng.random() < 0.5 and day.weekday() < 5:
                    session(day, 10, "individual", w.supervisor_id, 60, [w.profile_id])
                day += timedelta(days=rng.randint(60, 120))
        order = sorted(range(len(sessions)), key=lambda i: sessions[i]["held_at"])
        rows, links = [], []
        for number, index in enumerate(order, 1):
            rows.append({**sessions[index], "id": number})
            links += [{"session_id": number, "profile_id": profile_id} for profile_id in sorted(set(attendees[index]))]
        return rows, links

    def debrief_rows(self):
        """After hard events: most debriefs held long ago, a few scheduled or still waiting."""
        world, rng = self.world, self.rng
        requests = []
        for w in world.workers:
            for _ in range(rng.choice([0, 1, 1, 2, 3])):
                requested = self.moment(world.start, world.as_of)
                recent = world.as_of - requested < 30 * DAY
                status = rng.choice(["requested", "scheduled", "held"]) if recent else "held"
                requests.append({
                    "id": 0, "profile_id": w.profile_id, "event_kind": rng.choice(HARD_EVENTS),
                    "event_on": (requested - rng.randint(0, 5) * DAY).date(),
                    "description": "Situation difficile, j'aimerais en parler." if rng.random() < 0.7 else None,
                    "status": status,
                    "scheduled_for": world.as_of + rng.randint(1, 10) * DAY if status == "scheduled" else None,
                    "held_on": min(requested.date() + timedelta(days=rng.randint(2, 20)), world.today - DAY)
                    if status == "held" else None,
                    "requested_at": requested, "updated_at": requested})
        for number, row in enumerate(sorted(requests, key=lambda r: r["requested_at"]), 1):
            row["id"] = number
            yield row

    def audit_rows(self):
        """Sign-ins, views of records and caseloads, meetings logged, triage steps, spread over the years."""
        world, rng = self.world, self.rng
        by_role: dict[str, list[dict]] = {}
        for account in world.accounts:
            by_role.setdefault(account["role"], []).append(account)
        workers = {w.account_id: w.profile_id for w in world.workers}
        c = self.caseloads
        objects = {"people": ("service_user", len(c.people)), "referrals": ("referral", len(c.referrals)),
                   "triage": ("referral", len(c.referrals)), "meetings": ("meeting", len(c.meetings)),
                   "caseload": ("peer_profile", len(world.workers)), "calendars": ("peer_profile", len(world.workers)),
                   "peers": ("peer_profile", len(world.workers))}
        actors = {"people": ["coordinator", "staff"], "referrals": ["staff", "coordinator"], "triage": ["coordinator"],
                  "meetings": ["peer_worker"], "caseload": ["peer_worker"], "calendars": ["coordinator"],
                  "peers": ["coordinator"], "auth": ["staff", "peer_worker", "coordinator", "service_user"]}
        actions, weights = list(AUDIT_ACTIONS), list(AUDIT_ACTIONS.values())
        moments = sorted(self.moment(world.start, world.as_of) for _ in range(scaled(world, AUDIT_ENTRIES)))
        for number, at in enumerate(moments, 1):
            action = rng.choices(actions, weights)[0]
            feature = action.split(".")[0]
            actor = rng.choice(by_role[rng.choice(actors[feature])])
            object_type, object_id, outcome = None, None, "success"
            if feature in objects:
                object_type, last = objects[feature]
                object_id = workers.get(actor["id"]) if feature == "caseload" else rng.randint(1, last)
            elif rng.random() < 0.04:
                outcome = "failure"
            yield {"id": number, "at": at, "actor_id": actor["id"] if outcome == "success" else None,
                   "actor_label": actor["email"], "action": action, "object_type": object_type,
                   "object_id": str(object_id) if object_id is not None else None,
                   "ip": f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                   "outcome": outcome, "details": None}


# --- the database: still valid? reset, schema, counts ---------------------------------------------

def head_revision() -> str:
    return ScriptDirectory(str(PROJECT_ROOT / "migrations")).get_current_head()


def still_valid(url: str, marker: dict | None, scale: float) -> bool:
    """The data set described by `marker` is there, complete, from this generator and these migrations."""
    if marker is None or (marker.get("generator_version"), marker.get("seed"), marker.get("scale"),
                          marker.get("revision")) != (GENERATOR_VERSION, SEED, scale, head_revision()):
        return False
    if is_sqlite(url) and not os.path.exists(sa.engine.make_url(url).database):
        return False
    try:
        with db.engine.connect() as connection:
            revision = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
            meetings = connection.scalar(sa.select(sa.func.count()).select_from(m.Meeting.__table__))
    except sa.exc.SQLAlchemyError:
        return False
    return revision == marker["revision"] and meetings == marker["counts"]["meeting"]


def reset(url: str, marker: dict | None, scale: float, force: bool) -> None:
    """Remove the previous data set (and its description) before generating a new one."""
    marker_path(url, scale).unlink(missing_ok=True)
    db.engine.dispose()
    if is_sqlite(url):
        path = sa.engine.make_url(url).database
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return
    tables = sa.inspect(db.engine).get_table_names()
    if tables and marker is None and not force:
        sys.exit(f"{db.engine.url.render_as_string()} has tables the bench did not generate "
                 f"({len(tables)}); run `python -m bench.generate --force` to drop them")
    with db.engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    db.engine.dispose()


def row_counts() -> dict[str, int]:
    with db.engine.connect() as connection:
        return {table.name: connection.scalar(sa.select(sa.func.count()).select_from(table))
                for table in sorted(db.metadata.sorted_tables, key=lambda t: t.name)}


def advance_sequences(connection) -> None:
    """PostgreSQL: each id sequence past the ids given explicitly (none yet: the next id is 1)."""
    for table in db.metadata.sorted_tables:
        if "id" in table.c and len(table.primary_key.columns) == 1 and table.c.id.primary_key:
            following = sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0) + 1).scalar_subquery()
            connection.execute(sa.select(sa.func.setval(sa.func.pg_get_serial_sequence(table.name, "id"), following,
                                                        False)))


def finish_postgresql(connection) -> None:
    """Sequences past the ids given explicitly, and fresh planner statistics."""
    advance_sequences(connection)
    connection.exec_driver_sql("ANALYZE")


def populate(*, seed: int, password: str, as_of: datetime, scale: float = 1, fast: bool = False) -> World:
    """Insert the data set into the app's (migrated, empty) database; returns what was planned.

    `fast`: on SQLite, no fsync while generating (the bench's throw-away file; never for a demo a person uses).
    `flask demo-data --size large` calls this too: the large demo is the benchmark scale."""
    world = World(rng=random.Random(seed), as_of=as_of,  # nosec B311 # seeded on purpose: reproducible data
                  zone=ZoneInfo(current_app.config["PEER_SUPPORT_TIMEZONE"]), scale=scale)
    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite and fast:
            raw = connection.connection.driver_connection  # outside any transaction: pragmas apply now
            raw.execute("PRAGMA synchronous = OFF")
            raw.execute("PRAGMA cache_size = -262144")
        Generator(connection, world, hash_password(password)).run()
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            with connection.begin():
                finish_postgresql(connection)
    return world


def generate(url: str, scale: float) -> dict:
    """Schema from the migrations, then the rows; returns the data set's description."""
    started = clock.perf_counter()
    upgrade()
    as_of = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    print(f"generating {data_name(scale)} as of {as_of.isoformat()} into {db.engine.url.render_as_string()}",
          flush=True)
    populate(seed=SEED, password=DEFAULT_PASSWORD, as_of=as_of, scale=scale, fast=is_sqlite(url))
    seconds = clock.perf_counter() - started
    counts = row_counts()
    print(f"generated {sum(counts.values()):,} rows in {seconds:.0f} s", flush=True)
    return {"generator_version": GENERATOR_VERSION, "seed": SEED, "scale": scale, "revision": head_revision(),
            "as_of": as_of.isoformat(), "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": round(seconds, 1), "counts": counts}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n")[0])
    parser.add_argument("--force", action="store_true", help="generate again even if the data set is still valid")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the data-proportional counts (default 1)")
    args = parser.parse_args(argv)
    url = database_url(args.scale)
    marker_path(url, args.scale).parent.mkdir(parents=True, exist_ok=True)
    app = bench_app(url)
    with app.app_context():
        marker = read_marker(url, args.scale)
        if not args.force and still_valid(url, marker, args.scale):
            print(f"reusing {data_name(args.scale)} data set (as of {marker['as_of']}, generated "
                  f"{marker['generated_at']} in {marker['seconds']} s); --force generates it again")
            return 0
        reset(url, marker, args.scale, args.force)
        description = generate(url, args.scale)
        db.engine.dispose()
    write_marker(url, args.scale, description)
    return 0


if __name__ == "__main__":
    sys.exit(main())
