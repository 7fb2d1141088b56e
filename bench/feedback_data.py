"""The benchmark's feedback and research data: the demo's study and three forms, then ~100 000 responses.

The study, its consent text and the three built-in forms are made by the application's own services (as the
demo does: peer_support/feedback/demo.py); the responses, their answers, invitations and research consents are
bulk-inserted by the generator (bench/generate.py) in one transaction:
- end of accompaniment (pseudonymous, in the study): up to 40 % of the responses, from people whose
  accompaniment closed (fewer closed than that at scale 1), each invited at the closing; 70 % consent in
  force, 10 % withdrawn since, 20 % none; an answer that would come after the "as of" instant is not made;
- post-meeting (anonymous): the rest, the day only, no link to anyone; their invitations exist (answered on
  that day) but nothing ties them to a response (98 918 responses in all at scale 1);
- staff perception (pseudonymous): every staff account once, most with consent.
Answers follow each question's kind; free text comes from the demo's pools (the participants' own words of the
seeds), so the masking and the exports work on realistic text.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import sqlalchemy as sa

import peer_support.models as m
from bench.caseloads import scaled
from peer_support.extensions import db
from peer_support.feedback import demo as feedback_demo
from peer_support.feedback.answering import day_of

RESPONSES = 100_000
CLOSING_SHARE = 0.4
TEXT_POOL = [text for pool in (feedback_demo.KNEW_BEFORE, feedback_demo.EXPECTED, feedback_demo.BROUGHT,
                               feedback_demo.LIMITS, feedback_demo.ADD) for texts in pool.values()
             for text in texts if text] + [text for text in feedback_demo.POST_MEETING_CHANGE if text] \
    + [text for texts in feedback_demo.STAFF_TEXT.values() for text in texts]


def make_forms(world) -> dict:
    """The study and the three published forms, through the services; their questions by form."""
    coordinator = db.session.get(m.Account, world.coordinator_ids[0])
    researcher = db.session.scalar(sa.select(m.Account).where(m.Account.role == "researcher").order_by(m.Account.id))
    published = world.start + timedelta(days=30)
    study, text = feedback_demo._study(researcher, published)
    forms = {key: feedback_demo._form(key, coordinator, study, published)
             for key in ("end_of_accompaniment", "post_meeting", "staff_perception")}
    db.session.commit()
    made = {"consent_text_id": text.id, "coordinator_id": coordinator.id}
    for key, form in forms.items():
        questions = list(feedback_demo._questions(form).values())
        made[key] = {"form_id": form.id, "version_id": questions[0].version_id, "valid_days":
                     form.invitation_valid_days,
                     "questions": [{"id": q.id, "kind": q.kind, "required": q.required,
                                    "codes": [str(o["code"]) for o in (q.options or [])]} for q in questions]}
    db.session.remove()
    return made


class FeedbackRows:
    """Plans the rows in memory (ids given here), then hands them to the generator's insert()."""

    def __init__(self, world, caseloads, forms: dict, staff_ids: list[int]):
        self.world, self.rng, self.forms, self.caseloads = world, world.rng, forms, caseloads
        self.invitations: list[dict] = []
        self.consents: list[dict] = []
        self.responses: list[dict] = []
        self.answers: list[dict] = []
        closed = [r for r in caseloads.referrals if r["status"] == "closed" and r["peer_profile_id"]
                  and r["service_user_id"]]
        accompanied = [r for r in caseloads.referrals if r["peer_profile_id"] and r["service_user_id"]]
        total = scaled(world, RESPONSES)
        staff = staff_ids[:max(0, total // 100)]
        closing = min(len(closed), int(total * CLOSING_SHARE))
        self.closing(self.rng.sample(closed, closing))
        self.post_meeting(accompanied, total - closing - len(staff))
        self.staff(staff)

    def token(self) -> str:
        """A link nobody holds: the SHA-256 of a number (the app stores only tokens' hashes)."""
        return hashlib.sha256(f"bench-invitation-{len(self.invitations)}".encode()).hexdigest()

    def invitation(self, form: dict, *, created: datetime, answered: datetime, service_user_id=None,
                   account_id=None, trigger="manual", referral_id=None) -> int:
        number = len(self.invitations) + 1
        self.invitations.append({
            "id": number, "form_id": form["form_id"], "service_user_id": service_user_id, "account_id": account_id,
            "referral_id": referral_id, "trigger": trigger, "token_hash": self.token(),
            "created_by_id": self.forms["coordinator_id"] if trigger == "manual" else None, "created_at": created,
            "expires_at": created + timedelta(days=form["valid_days"]), "sent_at": created, "reminders_sent": 0,
            "last_reminder_at": None, "answered_at": answered, "cancelled_at": None, "cancel_reason": None})
        return number

    def consent(self, answered: datetime, *, service_user_id=None, account_id=None) -> int | None:
        draw = self.rng.random()
        if draw < 0.2:
            return None
        number = len(self.consents) + 1
        withdrawn = answered + timedelta(days=self.rng.randint(2, 60)) if draw < 0.3 else None
        if withdrawn and withdrawn >= self.world.as_of:
            withdrawn = None
        self.consents.append({
            "id": number, "consent_text_id": self.forms["consent_text_id"], "service_user_id": service_user_id,
            "account_id": account_id, "given_at": answered, "method": "in_app", "recorded_by_id": None,
            "care_use": self.rng.random() < 0.5, "withdrawn_at": withdrawn,
            "withdrawal_method": "in_app" if withdrawn else None, "withdrawal_recorded_by_id": None})
        return number

    def response(self, form: dict, *, submitted: datetime, service_user_id=None, account_id=None,
                 invitation_id=None, consent_id=None, locale="fr") -> None:
        number = len(self.responses) + 1
        self.responses.append({
            "id": number, "form_id": form["form_id"], "version_id": form["version_id"],
            "service_user_id": service_user_id, "account_id": account_id, "invitation_id": invitation_id,
            "submitted_at": submitted, "locale": locale, "research_consent_id": consent_id})
        rng = self.rng
        for question in form["questions"]:
            if not question["required"] and rng.random() < 0.15:
                continue
            kind, row = question["kind"], {"response_id": number, "question_id": question["id"], "text_value": None,
                                           "number_value": None, "choice_values": None}
            if kind in ("long_text", "short_text"):
                row["text_value"] = rng.choice(TEXT_POOL)
            elif kind == "likert":
                row["number_value"] = rng.choice([2, 3, 4, 4, 5, 5])
            elif kind == "yes_no":
                row["number_value"] = rng.choice([0, 1, 1])
            elif kind == "single_choice":
                row["choice_values"] = [rng.choice(question["codes"])]
            else:
                row["choice_values"] = sorted(rng.sample(question["codes"], k=rng.randint(1, min(3, len(
                    question["codes"])))))
            row["id"] = len(self.answers) + 1
            self.answers.append(row)

    def closing(self, referrals: list[dict]) -> None:
        form = self.forms["end_of_accompaniment"]
        for referral in sorted(referrals, key=lambda r: r["status_changed_at"]):
            created = referral["status_changed_at"] + timedelta(hours=self.rng.randint(1, 30))
            answered = created + timedelta(hours=self.rng.randint(2, 200))
            if answered >= self.world.as_of:
                continue
            person = referral["service_user_id"]
            invitation = self.invitation(form, created=created, answered=answered, service_user_id=person,
                                         trigger="at_closing", referral_id=referral["id"])
            consent = self.consent(answered, service_user_id=person)
            self.response(form, submitted=answered, service_user_id=person, invitation_id=invitation,
                          consent_id=consent)

    def post_meeting(self, accompanied: list[dict], count: int) -> None:
        """Anonymous: the invitation keeps its day of answering; the response keeps the day only."""
        form = self.forms["post_meeting"]
        for _ in range(max(0, count)):
            referral = self.rng.choice(accompanied)
            day = day_of(self.caseloads.moment(self.world.start + timedelta(days=31), self.world.as_of))
            self.invitation(form, created=day - timedelta(days=self.rng.randint(1, 3)), answered=day,
                            service_user_id=referral["service_user_id"], trigger="after_meetings")
            self.response(form, submitted=day)

    def staff(self, staff_ids: list[int]) -> None:
        form = self.forms["staff_perception"]
        for account_id in staff_ids:
            created = self.world.start + timedelta(days=self.rng.randint(40, 1000))
            answered = created + timedelta(hours=self.rng.randint(1, 100))
            invitation = self.invitation(form, created=created, answered=answered, account_id=account_id)
            consent = self.consent(answered, account_id=account_id)
            self.response(form, submitted=answered, account_id=account_id, invitation_id=invitation,
                          consent_id=consent)
