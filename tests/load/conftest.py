"""Fixtures of the load and fault tests: the application served by gunicorn (4 workers, as in production) on a
fresh database holding the small demo data, and what the clients will write prepared in it.

The database is the one the `app` fixture gives (a migrated SQLite file per test, or the PostgreSQL database of
DATABASE_URL, emptied); the test's own application context reads it before and after the run. gunicorn runs
with the environment the app reads in production (CSRF protection on), its standard error kept in a file that
the tests scan for "database is locked" and tracebacks.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess  # nosec B404 - starts gunicorn from our own virtualenv, no shell
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from peer_support import PROJECT_ROOT
from peer_support.auth.models import Account
from peer_support.db import utcnow
from peer_support.demo import DEFAULT_PASSWORD, DOMAIN, load_demo_data
from peer_support.extensions import db
from peer_support.feedback import forms_services, invitations
from peer_support.feedback.models import FeedbackInvitation
from peer_support.meetings.models import Meeting
from peer_support.peers.models import PeerProfile
from peer_support.people.models import ServiceUser
from peer_support.referrals.models import Referral
from peer_support.referrals.services import ReferralData, create_staff_referral
from peer_support.triage.services import propose
from peer_support.units.models import Unit
from tests.load.traffic import ClientPlan

LOAD_SECONDS = float(os.environ.get("LOAD_SECONDS") or 60)
WORKERS = 4
BOOT_TIMEOUT = 90  # four workers importing the app on a loaded two-core machine
GUNICORN = Path(sys.executable).with_name("gunicorn")


# --- gunicorn ------------------------------------------------------------------------------------------

@dataclass
class Gunicorn:
    process: subprocess.Popen
    base_url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def worker_pids(self) -> set[int]:
        """The master's live children, from /proc (a killed worker not yet reaped is not counted)."""
        pids = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid ...: comm may hold spaces, so split after its closing parenthesis.
            state, ppid = stat.rsplit(")", 1)[1].split()[:2]
            if int(ppid) == self.process.pid and state != "Z":
                pids.add(int(entry.name))
        return pids

    def wait_for_workers(self, count: int = WORKERS, *, other_than: set[int] = frozenset(),
                         timeout: float = BOOT_TIMEOUT) -> set[int]:
        """Wait until `count` workers have booted (none of `other_than`); returns their pids."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"gunicorn stopped:\n{self.log()[-3000:]}"
            booted = {int(pid) for pid in re.findall(r"Booting worker with pid: (\d+)", self.log())}
            live = self.worker_pids() & booted
            if len(live) >= count and not live & other_than:
                return live
            time.sleep(0.1)
        raise AssertionError(f"{count} gunicorn workers did not boot in {timeout} s:\n{self.log()[-3000:]}")

    def stop(self) -> None:
        """SIGTERM (gunicorn finishes the requests under way), then SIGKILL if it lingers."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def server_environment(url: str, tmp_path: Path) -> dict:
    """What a production deployment sets (README), on loopback: plain HTTP, so no Secure cookies."""
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("FLASK_", "GUNICORN_", "WEB_CONCURRENCY"))}
    environment.update({
        "DATABASE_URL": url, "SECRET_KEY": "load-test-secret-key-of-at-least-32-characters",
        "PEER_SUPPORT_ENV": "production", "SESSION_COOKIE_SECURE": "0", "LOG_FORMAT": "text",
        "BACKUP_DIR": "off", "PHOTO_DIR": str(tmp_path / "photos"), "CERTIFICATE_DIR": str(tmp_path / "certificates"),
        # The demo's password hashes are cheap (made by the test's application): verifying them stays cheap,
        # and signing in does not rehash them with production costs (CPU goes to the load, not to argon2).
        "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": "1024", "ARGON2_PARALLELISM": "1",
    })
    return environment


def _healthy(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(base_url + "/healthz", timeout=5) as response:
            return response.status == 200 and json.load(response)["status"] == "ok"
    except (OSError, ValueError):
        return False


def launch_gunicorn(url: str, tmp_path: Path) -> Gunicorn:
    """gunicorn --workers 4 serving `url`, on a port the system chooses (read from its log when it listens)."""
    log_path = tmp_path / "gunicorn.log"
    # No control socket: it would be ~/.gunicorn/gunicorn.ctl, one for every gunicorn of the machine.
    command = [str(GUNICORN), "--workers", str(WORKERS), "--bind", "127.0.0.1:0", "--no-control-socket",
               "--chdir", str(PROJECT_ROOT), "wsgi:app"]
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=server_environment(url, tmp_path),  # nosec B603
                                   stdout=log, stderr=subprocess.STDOUT)
    return Gunicorn(process, "", log_path)


