"""Two-factor sign-in (issue 10): enrolment, sign-in with a code, wrong and replayed codes, recovery codes
used once, throttling, the coordinator's setting that makes it mandatory, and the coordinator's reset."""
import re
import time
from datetime import datetime, timedelta, timezone

import pyotp
import pytest
import sqlalchemy as sa

from peer_support.auth.models import Account, AuthSession, LoginAttempt, RecoveryCode
from peer_support.extensions import db
from peer_support.privacy.models import DataProtectionSettings
from tests.conftest import PASSWORD, sign_in
from tests.helpers import audit_entries, has_field_error


def _refused(response, field: str) -> bool:
    return has_field_error(response.get_data(as_text=True), field)

CODES = re.compile(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>")


def _code(secret: str, steps_ahead: int = 0) -> str:
    """The code of the current 30-second step, or of a later one (still within the accepted window)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def _enrol(client, account) -> tuple[str, list[str]]:
    """Turn the second factor on through the pages; returns the secret and the recovery codes shown."""
    client.post("/account/two-factor/start")
    db.session.expire_all()
    secret = db.session.get(Account, account.id).totp_secret
    page = client.post("/account/two-factor/enrol", data={"code": _code(secret)})
    assert page.status_code == 200
    return secret, CODES.findall(page.get_data(as_text=True))


def _fresh(account_id):
    db.session.expire_all()
    return db.session.get(Account, account_id)


def _require_second_factor():
    db.session.merge(DataProtectionSettings(id=1, two_factor_required=True, retention_years=5))
    db.session.commit()


def test_enrolment_shows_a_code_to_scan_and_turns_on_with_a_first_valid_code(client, make_account):
    worker = make_account("peer_worker", locale="en")
    sign_in(client, worker)
    status = client.get("/account/two-factor")
    assert "Two-factor sign-in is off." in status.get_data(as_text=True)

    assert client.post("/account/two-factor/start").headers["Location"].endswith("/account/two-factor/enrol")
    page = client.get("/account/two-factor/enrol")
    html = page.get_data(as_text=True)
    secret = _fresh(worker.id).totp_secret
    assert page.status_code == 200 and "<svg" in html and "<title>" in html
    assert " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)) in html
    assert _fresh(worker.id).totp_enabled_at is None

    wrong = client.post("/account/two-factor/enrol", data={"code": "000000" if _code(secret) != "000000" else "111111"})
    assert wrong.status_code == 400 and _refused(wrong, "code")
    assert _fresh(worker.id).totp_enabled_at is None

    done = client.post("/account/two-factor/enrol", data={"code": _code(secret)})
    codes = CODES.findall(done.get_data(as_text=True))
    assert done.status_code == 200 and len(codes) == 10 and len(set(codes)) == 10
    assert _fresh(worker.id).totp_enabled_at is not None
    stored = db.session.scalars(sa.select(RecoveryCode.code_hash).where(RecoveryCode.account_id == worker.id)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)
    assert not any(code.replace("-", "") in h for code in codes for h in stored)
    assert [e.outcome for e in audit_entries("auth.two_factor_enable")] == ["success"]
    # Once on, the enrolment page no longer shows the secret.
    assert _fresh(worker.id).totp_secret not in client.get("/account/two-factor/enrol").get_data(as_text=True)


def test_sign_in_asks_for_the_code_after_the_password(app, client, make_account):
    worker = make_account("peer_worker", locale="en")
    sign_in(client, worker)
    secret, _ = _enrol(client, worker)

    browser = app.test_client()
    response = sign_in(browser, worker)
    assert response.headers["Location"].endswith("/login/second-factor")
    # The password alone opens nothing.
    assert browser.get("/caseload/").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuthSession).where(
        AuthSession.account_id == worker.id, AuthSession.ended_at.is_(None))) == 1
    assert "authenticator app" in browser.get("/login/second-factor", headers={"Accept-Language": "en"}).get_data(
        as_text=True)

    wrong = browser.post("/login/second-factor", data={"code": "12345"})
    assert wrong.status_code == 200 and _refused(wrong, "code")
    # The code used at enrolment cannot be used again; the next one can.
    replayed = browser.post("/login/second-factor", data={"code": _code(secret)})
    assert _refused(replayed, "code")
    signed = browser.post("/login/second-factor", data={"code": _code(secret, 1)})
    assert signed.status_code == 302 and browser.get("/caseload/").status_code == 200
    assert [e.outcome for e in audit_entries("auth.two_factor_check")] == ["failure", "failure", "success"]
    assert audit_entries("auth.login")[-1].details == {"second_factor": True}

    # The same code in another browser a moment later: refused (replay).
    thief = app.test_client()
    sign_in(thief, worker)
    assert _refused(thief.post("/login/second-factor", data={"code": _code(secret, 1)}), "code")
    assert thief.get("/caseload/").status_code == 302


def test_a_recovery_code_signs_in_once(app, client, make_account):
    staff = make_account("staff", profession="nurse", locale="en")
    sign_in(client, staff)
    _, codes = _enrol(client, staff)

    first = app.test_client()
    sign_in(first, staff)
    assert first.post("/login/second-factor", data={"code": codes[0].upper().replace("-", " ")}).status_code == 302
    assert first.get("/account/settings").status_code == 200

    second = app.test_client()
    sign_in(second, staff)
    assert _refused(second.post("/login/second-factor", data={"code": codes[0]}), "code")
    assert "9 recovery codes left." in client.get("/account/two-factor").get_data(as_text=True)


def test_wrong_codes_are_throttled_and_the_password_does_not_reset_the_count(app, app_config, make_account):
    worker = make_account("peer_worker", locale="en")
    owner = app.test_client()
    sign_in(owner, worker)
    _enrol(owner, worker)

    attacker = app.test_client()
    sign_in(attacker, worker)
    for code in ("999999", "888888"):
        assert _refused(attacker.post("/login/second-factor", data={"code": code}), "code")
    # The right password again does not wipe the failed codes out.
    sign_in(attacker, worker)
    for code in ("777777", "666666", "555555"):
        assert _refused(attacker.post("/login/second-factor", data={"code": code}), "code")
    response = sign_in(attacker, worker)
    assert response.status_code == 429 and "Retry-After" in response.headers
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt).where(
        LoginAttempt.email == worker.email, LoginAttempt.succeeded)) == 1  # the owner's own sign-in only


def test_the_code_page_waits_five_minutes_at_most(app, client, make_account):
    worker = make_account("peer_worker", locale="en")
    sign_in(client, worker)
    secret, _ = _enrol(client, worker)
    browser = app.test_client()
    assert browser.get("/login/second-factor").headers["Location"].endswith("/login")
    sign_in(browser, worker)
    with browser.session_transaction() as session:
        pending = dict(session["pending_sign_in"])
        pending["since"] = (datetime.now(timezone.utc) - timedelta(minutes=6)).isoformat()
        session["pending_sign_in"] = pending
    response = browser.post("/login/second-factor", data={"code": _code(secret, 1)})
    assert response.headers["Location"].endswith("/login")
    assert browser.get("/caseload/").status_code == 302


def test_new_recovery_codes_need_the_password_and_replace_the_old_ones(client, make_account):
    worker = make_account("peer_worker", locale="en")
    sign_in(client, worker)
    _, old = _enrol(client, worker)
    refused = client.post("/account/two-factor/recovery-codes", data={"codes-password": "not it"})
    assert refused.status_code == 400 and _refused(refused, "codes-password")
    assert [e.outcome for e in audit_entries("auth.recovery_codes_renew")] == ["failure"]
    page = client.post("/account/two-factor/recovery-codes", data={"codes-password": PASSWORD})
    new = CODES.findall(page.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.account_id == worker.id)) == 10


def test_a_person_turns_it_off_with_their_password_unless_the_programme_requires_it(client, make_account):
    worker = make_account("peer_worker", locale="en")
    sign_in(client, worker)
    _enrol(client, worker)
    _require_second_factor()
    refused = client.post("/account/two-factor/off", data={"off-password": PASSWORD})
    assert refused.status_code == 400 and "requires two-factor sign-in" in refused.get_data(as_text=True)
    assert _fresh(worker.id).totp_enabled_at is not None

    db.session.merge(DataProtectionSettings(id=1, two_factor_required=False, retention_years=5))
    db.session.commit()
    assert _refused(client.post("/account/two-factor/off", data={"off-password": "nope"}), "off-password")
    assert client.post("/account/two-factor/off", data={"off-password": PASSWORD}).status_code == 302
    account = _fresh(worker.id)
    assert account.totp_enabled_at is None and account.totp_secret is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.account_id == worker.id)) == 0


@pytest.mark.parametrize("role", ["coordinator", "staff", "peer_worker", "researcher"])
def test_when_required_a_professional_sets_it_up_before_anything_else(client, make_account, role):
    _require_second_factor()
    account = make_account(role, locale="en", profession="nurse" if role == "staff" else None)
    sign_in(client, account)
    response = client.get("/account/settings")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/two-factor")
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "requires two-factor sign-in for your role" in page
    _enrol(client, account)
    assert client.get("/account/settings").status_code == 200


def test_service_users_may_choose_it_and_are_never_forced(client, make_account):
    _require_second_factor()
    person = make_account("service_user", locale="en")
    sign_in(client, person)
    assert client.get("/account/settings").status_code == 200
    _enrol(client, person)
    assert _fresh(person.id).totp_enabled_at is not None
    assert client.post("/account/two-factor/off", data={"off-password": PASSWORD}).status_code == 302


def test_a_coordinator_removes_a_lost_second_factor(app, client, make_account):
    worker = make_account("peer_worker", locale="en")
    worker_browser = app.test_client()
    sign_in(worker_browser, worker)
    _enrol(worker_browser, worker)

    other_worker = make_account("peer_worker", locale="en")
    sign_in(client, other_worker)
    assert client.post(f"/accounts/{worker.id}/two-factor/reset").status_code == 403
    assert _fresh(worker.id).totp_enabled_at is not None

    coordinator = make_account("coordinator", locale="en")
    sign_in(client, coordinator)
    assert "Remove the second factor" in client.get(f"/accounts/{worker.id}/edit").get_data(as_text=True)
    assert client.post(f"/accounts/{worker.id}/two-factor/reset").status_code == 302
    account = _fresh(worker.id)
    assert account.totp_enabled_at is None and account.totp_secret is None
    assert worker_browser.get("/caseload/").status_code == 302  # signed out everywhere
    entry = audit_entries("accounts.two_factor_reset")[-1]
    assert entry.actor_id == coordinator.id and entry.object_id == str(worker.id)
    # The password alone signs in again.
    assert sign_in(app.test_client(), worker).headers["Location"].endswith("/")
