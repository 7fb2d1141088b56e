"""Fixtures of the "becoming a peer worker" tests: training programmes, people with an account."""
import pytest

from peer_support.extensions import db
from peer_support.training.models import TrainingProgramme
from tests.myspace.conftest import linked_person, make_linked_person  # noqa: F401  (shared fixtures)
from tests.triage.conftest import new_person, units  # noqa: F401  (shared fixtures)


@pytest.fixture
def programmes(app):
    """Two active programmes and one withdrawn from the catalogue."""
    entries = [
        TrainingProgramme(kind="initial_qualification", name_fr="DU pair-aidance",
                          name_en="University diploma in peer support"),
        TrainingProgramme(kind="ongoing", name_fr="Relation d'aide", name_en="Helping relationship"),
        TrainingProgramme(kind="ongoing", name_fr="Ancien module", name_en="Old module", is_active=False)]
    db.session.add_all(entries)
    db.session.commit()
    return entries
