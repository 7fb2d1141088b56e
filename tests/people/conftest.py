import pytest

from peer_support.extensions import db
from peer_support.people.models import ServiceUser
from peer_support.people.services import get_person, name_key, new_code
from peer_support.units.models import Unit


@pytest.fixture
def units(app):
    """Two units: CL3R and TS2A."""
    created = [Unit(code="CL3R", name="Réhabilitation psychosociale"), Unit(code="TS2A", name="Autisme adulte")]
    db.session.add_all(created)
    db.session.commit()
    return created


@pytest.fixture
def make_person(app):
    """A service user's record: make_person("Léa", units=[unit], year_of_birth=1990)."""

    def make(display_name="Léa", *, units=(), year_of_birth=1990, **fields):
        person = ServiceUser(code=new_code(), display_name=display_name, name_key=name_key(display_name),
                             year_of_birth=year_of_birth, **fields)
        person.units = list(units)
        db.session.add(person)
        db.session.commit()
        return get_person(person.id)

    return make
