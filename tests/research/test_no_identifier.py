"""No direct identifier in any research export or export page: known people's names, e-mails, phones, codes and
years of birth, written inside free-text answers, are searched in every byte of every export; so are the
database ids of the people (made distinctive here)."""
import io
import re
import zipfile

import pytest

from peer_support.extensions import db
from peer_support.people.models import ServiceUser
from peer_support.people.services import name_key
from tests.conftest import sign_in
from tests.research.export_world import (
    STAFF_QUESTIONS, consent, make_form, make_study, make_units, respond,
)

PEOPLE = [
    # id, name, e-mail, phone, code, year of birth
    (7340021, "Hélène Zébulon", "helene.zebulon@example.org", "06 12 34 56 78", "PA-K7M9Q2", 1937),
    (7340022, "Gwendal Kerouac", "g.kerouac@hopital.example.fr", "+33 6 98 76 54 32", "PA-X3W8R4", 1941),
    (7340023, "Anaïs Lébrun-Quéméner", "anais.lq@example.com", "07.11.22.33.44", "PA-T5N2H6", 1953),
]
STAFF = ("Bérangère Oudinot", "b.oudinot@hopital.example.fr")


def _identifiers() -> list[str]:
    found = [STAFF[0], *STAFF[0].split(), STAFF[1]]
    for person_id, name, email, phone, code, year in PEOPLE:
        found += [name, *re.split(r"[\s-]+", name), email, phone, code, str(year), str(person_id)]
    return found


def _assert_clean(label: str, content: bytes) -> None:
    text = content.decode("utf-8-sig")
    folded = text.casefold()
    for identifier in _identifiers():
        if identifier.isdigit():  # a year or an id: as a number of its own (not inside a GUID's hex)
            assert not re.search(rf"(?<![0-9A-Za-z]){identifier}(?![0-9A-Za-z])", text), (label, identifier)
        else:
            assert identifier.casefold() not in folded, (label, identifier)


@pytest.fixture
def world(app, make_account):
    cl3r, _ts2a = make_units()
    study, text = make_study()
    form = make_form(study)
    staff_form = make_form(study, audience="staff", questions=STAFF_QUESTIONS, title="Soignants")
    anonymous = make_form(privacy="anonymous", title="Anonyme")
    account = make_account("staff", name=STAFF[0], email=STAFF[1], profession="psychologist")
    people = []
    for person_id, name, email, phone, code, year in PEOPLE:
        person = ServiceUser(id=person_id, code=code, display_name=name, name_key=name_key(name), year_of_birth=year,
                             email=email, phone=phone, gender="woman", age_band="66+")
        person.units = [cl3r]
        db.session.add(person)
        people.append(person)
    db.session.commit()
    # (A year alone is not masked in free text, a full date is: the years of birth are typed as dates of birth.)
    everything = " ".join(f"{name} ({code}), {email}, {phone}, née le 12/05/{year} ou {year}-05-12."
                          for person_id, name, email, phone, code, year in PEOPLE)
    everything += f" Ma soignante {STAFF[0]} ({STAFF[1]})."
    lowered = everything.lower().replace("hélène", "HELENE")  # case and accents do not help
    for person in people:
        respond(form, {"q1": everything, "q6": lowered}, person=person, research_consent=consent(text, person=person))
    respond(staff_form, {"q1": everything, "q3": f"{PEOPLE[0][1]} 12 ans"}, account=account,
            research_consent=consent(text, account=account))
    respond(anonymous, {"q1": everything})
    return {"forms": [form, staff_form, anonymous]}


def test_no_identifier_in_any_export_file(app, client, make_account, world):
    sign_in(client, make_account("researcher", locale="en"))
    for form in world["forms"]:
        base = f"/research/forms/{form.id}"
        for path in ("export/responses.csv", "export/dictionary.csv", "export/participants.csv", "export",
                     "participants"):
            response = client.get(f"{base}/{path}")
            assert response.status_code == 200, path
            _assert_clean(f"{form.id} {path}", response.data)
        archive = zipfile.ZipFile(io.BytesIO(client.get(f"{base}/export/project.qdpx").data))
        sources = [name for name in archive.namelist() if name.startswith("Sources/")]
        assert sources
        for name in archive.namelist():
            _assert_clean(f"{form.id} {name}", archive.read(name))
            _assert_clean(f"{form.id} entry name", name.encode())


def test_the_masks_are_there_instead(app, client, make_account, world):
    sign_in(client, make_account("researcher"))
    body = client.get(f"/research/forms/{world['forms'][0].id}/export/responses.csv").data.decode("utf-8-sig")
    for mask in ("[NAME]", "[EMAIL]", "[PHONE]", "[CODE]", "[DATE]"):
        assert mask in body


def test_no_identifier_in_the_command_line_exports(app, world, tmp_path):
    runner = app.test_cli_runner()
    for export_format in ("csv", "qdpx"):
        result = runner.invoke(args=["export", "research", "--format", export_format, "--out",
                                     str(tmp_path / export_format)])
        assert result.exit_code == 0, result.output
        _assert_clean("output", result.output.encode())
    files = list((tmp_path / "csv").iterdir()) + list((tmp_path / "qdpx").iterdir())
    assert len(files) == 3 * 3 + 3
    for path in files:
        if path.suffix == ".qdpx":
            archive = zipfile.ZipFile(path)
            for name in archive.namelist():
                _assert_clean(name, archive.read(name))
        else:
            _assert_clean(path.name, path.read_bytes())
