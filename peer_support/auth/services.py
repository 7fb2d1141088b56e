"""Signing in and out: throttling, server-side sessions, password changes."""
from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from peer_support.audit.services import record
from peer_support.auth.models import Account, AuthSession, LoginAttempt
from peer_support.auth.passwords import hash_password, needs_rehash, password_problems, verify_password
from peer_support.errors import DomainError
from peer_support.extensions import db

# last_seen_at is written at most this often, to keep reads from becoming writes.
_LAST_SEEN_RESOLUTION = timedelta(seconds=60)


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures_per_account: int
    max_failures_per_address: int
    window: timedelta


@dataclass(frozen=True)
class SignInResult:
    account: Account | None = None
    throttled_for: timedelta | None = None
    # The password was right and the account has a second factor: sign-in ends with finish_sign_in.
    needs_second_factor: bool = False

    @property
    def succeeded(self) -> bool:
        return self.account is not None


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _throttle_remaining(email: str, ip: str, policy: ThrottlePolicy, now: datetime) -> timedelta | None:
    """How long sign-in stays refused for this e-mail or address, or None when allowed."""
    since = now - policy.window
    last_success = db.session.scalar(
        sa.select(sa.func.max(LoginAttempt.at)).where(LoginAttempt.email == email, LoginAttempt.succeeded)
    )
    account_since = max(since, last_success) if last_success else since
    checks = (
        (LoginAttempt.email == email, account_since, policy.max_failures_per_account),
        (LoginAttempt.ip == ip, since, policy.max_failures_per_address),
    )
    remaining = None
    for condition, start, limit in checks:
        # The limit-th most recent failure: the lock lasts one window from it.
        oldest_counted = db.session.scalar(
            sa.select(LoginAttempt.at)
            .where(condition, LoginAttempt.at > start, sa.not_(LoginAttempt.succeeded))
            .order_by(LoginAttempt.at.desc())
            .offset(limit - 1)
            .limit(1)
        )
        if oldest_counted is not None:
            wait = oldest_counted + policy.window - now
            if wait > timedelta(0):
                remaining = max(remaining or wait, wait)
    return remaining


def sign_in(email: str, password: str, *, ip: str, policy: ThrottlePolicy, now: datetime) -> SignInResult:
    """Check an e-mail and password, counting failures; an active account on success."""
    email = normalise_email(email)
    remaining = _throttle_remaining(email, ip, policy, now)
    if remaining is not None:
        # Refused without checking the password, and not counted, so that an
        # attack cannot keep a real person locked out for ever.
        record("auth.login", actor_label=email, ip=ip, outcome="denied", details={"reason": "throttled"}, now=now)
        return SignInResult(throttled_for=remaining)
    account = db.session.scalar(sa.select(Account).where(Account.email == email))
    valid = verify_password(account.password_hash if account else None, password)
    succeeded = bool(valid and account.is_active)
    if not succeeded:
        db.session.add(LoginAttempt(email=email, ip=ip, at=now, succeeded=False))
        reason = "inactive" if valid else "bad_credentials"
        record("auth.login", actor=account, actor_label=email, ip=ip, outcome="failure",
               details={"reason": reason}, now=now)
        db.session.flush()
        return SignInResult()
    if needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    if account.totp_enabled_at is not None:
        # Not yet a success: the right password alone must not reset the count of failed codes.
        db.session.flush()
        return SignInResult(account=account, needs_second_factor=True)
    finish_sign_in(account, ip=ip, now=now)
    return SignInResult(account=account)


def finish_sign_in(account: Account, *, ip: str, now: datetime, details: dict | None = None) -> None:
    """Every factor checked: the attempt counts as a success and the sign-in is audited."""
    db.session.add(LoginAttempt(email=account.email, ip=ip, at=now, succeeded=True))
    account.last_login_at = now
    record("auth.login", actor=account, ip=ip, now=now, details=details)
    db.session.flush()


def second_factor_attempt(account: Account, code: str, *, ip: str, policy: ThrottlePolicy,
                          now: datetime) -> SignInResult:
    """The code typed after the password: throttled like passwords, counted as an attempt either way."""
    from peer_support.auth import two_factor

    remaining = _throttle_remaining(account.email, ip, policy, now)
    if remaining is not None:
        record("auth.login", actor=account, ip=ip, outcome="denied", details={"reason": "throttled"}, now=now)
        return SignInResult(throttled_for=remaining)
    if not account.is_active or not two_factor.verify(account, code, ip=ip, now=now):
        db.session.add(LoginAttempt(email=account.email, ip=ip, at=now, succeeded=False))
        db.session.flush()
        return SignInResult()
    finish_sign_in(account, ip=ip, now=now, details={"second_factor": True})
    return SignInResult(account=account)


def start_session(account: Account, *, ip: str | None, user_agent: str | None, now: datetime) -> str:
    """A new session for the account; returns the token for the cookie (never stored)."""
    token = secrets.token_urlsafe(32)
    db.session.add(AuthSession(
        token_hash=_token_hash(token), account_id=account.id, created_at=now, last_seen_at=now,
        ip=ip, user_agent=(user_agent or "")[:255] or None,
    ))
    db.session.flush()
    return token


@functools.cache
def _open_session_statement() -> sa.Select:
    """The open session of a token (by its hash) with its account, built once with its cache key: every signed-in
    request runs it."""
    return (sa.select(AuthSession).options(joinedload(AuthSession.account))
            .where(AuthSession.token_hash == sa.bindparam("token_hash"), AuthSession.ended_at.is_(None)))


