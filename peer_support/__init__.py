"""The peer-support programme management application."""
from __future__ import annotations

import gc
from pathlib import Path

from flask import Flask, has_request_context, request
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

from peer_support import config as settings
from peer_support.db import configure_engine, dispose_after_fork
from peer_support import extensions
from peer_support.operations.logs import configure_app_logging

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def settle_for_serving() -> None:
    """For a process that serves (wsgi.py, the bench's application): what it has loaded lives as long as it does,
    so it is taken out of the garbage collector's full passes (gc.freeze, after a collection that frees what is
    already garbage). Otherwise each full pass walks those 180 000 objects again: 100 ms on the bench machine,
    in whichever request happens to trigger it (the roster's p95 at 230 ms for a p50 of 60). Not in create_app:
    the test suite builds one application per test, and frozen objects are never collected."""
    gc.collect()
    gc.freeze()


def create_app(config: dict | None = None) -> Flask:
    """Build the application; `config` overrides what the environment gives (tests use it)."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(settings.from_environment(app.instance_path))
    app.config.update(config or {})
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = settings.load_secret_key(app.instance_path)
    if not app.config.get("RESEARCH_PSEUDONYM_KEY"):
        app.config["RESEARCH_PSEUDONYM_KEY"] = settings.derived_key(app.config["SECRET_KEY"], "research-pseudonyms")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(Path(__file__).parent / "translations"))
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["PEER_SUPPORT_DEFAULT_LOCALE"]
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["PEER_SUPPORT_TIMEZONE"]
    configure_app_logging(app)
    proxies = int(app.config.get("PROXY_FIX_X_FOR") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    return app


def _reads_first() -> bool:
    """GET and HEAD requests read first and write at most their traces (see db.configure_engine)."""
    return has_request_context() and request.method in ("GET", "HEAD")


def _write_traces_last() -> None:
    """A GET or HEAD request's traces reach the database when it commits, after its page is rendered. Flushed as
    soon as a query runs (the navigation's unread count, at the top of every page), an audit entry took SQLite's
    write lock there (db.configure_engine) and held it while the rest of the page rendered: concurrent audited
    pages rendered one after the other (the caseload's throughput through gunicorn, 13 % lower)."""
    if _reads_first():
        extensions.db.session.autoflush = False


def _init_extensions(app: Flask) -> None:
    from peer_support.i18n import Request, register_template_filters, select_locale, select_timezone

    import peer_support.models  # noqa: F401  (every table known before anything maps or migrates)

    # (extensions.db, not a name imported here: peer_support.db is the module of the models' base.)
    db = extensions.db
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine, busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"], reads_first=_reads_first)
        dispose_after_fork(db.engine)
    extensions.migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    extensions.csrf.init_app(app)
    extensions.babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.request_class = Request
    extensions.bootstrap.init_app(app)
    login_manager = extensions.login_manager
    login_manager.init_app(app)
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.localize_callback = str
    register_template_filters(app)
    app.before_request(_write_traces_last)


# Feature packages, in navigation order. Each package only defines its blueprint;
# its views are imported here, once every model is known, so that importing a
# feature's models or services never drags in the views of others.
FEATURES = ("main", "auth", "accounts", "units", "audit", "peers", "supervision", "training", "information",
            "triage", "people", "referrals", "meetings", "rooms", "calendars", "caseload", "myspace", "becoming",
            "nudges", "privacy", "feedback", "research", "reports")


def _register_blueprints(app: Flask) -> None:
    from importlib import import_module

    from peer_support.errors import register_error_handlers
    from peer_support.main.context import register_context
    from peer_support.security import register_security

    for name in FEATURES:
        package = import_module(f"peer_support.{name}")
        import_module(f"peer_support.{name}.views")
        app.register_blueprint(package.blueprint)
    register_security(app)
    register_error_handlers(app)
    register_context(app)


def _register_cli(app: Flask) -> None:
    from peer_support.auth.cli import create_user
    from peer_support.demo import demo_data
    from peer_support.nudges.commands import nudges_command
    from peer_support.operations.checks import check_command
    from peer_support.operations.commands import backup_command, restore_command
    from peer_support.privacy.retention import retention_command
    from peer_support.reports.snapshots import reports_command
    from peer_support.research.commands import export_command
    from peer_support.scheduler import scheduler_command

    for command in (create_user, demo_data, scheduler_command, nudges_command, check_command, backup_command,
                    restore_command, retention_command, export_command, reports_command):
        app.cli.add_command(command)
