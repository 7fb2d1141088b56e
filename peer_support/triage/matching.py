"""Matching suggestions: active peer workers ranked for a referral, each with the reasons of its rank.

The score adds, for each worker:
    3 per lived-experience domain wanted that the worker shares (consented to matching only)
    2 when the worker works in the referral's unit (their account's units)
    2 when the worker speaks the person's preferred language
    1 per meeting format wanted that the worker offers
    1 when the worker has presence times in the referral's unit
Workers without caseload headroom come last, whatever their score; then the
order is score (highest first), headroom (most places first), name. The
coordinator decides; the ranking only explains itself.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import get_locale, gettext as _, ngettext
from sqlalchemy.orm import joinedload, selectinload

from peer_support.auth.models import Account
from peer_support.extensions import db
from peer_support.peers.labels import FORMAT_LABELS, language_name, weekday_name
from peer_support.peers.models import MEETING_FORMATS, LivedExperienceDomain, PeerDomain, PeerProfile, PresenceSlot
from peer_support.referrals.models import Referral
from peer_support.triage.services import caseload_counts

WEIGHTS = {"domain": 3, "unit": 2, "language": 2, "format": 1, "presence": 1}


@dataclass(frozen=True)
class Wanted:
    """What a referral asks for, as matching reads it."""
    unit_ids: frozenset[int] = frozenset()
    language: str | None = None
    formats: tuple[str, ...] = ()
    domain_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Suggestion:
    profile: PeerProfile
    score: int
    headroom: int
    shared_domains: tuple[LivedExperienceDomain, ...] = ()
    units: tuple[str, ...] = ()
    language: str | None = None
    formats: tuple[str, ...] = ()
    # (weekday, unit code) of presence times in the referral's unit.
    presence: tuple[tuple[int, str], ...] = field(default=())

    @property
    def full(self) -> bool:
        return self.headroom <= 0

    @property
    def name(self) -> str:
        return self.profile.account.name

    def reasons(self) -> list[str]:
        """Why this worker is suggested, in the reader's language ("works in CL3R", "3 places left")."""
        locale = str(get_locale() or "en")
        reasons = []
        if self.shared_domains:
            names = ", ".join(sorted(domain.name(locale) for domain in self.shared_domains))
            reasons.append(_("shares: %(domains)s", domains=names))
        if self.units:
            reasons.append(_("works in %(units)s", units=", ".join(self.units)))
        if self.language:
            reasons.append(_("speaks %(language)s", language=language_name(self.language)))
        if self.formats:
            reasons.append(_("offers: %(formats)s",
                             formats=", ".join(str(FORMAT_LABELS[code]).lower() for code in self.formats)))
        if self.presence:
            days = ", ".join(f"{weekday_name(day)} ({code})" for day, code in self.presence)
            reasons.append(_("present: %(days)s", days=days))
        if self.full:
            reasons.append(_("caseload full"))
        else:
            reasons.append(ngettext("%(num)d place left", "%(num)d places left", self.headroom))
        return reasons


def wanted_for(referral: Referral, wanted_domain_ids: Iterable[int] = ()) -> Wanted:
    """The referral's unit (else the person's units), language and formats (its service_user with units loaded)."""
    person = referral.service_user
    if referral.unit_id is not None:
        unit_ids = frozenset({referral.unit_id})
    else:
        unit_ids = frozenset(unit.id for unit in person.units) if person is not None else frozenset()
    return Wanted(unit_ids=unit_ids, language=person.preferred_language if person is not None else None,
                  formats=tuple(f for f in MEETING_FORMATS if f in (referral.preferred_formats or ())),
                  domain_ids=frozenset(int(i) for i in wanted_domain_ids))


def suggest_for(referral: Referral, *, wanted_domain_ids: Iterable[int] = ()) -> list[Suggestion]:
    """Active workers ranked for this referral (the referral has no domain yet: pass the domains wanted)."""
    return rank_workers(wanted_for(referral, wanted_domain_ids))


def rank_workers(wanted: Wanted) -> list[Suggestion]:
    """Every active worker with their score and reasons, best first, in a fixed number of queries."""
    profiles = list(db.session.scalars(
        sa.select(PeerProfile)
        .join(PeerProfile.account)
        .options(joinedload(PeerProfile.account).selectinload(Account.units),
                 selectinload(PeerProfile.domains).joinedload(PeerDomain.domain),
                 selectinload(PeerProfile.presence_slots).joinedload(PresenceSlot.unit))
        .where(PeerProfile.status == "active", Account.is_active)
    ).unique())
    counts = caseload_counts(profile.id for profile in profiles)
    suggestions = [_suggestion(profile, wanted, counts.get(profile.id, 0)) for profile in profiles]
    return sorted(suggestions, key=lambda s: (s.full, -s.score, -s.headroom, s.name.casefold(), s.profile.id))


def _suggestion(profile: PeerProfile, wanted: Wanted, caseload: int) -> Suggestion:
    # Only what the worker consented to use for matching; a private domain never counts nor shows.
    shared = tuple(link.domain for link in profile.domains
                   if link.consent_to_matching and link.domain_id in wanted.domain_ids)
    units = tuple(unit.code for unit in profile.account.units if unit.id in wanted.unit_ids)
    language = wanted.language if wanted.language and wanted.language in (profile.languages or ()) else None
    formats = tuple(code for code in wanted.formats if code in (profile.meeting_formats or ()))
    presence = tuple(sorted({(slot.weekday, slot.unit.code) for slot in profile.presence_slots
                             if slot.unit_id is not None and slot.unit_id in wanted.unit_ids}))
    score = (WEIGHTS["domain"] * len(shared) + WEIGHTS["unit"] * bool(units) + WEIGHTS["language"] * bool(language)
             + WEIGHTS["format"] * len(formats) + WEIGHTS["presence"] * bool(presence))
    return Suggestion(profile=profile, score=score, headroom=profile.max_caseload - caseload, shared_domains=shared,
                      units=units, language=language, formats=formats, presence=presence)
