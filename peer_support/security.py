"""Request-level security: sign-in sessions, access rules, response headers."""
from __future__ import annotations

from flask import abort, current_app, redirect, request, session, url_for
from flask_login import current_user

from peer_support import permissions
from peer_support.audit.services import record
from peer_support.auth import services as auth_services
from peer_support.db import utcnow
from peer_support.extensions import db, login_manager

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

# Pages a person who must change their password can still reach.
_ALLOWED_BEFORE_PASSWORD_CHANGE = {"auth.change_password", "auth.logout", "main.set_language"}
# Pages a professional can still reach while the programme requires a second factor they have not set up.
_ALLOWED_BEFORE_SECOND_FACTOR = {"auth.two_factor_status", "auth.two_factor_start", "auth.two_factor_enrol",
                                 "auth.logout", "main.set_language"}


def _must_enrol_second_factor(account) -> bool:
    from peer_support.auth.two_factor import PROFESSIONAL_ROLES
    from peer_support.privacy.settings import two_factor_required

    # The cheap checks first: the setting is read only for professionals without a second factor.
    return account.role in PROFESSIONAL_ROLES and account.totp_enabled_at is None and two_factor_required()


@login_manager.user_loader
def _load_account(account_id: str):
    config = current_app.config
    account = auth_services.resume_session(
        session.get("auth_token"),
        idle_timeout=config["SESSION_IDLE_TIMEOUT"],
        absolute_timeout=config["SESSION_ABSOLUTE_TIMEOUT"],
        now=utcnow(),
    )
    if db.session.dirty:
        # Session bookkeeping (last seen, or the end of an expired session) is
        # saved now: read-only pages never commit, and activity must count.
        db.session.commit()
    if account is None or str(account.id) != account_id:
        session.pop("auth_token", None)
        return None
    return account


def client_ip() -> str:
    return request.remote_addr or "unknown"


def refuse_nul_characters():
    """No person types a NUL character; PostgreSQL cannot store one. Answer 400, not 500."""
    for values in (request.args, request.form):
        if any("\x00" in key or "\x00" in value for key, value in values.items(multi=True)):
            abort(400)
    return None


def enforce_access():
    """Deny by default: public endpoints, else a signed-in account that passes the rule."""
    rule = permissions.endpoint_rule(request.endpoint)
    if request.endpoint is None or rule == "public":
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.must_change_password and request.endpoint not in _ALLOWED_BEFORE_PASSWORD_CHANGE:
        return redirect(url_for("auth.change_password"))
    if request.endpoint not in _ALLOWED_BEFORE_SECOND_FACTOR and _must_enrol_second_factor(current_user):
        return redirect(url_for("auth.two_factor_status"))
    if rule is None or not rule(current_user):
        record("access.denied", actor=current_user, object_type="endpoint", object_id=request.endpoint,
               ip=client_ip(), outcome="denied", details={"path": request.path[:200]})
        db.session.commit()
        abort(403)
    return None


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config["SESSION_COOKIE_SECURE"]:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.endpoint not in ("static", "bootstrap.static"):
        # Health data must not stay in shared browsers' caches or proxies.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


def register_security(app) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.before_request(refuse_nul_characters)
    app.before_request(enforce_access)
    app.after_request(set_security_headers)


def safe_next_url(target: str | None, default: str) -> str:
    """`target` if it is a path on this site, else `default` (no open redirects)."""
    from urllib.parse import urlsplit

    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
