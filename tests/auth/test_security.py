"""The security baseline of DESIGN.md §5, one test (at least) per point."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from peer_support import permissions
from peer_support.audit.models import AuditEntry
from peer_support.auth.models import Account, AuthSession
from peer_support.auth.passwords import password_problems
from peer_support.extensions import db
from tests.conftest import PASSWORD, sign_in


def _audit(action):
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def test_passwords_are_hashed_with_argon2id(make_account):
    account = make_account("staff")
    assert account.password_hash.startswith("$argon2id$")
    assert PASSWORD not in account.password_hash


@pytest.mark.parametrize("password, accepted", [
    ("short-pass1", False),                      # 11 characters
    ("x7!" * 43, False),                          # 129 characters
    ("password1234", False),                      # common
    ("AZERTYUIOP12", False),                      # common, whatever the case
    ("aaaaaaaaaaaaaa", False),                    # one repeated character
    ("le chat dort sur le radiateur", True),
    ("Tr0mbone-Lilas", True),                     # 14 characters
    ("y" * 4 + "Ab1!" * 31, True),                # 128 characters exactly
])
def test_password_policy(app, password, accepted):
    assert (password_problems(password) == []) is accepted


def test_sign_in_success_is_audited_and_redirects_home(client, make_account):
    account = make_account("peer_worker")
    response = sign_in(client, account)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    entry = _audit("auth.login")[-1]
    assert (entry.actor_id, entry.outcome, entry.ip) == (account.id, "success", "127.0.0.1")


def test_wrong_password_gives_a_clear_error_keeps_the_email_and_is_audited(client, make_account):
    account = make_account("staff", locale="en")
    response = client.post("/login", data={"email": account.email, "password": "not the password"},
                           headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The e-mail address or the password is not correct." in page
    assert f'value="{account.email}"' in page
    assert "not the password" not in page
    assert _audit("auth.login")[-1].outcome == "failure"


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(client, make_account):
    make_account("staff")
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": "whatever-it-is"},
                          headers={"Accept-Language": "en"})
    assert "The e-mail address or the password is not correct." in unknown.get_data(as_text=True)
    assert _audit("auth.login")[-1].actor_label == "nobody@example.org"


def test_ten_wrong_passwords_lock_the_account_with_429_and_no_500(client, make_account):
    account = make_account("staff")
    statuses = [client.post("/login", data={"email": account.email, "password": f"wrong-{n}-password"},
                            headers={"Accept-Language": "en"}).status_code for n in range(10)]
    assert statuses == [200] * 5 + [429] * 5
    # Even the right password is refused while locked, with a clear message and Retry-After.
    locked = sign_in(client, account, headers={"Accept-Language": "en"})
    assert locked.status_code == 429
    assert "Try again in 15 minutes" in locked.get_data(as_text=True)
    assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60 + 1
    denied = [e for e in _audit("auth.login") if e.outcome == "denied"]
    assert len(denied) == 6
    assert denied[0].details == {"reason": "throttled"}


def test_lockout_message_is_in_french_by_default(client, make_account):
    account = make_account("staff")
    for n in range(5):
        client.post("/login", data={"email": account.email, "password": f"wrong-{n}-password"})
    page = sign_in(client, account, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Réessayez dans 15 minutes" in page


def test_lockout_ends_after_the_window_and_is_shared_across_workers(app, make_account):
    from peer_support.auth import services
    from peer_support.db import utcnow

    account = make_account("staff")
    policy = services.ThrottlePolicy(max_failures_per_account=5, max_failures_per_address=20,
                                     window=timedelta(minutes=15))
    start = utcnow()
    for n in range(5):
        services.sign_in(account.email, "wrong", ip="10.0.0.1", policy=policy, now=start + timedelta(seconds=n))
    db.session.commit()
    email = account.email
    # The lock lives in the database: a new session (another worker) sees it.
    db.session.remove()
    locked = services.sign_in(email, PASSWORD, ip="10.0.0.2", policy=policy, now=start + timedelta(minutes=10))
    assert locked.throttled_for is not None and not locked.succeeded
    later = services.sign_in(email, PASSWORD, ip="10.0.0.2", policy=policy,
                             now=start + timedelta(minutes=15, seconds=5))
    assert later.succeeded


def test_many_failures_from_one_address_are_throttled_across_accounts(app, make_account):
    from peer_support.auth import services
    from peer_support.db import utcnow

    policy = services.ThrottlePolicy(max_failures_per_account=5, max_failures_per_address=20,
                                     window=timedelta(minutes=15))
    now = utcnow()
    for n in range(20):
        services.sign_in(f"guess{n}@example.org", "wrong", ip="10.9.9.9", policy=policy, now=now)
    victim = make_account("staff")
    assert services.sign_in(victim.email, PASSWORD, ip="10.9.9.9", policy=policy, now=now).throttled_for
    assert services.sign_in(victim.email, PASSWORD, ip="10.1.1.1", policy=policy, now=now).succeeded


def test_sign_in_starts_a_fresh_session(client, make_account):
    account = make_account("staff")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    sign_in(client, account)
    with client.session_transaction() as session:
        assert "planted" not in session
        first_token = session["auth_token"]
    client.post("/logout")
    sign_in(client, account)
    with client.session_transaction() as session:
        assert session["auth_token"] != first_token


def test_sign_out_invalidates_the_session_even_if_the_cookie_is_replayed(app, client, make_account):
    account = make_account("staff")
    sign_in(client, account)
    with client.session_transaction() as session:
        stolen = dict(session)
    assert client.post("/logout").status_code == 302
    thief = app.test_client()
    with thief.session_transaction() as session:
        session.update(stolen)
    response = thief.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert _audit("auth.logout")[-1].actor_id == account.id


def test_sign_out_is_post_only(client, signed_in):
    signed_in("staff")
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("shift, reason", [
    ({"last_seen_at": timedelta(minutes=31)}, "idle"),
    ({"created_at": timedelta(hours=12, minutes=1)}, "expired"),
])
def test_inactivity_and_absolute_timeouts(client, signed_in, shift, reason):
    signed_in("staff")
    assert client.get("/").status_code == 200
    auth_session = db.session.scalars(sa.select(AuthSession)).one()
    for column, delta in shift.items():
        setattr(auth_session, column, getattr(auth_session, column) - delta)
    db.session.commit()
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    db.session.expire_all()
    assert db.session.scalars(sa.select(AuthSession.end_reason)).one() == reason


def test_activity_on_read_only_pages_keeps_the_session_alive(client, signed_in):
    signed_in("staff")
    auth_session = db.session.scalars(sa.select(AuthSession)).one()
    auth_session.last_seen_at -= timedelta(minutes=20)
    db.session.commit()
    assert client.get("/").status_code == 200
    db.session.expire_all()
    auth_session = db.session.scalars(sa.select(AuthSession)).one()
    # Seen again just now: twenty more quiet minutes later, the session is still open.
    auth_session.last_seen_at -= timedelta(minutes=20)
    db.session.commit()
    assert client.get("/").status_code == 200


def test_a_session_within_its_limits_stays_valid(client, signed_in):
    signed_in("staff")
    auth_session = db.session.scalars(sa.select(AuthSession)).one()
    auth_session.last_seen_at -= timedelta(minutes=29)
    auth_session.created_at -= timedelta(hours=11)
    db.session.commit()
    assert client.get("/").status_code == 200


def test_session_cookie_flags_in_development(client, make_account):
    response = sign_in(client, make_account("staff"))
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize("app_config", [{"SESSION_COOKIE_SECURE": True}])
def test_session_cookie_is_secure_outside_development(client, make_account, app_config):
    response = sign_in(client, make_account("staff"))
    assert "Secure" in response.headers["Set-Cookie"]
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_production_configuration_defaults_to_secure_cookies(monkeypatch, tmp_path):
    from peer_support.config import from_environment

    monkeypatch.delenv("PEER_SUPPORT_ENV", raising=False)
    assert from_environment(str(tmp_path))["SESSION_COOKIE_SECURE"] is True
    monkeypatch.setenv("PEER_SUPPORT_ENV", "development")
    assert from_environment(str(tmp_path))["SESSION_COOKIE_SECURE"] is False


def test_security_headers(client, signed_in):
    anonymous = client.get("/login")
    for response in (anonymous,):
        csp = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
    signed_in("coordinator")
    page = client.get("/accounts/")
    assert page.headers["Cache-Control"] == "no-store"
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]


def test_pages_have_no_inline_script_or_style(client, signed_in):
    signed_in("coordinator", locale="en")
    for path in ("/", "/accounts/", "/accounts/new", "/units/", "/audit/", "/account/settings"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>" not in page and "<style" not in page and " style=" not in page, path


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_missing_csrf_token_gives_a_friendly_page_that_keeps_the_form(client, make_account, app_config):
    account = make_account("staff")
    response = client.post("/login", data={"email": account.email, "password": PASSWORD},
                           headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The form has expired" in page
    assert f'name="email" value="{account.email}"' in page
    assert PASSWORD not in page
    assert "Traceback" not in page


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_sign_in_with_a_valid_csrf_token_works(client, make_account, app_config):
    import re

    account = make_account("staff")
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = client.post("/login", data={"email": account.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_state_changes_need_a_csrf_token_when_signed_in(client, make_account, app_config):
    import re

    account = make_account("coordinator")
    token = re.search(r'value="([^"]+)"', client.get("/login").get_data(as_text=True).split("csrf_token")[1]).group(1)
    client.post("/login", data={"email": account.email, "password": PASSWORD, "csrf_token": token})
    response = client.post("/units/new", data={"code": "NEW", "name": "New unit"})
    assert response.status_code == 400
    from peer_support.units.models import Unit
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit)) == 0


def test_error_pages_have_no_stack_trace(client, signed_in):
    signed_in("staff", locale="en")
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "Page not found" in missing.get_data(as_text=True)
    forbidden = client.get("/accounts/")
    assert forbidden.status_code == 403 and "You do not have access to this page" in forbidden.get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"PROPAGATE_EXCEPTIONS": False}])
def test_unexpected_errors_give_a_500_page_and_roll_back(app, client, monkeypatch, app_config):
    def explode():
        db.session.add(Account(email="half@example.org", name="Half", role="staff", profession="nurse"))
        raise RuntimeError("secret internal detail")

    app.add_url_rule("/explode", "explode", explode)
    monkeypatch.setattr(permissions, "PUBLIC_ENDPOINTS", permissions.PUBLIC_ENDPOINTS | {"explode"})
    response = client.get("/explode", headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in page
    assert "secret internal detail" not in page and "Traceback" not in page
    assert db.session.scalar(sa.select(Account).where(Account.email == "half@example.org")) is None


def test_next_parameter_cannot_redirect_off_site(client, make_account):
    account = make_account("staff")
    for evil in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = client.post(f"/login?next={evil}", data={"email": account.email, "password": PASSWORD})
        assert response.headers["Location"] == "/", evil
        client.post("/logout")
    response = client.post("/login?next=/account/settings", data={"email": account.email, "password": PASSWORD})
    assert response.headers["Location"] == "/account/settings"


def test_temporary_password_must_be_changed_before_anything_else(client, make_account):
    account = make_account("peer_worker", must_change_password=True)
    sign_in(client, account)
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/account/password"
    changed = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a brand new sentence",
        "confirm_password": "a brand new sentence"})
    assert changed.status_code == 302
    assert client.get("/").status_code == 200


def test_changing_ones_password_ends_other_sessions(app, client, make_account):
    account = make_account("staff", locale="en")
    other_device = app.test_client()
    sign_in(other_device, account)
    sign_in(client, account)
    weak = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "password1234", "confirm_password": "password1234"})
    assert "too common" in weak.get_data(as_text=True)
    wrong = client.post("/account/password", data={
        "current_password": "not it at all", "new_password": "a brand new sentence",
        "confirm_password": "a brand new sentence"})
    assert "The current password is not correct." in wrong.get_data(as_text=True)
    client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a brand new sentence",
        "confirm_password": "a brand new sentence"})
    assert client.get("/").status_code == 200
    assert other_device.get("/").status_code == 302
    assert sign_in(app.test_client(), account, "a brand new sentence").status_code == 302


def test_secret_key_comes_from_the_environment_or_a_file_created_once(monkeypatch, tmp_path):
    from peer_support.config import load_secret_key

    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load_secret_key(str(tmp_path))
    assert len(first) >= 64 and load_secret_key(str(tmp_path)) == first
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert load_secret_key(str(tmp_path)) == "from-the-environment"


def test_no_secret_key_in_the_code():
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2] / "peer_support"
    for path in root.rglob("*.py"):
        assert not re.search(r"SECRET_KEY['\"]?\s*[:=]\s*['\"]", path.read_text()), path


def test_nul_characters_anywhere_are_a_bad_request_not_a_500(client, make_account):
    account = make_account("staff")
    assert client.post("/login", data={"email": account.email + "\x00", "password": PASSWORD}).status_code == 400
    assert client.get("/login?next=/%00").status_code == 400
    assert sign_in(client, account).status_code == 302
