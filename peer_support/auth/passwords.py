"""Password hashing (argon2id) and the password policy."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 128
_COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


def _hasher() -> PasswordHasher:
    config = current_app.config
    return _cached_hasher(config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"], config["ARGON2_PARALLELISM"])


@lru_cache(maxsize=4)
def _cached_hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, type=Type.ID)


def hash_password(password: str) -> str:
    """An argon2id hash of the password, with a random salt."""
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; a missing or damaged hash never matches."""
    if not password_hash:
        # Same work as a real check, so that timing does not reveal unknown accounts.
        _hasher().hash(password)
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = _COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problems(password: str, *, email: str | None = None, name: str | None = None) -> list:
    """What is wrong with a new password, as messages a person understands (empty if fine)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_l("The password must be at least %(n)d characters long.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(_l("The password must be at most %(n)d characters long.", n=MAX_LENGTH))
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) <= 2:
        problems.append(_l("This password is too common and easy to guess. Choose another one."))
    elif email and len(lowered) >= MIN_LENGTH and lowered in {email.lower(), email.split("@")[0].lower()}:
        problems.append(_l("The password must not be the account's e-mail address."))
    elif name and lowered.replace(" ", "") == name.lower().replace(" ", ""):
        problems.append(_l("The password must not be the account holder's name."))
    return problems
