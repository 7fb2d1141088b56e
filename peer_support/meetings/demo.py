"""Demo data of meetings: the topic vocabulary, meetings of every format and status for the demo
accompaniments, and group sessions with enrolments and attendance (the lead wires it into peer_support/demo.py)."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa

from peer_support.extensions import db
from peer_support.meetings.models import Meeting, MeetingParticipant, MeetingTopic
from peer_support.peers.models import MEETING_FORMATS, PeerProfile
from peer_support.referrals.models import Referral
from peer_support.rooms.booking import HOLDING_STATUSES
from peer_support.timezones import local_date, local_to_utc
from peer_support.units.models import account_unit

TOPICS = [
    ("Vie quotidienne", "Daily life"),
    ("Traitements et effets secondaires", "Medication and side effects"),
    ("Comprendre la maladie", "Understanding the illness"),
    ("Rétablissement et espoir", "Recovery and hope"),
    ("Stigmatisation", "Stigma"),
    ("Travail et formation", "Work and training"),
    ("Logement", "Housing"),
    ("Famille et relations", "Family and relationships"),
    ("Vie intime", "Intimacy"),
    ("Démarches administratives", "Administrative steps"),
    ("Stratégies pour faire face", "Coping strategies"),
    ("Peur de la rechute ou de la récidive", "Fear of relapse or recurrence"),
    ("Devenir pair-aidant", "Becoming a peer worker"),
]
GROUP_TITLES = ["Groupe de psychoéducation Asperger", "Groupe « désir d'enfant »", "Groupe entendeurs de voix",
                "Café rétablissement"]
PLACES = {"hospital": ["Cafétéria", "Jardin de l'hôpital", "Hall d'accueil"],
          "off_site": ["Médiathèque municipale", "Café en face de l'hôpital", "Parc de la Tête d'Or"],
          "remote": ["Par téléphone", "Visio (lien envoyé par SMS)"]}
NOTES = ["A parlé de la reprise du travail, inquiète pour les horaires.", "Fatigue importante cette semaine.",
         "Souhaite parler de sa famille la prochaine fois.", "Beaucoup d'espoir depuis le changement de traitement."]
SUMMARIES = ["Rencontre régulière, la personne va plutôt bien.", "Souhaite un rendez-vous avec l'assistante sociale."]
CANCEL_REASONS = ["Hospitalisation de la personne.", "Je suis en formation ce jour-là."]
PERSON_CANCEL_REASONS = ["J'ai un rendez-vous médical ce jour-là.", "Je ne me sens pas bien, je préfère reporter."]


def add_demo_topics() -> list[MeetingTopic]:
    """The topic vocabulary (created once: existing names are kept)."""
    existing = {t.name_en: t for t in db.session.scalars(sa.select(MeetingTopic))}
    topics = []
    for name_fr, name_en in TOPICS:
        topic = existing.get(name_en)
        if topic is None:
            topic = MeetingTopic(name_fr=name_fr, name_en=name_en)
            db.session.add(topic)
        topics.append(topic)
    db.session.flush()
    return topics


class _Rooms:
    """The rooms given, by unit, with the times they are held (never double-booked)."""

    def __init__(self, rooms):
        self.by_unit: dict[int, list] = {}
        for room in rooms or ():
            if room.is_active:
                self.by_unit.setdefault(room.unit_id, []).append(room)
        self.taken: dict[int, list[tuple[datetime, datetime]]] = {}
        ids = [room.id for rooms_ in self.by_unit.values() for room in rooms_]
        if ids:
            for room_id, starts_at, ends_at in db.session.execute(
                    sa.select(Meeting.room_id, Meeting.starts_at, Meeting.ends_at)
                    .where(Meeting.room_id.in_(ids), Meeting.status.in_(HOLDING_STATUSES))):
                self.taken.setdefault(room_id, []).append((starts_at, ends_at))

    def book(self, rng, unit_ids, starts_at, ends_at, people: int):
        candidates = [room for unit_id in unit_ids for room in self.by_unit.get(unit_id, ())
                      if room.capacity is None or room.capacity >= people + 1]
        rng.shuffle(candidates)
        for room in candidates:
            if all(not (s < ends_at and e > starts_at) for s, e in self.taken.get(room.id, ())):
                self.taken.setdefault(room.id, []).append((starts_at, ends_at))
                return room
        return None


def _moment(rng, now: datetime, days: int) -> datetime:
    """A weekday, 9:00 to 16:30 local time, `days` from today (negative: in the past)."""
    day = local_date(now) + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1 if days >= 0 else -1)
    return local_to_utc(day, time(rng.randint(9, 16), rng.choice((0, 30))))


def add_demo_meetings(rng, now: datetime, rooms=None, *, per_person: int = 3) -> list[Meeting]:
    """Meetings of every format and status for the accepted and active accompaniments left by the triage
    demo, two group sessions per worker with enough people (enrolments, attendance), and the topic
    vocabulary. Rooms are booked only when `rooms` is given, never twice at the same time."""
    topics = add_demo_topics()
    accompaniments = db.session.execute(
        sa.select(Referral.peer_profile_id, Referral.service_user_id, PeerProfile.account_id)
        .join(PeerProfile, PeerProfile.id == Referral.peer_profile_id)
        .where(Referral.status.in_(("accepted", "active")), Referral.service_user_id.is_not(None))
        .order_by(Referral.peer_profile_id, Referral.id)).all()
    if not accompaniments:
        return []
    units_of: dict[int, list[int]] = {}
    for account_id, unit_id in db.session.execute(
            sa.select(account_unit.c.account_id, account_unit.c.unit_id)
            .where(account_unit.c.account_id.in_({a for _, _, a in accompaniments}))):
        units_of.setdefault(account_id, []).append(unit_id)
    booking = _Rooms(rooms)
    meetings: list[Meeting] = []
    counter = 0

    def make(profile_id, account_id, people, *, days, format_, minutes, title=None, capacity=None):
        nonlocal counter
        counter += 1
        starts_at = _moment(rng, now, days)
        past = starts_at + timedelta(minutes=minutes) <= now
        status = (rng.choice(["held", "held", "held", "missed", "cancelled"]) if past
                  else rng.choice(["planned", "planned", "planned", "cancelled"]))
        meeting = Meeting(peer_profile_id=profile_id, format=format_, status=status, title=title,
                          starts_at=starts_at, duration_minutes=minutes,
                          ends_at=starts_at + timedelta(minutes=minutes), initiated_by=rng.choice(
                              ["peer_worker", "peer_worker", "service_user", "staff"]),
                          capacity=capacity, created_by_id=account_id, created_at=min(now, starts_at),
                          updated_at=now)
        room = None
        if format_ in ("individual", "group") and rng.random() < 0.7:
            room = booking.book(rng, units_of.get(account_id, ()), meeting.starts_at, meeting.ends_at, len(people))
        if room is not None:
            meeting.place_kind, meeting.room_id = "room", room.id
        else:
            meeting.place_kind = {"phone": "remote", "video": "remote", "outing": "off_site"}.get(format_, "hospital")
            meeting.place_detail = rng.choice(PLACES[meeting.place_kind])
        participant_status = {"held": "attended", "missed": "absent"}.get(status, "enrolled")
        meeting.participants = [MeetingParticipant(service_user_id=person_id, status=participant_status,
                                                   enrolled_at=meeting.created_at) for person_id in people]
        if status == "held":
            if format_ == "group" and len(people) > 2:
                meeting.participants[-1].status = "absent"
            meeting.topics = rng.sample(topics, k=rng.randint(1, 3))
            meeting.private_notes = rng.choice(NOTES)
            meeting.follow_up_intention = rng.choice(["person_will_get_in_touch", "next_meeting_by",
                                                      "no_further_meeting"])
            if meeting.follow_up_intention == "next_meeting_by":
                meeting.follow_up_by = local_date(now) + timedelta(days=rng.randint(3, 21))
            if rng.random() < 0.3:
                meeting.team_summary, meeting.team_summary_agreed = rng.choice(SUMMARIES), True
        elif status == "cancelled":
            meeting.cancel_reason, meeting.cancelled_by_id = rng.choice(CANCEL_REASONS), account_id
        elif status == "planned" and counter % 7 == 0:
            # The person cancelled from their own space: the worker sees it, with the reason.
            meeting.participants[0].status = "cancelled"
            meeting.participants[0].cancel_reason = rng.choice(PERSON_CANCEL_REASONS)
        meetings.append(meeting)

    formats = [f for f in MEETING_FORMATS if f != "group"]
    by_worker: dict[int, tuple[int, list[int]]] = {}
    for index, (profile_id, person_id, account_id) in enumerate(accompaniments):
        by_worker.setdefault(profile_id, (account_id, []))[1].append(person_id)
        for number in range(per_person):
            format_ = formats[(index + number) % len(formats)]
            days = [-rng.randint(20, 60), -rng.randint(1, 19), rng.randint(1, 21)][number % 3]
            make(profile_id, account_id, [person_id], days=days, format_=format_,
                 minutes=rng.choice([15, 30, 45, 60]) if format_ != "outing" else 120)
    for profile_id, (account_id, people) in by_worker.items():
        if len(people) < 2:
            continue
        title = rng.choice(GROUP_TITLES)
        for days in (-rng.randint(5, 30), rng.randint(2, 20)):
            make(profile_id, account_id, rng.sample(people, k=min(len(people), 5)), days=days, format_="group",
                 minutes=90, title=title, capacity=8)
    db.session.add_all(meetings)
    db.session.flush()
    return meetings
