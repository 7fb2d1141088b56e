"""Configuration from environment variables, with defaults that run out of the box."""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import timedelta
from pathlib import Path

ROLES = ("coordinator", "staff", "peer_worker", "service_user", "researcher")
LOCALES = ("fr", "en")


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _backup_dir(instance: Path) -> str | None:
    """BACKUP_DIR, or None when set to off/none/false (no daily backup)."""
    value = os.environ.get("BACKUP_DIR", "").strip()
    if value.lower() in {"off", "none", "false", "0", "no"}:
        return None
    return value or str(instance / "backups")


def database_url(instance_path: str) -> str:
    """DATABASE_URL, normalised so that PostgreSQL always goes through psycopg 3."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "peer_support.sqlite3")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load_secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, or from a file created once in instance/.

    The file is created atomically (O_EXCL), so several workers starting at the
    same moment all end up with the same key rather than one each.
    """
    from_env = os.environ.get("SECRET_KEY", "").strip()
    if from_env:
        return from_env
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"{path} is empty; delete it or set SECRET_KEY")
    return key


def derived_key(secret_key: str, purpose: str) -> str:
    """A key for one purpose, derived from the secret key (HMAC), so that one secret serves several uses."""
    return hmac.new(secret_key.encode(), purpose.encode(), hashlib.sha256).hexdigest()


def from_environment(instance_path: str) -> dict:
    """The application's configuration, read from the environment."""
    development = os.environ.get("PEER_SUPPORT_ENV", "production") == "development"
    instance = Path(instance_path)
    return {
        "PEER_SUPPORT_ENV": "development" if development else "production",
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "PEER_SUPPORT_TIMEZONE": os.environ.get("PEER_SUPPORT_TIMEZONE", "Europe/Paris"),
        "PEER_SUPPORT_DEFAULT_LOCALE": os.environ.get("PEER_SUPPORT_DEFAULT_LOCALE", "fr"),
        "SQLITE_BUSY_TIMEOUT_MS": _int("SQLITE_BUSY_TIMEOUT_MS", 15000),
        # Sessions: cookies carry only a random token; the session lives in the database.
        "SESSION_COOKIE_NAME": "peer_support_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", not development),
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=_int("SESSION_IDLE_TIMEOUT_MINUTES", 30)),
        "SESSION_ABSOLUTE_TIMEOUT": timedelta(hours=_int("SESSION_ABSOLUTE_TIMEOUT_HOURS", 12)),
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        # Login throttling: failures counted in the database, so they hold across workers.
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": _int("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5),
        "LOGIN_MAX_FAILURES_PER_ADDRESS": _int("LOGIN_MAX_FAILURES_PER_ADDRESS", 20),
        "LOGIN_FAILURE_WINDOW": timedelta(minutes=_int("LOGIN_FAILURE_WINDOW_MINUTES", 15)),
        # Research pseudonyms: the key of the keyed hash (never in the database). Unset, it is derived from
        # SECRET_KEY; set it explicitly to keep pseudonyms stable if the secret key ever changes.
        "RESEARCH_PSEUDONYM_KEY": os.environ.get("RESEARCH_PSEUDONYM_KEY", "").strip() or None,
        # Two-factor sign-in: the name authenticator apps show next to the codes.
        "TWO_FACTOR_ISSUER": os.environ.get("TWO_FACTOR_ISSUER", "").strip() or "Peer support",
        # Argon2id parameters (argon2-cffi's defaults, RFC 9106 low-memory profile).
        "ARGON2_TIME_COST": _int("ARGON2_TIME_COST", 3),
        "ARGON2_MEMORY_COST": _int("ARGON2_MEMORY_COST", 65536),
        "ARGON2_PARALLELISM": _int("ARGON2_PARALLELISM", 4),
        "WTF_CSRF_TIME_LIMIT": _int("WTF_CSRF_TIME_LIMIT", 3600 * 8),
        "BOOTSTRAP_SERVE_LOCAL": True,
        "AUDIT_PAGE_SIZE": 50,
        # Outgoing mail: through MAIL_SERVER when set, else written as .eml files to OUTBOX_DIR.
        "OUTBOX_DIR": str(instance / "outbox"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "").strip() or None,
        "MAIL_PORT": _int("MAIL_PORT", 587),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", True),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER") or "peer-support@localhost",
        # The app's address as people reach it, for the links in e-mails (sent by the scheduler, with no request).
        "APP_BASE_URL": (os.environ.get("APP_BASE_URL") or "").strip() or "http://127.0.0.1:5000",
        # Training certificates: outside the web root, at most this size (PDF, PNG or JPEG).
        "CERTIFICATE_DIR": os.environ.get("CERTIFICATE_DIR") or str(instance / "certificates"),
        "CERTIFICATE_MAX_BYTES": _int("CERTIFICATE_MAX_BYTES", 5 * 1024 * 1024),
        # Peer workers' photos (PNG or JPEG, re-encoded without metadata), outside the web root too.
        "PHOTO_DIR": os.environ.get("PHOTO_DIR") or str(instance / "photos"),
        "PHOTO_MAX_BYTES": _int("PHOTO_MAX_BYTES", 3 * 1024 * 1024),
        # Daily backup by the scheduler (BACKUP_DIR=off switches it off), at BACKUP_HOUR site time,
        # keeping the BACKUP_KEEP newest.
        "BACKUP_DIR": _backup_dir(instance),
        "BACKUP_KEEP": _int("BACKUP_KEEP", 14),
        "BACKUP_HOUR": _int("BACKUP_HOUR", 2),
        # Logs: "json" writes one JSON object per line (for a log collector), anything else plain text.
        "LOG_FORMAT": (os.environ.get("LOG_FORMAT") or "text").strip().lower(),
        # /healthz and `check` call the scheduler stale when no job succeeded for this long.
        "SCHEDULER_STALE_AFTER_MINUTES": _int("SCHEDULER_STALE_AFTER_MINUTES", 90),
    }
