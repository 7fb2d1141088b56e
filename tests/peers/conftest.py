import pytest

from peer_support.extensions import db
from peer_support.peers.services import load_profile_page
from peer_support.peers.models import LivedExperienceDomain, PeerDomain, PeerProfile


@pytest.fixture
def domains(app):
    """Three vocabulary entries: schizophrenia, bipolar disorder, breast cancer."""
    entries = [LivedExperienceDomain(name_fr=fr, name_en=en) for fr, en in (
        ("Schizophrénie", "Schizophrenia"), ("Troubles bipolaires", "Bipolar disorder"),
        ("Cancer du sein", "Breast cancer"))]
    db.session.add_all(entries)
    db.session.commit()
    return entries


@pytest.fixture
def make_profile(make_account):
    """A peer worker's account with its profile: make_profile(shared=[domain], private=[domain])."""

    def make(*, shared=(), private=(), supervisor=None, status="active", units=(), locale="en", **profile_fields):
        account = make_account("peer_worker", units=units, locale=locale)
        profile = PeerProfile(account_id=account.id, status=status,
                              supervisor_id=supervisor.id if supervisor else None, **profile_fields)
        profile.domains = ([PeerDomain(domain_id=d.id, consent_to_matching=True) for d in shared] +
                           [PeerDomain(domain_id=d.id, consent_to_matching=False) for d in private])
        db.session.add(profile)
        db.session.commit()
        return load_profile_page(profile.id)

    return make
