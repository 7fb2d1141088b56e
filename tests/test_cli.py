"""The commands of DESIGN.md §7: create-user and demo-data."""
import pytest
import sqlalchemy as sa

from peer_support.audit.models import AuditEntry
from peer_support.auth.models import Account
from peer_support.auth.passwords import verify_password
from peer_support.config import ROLES
from peer_support.extensions import db
from peer_support.units.models import Unit


@pytest.fixture
def app_config():
    # Commands speak the site's default language; these tests read English.
    return {"PEER_SUPPORT_DEFAULT_LOCALE": "en"}


def test_create_user_with_password_on_stdin(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "First.Coordinator@Example.org", "--role", "coordinator",
                                 "--name", "Hélène Premier", "--password-stdin"],
                           input="une phrase de passe solide\n")
    assert result.exit_code == 0, result.output
    assert "created coordinator first.coordinator@example.org" in result.output
    account = db.session.scalar(sa.select(Account).where(Account.email == "first.coordinator@example.org"))
    assert account.role == "coordinator" and not account.must_change_password
    assert verify_password(account.password_hash, "une phrase de passe solide")
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "account.create"))
    assert entry.actor_label == "command line"


def test_create_user_refuses_bad_input_with_clear_messages(app):
    runner = app.test_cli_runner()
    unknown_role = runner.invoke(args=["create-user", "a@example.org", "--role", "admin", "--name", "A",
                                       "--password-stdin"], input="une phrase de passe solide\n")
    assert unknown_role.exit_code != 0 and "'admin' is not one of" in unknown_role.output
    weak = runner.invoke(args=["create-user", "a@example.org", "--role", "researcher", "--name", "A",
                               "--password-stdin"], input="short\n")
    assert weak.exit_code == 1 and "at least 12 characters" in weak.output
    no_profession = runner.invoke(args=["create-user", "a@example.org", "--role", "staff", "--name", "A",
                                        "--password-stdin"], input="une phrase de passe solide\n")
    assert no_profession.exit_code == 1 and "profession" in no_profession.output
    runner.invoke(args=["create-user", "a@example.org", "--role", "researcher", "--name", "A", "--password-stdin"],
                  input="une phrase de passe solide\n")
    duplicate = runner.invoke(args=["create-user", "A@example.org", "--role", "researcher", "--name", "A",
                                    "--password-stdin"], input="une phrase de passe solide\n")
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    unknown_unit = runner.invoke(args=["create-user", "b@example.org", "--role", "researcher", "--name", "B",
                                       "--unit", "NOPE", "--password-stdin"], input="une phrase de passe solide\n")
    assert unknown_unit.exit_code == 1 and "unknown unit: NOPE" in unknown_unit.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Account)) == 1
    assert "Traceback" not in weak.output + duplicate.output


def test_demo_data_has_every_role_in_two_units_and_prints_the_accounts(app):
    result = app.test_cli_runner().invoke(args=["demo-data", "--password", "demo password 2026"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    printed = [line.split(" ") for line in lines]
    assert {role for role, _ in printed} == set(ROLES)
    assert len(printed) == db.session.scalar(sa.select(sa.func.count()).select_from(Account))
    assert set(db.session.scalars(sa.select(Unit.code))) >= {"CL3R", "TS2A"}
    staff = db.session.scalars(sa.select(Account).where(Account.role == "staff")).all()
    assert all(member.profession for member in staff)
    coordinator = db.session.scalar(sa.select(Account).where(Account.role == "coordinator"))
    assert verify_password(coordinator.password_hash, "demo password 2026")


def test_demo_data_is_reproducible_and_only_loads_into_an_empty_database(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo-data", "--seed", "7"]).output
    again = runner.invoke(args=["demo-data", "--seed", "7"])
    assert again.exit_code == 1 and "empty database" in again.output
    skipped = runner.invoke(args=["demo-data", "--if-empty"])
    assert skipped.exit_code == 0 and "not loaded" in skipped.output
    assert first.startswith("coordinator coordination@demo.example.org")


def test_demo_data_refuses_a_weak_password(app):
    result = app.test_cli_runner().invoke(args=["demo-data", "--password", "demo"])
    assert result.exit_code == 1 and "at least 12 characters" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Account)) == 0


@pytest.mark.parametrize("app_config", [{"PEER_SUPPORT_DEFAULT_LOCALE": "fr"}])
def test_commands_speak_the_sites_default_language(app, app_config):
    result = app.test_cli_runner().invoke(args=["create-user", "a@example.org", "--role", "researcher",
                                                "--name", "A", "--password-stdin"], input="court\n")
    assert result.exit_code == 1 and "au moins 12 caractères" in result.output


def test_demo_data_large_is_the_benchmark_generator_and_gives_a_usable_site(app, client, monkeypatch):
    """`--size large` runs bench/generate.py's generator (at a two-hundredth of its scale here, for time): every
    role can sign in with the password given, the pages answer, the data spans people, meetings and feedback."""
    import bench.generate as generator
    from peer_support.feedback.models import FeedbackResponse
    from peer_support.meetings.models import Meeting
    from peer_support.people.models import ServiceUser
    from tests.conftest import sign_in

    full_scale = generator.populate
    monkeypatch.setattr(generator, "populate", lambda **options: full_scale(**options, scale=0.005))
    result = app.test_cli_runner().invoke(args=["demo-data", "--size", "large", "--password", "demo password 2026"])
    assert result.exit_code == 0, result.output
    printed = dict(line.split(" ", 1) for line in result.stdout.strip().splitlines())
    assert set(printed) == set(ROLES)
    assert printed["coordinator"].startswith("coordination@demo.example.org (and 3 more coordinator accounts")

    def count(model):
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))

    assert count(ServiceUser) == 250 and count(Meeting) == 2_500 and count(FeedbackResponse) > 0
    assert count(AuditEntry) >= 5_000
    for role, line in printed.items():
        email = line.split(" ")[0]
        assert sign_in(client, email, "demo password 2026").status_code == 302, role
        assert client.get("/").status_code == 200, role
    sign_in(client, "coordination@demo.example.org", "demo password 2026")
    for page in ("/triage/", "/peers/roster", "/reports/", "/caseload/?worker=1"):
        assert client.get(page).status_code == 200, page


def test_demo_data_large_refuses_a_database_with_accounts(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo-data"])
    result = runner.invoke(args=["demo-data", "--size", "large"])
    assert result.exit_code == 1 and "empty database" in result.output
