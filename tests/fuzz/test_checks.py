"""The properties' checks themselves catch what they are for (else every fuzz run would pass)."""
from __future__ import annotations

import pytest
from flask import Response

from tests.fuzz.checks import check_response
from tests.fuzz.conftest import World


def _world():
    return World(app=None, client=None, role="coordinator", email=None, password_hash=None)


def test_a_raw_marker_in_a_page_fails():
    page = Response('<p><b data-fz="7">x</p>', mimetype="text/html")
    with pytest.raises(AssertionError, match="unescaped"):
        check_response(_world(), page, "GET /x")


def test_an_escaped_marker_passes_and_a_download_is_not_html():
    check_response(_world(), Response('<p>&lt;b data-fz=&#34;7&#34;&gt;</p>', mimetype="text/html"), "GET /x")
    check_response(_world(), Response('name\n<b data-fz="7">\n', mimetype="text/csv"), "GET /x.csv")


def test_a_500_or_a_logged_exception_fails():
    with pytest.raises(AssertionError, match="500"):
        check_response(_world(), Response("oops", status=500, mimetype="text/html"), "POST /x")
    world = _world()
    world.exceptions.append("ValueError('boom')")
    with pytest.raises(AssertionError, match="boom"):
        check_response(world, Response("", status=302), "POST /x")
