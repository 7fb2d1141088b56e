"""What the fuzzing found, kept as plain tests (a derandomized run of two examples per form may not redraw it).

A page number or a profile id beyond the database's integers made the offset or the lookup fail with a 500:
they are now ignored (page 1, the list of workers), as any other wrong value.
"""
from __future__ import annotations

import pytest

HUGE = str(10**30)


@pytest.mark.parametrize("url", [
    "/accounts/", "/audit/", "/people/", "/supervision/", "/supervision/debriefs/", "/becoming-a-peer-worker/",
    "/nudges/", "/meetings/", "/triage/",
])
def test_a_huge_page_number_is_ignored(client, signed_in, url):
    signed_in("coordinator")
    response = client.get(url, query_string={"page": HUGE})
    assert response.status_code == 200, response.status_code


def test_a_huge_page_number_in_my_referrals_is_ignored(client, signed_in):
    signed_in("staff")
    assert client.get("/referrals/mine", query_string={"page": HUGE}).status_code == 200


def test_a_huge_worker_id_in_the_meetings_filter_is_ignored(client, signed_in):
    signed_in("coordinator")
    response = client.get("/meetings/", query_string={"worker": HUGE})
    assert response.status_code == 200
    assert "<h1" in response.get_data(as_text=True)
