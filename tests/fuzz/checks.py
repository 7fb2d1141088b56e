"""The three properties every request must keep, whatever was sent.

1. Never a 500: the status, and no exception logged by the app (its 500 handler logs and answers).
2. Never an unescaped value: no page contains a marker's raw `<b data-fz=`, only its escaped form.
3. Stored as accepted: after an accepted post (a redirect, in this app), a marked text found in a
   table is the posted text exactly, or with its surrounding spaces removed (the `stripped` filter
   of peer_support/forms.py and the services' `.strip()`); a field the form ignores stores nothing.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from peer_support.extensions import db
from tests.fuzz.conftest import GUARD_PATHS, World, written_tables
from tests.fuzz.crawl import Form
from tests.fuzz.strategies import MARKER_START, marker_token

_MARKER_NUMBER = re.compile(r'data-fz="(\d+)"')


def _short(value, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} characters)"


def check_response(world: World, response, what: str) -> None:
    """Properties 1 and 2 for one response."""
    assert response.status_code != 500, f"{world.role}: 500 on {what}"
    assert not world.exceptions, f"{world.role}: exception on {what}: {world.exceptions[-1]}"
    if response.mimetype == "text/html":
        body = response.get_data(as_text=True)
        at = body.find(MARKER_START)
        assert at < 0, f"{world.role}: unescaped value in the page of {what}: {body[max(0, at - 200):at + 80]!r}"


def _guarded(location: str) -> bool:
    return urlsplit(location).path.startswith(GUARD_PATHS)


def stored_texts(tables, token: str) -> list[tuple[str, str]]:
    """(table.column, value) of every text column holding the token, in the given tables."""
    found = []
    for table in tables:
        columns = [column for column in table.columns if isinstance(column.type, sa.String)]
        if not columns:
            continue
        condition = sa.or_(*(column.contains(token, autoescape=True) for column in columns))
        for row in db.session.execute(sa.select(*columns).where(condition)):
            for column, value in zip(columns, row, strict=True):
                if value is not None and token in value:
                    found.append((f"{table.name}.{column.name}", value))
    return found


def check_stored(world: World, tables, pairs, what: str) -> None:
    """Property 3: every marked text that reached a table is there as it was posted."""
    db.session.rollback()
    world.stats["accepted posts"] += 1
    for name, posted in pairs:
        for number in _MARKER_NUMBER.findall(posted):
            for column, value in stored_texts(tables, marker_token(int(number))):
                world.stats["stored texts compared"] += 1
                assert value in (posted, posted.strip()), (
                    f"{world.role}: {what}: field {name!r} posted as {_short(posted)}, "
                    f"stored in {column} as {_short(value)}")


def submit(world: World, form: Form, pairs: list[tuple[str, str]]) -> None:
    """Send one submission of the form and check the three properties (following one redirect)."""
    what = f"{form.method} {form.endpoint} ({form.action}) with {_short(pairs, 600)}"
    client = world.client
    with written_tables() as tables:
        if form.method == "GET":
            response = client.get(urlsplit(form.action).path, query_string=MultiDict(pairs))
        else:
            response = client.open(form.action, method=form.method, data=MultiDict(pairs))
    check_response(world, response, what)
    response.close()  # a streamed download (CSV) ends its generator and its request context
    if not (300 <= response.status_code < 400):
        return
    location = response.headers["Location"]
    if _guarded(location):
        world.restore_access()
        return
    if form.method != "GET":
        check_stored(world, set(tables), pairs, what)
    target = urlsplit(location)
    if target.netloc not in ("", "localhost"):
        return
    followed = client.get(target.path, query_string=target.query)
    check_response(world, followed, f"the page after {what}")
    followed.close()
    if 300 <= followed.status_code < 400 and _guarded(followed.headers["Location"]):
        world.restore_access()


def check_page(world: World, url: str, response) -> None:
    """Properties 1 and 2 for a page reached by the crawl."""
    check_response(world, response, f"GET {url}")