def resume_session(token: str, *, idle_timeout: timedelta, absolute_timeout: timedelta,
                   now: datetime) -> Account | None:
    """The account behind a session token, or None if the session ended or expired."""
    if not token:
        return None
    auth_session = db.session.scalar(_open_session_statement(), {"token_hash": _token_hash(token)})
    if auth_session is None:
        return None
    if not auth_session.account.is_active:
        _end(auth_session, "deactivated", now)
        return None
    if now - auth_session.last_seen_at > idle_timeout:
        _end(auth_session, "idle", now)
        return None
    if now - auth_session.created_at > absolute_timeout:
        _end(auth_session, "expired", now)
        return None
    if now - auth_session.last_seen_at > _LAST_SEEN_RESOLUTION:
        auth_session.last_seen_at = now
    return auth_session.account


def _end(auth_session: AuthSession, reason: str, now: datetime) -> None:
    auth_session.ended_at = now
    auth_session.end_reason = reason


def end_session(token: str, *, reason: str, now: datetime) -> None:
    """End the session behind this token (sign-out)."""
    db.session.execute(
        sa.update(AuthSession)
        .where(AuthSession.token_hash == _token_hash(token), AuthSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )


def end_all_sessions(account: Account, *, reason: str, now: datetime, keep_token: str | None = None) -> int:
    """End every open session of the account (but keep_token's); returns how many ended."""
    statement = (
        sa.update(AuthSession)
        .where(AuthSession.account_id == account.id, AuthSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
    )
    if keep_token:
        statement = statement.where(AuthSession.token_hash != _token_hash(keep_token))
    return db.session.execute(statement).rowcount


def open_sessions(account: Account, *, idle_timeout: timedelta, absolute_timeout: timedelta,
                  now: datetime) -> list[AuthSession]:
    """The account's sessions still usable (not ended, within both timeouts), most recently used first."""
    return list(db.session.scalars(
        sa.select(AuthSession)
        .where(AuthSession.account_id == account.id, AuthSession.ended_at.is_(None),
               AuthSession.last_seen_at > now - idle_timeout, AuthSession.created_at > now - absolute_timeout)
        .order_by(AuthSession.last_seen_at.desc(), AuthSession.id.desc())))


def is_session_of(auth_session: AuthSession, token: str | None) -> bool:
    """Whether this session is the one behind the token (the browser making the request)."""
    return bool(token) and auth_session.token_hash == _token_hash(token)


def end_own_session(actor: Account, session_id: int, *, ip: str | None, now: datetime) -> bool:
    """End one of the actor's own sessions (another browser, a lost phone); audited. False if none such."""
    ended = db.session.execute(
        sa.update(AuthSession)
        .where(AuthSession.id == session_id, AuthSession.account_id == actor.id, AuthSession.ended_at.is_(None))
        .values(ended_at=now, end_reason="ended_by_owner")).rowcount
    if ended:
        record("auth.session_end", actor=actor, object_type="account", object_id=actor.id, ip=ip, now=now)
    return bool(ended)


def end_sessions_of(actor: Account, account: Account, *, ip: str | None, now: datetime) -> int:
    """A coordinator signs a person out everywhere (a shared computer, a lost phone); audited with the count."""
    ended = end_all_sessions(account, reason="ended_by_coordinator", now=now)
    record("auth.sessions_end_all", actor=actor, object_type="account", object_id=account.id, ip=ip, now=now,
           details={"sessions": ended})
    return ended


def set_password(account: Account, new_password: str, *, now: datetime, must_change: bool = False) -> None:
    """Replace the password after checking the policy; raises DomainError with the reasons."""
    problems = password_problems(new_password, email=account.email, name=account.name)
    if problems:
        raise DomainError(*problems, field="new_password")
    account.password_hash = hash_password(new_password)
    account.password_changed_at = now
    account.must_change_password = must_change


def change_own_password(account: Account, current_password: str, new_password: str, *,
                        keep_token: str | None, ip: str | None, now: datetime) -> None:
    """A person changes their own password; their other sessions end."""
    if not verify_password(account.password_hash, current_password):
        record("auth.password_change", actor=account, object_type="account", object_id=account.id,
               ip=ip, outcome="failure", now=now)
        raise DomainError(_l("The current password is not correct."), field="current_password")
    if verify_password(account.password_hash, new_password):
        raise DomainError(_l("The new password must be different from the current one."), field="new_password")
    set_password(account, new_password, now=now)
    end_all_sessions(account, reason="password_changed", now=now, keep_token=keep_token)
    record("auth.password_change", actor=account, object_type="account", object_id=account.id, ip=ip, now=now)
    db.session.flush()


def set_own_locale(account: Account, locale: str) -> None:
    account.locale = locale
    db.session.flush()


def purge_expired(*, now: datetime, keep_attempts: timedelta, keep_sessions: timedelta) -> tuple[int, int]:
    """Delete old sign-in attempts and ended sessions (the audit log keeps the history)."""
    attempts = db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.at < now - keep_attempts)).rowcount
    sessions = db.session.execute(
        sa.delete(AuthSession).where(AuthSession.ended_at.is_not(None), AuthSession.ended_at < now - keep_sessions)
    ).rowcount
    return attempts, sessions


def record_logout(account: Account, *, ip: str | None, now: datetime) -> None:
    record("auth.logout", actor=account, ip=ip, now=now)