def wait_until_ready(server: Gunicorn) -> None:
    """Until gunicorn listens, every worker booted and /healthz answers."""
    deadline = time.monotonic() + BOOT_TIMEOUT
    while not server.base_url:
        assert server.process.poll() is None, f"gunicorn stopped:\n{server.log()[-3000:]}"
        assert time.monotonic() < deadline, f"gunicorn did not listen:\n{server.log()[-3000:]}"
        found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", server.log())
        server.base_url = found.group(1) if found else ""
        time.sleep(0.1)
    server.wait_for_workers()
    while not _healthy(server.base_url):
        assert time.monotonic() < deadline, f"/healthz did not answer:\n{server.log()[-3000:]}"
        time.sleep(0.2)


@pytest.fixture
def gunicorn(app, tmp_path):
    """start(): gunicorn serving this test's database, ready; stopped at the end of the test."""
    servers = []

    def start() -> Gunicorn:
        db.session.commit()  # nothing of the test's own left open (SQLite would hold its lock)
        servers.append(launch_gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path))
        wait_until_ready(servers[-1])
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def server_problems(server: Gunicorn, *, expected: tuple[str, ...] = ()) -> list[str]:
    """The lines of gunicorn's log that tell of a fault: a locked database, a traceback, an exception the app
    logged (by its type: "... (message not logged)"), anything logged as an error, by gunicorn or the app,
    except the `expected` ones (the fault test's killed worker)."""
    problem = re.compile(r"database is locked|Traceback|\(message not logged\)|\[(ERROR|CRITICAL)\]|"
                         r"Z (ERROR|CRITICAL) ")
    return [line for line in server.log().splitlines()
            if problem.search(line) and not any(text in line for text in expected)]


# --- The programme the clients work in --------------------------------------------------------------------

def demo_email(local: str) -> str:
    return f"{local}@{DOMAIN}"


@dataclass
class Programme:
    """The demo data plus what the clients write: referrals to move, questionnaire links to answer."""

    plans: list[ClientPlan]
    tokens: dict[str, int]  # questionnaire link -> invitation id
    form_id: int


def _account(local: str) -> Account:
    return db.session.scalar(sa.select(Account).where(Account.email == demo_email(local)))


def _people(unit, count: int, name: str, *, with_email: bool = False) -> list[ServiceUser]:
    """People of the unit, added directly (their records are not what the load is about)."""
    first = db.session.scalar(sa.select(sa.func.count()).select_from(ServiceUser)) + 1
    people = [ServiceUser(code=f"PA-L{number:05d}", display_name=f"{name} {number}",
                          name_key=f"{name} {number}".lower(), contact_channel="email" if with_email else "in_person",
                          email=f"personne.{number}@example.org" if with_email else None, units=[unit])
              for number in range(first, first + count)]
    db.session.add_all(people)
    db.session.flush()
    return people


def _new_referrals(coordinator, staff, unit, count: int, now) -> list[Referral]:
    """Referrals made by a member of staff through the service, new (the coordinator's queue)."""
    return [create_staff_referral(staff, person, ReferralData(
        unit_id=unit.id, reason="Souhaite rencontrer un pair.", care_stage="ongoing_care", agreed_to_contact=True),
        ip=None, now=now) for person in _people(unit, count, "Personne orientée")]


def _questionnaire(coordinator, now):
    """A published care-only questionnaire (its answers stay linked to the invitation): a text, a rating."""
    form = forms_services.create_form(coordinator, forms_services.FormSettings(
        title_fr="Votre avis", title_en="Your opinion", audience="service_user", privacy="care_only"), now=now)
    db.session.flush()
    form = forms_services.get_form(form.id)
    forms_services.add_question(coordinator, form, forms_services.QuestionData(
        kind="long_text", text_fr="Qu'est-ce qui vous a aidé ?", text_en="What helped you?"), now=now)
    forms_services.add_question(coordinator, form, forms_services.QuestionData(
        kind="likert", text_fr="Je me suis senti compris.", text_en="I felt understood.", required=True,
        likert_low_fr="Pas du tout", likert_low_en="Not at all", likert_high_fr="Tout à fait",
        likert_high_en="Completely"), now=now)
    forms_services.publish(coordinator, form, now=now)
    return form


