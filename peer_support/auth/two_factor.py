"""Two-factor sign-in: time-based one-time codes (TOTP, RFC 6238) and one-time recovery codes.

The shared secret is kept on the account from the start of enrolment; the second factor counts only once
`totp_enabled_at` is set, after the person typed a first valid code. Each accepted code's time step is kept, so
that the same code (or an earlier one) is never accepted twice. Recovery codes are random, shown once, stored
as SHA-256 hashes and spent on use.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
import segno
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from peer_support.audit.services import record
from peer_support.auth.models import Account, RecoveryCode
from peer_support.auth.passwords import verify_password
from peer_support.errors import DomainError
from peer_support.extensions import db

# Accounts a coordinator can oblige to use a second factor (service users may choose to).
PROFESSIONAL_ROLES = ("coordinator", "staff", "peer_worker", "researcher")
RECOVERY_CODE_COUNT = 10
# One step either side: a phone whose clock is 30 seconds off still signs in.
_VALID_WINDOW = 1
# Recovery codes: 10 characters from an alphabet without look-alikes (0/O, 1/l/I), shown as xxxxx-xxxxx.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str

    def qr_svg(self, title: str) -> str:
        """The code to scan, as inline SVG (no image file, no JavaScript)."""
        return segno.make(self.uri, error="m").svg_inline(scale=4, border=2, title=title, dark="#000",
                                                           light="#fff")

    @property
    def grouped_secret(self) -> str:
        """The secret in groups of four, for typing into an app by hand."""
        return " ".join(self.secret[i:i + 4] for i in range(0, len(self.secret), 4))


def is_enabled(account: Account) -> bool:
    return account.totp_enabled_at is not None


def must_enrol(account: Account, *, required: bool) -> bool:
    """The programme requires a second factor of this account, and it has none yet."""
    return required and account.role in PROFESSIONAL_ROLES and not is_enabled(account)


def start_enrolment(account: Account, *, issuer: str) -> Enrolment:
    """A fresh secret for an account without a second factor (replacing any unfinished enrolment)."""
    if is_enabled(account):
        raise DomainError(_l("Two-factor sign-in is already on for this account."))
    account.totp_secret = pyotp.random_base32()
    account.totp_last_step = None
    db.session.flush()
    return enrolment_of(account, issuer=issuer)


def enrolment_of(account: Account, *, issuer: str) -> Enrolment:
    uri = pyotp.TOTP(account.totp_secret).provisioning_uri(name=account.email, issuer_name=issuer)
    return Enrolment(secret=account.totp_secret, uri=uri)


def _accepted_step(account: Account, code: str, now: datetime) -> int | None:
    """The time step of a valid code not used before, or None."""
    code = "".join(code.split())
    if not account.totp_secret or not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(account.totp_secret)
    current = totp.timecode(now)
    for step in range(current - _VALID_WINDOW, current + _VALID_WINDOW + 1):
        if secrets.compare_digest(totp.at(step * totp.interval), code):
            if account.totp_last_step is not None and step <= account.totp_last_step:
                return None  # replayed, or older than a code already used
            return step
    return None


def confirm_enrolment(account: Account, code: str, *, ip: str | None, now: datetime) -> list[str]:
    """Turn the second factor on with a first valid code; returns the recovery codes (shown once)."""
    if is_enabled(account) or not account.totp_secret:
        raise DomainError(_l("Start again: scan the new code and type the code it shows."), field="code")
    step = _accepted_step(account, code, now)
    if step is None:
        raise DomainError(_l("This code is not correct. Type the 6 digits your app shows now."), field="code")
    account.totp_last_step = step
    account.totp_enabled_at = now
    codes = _new_recovery_codes(account, now)
    record("auth.two_factor_enable", actor=account, object_type="account", object_id=account.id, ip=ip, now=now)
    db.session.flush()
    return codes


def _hash(code: str) -> str:
    return hashlib.sha256(_normalise_recovery_code(code).encode()).hexdigest()


def _normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _new_recovery_codes(account: Account, now: datetime) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.account_id == account.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(account_id=account.id, code_hash=_hash(raw), created_at=now))
    return codes


def unused_recovery_codes(account: Account) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None)))


def verify(account: Account, code: str, *, ip: str | None, now: datetime) -> bool:
    """Check the second factor at sign-in: a TOTP code, or a recovery code (spent). Audited either way."""
    step = _accepted_step(account, code, now)
    if step is not None:
        account.totp_last_step = step
        record("auth.two_factor_check", actor=account, ip=ip, now=now)
        db.session.flush()
        return True
    normalised = _normalise_recovery_code(code)
    if len(normalised) == 10:
        spent = db.session.execute(
            sa.update(RecoveryCode)
            .where(RecoveryCode.account_id == account.id, RecoveryCode.code_hash == _hash(normalised),
                   RecoveryCode.used_at.is_(None))
            .values(used_at=now)
        ).rowcount
        if spent:
            record("auth.two_factor_check", actor=account, ip=ip, now=now, details={"with": "recovery_code"})
            db.session.flush()
            return True
    record("auth.two_factor_check", actor=account, ip=ip, outcome="failure", now=now)
    db.session.flush()
    return False


def _check_password(account: Account, password: str, action: str, ip: str | None, now: datetime) -> None:
    if not verify_password(account.password_hash, password or ""):
        record(action, actor=account, object_type="account", object_id=account.id, ip=ip, outcome="failure",
               now=now)
        db.session.flush()
        raise DomainError(_l("The password is not correct."), field="password")


def renew_recovery_codes(account: Account, password: str, *, ip: str | None, now: datetime) -> list[str]:
    """New recovery codes (the old ones stop working), after the password is typed again."""
    if not is_enabled(account):
        raise DomainError(_l("Two-factor sign-in is not on for this account."))
    _check_password(account, password, "auth.recovery_codes_renew", ip, now)
    codes = _new_recovery_codes(account, now)
    record("auth.recovery_codes_renew", actor=account, object_type="account", object_id=account.id, ip=ip,
           now=now)
    db.session.flush()
    return codes


def _clear(account: Account) -> None:
    account.totp_secret = None
    account.totp_enabled_at = None
    account.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.account_id == account.id))


def turn_off(account: Account, password: str, *, required: bool, ip: str | None, now: datetime) -> None:
    """The person turns their second factor off, unless the programme requires it of their role."""
    if required and account.role in PROFESSIONAL_ROLES:
        raise DomainError(_l("The programme requires two-factor sign-in for your role: it cannot be turned off."))
    _check_password(account, password, "auth.two_factor_disable", ip, now)
    _clear(account)
    record("auth.two_factor_disable", actor=account, object_type="account", object_id=account.id, ip=ip, now=now)
    db.session.flush()


def reset(actor: Account, account: Account, *, ip: str | None, now: datetime) -> None:
    """A coordinator removes a person's second factor (a lost phone, no recovery code left): they enrol again."""
    from peer_support.auth.services import end_all_sessions

    _clear(account)
    end_all_sessions(account, reason="two_factor_reset", now=now)
    record("accounts.two_factor_reset", actor=actor, object_type="account", object_id=account.id, ip=ip, now=now)
    db.session.flush()
