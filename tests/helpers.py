"""Small helpers shared by the tests: reading the audit log and rendered forms."""
from __future__ import annotations

import re
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy import event

from peer_support.audit.models import AuditEntry
from peer_support.extensions import db


def audit_entries(action: str) -> list[AuditEntry]:
    """The audit entries of one action, oldest first, as stored now."""
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def account_of(obj):
    """The account behind a profile (or anything with account_id), freshly loaded."""
    from peer_support.auth.models import Account

    return db.session.get(Account, obj.account_id)


def has_field_error(html: str, field: str) -> bool:
    """The form macro ties each field's error to it as <div id="<field>-error">."""
    return f'id="{field}-error"' in html


def input_value(html: str, name: str) -> str | None:
    """The value an <input name=...> carries in the page (what the person typed is kept)."""
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html)
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0)) if tag else None
    return value.group(1) if value else None


@contextmanager
def counted_statements():
    """Collect the SQL statements run inside the block: `with counted_statements() as statements: ...`."""
    statements: list[str] = []

    def collect(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", collect)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", collect)


def statements_for_get(client, url: str) -> int:
    """How many SQL statements one GET of `url` runs (asserting it answers 200)."""
    with counted_statements() as statements:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(statements)


def outbox_messages(app) -> list:
    """The mails written to the test's outbox folder so far, oldest first, parsed."""
    from email import message_from_bytes, policy
    from pathlib import Path

    folder = Path(app.config["OUTBOX_DIR"])
    if not folder.exists():
        return []
    return [message_from_bytes(path.read_bytes(), policy=policy.default) for path in sorted(folder.glob("*.eml"))]


def scratch_postgres(url: str, suffix: str):
    """Create an empty database beside the PostgreSQL database `url` names (<its name>_<suffix>); returns its URL
    and a callable that drops it."""
    suite_url = sa.engine.make_url(url)
    scratch = f"{suite_url.database}_{suffix}"
    maintenance = sa.create_engine(suite_url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with maintenance.connect() as connection:
        # Left over by an interrupted run: start from nothing.
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{scratch}"')

    def drop():
        with maintenance.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        maintenance.dispose()

    return suite_url.set(database=scratch).render_as_string(hide_password=False), drop
