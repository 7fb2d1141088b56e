"""A small world with two of everything, "ours" and "theirs", for the access matrix (test_access_matrix.py).

Two units; in each, a member of staff who supervises the unit's peer worker and referred the unit's person;
the peer worker accompanies that person (an active referral), holds a meeting with them, has a nudge, a
supervision session, a debrief request, a training record, presence times, an absence, a photo and a calendar
feed; the person has an account, an invitation to a questionnaire, a wish to become a peer worker and a
research consent. Rooms, closures, forms, studies, topics and domains come in pairs too. Objects are made with
the factories of the feature tests (tests/*/conftest.py) and the services, as those tests make them.

The signed-in account is always on the "ours" side: peer worker A, the person PA, the member of staff who
referred PA and supervises A, a coordinator, a researcher. Every text that identifies the "theirs" side is
distinctive (`World.hidden_from`), so a page can be searched for it.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from PIL import Image

from peer_support.auth.models import Account
from peer_support.calendars.feeds import enable_feed, feed_token
from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.feedback.invitations import token_hash as feedback_token_hash
from peer_support.feedback.models import FeedbackAnswer
from peer_support.meetings.models import Meeting, MeetingParticipant, MeetingTopic
from peer_support.myspace.invitations import INVITATION_LIFETIME
from peer_support.myspace.invitations import token_hash as account_token_hash
from peer_support.nudges.models import Nudge
from peer_support.peers.models import Absence, LivedExperienceDomain, PeerProfile, PresenceSlot
from peer_support.peers.photos import photo_store, set_photo
from peer_support.people.models import AccountInvitation, PeerWorkInterest
from peer_support.research import reading, redactions
from peer_support.research.models import AnswerRedaction
from peer_support.rooms.models import Room, RoomClosure
from peer_support.supervision.models import DebriefRequest, SupervisionSession
from peer_support.training.certificates import certificate_store
from peer_support.training.models import TrainingProgramme, TrainingRecord
from peer_support.training.services import attach_certificate
from peer_support.units.models import Unit
from tests.conftest import new_account
from tests.feedback.conftest import new_consent, new_form, new_invitation, new_response, new_study
from tests.training.conftest import PDF
from tests.triage.conftest import new_person, new_referral

SIDES = ("ours", "theirs")


@dataclass
class Side:
    """One side of the world: its three accounts, the ids and tokens of its objects, its distinctive texts."""

    unit_id: int = 0
    staff: Account | None = None
    worker: Account | None = None
    service_user: Account | None = None
    ids: dict[str, int | str] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)
    # Notes only their writer and those present read: never the coordinator as such.
    private_notes: list[str] = field(default_factory=list)


@dataclass
class World:
    coordinator: Account
    researcher: Account
    sides: dict[str, Side]
    shared: dict[str, int | str]

    def actor(self, role: str) -> Account:
        """The signed-in account of a role: always on the "ours" side."""
        ours = self.sides["ours"]
        return {"coordinator": self.coordinator, "researcher": self.researcher, "staff": ours.staff,
                "peer_worker": ours.worker, "service_user": ours.service_user}[role]

    def hidden_from(self, role: str) -> list[str]:
        """What no page served to this role may show: the other side's names, codes and texts; for researchers
        anyone's (they see pseudonyms only); for the coordinator, the private notes of meetings and supervision."""
        if role == "coordinator":
            return [text for side in self.sides.values() for text in side.private_notes]
        if role == "researcher":
            return [text for side in self.sides.values() for text in side.secrets]
        return list(self.sides["theirs"].secrets)


def _png() -> io.BytesIO:
    stream = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(stream, format="PNG")
    stream.seek(0)
    return stream