def _invite(form, unit, count: int, now) -> dict[str, int]:
    """`count` people invited to answer (the invitations added as tests/feedback's factory does), each given its
    link by the invitations service, as for a link handed out on paper. Returns link -> invitation id."""
    people = _people(unit, count, "Répondant", with_email=True)
    invited = [FeedbackInvitation(form_id=form.id, service_user_id=person.id, trigger="manual",
                                  token_hash=invitations.token_hash(uuid.uuid4().hex), created_at=now, sent_at=now,
                                  expires_at=now + timedelta(days=14)) for person in people]
    db.session.add_all(invited)
    db.session.flush()
    return {invitations.new_link(invitation.id): invitation.id for invitation in invited}


def prepare_programme(*, seconds: float) -> Programme:
    """The small demo data, then for each client what it will write, in numbers that last `seconds` of load:
    20 clients, 10 peer workers' sessions (5 each for the two demo workers), 2 coordinators, 3 service users
    signed in and 5 people answering by link without an account."""
    load_demo_data(size="small", seed=2019, password=DEFAULT_PASSWORD)
    db.session.commit()
    now = utcnow()
    coordinator, staff = _account("coordination"), _account("dr.martin")
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == "CL3R"))
    workers = {local: db.session.scalar(sa.select(PeerProfile).join(Account, Account.id == PeerProfile.account_id)
                                        .where(Account.email == demo_email(local)))
               for local in ("pair.julie", "pair.karim")}
    # At most this many writes per client: a client makes at most a few operations a second, one in eight a
    # write. A worker moves half as many referral steps (two per referral), a coordinator every write.
    writes = max(4, int(seconds / 2))
    plans = []
    worker_reads = ["/", "/caseload/", "/calendar/week", "/nudges/", "/meetings/", "/triage/proposals"]
    for local, profile in workers.items():
        meetings = list(db.session.scalars(sa.select(Meeting.id).where(Meeting.peer_profile_id == profile.id)))
        for session in range(5):
            referrals = _new_referrals(coordinator, staff, unit, writes // 4, now)
            for referral in referrals:
                propose(coordinator, referral, profile.id, ip=None, now=now)
            plans.append(ClientPlan(f"{local}-{session}", "worker", demo_email(local),
                                    worker_reads + [f"/meetings/{meeting_id}" for meeting_id in meetings[:3]],
                                    referrals=[r.id for r in referrals]))
    people = list(db.session.scalars(sa.select(Referral.service_user_id).where(
        Referral.status.in_(("accepted", "active"))).order_by(Referral.id)))
    profile_ids = [profile.id for profile in workers.values()]
    coordinator_reads = ["/", "/triage/", "/reports/", "/nudges/", "/peers/roster"] + \
        [f"/people/{person_id}" for person_id in people[:4]] + \
        [f"/calendar/workers/{pid}/week" for pid in profile_ids] + [f"/caseload/?worker={pid}" for pid in profile_ids]
    for session in range(2):
        referrals = _new_referrals(coordinator, staff, unit, writes // 2, now)
        plans.append(ClientPlan(f"coordination-{session}", "coordinator", demo_email("coordination"),
                                coordinator_reads, referrals=[r.id for r in referrals]))
    db.session.commit()
    form = _questionnaire(coordinator, now)
    respondents = [(local, "service_user") for local in ("usager.paul", "usager.ines", "usager.theo")] + \
        [(f"link-{number}", "respondent") for number in range(5)]
    tokens = _invite(form, unit, writes * len(respondents), now)
    links = iter(tokens)
    for local, kind in respondents:
        mine = [next(links) for _ in range(writes)]
        if kind == "service_user":
            plans.append(ClientPlan(local, kind, demo_email(local),
                                    ["/my-space/", "/feedback/to-answer", "/what-is-a-peer-worker"], tokens=mine))
        else:
            plans.append(ClientPlan(local, "respondent", None, ["/what-is-a-peer-worker", "/login"], tokens=mine))
    db.session.commit()
    return Programme(plans, tokens, form.id)
