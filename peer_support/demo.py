"""flask --app wsgi demo-data: a realistic, reproducible data set for trying the product.

Each feature adds its own objects here, so the demo always shows the whole product.
"""
from __future__ import annotations

import contextlib
import random
import sys
from dataclasses import dataclass

import click
import sqlalchemy as sa

from peer_support.auth.models import Account
from peer_support.auth.passwords import hash_password, password_problems
from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.feedback.demo import add_demo_feedback
from peer_support.meetings.demo import add_demo_meetings
from peer_support.myspace.demo import add_demo_myspace
from peer_support.peers.demo import add_demo_peers
from peer_support.people.demo import add_demo_people
from peer_support.rooms.demo import add_demo_rooms
from peer_support.supervision.demo import add_demo_supervision
from peer_support.training.demo import add_demo_training
from peer_support.triage.demo import add_demo_triage
from peer_support.units.models import Unit

# The demo accounts' published password (README.md); demo data is for trying the app, not for a real site.
DEFAULT_PASSWORD = "demo-pairs-aidants-2026"  # nosec B105 # public on purpose, see above
DOMAIN = "demo.example.org"

UNITS = [
    ("CL3R", "Centre de réhabilitation psychosociale (CL3R)"),
    ("TS2A", "Troubles du spectre de l'autisme à l'âge adulte (TS2A)"),
]
LARGE_EXTRA_UNITS = [
    ("ONCO-HDJ", "Hôpital de jour d'oncologie"), ("ONCO-SEIN", "Sénologie"),
    ("ONCO-AJA", "Adolescents et jeunes adultes"),
    ("CMP-EST", "Centre médico-psychologique Est"), ("CMP-OUEST", "Centre médico-psychologique Ouest"),
    ("ADDICTO", "Addictologie"), ("HDJ-PSY", "Hôpital de jour de psychiatrie"), ("EQUIPE-MOBILE", "Équipe mobile"),
]
FIRST_NAMES = ["Camille", "Léa", "Manon", "Chloé", "Inès", "Sarah", "Julie", "Emma", "Louise", "Alice",
               "Lucas", "Hugo", "Nathan", "Thomas", "Julien", "Karim", "Mehdi", "Antoine", "Paul", "Yanis",
               "Nadia", "Sophie", "Claire", "Aurélie", "Mathieu", "Nicolas", "Samir", "Élodie", "Margaux", "Théo"]
LAST_NAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
              "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
              "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Benali"]

# The named demo accounts (role, local part of the e-mail, name, profession, unit codes).
SMALL_ACCOUNTS = [
    ("coordinator", "coordination", "Hélène Coordinatrice", None, ["CL3R", "TS2A"]),
    ("staff", "dr.martin", "Dr Claire Martin", "doctor", ["CL3R"]),
    ("staff", "infirmier.roux", "Antoine Roux", "nurse", ["CL3R"]),
    ("staff", "psy.benali", "Nadia Benali", "psychologist", ["TS2A"]),
    ("staff", "as.girard", "Sophie Girard", "social_worker", ["TS2A"]),
    ("peer_worker", "pair.julie", "Julie Moreau", None, ["CL3R"]),
    ("peer_worker", "pair.karim", "Karim Laurent", None, ["CL3R", "TS2A"]),
    ("peer_worker", "pair.elodie", "Élodie Fournier", None, ["TS2A"]),
    ("service_user", "usager.paul", "Paul Durand", None, ["CL3R"]),
    ("service_user", "usager.ines", "Inès Mercier", None, ["CL3R"]),
    ("service_user", "usager.theo", "Théo Lambert", None, ["TS2A"]),
    ("researcher", "recherche", "Aurélie Richard", None, []),
]

@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str


