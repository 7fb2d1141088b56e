"""Demo data for peer workers: the vocabulary, profiles, shared experience, presence times."""
from __future__ import annotations

from datetime import date, time, timedelta

from peer_support.peers.models import Absence, LivedExperienceDomain, PeerDomain, PeerProfile, PresenceSlot

DOMAINS = [
    ("Schizophrénie", "Schizophrenia"),
    ("Troubles bipolaires", "Bipolar disorder"),
    ("Trouble du spectre de l'autisme / Asperger", "Autism spectrum / Asperger"),
    ("Dépression", "Depression"),
    ("Addiction", "Addiction"),
    ("Cancer du sein", "Breast cancer"),
    ("Cancer colorectal", "Colorectal cancer"),
    ("Jeune adulte atteint d'un cancer", "Young adult with cancer"),
    ("Expérience d'aidant familial", "Caregiver experience"),
]
FORMATS = ["individual", "group", "informal", "phone", "video", "outing"]
PLACES = ["Bureau des pairs-aidants, rez-de-chaussée", "Cafétéria du bâtiment B", "Salle de groupe 2",
          "Accueil de l'hôpital de jour"]


def add_demo_peers(session, rng, peer_accounts, staff_accounts, today: date, now) -> list[PeerProfile]:
    """One profile per peer worker account (but the last, left for the coordinator to open)."""
    domains = [LivedExperienceDomain(name_fr=fr, name_en=en, created_at=now) for fr, en in DOMAINS]
    session.add_all(domains)
    session.flush()
    profiles = []
    for number, account in enumerate(peer_accounts[:-1] if len(peer_accounts) > 1 else peer_accounts):
        profile = PeerProfile(
            account_id=account.id, status="on_leave" if number % 17 == 16 else "active",
            max_caseload=rng.choice([8, 10, 12, 15]), languages=rng.sample(["fr", "en", "ar", "es", "pt"], k=2),
            meeting_formats=sorted(rng.sample(FORMATS, k=4), key=FORMATS.index),
            supervisor_id=rng.choice(staff_accounts).id if staff_accounts else None,
            started_on=today - timedelta(days=rng.randint(60, 2000)), created_at=now,
            presentation=("Pair-aidant·e, j'ai traversé la maladie et je suis là pour en parler avec vous, "
                          "à votre rythme."),
        )
        chosen = rng.sample(domains, k=2)
        profile.domains = [PeerDomain(domain_id=chosen[0].id, consent_to_matching=True, consent_changed_at=now),
                           PeerDomain(domain_id=chosen[1].id, consent_to_matching=rng.random() < 0.5,
                                      consent_changed_at=now)]
        for weekday in sorted(rng.sample(range(5), k=2)):
            start = rng.choice([9, 10, 13, 14])
            profile.presence_slots.append(PresenceSlot(
                weekday=weekday, starts_at=time(start), ends_at=time(start + 3), place=rng.choice(PLACES)))
        if number == 0:
            profile.absences.append(Absence(starts_on=today + timedelta(days=10), ends_on=today + timedelta(days=20),
                                            kind="leave", public_note="De retour le lundi suivant."))
        session.add(profile)
        profiles.append(profile)
    session.flush()
    return profiles
