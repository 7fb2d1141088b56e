"""Demo supervision: six months of group analysis of practice and individual sessions, one worker
overdue, one debrief request waiting after the death of someone accompanied, one already held."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from peer_support.extensions import db
from peer_support.supervision.models import DebriefRequest, SupervisionSession
from peer_support.timezones import local_date, local_to_utc

MONTHS = 6
GROUP_SIZE = 10
EXTERNAL_SUPERVISOR = "Dr Anne Lemaire, psychologue clinicienne (intervenante extérieure)"
PRACTICE_TOPICS = [
    "Trouver la bonne distance avec une personne qui nous rappelle notre propre parcours",
    "Partager son vécu : quoi dire, quand, et jusqu'où",
    "Quand une personne accompagnée ne répond plus : relancer sans s'imposer",
    "La place du pair-aidant dans l'équipe de soins et le secret partagé",
    "Faire face à une situation d'agressivité en entretien",
    "Fin d'accompagnement : préparer la séparation",
]
INDIVIDUAL_NOTES = [
    "Point sur la charge de travail : deux accompagnements intenses en parallèle. Convenu d'en parler au coordinateur.",
    "Retour sur une rencontre difficile ; le pair-aidant a su poser ses limites. À reprendre le mois prochain.",
    "Bonne dynamique. Souhaite se former à l'animation de groupe.",
    "Fatigue exprimée ; vigilance sur l'équilibre entre vécu personnel et accompagnement.",
]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return local_to_utc(day, time(hour, minute))


def add_demo_supervision(rng, profiles, supervisors, coordinator, now: datetime):
    """Create the demo history for these peer workers' profiles; returns (sessions, debrief requests)."""
    if not profiles:
        return [], []
    db.session.flush()  # account and profile ids are needed below
    today = local_date(now)
    by_id = {account.id: account for account in supervisors}
    overdue = profiles[-1] if len(profiles) > 1 else None
    # The overdue worker's last session was two months ago; everyone else is up to date.
    overdue_since = today - timedelta(weeks=9)
    sessions = []

    def add(held_at, kind, attendees, *, supervisor=None, external=None, topics=None, notes=None, minutes=60):
        session = SupervisionSession(
            held_at=held_at, duration_minutes=minutes, kind=kind, supervisor=supervisor,
            external_supervisor=external, topics=topics, private_notes=notes,
            created_by_id=supervisor.id if supervisor is not None else coordinator.id,
            created_at=held_at + timedelta(hours=3), updated_at=held_at + timedelta(hours=3))
        session.attendees = list(attendees)
        sessions.append(session)

    for month in range(MONTHS, 0, -1):
        # A monthly analysis of practice with an external psychologist, in groups of ten.
        day = today - timedelta(days=30 * month - 3)
        present = [p for p in profiles if p is not overdue or day <= overdue_since]
        present = [p for p in present if rng.random() > 0.15]  # someone is always on leave or off sick
        for start in range(0, len(present), GROUP_SIZE):
            add(_at(day, 14), "practice_analysis", present[start:start + GROUP_SIZE], external=EXTERNAL_SUPERVISOR,
                minutes=120, topics=rng.choice(PRACTICE_TOPICS))
        # An individual session with each worker's own supervisor, mid-month.
        for profile in profiles:
            supervisor = by_id.get(profile.supervisor_id) or (rng.choice(supervisors) if supervisors else None)
            session_day = day + timedelta(days=10 + rng.randrange(5))
            if supervisor is None or session_day >= today or (profile is overdue and session_day > overdue_since):
                continue
            if month == 1 or rng.random() < 0.75:  # nobody but the overdue worker misses the last month
                add(_at(session_day, rng.choice((9, 10, 11, 15, 16)), rng.choice((0, 30))), "individual", [profile],
                    supervisor=supervisor, minutes=rng.choice((45, 60)), topics="Point mensuel",
                    notes=rng.choice(INDIVIDUAL_NOTES))
    # The overdue worker's last session, so their history is not empty.
    if overdue is not None and supervisors:
        add(_at(overdue_since, 10), "individual", [overdue],
            supervisor=by_id.get(overdue.supervisor_id) or supervisors[0],
            topics="Point mensuel", notes="Reprise après un arrêt ; prévoir une séance dans le mois.")
    db.session.add_all(sessions)

    requests = [DebriefRequest(
        profile=profiles[0], event_kind="death", event_on=today - timedelta(days=4), status="requested",
        description=("Monsieur L., que j'accompagnais depuis huit mois, est décédé ce week-end. "
                     "Je n'arrive pas à m'en détacher et j'aimerais en parler."),
        requested_at=now - timedelta(days=2), updated_at=now - timedelta(days=2))]
    if len(profiles) > 1:
        held_on = today - timedelta(days=18)
        requests.append(DebriefRequest(
            profile=profiles[1], event_kind="aggression", event_on=today - timedelta(days=25), status="held",
            description="Une personne s'est montrée très agressive verbalement pendant une sortie.",
            scheduled_for=_at(held_on, 17), held_on=held_on,
            requested_at=now - timedelta(days=24), updated_at=now - timedelta(days=18)))
    db.session.add_all(requests)
    db.session.flush()
    return sessions, requests