def load_demo_data(*, size: str, seed: int, password: str) -> list[DemoAccount]:
    """Create the small demo data set; returns the accounts, in creation order. (The large one is the benchmark's
    generator, bench/generate.py: see the demo-data command.)"""
    if size != "small":
        raise ValueError(f"load_demo_data makes the small demo; {size!r} comes from bench/generate.py")
    rng = random.Random(seed)  # nosec B311 # seeded on purpose: the same demo data for a seed; nothing secret
    now = utcnow()
    units = {code: Unit(code=code, name=name, created_at=now) for code, name in UNITS}
    db.session.add_all(units.values())
    # One hash for every demo account: argon2id is slow on purpose, and they share a password.
    password_hash = hash_password(password)
    created = []

    def add(role, email, name, profession, unit_codes):
        account = Account(email=email, name=name, role=role, profession=profession, password_hash=password_hash,
                          password_changed_at=now, created_at=now)
        account.units = [units[code] for code in unit_codes]
        db.session.add(account)
        created.append(DemoAccount(role, email))
        return account

    accounts = {}
    for role, local, name, profession, unit_codes in SMALL_ACCOUNTS:
        accounts[local] = add(role, f"{local}@{DOMAIN}", name, profession, unit_codes)
    db.session.flush()
    everyone = list(accounts.values())
    peer_accounts = [a for a in everyone if a.role == "peer_worker"]
    staff_accounts = [a for a in everyone if a.role == "staff" and a.profession in ("psychologist", "doctor")]
    today = now.date()
    # Each feature adds its own objects, so the demo always shows the whole product.
    profiles = add_demo_peers(db.session, rng, peer_accounts, staff_accounts, today, now)
    programmes = add_demo_training(rng, profiles, now)
    add_demo_supervision(rng, profiles, staff_accounts, accounts["coordination"], now)
    people = add_demo_people(rng, units, [a for a in everyone if a.role == "staff"], now,
                             service_user_accounts=[accounts["usager.paul"], accounts["usager.ines"],
                                                    accounts["usager.theo"]])
    add_demo_triage(rng, people.referrals, profiles, accounts["coordination"], now)
    rooms = add_demo_rooms(rng, units, accounts["coordination"], now)
    add_demo_meetings(rng, now, rooms)
    add_demo_myspace(rng, people.people, programmes, accounts["coordination"], now)
    add_demo_feedback(rng, people.people, everyone, accounts["coordination"], accounts["recherche"], now)
    return created


def database_is_empty() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Account)) == 0


@click.command("demo-data")
@click.option("--size", type=click.Choice(["small", "large"]), default="small", show_default=True,
              help="small to try the product; large is the benchmark scale.")
@click.option("--seed", type=int, default=2019, show_default=True, help="Same seed, same data.")
@click.option("--password", default=DEFAULT_PASSWORD, show_default=True, help="Password of every demo account.")
@click.option("--if-empty", is_flag=True, help="Do nothing (successfully) when the database has accounts.")
def demo_data(size, seed, password, if_empty):
    """Load the demo data set into an empty database and print ROLE EMAIL per account."""
    if not database_is_empty():
        if if_empty:
            click.echo("the database already has accounts; demo data not loaded")
            return
        raise click.ClickException("the database already has accounts; demo data goes into an empty database")
    problems = password_problems(password)
    if problems:
        raise click.ClickException(" ".join(str(p) for p in problems))
    if size == "large":
        _load_large(seed, password)
        return
    accounts = load_demo_data(size=size, seed=seed, password=password)
    db.session.commit()
    for account in accounts:
        click.echo(f"{account.role} {account.email}")


def _load_large(seed: int, password: str) -> None:
    """The benchmark's data set (bench/generate.py: 50 000 people, 500 000 meetings, 1 000 000 audit entries...),
    as of midnight today; a few minutes. Prints the first account of each role and how many more it has."""
    try:
        from bench.generate import populate
    except ImportError as error:  # the bench/ folder sits beside peer_support/ in the repository
        raise click.ClickException(f"the large demo is generated by the repository's bench/ folder ({error}); "
                                   "run this command from the repository's root") from None
    db.session.remove()
    as_of = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    with contextlib.redirect_stdout(sys.stderr):  # the generator's progress; stdout keeps ROLE EMAIL lines
        world = populate(seed=seed, password=password, as_of=as_of)
    by_role: dict[str, list[str]] = {}
    for account in sorted(world.accounts, key=lambda a: a["id"]):
        by_role.setdefault(account["role"], []).append(account["email"])
    for role, emails in by_role.items():
        more = f" (and {len(emails) - 1} more {role} accounts, same password)" if len(emails) > 1 else ""
        click.echo(f"{role} {emails[0]}{more}")
