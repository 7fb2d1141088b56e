"""What every template can use (peer_support/main/context.py)."""
import pytest
from flask import url_for

from peer_support.main.context import url_for_each


@pytest.mark.parametrize("script_root", ["", "/peer-support"])
def test_url_for_each_writes_what_url_for_writes_for_every_row(app, script_root):
    with app.test_request_context("/", base_url=f"http://localhost{script_root}/"):
        consents = url_for_each("research.person_consents", "person_id")
        profile = url_for_each("peers.show", "profile_id")
        for row_id in (1, 42, 987_654_321, "17"):
            assert consents(row_id) == url_for("research.person_consents", person_id=row_id)
            assert profile(row_id) == url_for("peers.show", profile_id=row_id)
        assert consents(5).startswith(script_root + "/")
        # Extra values go in as url_for puts them (here, the query string).
        assert url_for_each("peers.show", "profile_id", tab="training")(3) == url_for("peers.show", profile_id=3,
                                                                                     tab="training")


def test_url_for_each_takes_numbers_only(app):
    with app.test_request_context("/"):
        profile = url_for_each("peers.show", "profile_id")
        with pytest.raises(ValueError):
            profile('1"><script>')
