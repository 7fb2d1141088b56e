"""People, referrals and meetings of the large data set, planned in memory and handed to bench.generate.

Everything comes from the world's random generator (same seed and same "as of" day, same rows) and
follows the workflow the app itself enforces: a referral's history is a chain of events (new, triaged,
proposed, accepted, active, on hold, closed) at increasing times; a worker accompanies people of their
units; meetings fall within an accompaniment, on weekdays between 9:00 and 18:00 local time, never
two at once for a worker nor in a room. Ids follow creation order, as in a real database.

The `world` passed around is bench.generate.World: the random generator, the instant the data is
"as of", the site's time zone, the scale, and the ids of what was planned before (units, accounts,
workers, rooms, topics, programmes).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from peer_support.demo import FIRST_NAMES, LAST_NAMES
from peer_support.meetings.demo import (CANCEL_REASONS, GROUP_TITLES, NOTES, PERSON_CANCEL_REASONS, PLACES,
                                        SUMMARIES)
from peer_support.people.demo import REFERRALS
from peer_support.people.models import AGE_BANDS, INTEREST_STATUSES
from peer_support.people.services import CODE_ALPHABET, CODE_LENGTH, CODE_PREFIX, name_key

UTC = timezone.utc
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

PEOPLE = 50_000
# Contact requests from the public form not yet linked to a record (service_user_id NULL).
PUBLIC_REQUESTS = 200
# Referrals beyond one per person: an earlier accompaniment, closed, before the current referral.
EARLIER_REFERRALS = 10_000 - PUBLIC_REQUESTS
# The people's current referral, by status; the others are closed.
CURRENT_STATUSES = {"active": 10_000, "accepted": 800, "new": 1_200, "triaged": 600, "proposed": 900,
                    "on_hold": 2_500}
# When a current referral was made, in days before "as of", by status (closed: over the whole period).
CREATED_DAYS_AGO = {"new": (0, 12), "triaged": (1, 25), "proposed": (1, 25), "accepted": (3, 40),
                    "on_hold": (5, 200), "active": (20, 730), "closed": (30, 3 * 365)}
MEETINGS = 500_000
GROUP_SHARE = 0.05
PEER_WORK_INTEREST_SHARE = 50  # one person in fifty
INVITATIONS = 400

SLOTS = 18  # half hours from 9:00 to 18:00, local time
FORMATS = ["individual", "informal", "phone", "video", "outing"]
FORMAT_WEIGHTS = [45, 15, 22, 8, 5]
DURATIONS = {"individual": [30, 45, 60, 60], "informal": [15, 30, 30], "phone": [15, 30, 30], "video": [30, 45],
             "outing": [90, 120, 180], "group": [90, 120]}
INTENTIONS = [None, "next_meeting_by", "person_will_get_in_touch", "no_further_meeting"]
INTENTION_WEIGHTS = [35, 30, 25, 10]
CLOSE_REASONS = ["goals_reached", "user_declined", "no_contact_possible", "transferred", "deceased", "other"]
CLOSE_WEIGHTS = [60, 12, 10, 10, 1, 7]
HOLD_REASONS = ["Phase aiguë, à revoir à la sortie d'hospitalisation.", "La personne préfère attendre la fin du bilan.",
                "Souhaite attendre la fin de la chimiothérapie."]


def scaled(world, count: int) -> int:
    return max(1, round(count * world.scale))


@dataclass(slots=True)
class Accompaniment:
    referral: dict
    person: dict
    worker: object  # bench.generate.Worker
    start: datetime
    end: datetime  # "as of" while it goes on
    ongoing: bool
    first_contact_made: bool  # active or closed after being active (accepted: not yet)


@dataclass(slots=True)
class PlannedMeeting:
    worker: object
    format: str
    status: str
    starts_at: datetime
    minutes: int
    created_at: datetime
    people: list  # [(person dict, participant status, cancel reason)]
    place_kind: str = "hospital"
    room_id: int | None = None
    place_detail: str | None = None
    title: str | None = None
    capacity: int | None = None
    initiated_by: str = "peer_worker"
    private_notes: str | None = None
    team_summary: str | None = None
    intention: str | None = None
    follow_up_by: date | None = None
    cancel_reason: str | None = None
    cancelled_by_id: int | None = None
    updated_at: datetime | None = None
    topics: list = field(default_factory=list)
    previous: PlannedMeeting | None = None
    id: int = 0

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.minutes)


class Caseloads:
    """Plans people, referrals and meetings; then gives their rows, ids assigned in creation order."""

    def __init__(self, world):
        self.world = world
        self.rng = world.rng
        self.as_of = world.as_of
        self.people: list[dict] = []
        self.person_units: list[tuple[dict, int]] = []
        self.referrals: list[dict] = []
        self.referral_people: list[tuple[dict, dict | None]] = []
        self.events: list[tuple[dict, dict]] = []
        self.accompaniments: list[Accompaniment] = []
        self.meetings: list[PlannedMeeting] = []
        self.busy: dict[int, set[int]] = {}  # worker profile id, or -room id -> half-hour slots taken
        self.codes: set[str] = set()

    # --- helpers ---------------------------------------------------------------------------------

    def moment(self, low: datetime, high: datetime) -> datetime:
        """A random instant between the two (whole seconds, never after "as of")."""
        high = min(high, self.as_of - timedelta(minutes=1))
        if high <= low:
            return low
        return (low + timedelta(seconds=self.rng.uniform(0, (high - low).total_seconds()))).replace(microsecond=0)

    def after(self, moment: datetime, low_hours: float, high_hours: float) -> datetime:
        return self.moment(moment + low_hours * HOUR, moment + high_hours * HOUR)

    def local_moment(self, day: date, slot: int) -> datetime:
        clock = time(9 + slot // 2, 30 * (slot % 2))
        return datetime.combine(day, clock, tzinfo=self.world.zone).astimezone(UTC)

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.world.zone).date()

    # --- people ------------------------------------------------------------------------------------

    def new_person(self, unit_id: int, account_id: int | None) -> dict:
        rng = self.rng
        first = rng.choice(FIRST_NAMES)
        display_name = first if rng.random() < 0.7 else f"{first} {rng.choice(LAST_NAMES)[0]}."
        code = None
        while code is None or code in self.codes:
            code = CODE_PREFIX + "".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        self.codes.add(code)
        year = rng.randint(1945, 2006) if rng.random() < 0.8 else None
        channel = rng.choices(["phone", "email", "secretary", "in_person"], [40, 25, 10, 25])[0]
        choice = rng.choices(["contact_me_again", "i_will_get_in_touch", None], [40, 20, 40])[0]
        key = name_key(display_name)
        person = {
            "id": 0, "code": code, "display_name": display_name, "name_key": key, "year_of_birth": year,
            "age_band": None if year else rng.choice(AGE_BANDS),
            "gender": rng.choices(["woman", "man", "non_binary", "other", None], [50, 42, 2, 1, 5])[0],
            "preferred_language": rng.choices(["fr", "en", "ar", "es", "pt"], [85, 5, 5, 3, 2])[0],
            "contact_channel": channel,
            "phone": f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
            if channel == "phone" else None,
            "email": f"{key}.{len(self.people) + 1}@exemple.fr" if channel == "email" else None,
            "contact_note": "Préfère être appelée le matin." if rng.random() < 0.05 else None,
            "follow_up_choice": choice, "follow_up_choice_at": None, "account_id": account_id,
            "created_by_id": None, "created_at": None, "updated_at": None,
        }
        self.people.append(person)
        self.person_units.append((person, unit_id))
        if rng.random() < 0.1:
            other = rng.choice(self.world.unit_ids)
            if other != unit_id:
                self.person_units.append((person, other))
        return person

    # --- referrals ---------------------------------------------------------------------------------

    def plan_referrals(self) -> None:
        world, rng = self.world, self.rng
        count = scaled(world, PEOPLE)
        statuses = [status for status, n in CURRENT_STATUSES.items() for _ in range(scaled(world, n))]
        statuses += ["closed"] * (count - len(statuses))
        rng.shuffle(statuses)
        with_earlier = set(rng.sample(range(count), scaled(world, EARLIER_REFERRALS)))
        accounts = list(world.service_user_account_ids)
        with_account = set(rng.sample(range(count), len(accounts)))
        for index, status in enumerate(statuses):
            unit_id = rng.choices(world.unit_ids, world.unit_weights)[0]
            person = self.new_person(unit_id, accounts.pop() if index in with_account else None)
            not_before = world.start
            first_created = None
            if index in with_earlier:
                created = self.moment(world.start, self.as_of - 500 * DAY)
                end = self.referral(person, unit_id, "closed", created, duration=(20, 300))
                not_before, first_created = end + 10 * DAY, created
            low, high = CREATED_DAYS_AGO[status]
            created = self.moment(max(not_before, self.as_of - high * DAY), self.as_of - low * DAY)
            self.referral(person, unit_id, status, created, duration=(30, 420))
            self.finish_person(person, first_created or created)
        for _ in range(scaled(world, PUBLIC_REQUESTS)):
            unit_id = rng.choices(world.unit_ids, world.unit_weights)[0]
            self.referral(None, unit_id, "new" if rng.random() < 0.8 else "closed",
                          self.moment(self.as_of - 20 * DAY, self.as_of), duration=None)

    def finish_person(self, person: dict, first_referral_at: datetime) -> None:
        person["created_at"] = first_referral_at - timedelta(minutes=self.rng.randint(1, 120))
        person["updated_at"] = person["created_at"]
        if person["follow_up_choice"]:
            person["follow_up_choice_at"] = self.moment(person["created_at"], self.as_of)
            person["updated_at"] = person["follow_up_choice_at"]

    def referral(self, person: dict | None, unit_id: int, status: str, created: datetime, *,
                 duration: tuple[int, int] | None) -> datetime:
        """Plan one referral and its history; returns when it last changed."""
        world, rng = self.world, self.rng
        coordinator = rng.choice(world.coordinator_ids)
        if person is None:
            source = "self_public"
        elif person["account_id"] and rng.random() < 0.5:
            source = "self"
        else:
            source = "self_public" if rng.random() < 0.04 else "staff"
        referrer = rng.choice(world.staff_by_unit[unit_id]) if source == "staff" else None
        if person is not None and person["created_by_id"] is None:
            person["created_by_id"] = referrer
        stage, reason, told = REFERRALS[rng.randrange(len(REFERRALS))]
        public = source == "self_public"
        row = {
            "id": 0, "service_user_id": None, "unit_id": unit_id, "source": source, "referred_by_id": referrer,
            "reason": reason if source == "staff" else None, "care_stage": stage if source == "staff" else None,
            "information_given": told if source == "staff" else None,
            "information_page_given": source == "staff" and told is not None, "agreed_to_contact": True,
            "preferred_formats": rng.sample(["individual", "informal", "phone", "group", "video"], k=2),
            "wanted_domain_id": rng.choice(world.domain_ids) if rng.random() < 0.3 else None,
            "constraints": "Plutôt l'après-midi." if rng.random() < 0.2 else None,
            "requester_name": rng.choice(FIRST_NAMES) if public else None,
            "requester_contact": f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} 00 00" if public else None,
            "message": "J'aimerais parler avec quelqu'un qui est passé par là." if source != "staff" else None,
            "status": "new", "review_on": None, "close_reason": None, "peer_profile_id": None,
            "accepted_at": None, "status_changed_at": created, "created_at": created, "updated_at": created,
        }
        self.referrals.append(row)
        self.referral_people.append((row, person))

        def step(at, to_status, actor=None, reason=None, review_on=None):
            self.events.append((row, {"id": 0, "referral_id": 0, "at": at, "actor_id": actor,
                                      "from_status": row["status"] if self.events and self.events[-1][0] is row
                                      else None, "to_status": to_status,
                                      "peer_profile_id": row["peer_profile_id"], "reason": reason,
                                      "review_on": review_on}))
            row["status"], row["status_changed_at"], row["updated_at"] = to_status, at, at
            return at

        at = step(created, "new", referrer)
        if status == "new":
            return at
        at = step(self.after(at, 2, 72), "triaged", coordinator)
        if status == "triaged":
            return at
        if status == "on_hold":
            at = self.after(at, 2, 120)
            review_on = self.local_date(self.as_of) + timedelta(days=rng.randint(-20, 90))
            row["review_on"] = max(review_on, self.local_date(at) + timedelta(days=7))
            return step(at, "on_hold", coordinator, rng.choice(HOLD_REASONS), row["review_on"])
        accompanied = status != "closed" or (person is not None and rng.random() < 0.8)
        if not accompanied:
            row["close_reason"] = rng.choice(["user_declined", "no_contact_possible", "transferred", "other"])
            return step(self.after(at, 24, 24 * 20), "closed", coordinator, "Pas de suite pour le moment.")
        worker = world.pick_worker(unit_id, ongoing=status != "closed")
        row["peer_profile_id"] = worker.profile_id
        at = step(self.after(at, 1, 72), "proposed", coordinator)
        if status == "proposed":
            return at
        at = step(self.after(at, 2, 96), "accepted", worker.account_id)
        row["accepted_at"] = at
        if status == "accepted":
            worker.load += 1
            self.accompaniments.append(Accompaniment(row, person, worker, at, self.as_of, True, False))
            return at
        at = step(self.after(at, 24, 240), "active", rng.choice([coordinator, worker.account_id]))
        if status == "active":
            worker.load += 1
            self.accompaniments.append(Accompaniment(row, person, worker, at, self.as_of, True, True))
            return at
        end = self.after(at, 24 * duration[0], 24 * duration[1])
        self.accompaniments.append(Accompaniment(row, person, worker, at, end, False, True))
        row["close_reason"] = rng.choices(CLOSE_REASONS, CLOSE_WEIGHTS)[0]
        return step(end, "closed", coordinator)

    # --- meetings ----------------------------------------------------------------------------------

    def take_slot(self, owner: int, day: date, need: int, forward: bool) -> tuple[date, int]:
        """A weekday and a free start slot for `owner` (a worker), near `day`."""
        rng = self.rng
        for attempt in range(6):
            candidate = day + timedelta(days=attempt if forward else -attempt)
            if candidate.weekday() >= 5:
                # A weekday of the same week (past) or of the next one (ahead), any of the five alike.
                monday = candidate - timedelta(days=candidate.weekday()) + timedelta(days=7 if forward else 0)
                candidate = monday + timedelta(days=rng.randrange(5))
            base = candidate.toordinal() * SLOTS
            taken = self.busy.setdefault(owner, set())
            for _ in range(4):
                slot = rng.randrange(0, SLOTS - need + 1)
                keys = range(base + slot, base + slot + need)
                if not any(key in taken for key in keys):
                    taken.update(keys)
                    return candidate, slot
        return candidate, rng.randrange(0, SLOTS - need + 1)  # a rare overlap rather than an endless search

    def book_room(self, meeting: PlannedMeeting, day: date, slot: int, need: int) -> None:
        """A free room of the worker's units that holds everyone, at that time, if there is one."""
        rooms = [room for unit_id in meeting.worker.unit_ids for room in self.world.rooms_by_unit[unit_id]
                 if room[1] is None or room[1] >= len(meeting.people) + 1]
        self.rng.shuffle(rooms)
        keys = range(day.toordinal() * SLOTS + slot, day.toordinal() * SLOTS + slot + need)
        for room_id, _capacity in rooms:
            taken = self.busy.setdefault(-room_id, set())
            if not any(key in taken for key in keys):
                taken.update(keys)
                meeting.place_kind, meeting.room_id = "room", room_id
                return

    def meeting(self, worker, format_: str, day: date, people: list[dict], *, future: bool,
                not_before: datetime, previous: PlannedMeeting | None) -> PlannedMeeting:
        rng = self.rng
        minutes = rng.choice(DURATIONS[format_])
        need = math.ceil(minutes / 30)
        day, slot = self.take_slot(worker.profile_id, day, need, forward=future)
        starts_at = self.local_moment(day, slot)
        if future:
            status = "planned" if rng.random() < 0.9 else "cancelled"
        else:
            status = rng.choices(["held", "cancelled", "missed"], [82, 9, 9])[0] if format_ != "group" else \
                rng.choices(["held", "cancelled"], [88, 12])[0]
        ends_at = starts_at + timedelta(minutes=minutes)
        planned_ahead = future or rng.random() < 0.45
        if planned_ahead and previous is not None and rng.random() < 0.7:
            created_at = min(max(previous.created_at, previous.ends_at) + rng.uniform(0, 1) * HOUR, starts_at)
        elif planned_ahead:
            created_at = max(not_before, starts_at - rng.uniform(1, 14) * DAY)
            previous = None
        else:
            created_at = ends_at + rng.uniform(0.2, 30) * HOUR
            previous = None
        created_at = min(created_at, self.as_of - timedelta(minutes=1)).replace(microsecond=0)
        participant = {"held": "attended", "missed": "absent"}.get(status, "enrolled")
        meeting = PlannedMeeting(worker=worker, format=format_, status=status, starts_at=starts_at,
                                 minutes=minutes, created_at=created_at, previous=previous,
                                 people=[(person, participant, None) for person in people])
        meeting.initiated_by = rng.choices(["peer_worker", "service_user", "staff"], [60, 30, 10])[0]
        if format_ in ("individual", "group") and rng.random() < (0.7 if format_ == "group" else 0.4):
            self.book_room(meeting, day, slot, need)
        if meeting.place_kind != "room":
            meeting.place_kind = {"phone": "remote", "video": "remote", "outing": "off_site"}.get(format_, "hospital")
            meeting.place_detail = rng.choice(PLACES[meeting.place_kind])
        if status == "held":
            meeting.topics = rng.sample(self.world.topic_ids, k=rng.choices([1, 2, 3], [50, 35, 15])[0])
            meeting.private_notes = rng.choice(NOTES) if rng.random() < 0.5 else None
            meeting.team_summary = rng.choice(SUMMARIES) if rng.random() < 0.2 else None
            meeting.intention = rng.choices(INTENTIONS, INTENTION_WEIGHTS)[0]
            if meeting.intention == "next_meeting_by":
                meeting.follow_up_by = day + timedelta(days=rng.randint(7, 28))
            if format_ == "group":
                meeting.people = [(p, "attended" if rng.random() < 0.8 else "absent", None) for p in people]
        elif status == "cancelled":
            meeting.cancel_reason, meeting.cancelled_by_id = rng.choice(CANCEL_REASONS), worker.account_id
        elif status == "planned" and rng.random() < 0.1:
            # The person cancelled from their own space: the meeting stays planned, they are not coming.
            meeting.people[0] = (people[0], "cancelled", rng.choice(PERSON_CANCEL_REASONS))
        done = meeting.ends_at + rng.uniform(0.2, 30) * HOUR if status != "planned" else created_at
        meeting.updated_at = max(created_at, min(done, self.as_of - timedelta(minutes=1))).replace(microsecond=0)
        self.meetings.append(meeting)
        return meeting

    def plan_meetings(self) -> None:
        world, rng = self.world, self.rng
        today = self.local_date(self.as_of)
        total = scaled(world, MEETINGS)
        groups = round(total * GROUP_SHARE)
        # One planned meeting ahead for most ongoing accompaniments; the rest of the budget is spread over
        # the past, in proportion to each accompaniment's length (some people are met more often).
        ahead = [a for a in self.accompaniments if a.ongoing and rng.random() < (0.55 if a.first_contact_made else 0.4)]
        past_budget = total - groups - len(ahead)
        spans = []
        for a in self.accompaniments:
            first, last = self.local_date(a.start) + DAY, (today - DAY if a.ongoing else self.local_date(a.end))
            days = (last - first).days + 1 if a.first_contact_made else 0
            spans.append((first, max(days, 0), days * rng.uniform(0.5, 1.5) if days > 0 else 0.0))
        weight = sum(s[2] for s in spans)
        counts = [int(s[2] / weight * past_budget) for s in spans]
        # A few active accompaniments have no meeting held yet (the first meeting rule sees them).
        for index, a in enumerate(self.accompaniments):
            if a.ongoing and a.first_contact_made and counts[index] == 0 and spans[index][1] > 0 \
                    and rng.random() < 0.97:
                counts[index] = 1
        candidates = [i for i, s in enumerate(spans) if s[1] > 0]
        missing = past_budget - sum(counts)
        while missing != 0:
            index = rng.choice(candidates)
            if missing > 0:
                counts[index], missing = counts[index] + 1, missing - 1
            elif counts[index] > 1:
                counts[index], missing = counts[index] - 1, missing + 1
        ahead_ids = {id(a) for a in ahead}
        for a, (first, days, _), count in zip(self.accompaniments, spans, counts, strict=True):
            offsets = sorted(rng.sample(range(days), count) if count <= days else rng.choices(range(days), k=count))
            previous = None
            for offset in offsets:
                format_ = rng.choices(FORMATS, FORMAT_WEIGHTS)[0]
                previous = self.meeting(a.worker, format_, first + timedelta(days=offset), [a.person], future=False,
                                        not_before=a.start, previous=previous)
            if id(a) in ahead_ids:
                format_ = rng.choices(FORMATS, FORMAT_WEIGHTS)[0]
                self.meeting(a.worker, format_, today + timedelta(days=rng.randint(0, 20)), [a.person], future=True,
                             not_before=a.start, previous=previous)
        self.plan_groups(groups, today)

    def plan_groups(self, count: int, today: date) -> None:
        """Group sessions of a worker with 2 to 7 of the people they accompanied on that day."""
        rng = self.rng
        by_worker: dict[int, list[Accompaniment]] = {}
        for a in self.accompaniments:
            if a.first_contact_made:
                by_worker.setdefault(a.worker.profile_id, []).append(a)
        workers = list(by_worker)
        weights = [len(by_worker[w]) for w in workers]
        titles = {w: rng.choice(GROUP_TITLES) for w in workers}
        first_day = self.local_date(self.world.start)
        planned = 0
        while planned < count:
            profile_id = rng.choices(workers, weights)[0]
            day = first_day + timedelta(days=rng.randint(0, (today - first_day).days + 20))
            moment = self.local_moment(day, 0)
            # One accompaniment per person (someone may have been accompanied twice by the same worker).
            present = list({id(a.person): a for a in by_worker[profile_id]
                            if a.start <= moment and (a.ongoing or moment <= a.end)}.values())
            if len(present) < 2:
                continue
            chosen = rng.sample(present, k=min(len(present), rng.randint(3, 7)))
            meeting = self.meeting(chosen[0].worker, "group", day, [a.person for a in chosen], future=day >= today,
                                   not_before=max(a.start for a in chosen), previous=None)
            meeting.title, meeting.capacity = titles[profile_id], rng.choice([8, 10, 12])
            planned += 1

    # --- rows, in creation order -------------------------------------------------------------------

    def assign_ids(self) -> None:
        for number, person in enumerate(sorted(self.people, key=lambda p: p["created_at"]), start=1):
            person["id"] = number
        for number, row in enumerate(sorted(self.referrals, key=lambda r: r["created_at"]), start=1):
            row["id"] = number
        for row, person in self.referral_people:
            row["service_user_id"] = person["id"] if person is not None else None
        self.events.sort(key=lambda pair: (pair[1]["at"], pair[0]["id"]))
        for number, (row, event) in enumerate(self.events, start=1):
            event["id"], event["referral_id"] = number, row["id"]
        self.meetings.sort(key=lambda m: m.created_at)
        for number, meeting in enumerate(self.meetings, start=1):
            meeting.id = number

    def person_rows(self):
        return sorted(self.people, key=lambda p: p["id"])

    def person_unit_rows(self):
        return sorted({(p["id"], unit_id) for p, unit_id in self.person_units})

    def referral_rows(self):
        return sorted(self.referrals, key=lambda r: r["id"])

    def event_rows(self):
        return (event for _row, event in self.events)

    def meeting_rows(self):
        for m in self.meetings:
            previous = m.previous.id if m.previous is not None and m.previous.id < m.id else None
            yield {"id": m.id, "peer_profile_id": m.worker.profile_id, "format": m.format, "status": m.status,
                   "title": m.title, "starts_at": m.starts_at, "duration_minutes": m.minutes, "ends_at": m.ends_at,
                   "place_kind": m.place_kind, "room_id": m.room_id, "place_detail": m.place_detail,
                   "initiated_by": m.initiated_by, "capacity": m.capacity, "private_notes": m.private_notes,
                   "team_summary": m.team_summary, "team_summary_agreed": m.team_summary is not None,
                   "follow_up_intention": m.intention, "follow_up_by": m.follow_up_by,
                   "cancel_reason": m.cancel_reason, "cancelled_by_id": m.cancelled_by_id,
                   "previous_meeting_id": previous, "created_by_id": m.worker.account_id,
                   "created_at": m.created_at, "updated_at": m.updated_at}

    def participant_rows(self):
        for m in self.meetings:
            for person, status, reason in m.people:
                yield {"meeting_id": m.id, "service_user_id": person["id"], "status": status,
                       "cancel_reason": reason, "enrolled_at": m.created_at}

    def topic_rows(self):
        for m in self.meetings:
            for topic_id in m.topics:
                yield {"meeting_id": m.id, "topic_id": topic_id}

    def interest_rows(self):
        """One person in fifty would like to become a peer worker; the coordinator follows them."""
        rng = self.rng
        chosen = rng.sample(self.people, k=len(self.people) // PEER_WORK_INTEREST_SHARE)
        for number, person in enumerate(sorted(chosen, key=lambda p: p["id"]), start=1):
            created = self.moment(person["created_at"], self.as_of)
            status = rng.choice(INTEREST_STATUSES)
            yield {"id": number, "service_user_id": person["id"], "status": status,
                   "message": "Je voudrais aider à mon tour, comme on m'a aidé." if rng.random() < 0.6 else None,
                   "note": "Informé·e des formations possibles." if status != "interested" else None,
                   "created_at": created, "status_changed_at": self.moment(created, self.as_of),
                   "updated_by_id": rng.choice(self.world.coordinator_ids) if status != "interested" else None}

    def invitation_rows(self):
        """Invitations to open an account, e-mailed to people with an address and no account yet."""
        rng = self.rng
        people = [p for p in self.people if p["email"] and not p["account_id"]]
        chosen = sorted(rng.sample(people, k=min(len(people), scaled(self.world, INVITATIONS))), key=lambda p: p["id"])
        for number, person in enumerate(chosen, start=1):
            created = self.moment(person["created_at"], self.as_of)
            yield {"id": number, "service_user_id": person["id"], "email": person["email"],
                   "token_hash": f"{rng.getrandbits(256):064x}",
                   "created_by_id": rng.choice(self.world.coordinator_ids), "created_at": created,
                   "expires_at": created + 7 * DAY, "used_at": None,
                   "revoked_at": self.moment(created, created + 7 * DAY) if rng.random() < 0.2 else None}