def _side(name: str, letter: str, unit: Unit, coordinator: Account, topic: MeetingTopic,
          programme: TrainingProgramme, forms: dict, now: datetime) -> Side:
    side = Side(unit_id=unit.id)
    tag = f"{letter}zq{name}"  # distinctive, no character HTML escapes
    side.staff = new_account("staff", name=f"Staff {tag}", units=[unit], locale="en")
    side.worker = new_account("peer_worker", name=f"Worker {tag}", units=[unit], locale="en")
    profile = PeerProfile(account_id=side.worker.id, status="active", supervisor_id=side.staff.id,
                          presentation=f"Presentation {tag}")
    db.session.add(profile)
    db.session.flush()
    set_photo(None, profile, stream=_png(), store=photo_store(), ip=None, now=now)
    slot = PresenceSlot(profile_id=profile.id, weekday=1, starts_at=time(14), ends_at=time(16), unit_id=unit.id,
                        place=f"Place {tag}")
    absence = Absence(profile_id=profile.id, starts_on=now.date() + timedelta(days=30),
                      ends_on=now.date() + timedelta(days=31), kind="leave")
    db.session.add_all([slot, absence])

    # The person the worker accompanies, with an account of their own, referred by the unit's staff.
    person = new_person(name=f"Person {tag}", units=[unit])
    side.service_user = new_account("service_user", name=f"Person {tag}", locale="en")
    person.account_id = side.service_user.id
    referral = new_referral(person, unit=unit, status="active", peer_profile=profile, referred_by_id=side.staff.id,
                            actor=side.staff, reason=f"Reason {tag}", commit=False)
    # Two more people: one proposed to the worker (to accept or decline), one accepted (to start).
    proposed = new_referral(new_person(name=f"Proposed {tag}", units=[unit]), unit=unit, status="proposed",
                            peer_profile=profile, reason=f"Proposal reason {tag}", commit=False)
    accepted = new_referral(new_person(name=f"Accepted {tag}", units=[unit]), unit=unit, status="accepted",
                            peer_profile=profile, reason=f"Acceptance reason {tag}", commit=False)
    # A person without an account yet, invited to open one by e-mail.
    newcomer = new_person(name=f"Newcomer {tag}", units=[unit])
    account_invitation = AccountInvitation(service_user_id=newcomer.id, email=f"newcomer.{letter}@example.org",
                                           token_hash=account_token_hash(f"account-token-{tag}"),
                                           created_by_id=coordinator.id, created_at=now,
                                           expires_at=now + INVITATION_LIFETIME)
    interest = PeerWorkInterest(service_user_id=person.id, message=f"Interest {tag}")
    starts = datetime.combine(now.date() + timedelta(days=2), time(10), tzinfo=timezone.utc)
    room = Room(name=f"Room {letter}", unit_id=unit.id, capacity=6)
    db.session.add_all([account_invitation, interest, room])
    db.session.flush()
    closure = RoomClosure(room_id=room.id, starts_at=starts + timedelta(days=7), ends_at=starts + timedelta(days=8),
                          reason="Works", created_by_id=coordinator.id)
    meeting = Meeting(peer_profile_id=profile.id, format="individual", status="planned", starts_at=starts,
                      duration_minutes=60, ends_at=starts + timedelta(minutes=60), place_kind="room", room_id=room.id,
                      private_notes=f"Meeting notes {tag}", team_summary=f"Team summary {tag}",
                      team_summary_agreed=True)
    meeting.participants = [MeetingParticipant(service_user_id=person.id, status="enrolled")]
    meeting.topics = [topic]
    session = SupervisionSession(held_at=now - timedelta(days=3), duration_minutes=60, kind="individual",
                                 supervisor_id=side.staff.id, topics=f"Supervision topics {tag}",
                                 private_notes=f"Supervision notes {tag}", created_by_id=side.staff.id)
    session.attendees = [profile]
    debrief = DebriefRequest(profile_id=profile.id, event_kind="death", description=f"Debrief {tag}")
    record = TrainingRecord(profile_id=profile.id, programme_id=programme.id, status="completed",
                            starts_on=date(2024, 1, 8), ends_on=date(2024, 1, 12))
    nudge = Nudge(rule="contact_gap", subject_type="referral", subject_id=referral.id, period=f"p-{letter}",
                  audience="worker", account_id=side.worker.id, unit_id=unit.id, service_user_id=person.id,
                  peer_profile_id=profile.id, due_on=now.date(), details={"days": 21})
    db.session.add_all([closure, meeting, session, debrief, record, nudge])
    db.session.commit()

    feed = enable_feed(side.worker, ip=None, now=now)
    attach_certificate(None, record, stream=io.BytesIO(PDF), filename=f"certificate-{letter}.pdf",
                       store=certificate_store(), ip=None, now=now)
    # Questionnaires: one to the person (answered by its link, or signed in), one to the member of staff.
    person_invitation = new_invitation(forms["person"], service_user=person)
    person_invitation.token_hash = feedback_token_hash(f"feedback-token-{tag}")
    staff_invitation = new_invitation(forms["staff"], account=side.staff)
    # The person's consented, pseudonymous answer, which researchers read by its key, with one redaction.
    consent = new_consent(forms["study"], service_user=person)
    response = new_response(forms["research"], {"q1": f"Answer {tag} about my nurse", "q3": 4},
                            service_user=person, consent=consent)
    answer_id = db.session.scalar(sa.select(sa.func.min(FeedbackAnswer.id)).where(
        FeedbackAnswer.response_id == response.id, FeedbackAnswer.text_value.is_not(None)))
    redactions.redact(coordinator, answer_id, "nurse", form_id=forms["research"].id, ip=None, now=now)
    redaction_id = db.session.scalar(sa.select(AnswerRedaction.id).where(AnswerRedaction.answer_id == answer_id))
    db.session.commit()

    side.ids = {
        "unit": unit.id, "profile": profile.id, "worker_account": side.worker.id, "staff_account": side.staff.id,
        "person": person.id, "person_account": side.service_user.id, "newcomer": newcomer.id,
        "account_invitation": account_invitation.id, "account_token": f"account-token-{tag}",
        "referral": referral.id, "proposed_referral": proposed.id, "accepted_referral": accepted.id,
        "meeting": meeting.id, "room": room.id, "closure": closure.id,
        "slot": slot.id, "absence": absence.id, "supervision_session": session.id, "debrief": debrief.id,
        "record": record.id, "nudge": nudge.id, "interest": interest.id,
        "feed_token": feed_token(side.worker.id, feed.version),
        "person_invitation": person_invitation.id, "feedback_token": f"feedback-token-{tag}",
        "staff_invitation": staff_invitation.id, "response_key": reading.response_key(response.id),
        "redaction": redaction_id,
    }
    side.secrets = [f"Person {tag}", person.code, f"Newcomer {tag}", newcomer.code, f"Proposed {tag}",
                    f"Accepted {tag}", f"Proposal reason {tag}", f"Acceptance reason {tag}", f"Meeting notes {tag}",
                    f"Team summary {tag}", f"Reason {tag}", f"Supervision topics {tag}", f"Supervision notes {tag}",
                    f"Debrief {tag}", f"Interest {tag}"]
    side.private_notes = [f"Meeting notes {tag}", f"Supervision topics {tag}", f"Supervision notes {tag}"]
    return side


