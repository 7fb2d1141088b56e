"""Demo data for service users' records and staff referrals (the lead wires it into peer_support/demo.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from peer_support.extensions import db
from peer_support.people.models import ServiceUser
from peer_support.people.services import name_key, new_code
from peer_support.referrals.history import record_event
from peer_support.referrals.models import Referral
from peer_support.units.models import account_unit

# (name, year of birth, gender, language, contact channel, unit code or None for "any")
PEOPLE = [
    ("Camille", 1998, "woman", "fr", "phone", "CL3R"),
    ("Hugo", 1987, "man", "fr", "in_person", "CL3R"),
    ("Manon", 2001, "woman", "fr", "email", "CL3R"),
    ("Yanis", 1994, "man", "ar", "secretary", "CL3R"),
    ("Sarah", 1979, "woman", "fr", "phone", "TS2A"),
    ("Julien", 1990, None, "fr", "email", "TS2A"),
    ("Alex", 1996, "non_binary", "en", "email", "TS2A"),
    ("Mehdi", 1985, "man", "fr", "phone", None),
    ("Louise", None, "woman", "fr", "in_person", None),
    # Accompanied by the demo peer workers (the triage demo makes most of these active).
    ("Nadia", 1983, "woman", "fr", "phone", "CL3R"),
    ("Lucas", 1999, "man", "fr", "email", "CL3R"),
    ("Chloé", 1992, "woman", "fr", "in_person", "CL3R"),
    ("Samir", 1988, "man", "fr", "phone", "TS2A"),
    ("Emma", 2000, "woman", "en", "email", "TS2A"),
    ("Antoine", 1976, "man", "fr", "secretary", "TS2A"),
    ("Margaux", 1995, "woman", "fr", "phone", "CL3R"),
]
# Stage in care, reason, what the person was told (as staff write them).
REFERRALS = [
    ("diagnosis", "Annonce récente du diagnostic, se sent isolée.", "Je lui ai parlé d'une personne qui a vécu "
     "la même chose et qui peut en parler avec elle."),
    ("start_of_care", "Début de prise en charge, beaucoup de questions sur le traitement.", "Qu'un pair-aidant "
     "pourrait la rencontrer, sans engagement."),
    ("after_acute_phase", "Sortie d'hospitalisation, reprise de contact progressive.", None),
    ("ongoing_care", "Souhaite échanger avec quelqu'un qui a repris un travail.", "Présenté le programme en "
     "quelques mots ; page d'information remise."),
    ("follow_up", "Suivi espacé ; garder un lien.", None),
]


@dataclass
class DemoPeople:
    people: list[ServiceUser] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)
    # Referrals waiting for triage ("new"), for the triage demo to move along.
    waiting: list[Referral] = field(default_factory=list)


def _units_by_code(units):
    return dict(units) if isinstance(units, dict) else {unit.code: unit for unit in units}


def add_demo_people(rng, units, staff, now, service_user_accounts=()) -> DemoPeople:
    """About twenty records (three linked to the given service_user accounts) and staff referrals in
    several statuses (new, on hold, triaged, closed); `units` is a {code: Unit} mapping or a list."""
    units = _units_by_code(units)
    codes = list(units)
    db.session.flush()
    result = DemoPeople()
    specs = list(PEOPLE)
    for account in service_user_accounts:
        first_name = account.name.split()[0]
        specs.append((first_name, rng.randint(1970, 2002), None, "fr", "email", None, account))
    for spec in specs:
        name, year, gender, language, channel, unit_code = spec[:6]
        account = spec[6] if len(spec) > 6 else None
        unit = units.get(unit_code) or units[rng.choice(codes)]
        person = ServiceUser(
            code=new_code(), display_name=name, name_key=name_key(name), year_of_birth=year,
            age_band=None if year else "26-35", gender=gender, preferred_language=language,
            contact_channel=channel,
            phone=f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
            if channel == "phone" else None,
            email=(account.email if account is not None else f"{name_key(name)}@exemple.fr") if channel == "email"
            else None,
            account_id=account.id if account is not None else None,
            follow_up_choice="contact_me_again" if account is not None else None,
            follow_up_choice_at=now if account is not None else None,
            created_at=now - timedelta(days=rng.randint(20, 200)), updated_at=now)
        person.units = [unit]
        db.session.add(person)
        result.people.append(person)
    db.session.flush()

    staff_units = {}
    for account_id, unit_id in db.session.execute(
            sa.select(account_unit.c.account_id, account_unit.c.unit_id)
            .where(account_unit.c.account_id.in_([a.id for a in staff]))):
        staff_units.setdefault(unit_id, []).append(account_id)
    staff_by_id = {account.id: account for account in staff}

    # The accounts' people are accompanied already (the triage demo assigns their worker); others wait.
    plan = ["new", "new", "on_hold", "triaged", "closed", "new", "triaged"]
    plan += ["new"] * (len(result.people) - len(plan))
    # The plan is longer than the people of a data set smaller than it: the rest of the plan is unused.
    for person, status in zip(result.people, plan, strict=False):
        unit = person.units[0]
        referrer_ids = staff_units.get(unit.id) or list(staff_by_id)
        if not referrer_ids:
            break
        referrer = staff_by_id[rng.choice(referrer_ids)]
        stage, reason, told = REFERRALS[len(result.referrals) % len(REFERRALS)]
        created = now - timedelta(days=rng.randint(3, 40), hours=rng.randint(0, 8))
        referral = Referral(
            service_user_id=person.id, unit_id=unit.id, source="staff", referred_by_id=referrer.id, reason=reason,
            care_stage=stage, information_given=told, information_page_given=told is not None,
            agreed_to_contact=True, preferred_formats=rng.sample(["individual", "informal", "phone", "group"], k=2),
            constraints="Plutôt l'après-midi." if rng.random() < 0.4 else None,
            review_on=(now + timedelta(days=45)).date() if status == "on_hold" else None,
            created_at=created, updated_at=created)
        record_event(referral, actor=referrer, to_status="on_hold" if status == "on_hold" else "new", now=created,
                     review_on=referral.review_on)
        if status in ("triaged", "closed"):
            record_event(referral, actor=None, to_status="triaged", now=created + timedelta(days=2))
        if status == "closed":
            referral.close_reason = "user_declined"
            record_event(referral, actor=None, to_status="closed", now=created + timedelta(days=9),
                         reason="La personne ne souhaite plus être contactée pour le moment.")
        db.session.add(referral)
        result.referrals.append(referral)
        if status == "new":
            result.waiting.append(referral)
    db.session.flush()
    return result
