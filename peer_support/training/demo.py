"""Demo data of the training feature: a realistic catalogue and each demo worker's records."""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from peer_support.extensions import db
from peer_support.training.models import TrainingProgramme, TrainingRecord
from peer_support.training.status import add_months, expiry_date

# kind, French name, English name, provider, usual hours, validity in months (None: never expires)
CATALOGUE = [
    ("initial_qualification", "Licence sciences sanitaires et sociales, parcours médiateur de santé pair",
     "Peer health mediator bachelor", "Université Sorbonne Paris Nord", 450, None),
    ("initial_qualification", "DU pair-aidance en santé mentale", "University diploma in mental health peer support",
     "Université Claude Bernard Lyon 1", 120, None),
    ("initial_qualification", "Formation personne ressource", "Resource person training",
     "Centre ressource de réhabilitation psychosociale", 35, None),
    ("ongoing", "Relation d'aide", "Helping relationship", "Institut de formation en soins infirmiers", 14, None),
    ("ongoing", "Gestion des situations d'agressivité", "Handling aggressive situations",
     "Service de formation continue", 7, None),
    ("ongoing", "Fiabilité de l'information en santé", "Reliability of health information",
     "Bibliothèque universitaire de santé", 7, None),
    ("ongoing", "Confidentialité et secret partagé", "Confidentiality and shared professional secrecy",
     "Délégué à la protection des données", 3.5, None),
    ("ongoing", "Premiers secours en santé mentale", "Mental health first aid", "PSSM France", 14, 36),
]


def _programmes(now: datetime) -> list[TrainingProgramme]:
    programmes = [
        TrainingProgramme(kind=kind, name_fr=name_fr, name_en=name_en, provider=provider,
                          default_hours=Decimal(str(hours)), validity_months=validity,
                          renewal_notice_days=60, grace_days=30, created_at=now)
        for kind, name_fr, name_en, provider, hours, validity in CATALOGUE
    ]
    db.session.add_all(programmes)
    return programmes


def _record(profile, programme: TrainingProgramme, status: str, *, starts_on: date | None, ends_on: date | None,
            now: datetime) -> TrainingRecord:
    completed = status == "completed"
    return TrainingRecord(profile=profile, programme=programme, status=status, starts_on=starts_on, ends_on=ends_on,
                          hours=programme.default_hours,
                          expires_on=expiry_date(ends_on, programme.validity_months) if completed else None,
                          created_at=now, updated_at=now)


def add_demo_training(rng: random.Random, profiles, now: datetime) -> list[TrainingProgramme]:
    """The catalogue, and records for these PeerProfile objects: most qualified, some in training,
    ongoing training this year and last, and (for the first worker) a first-aid certificate due for renewal."""
    today = now.date()
    programmes = _programmes(now)
    qualifications = [p for p in programmes if p.kind == "initial_qualification"]
    topics = [p for p in programmes if p.kind == "ongoing" and not p.validity_months]
    first_aid = next(p for p in programmes if p.validity_months)
    records = []
    for index, profile in enumerate(profiles):
        qualification = rng.choice(qualifications)
        if index % 7 == 2:
            # Still in training: started a few months ago, no caseload yet.
            started = today - timedelta(days=rng.randint(30, 200))
            records.append(_record(profile, qualification, "in_progress", starts_on=started, ends_on=None, now=now))
        else:
            ended = today - timedelta(days=rng.randint(200, 6 * 365))
            records.append(_record(profile, qualification, "completed", starts_on=ended - timedelta(days=300),
                                   ends_on=ended, now=now))
        for topic in rng.sample(topics, rng.randint(1, 3)):
            ended = today - timedelta(days=rng.randint(1, 500))
            records.append(_record(profile, topic, "completed", starts_on=ended - timedelta(days=1), ends_on=ended,
                                   now=now))
        if rng.random() < 0.4:
            starts = today + timedelta(days=rng.randint(10, 120))
            records.append(_record(profile, rng.choice(topics), "planned", starts_on=starts, ends_on=starts, now=now))
        if index == 0:
            # Renewal due: the certificate expires in about a month.
            ended = add_months(today + timedelta(days=30), -first_aid.validity_months)
            records.append(_record(profile, first_aid, "completed", starts_on=ended - timedelta(days=1), ends_on=ended,
                                   now=now))
        elif rng.random() < 0.5:
            ended = today - timedelta(days=rng.randint(60, 800))
            records.append(_record(profile, first_aid, "completed", starts_on=ended - timedelta(days=1), ends_on=ended,
                                   now=now))
    db.session.add_all(records)
    db.session.flush()
    return programmes