def build_world() -> World:
    """Create the two sides (and what they share) through the factories; commits."""
    now = utcnow()
    units = [Unit(code="CL3R", name="Réhabilitation psychosociale"), Unit(code="TS2A", name="Troubles du spectre")]
    domains = [LivedExperienceDomain(name_fr="Schizophrénie", name_en="Schizophrenia"),
               LivedExperienceDomain(name_fr="Cancer du sein", name_en="Breast cancer")]
    topics = [MeetingTopic(name_fr="Vie quotidienne", name_en="Daily life"),
              MeetingTopic(name_fr="Stigmatisation", name_en="Stigma")]
    programmes = [TrainingProgramme(kind="ongoing", name_fr="Relation d'aide", name_en="Helping relationship"),
                  TrainingProgramme(kind="initial_qualification", name_fr="DU", name_en="University diploma")]
    db.session.add_all(units + domains + topics + programmes)
    db.session.commit()
    coordinator = new_account("coordinator", name="Cora Coordinator", units=units, locale="en")
    researcher = new_account("researcher", name="Remy Researcher", locale="en")
    studies = [new_study("STUDY-A"), new_study("STUDY-B")]
    forms = {
        "person": new_form(title="Retour usagers"),
        "staff": new_form(title="Retour équipe", audience="staff"),
        "study": studies[0],
        "research": new_form(privacy="pseudonymous", study=studies[0], title="Retour recherche"),
    }
    other_research_form = new_form(privacy="pseudonymous", study=studies[1], title="Autre recherche")
    sides = {}
    for index, name in enumerate(SIDES):
        sides[name] = _side(name, "AB"[index], units[index], coordinator, topics[index], programmes[index], forms, now)
    shared = {
        "domains": [d.id for d in domains], "topics": [t.id for t in topics], "programmes": [p.id for p in programmes],
        "studies": [s.id for s in studies], "research_form": forms["research"].id,
        "other_research_form": other_research_form.id, "person_form": forms["person"].id,
    }
    db.session.commit()
    return World(coordinator=coordinator, researcher=researcher, sides=sides, shared=shared)
