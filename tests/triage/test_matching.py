"""Matching suggestions: order, reasons, consented domains only, caseload headroom, bounded queries."""
from datetime import time

import sqlalchemy as sa
from flask_babel import force_locale

from peer_support.auth.models import Account
from peer_support.extensions import db
from peer_support.peers.models import PeerProfile, PresenceSlot
from peer_support.triage import matching
from peer_support.triage.matching import Wanted
from peer_support.triage.queue import load_referral


def _slot(profile, unit, weekday=0):
    db.session.add(PresenceSlot(profile_id=profile.id, weekday=weekday, starts_at=time(9), ends_at=time(12),
                                unit_id=unit.id, place="Bureau 4"))
    db.session.commit()


def _names(suggestions):
    return [s.name for s in suggestions]


def test_workers_are_ranked_with_their_reasons(app, units, make_account, make_profile, make_person, make_referral):
    cl3r, ts2a = units
    amira = make_profile(units=[cl3r], languages=["ar", "fr"], meeting_formats=["individual", "phone"],
                         max_caseload=5)
    _slot(amira, cl3r, weekday=0)
    bastien = make_profile(units=[ts2a], languages=["fr"], meeting_formats=["phone", "video"], max_caseload=5)
    full = make_profile(units=[cl3r], languages=["ar"], meeting_formats=["phone"], max_caseload=1)
    away = make_profile(units=[cl3r], languages=["ar"], meeting_formats=["phone"], status="on_leave")
    for profile, name in ((amira, "Amira"), (bastien, "Bastien"), (full, "Chloé"), (away, "Dora")):
        db.session.get(Account, profile.account_id).name = name
    db.session.commit()
    make_referral(status="active", peer_profile=full)
    make_referral(status="accepted", peer_profile=amira)
    person = make_person(name="Yasmine", units=[cl3r], language="ar")
    referral = load_referral(make_referral(person, unit=cl3r, formats=["phone", "video"]).id)

    with force_locale("en"):
        suggestions = matching.suggest_for(referral)
        reasons = {s.name: s.reasons() for s in suggestions}
    # Chloé scores as much as Amira on unit and language but has no place left: listed last.
    assert _names(suggestions) == ["Amira", "Bastien", "Chloé"]  # Dora is on leave: never suggested
    assert [s.score for s in suggestions] == [2 + 2 + 1 + 1, 2, 2 + 2 + 1]
    assert reasons["Amira"] == ["works in CL3R", "speaks Arabic", "offers: phone call", "present: Monday (CL3R)",
                                "4 places left"]
    assert reasons["Bastien"] == ["offers: phone call, video call", "5 places left"]
    assert reasons["Chloé"][-1] == "caseload full"


def test_only_domains_the_worker_consented_to_count(app, domains, make_account, make_profile):
    schizophrenia, bipolar, _ = domains
    shared = make_profile(shared=[schizophrenia])
    private = make_profile(private=[schizophrenia], shared=[bipolar])
    db.session.get(Account, shared.account_id).name = "Zoé"  # would come last by name
    db.session.get(Account, private.account_id).name = "Alice"
    db.session.commit()
    with force_locale("en"):
        suggestions = matching.rank_workers(Wanted(domain_ids=frozenset({schizophrenia.id})))
        reasons = [s.reasons() for s in suggestions]
    assert _names(suggestions) == ["Zoé", "Alice"]
    assert reasons[0][0] == "shares: Schizophrenia"
    # A domain kept private is neither counted nor shown.
    assert suggestions[1].score == 0 and not any("Schizophrenia" in r for r in reasons[1])


def test_ties_are_broken_by_headroom_then_name(app, make_account, make_profile, make_referral):
    profiles = {name: make_profile(max_caseload=caseload)
                for name, caseload in (("Basile", 4), ("anna", 4), ("Carl", 9), ("Dan", 0))}
    for name, profile in profiles.items():
        db.session.get(Account, profile.account_id).name = name
    db.session.commit()
    order = _names(matching.rank_workers(Wanted()))
    assert order == ["Carl", "anna", "Basile", "Dan"]
    assert order == _names(matching.rank_workers(Wanted()))  # deterministic


def _count_statements(function):
    counted = []

    def count(*args):
        counted.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        function()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(counted)


def test_ranking_runs_a_bounded_number_of_queries(app, units, domains, make_profile, make_referral):
    cl3r, _ = units
    wanted = Wanted(unit_ids=frozenset({cl3r.id}), language="fr", formats=("phone",),
                    domain_ids=frozenset({domains[0].id}))

    def add(n):
        for _ in range(n):
            profile = make_profile(units=[cl3r], shared=[domains[0]], languages=["fr"], meeting_formats=["phone"])
            _slot(profile, cl3r)
            make_referral(status="active", peer_profile=profile)
        db.session.commit()  # each measure starts its own transaction

    add(2)
    few = _count_statements(lambda: matching.rank_workers(wanted))
    add(20)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PeerProfile)) == 22
    db.session.commit()
    assert _count_statements(lambda: matching.rank_workers(wanted)) == few
