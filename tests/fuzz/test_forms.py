"""Hostile posts to every form, and hostile query parameters, for each role: never a 500, never an
unescaped value, stored as accepted.

Hypothesis runs derandomized (and without an example database): the worlds accumulate
state from one example to the next, so a saved failing example would not replay the
same way; a fixed seed gives CI the same examples on every run, and a failure found
once is found again.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.checks import check_page, submit
from tests.fuzz.conftest import ANONYMOUS, COVERAGE, FUZZED_ROLES, REACHED_POST_ENDPOINTS
from tests.fuzz.query_params import fuzz_query_params
from tests.fuzz.strategies import form_submissions

# Two examples per (role, form) keep the package within ~3 minutes per engine on a loaded 2-core machine;
# FUZZ_EXAMPLES_PER_FORM=12 digs deeper by hand (it found the page numbers of tests/fuzz/test_regressions.py).
EXAMPLES_PER_FORM = int(os.environ.get("FUZZ_EXAMPLES_PER_FORM", "2"))

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES_PER_FORM, deadline=None, derandomize=True, database=None, report_multiple_bugs=False,
    # Texts of 100 000 characters are wanted; requests are slow next to pure functions.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)

def fuzz_form(world, form) -> None:
    @FUZZ_SETTINGS
    @given(st.data())
    def post_hostile_values(data):
        submit(world, form, data.draw(form_submissions(form), label="submission"))

    post_hostile_values()


@pytest.mark.parametrize("role", FUZZED_ROLES)
def test_every_form_and_query_survives_hostile_values(enter_world, role):
    failures = []

    def inspect(world, url, response):
        try:
            check_page(world, url, response)
        except AssertionError as error:  # every page and form is tried, then all failures are reported together
            failures.append(str(error)[:1500])
            world.exceptions.clear()

    world = enter_world(role, inspect)
    forms = [form for form in world.site.distinct_forms() if form.method == "POST"]
    assert forms or role == ANONYMOUS, f"{role}: no form found: the crawl is broken\n" + "\n".join(failures)
    for form in forms:
        try:
            fuzz_form(world, form)
        except Exception as error:
            failures.append(f"{form.endpoint} (found on {form.page}): {str(error)[:1500]}")
            world.exceptions.clear()
            world.restore_access()
    REACHED_POST_ENDPOINTS.update(form.endpoint for form in forms)
    # What the posts stored shows up on the other pages: each page the role reached must stay escaped.
    for url in world.site.pages:
        inspect(world, url, world.client.get(url))
    failures += fuzz_query_params(world, FUZZ_SETTINGS)
    COVERAGE.setdefault(role, {}).update({"POST forms": len(forms), **world.stats})
    assert not failures, "\n\n".join(failures)
    # The checks must have had something to check: posts with valid values were accepted (and, for the
    # coordinator who reaches most forms, marked texts were found stored and compared).
    assert role == ANONYMOUS or world.stats["accepted posts"] > 0, (role, world.stats)
    assert role != "coordinator" or world.stats["stored texts compared"] > 0, (role, world.stats)
