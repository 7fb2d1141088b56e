"""Hostile values in every query parameter a role sends: filters (GET forms), sorting and paging links.

Never a 500 and never an unescaped value; GET requests store nothing (no state change on GET),
so only the pages are checked. Run by tests/fuzz/test_forms.py in the same world as the posts
(a crawl of the coordinator's pages costs seconds on a loaded machine; it is done once per role).
"""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.checks import submit
from tests.fuzz.crawl import Form, FormField, query_pairs
from tests.fuzz.strategies import query_values


def query_targets(world) -> list[Form]:
    """The GET forms, and each page reached with a query string as a form of its parameters."""
    targets = {form.key: form for form in world.site.distinct_forms() if form.method == "GET"}
    for url, endpoint in world.site.pages.items():
        fields = [FormField(name, "text", value) for name, value in query_pairs(url)]
        if fields:
            link = Form(url, "GET", url, endpoint, fields)
            targets.setdefault(link.key, link)
    return list(targets.values())


@st.composite
def hostile_query(draw, form: Form) -> list[tuple[str, str]]:
    """Each parameter: as found, missing, hostile or repeated; sometimes one the page never sends."""
    pairs = []
    for field in form.fields:
        choice = draw(st.sampled_from(["page", "missing", "hostile", "hostile", "repeated"]))
        if choice == "page":
            pairs.append((field.name, field.value))
        elif choice == "hostile":
            pairs.append((field.name, draw(query_values())))
        elif choice == "repeated":
            pairs += [(field.name, draw(query_values())), (field.name, field.value)]
    if draw(st.booleans()):
        pairs.append((draw(st.sampled_from(["page", "sort", "order", "q", "x[]", "__class__"])), draw(query_values())))
    return pairs


def _fuzz_target(world, form: Form, settings) -> None:
    @settings
    @given(st.data())
    def get_hostile_query(data):
        submit(world, form, data.draw(hostile_query(form), label="query"))

    get_hostile_query()


def fuzz_query_params(world, settings) -> list[str]:
    """Fuzz every query target of the role; returns the failures (each target is fuzzed whatever happens)."""
    targets = query_targets(world)
    failures = []
    for form in targets:
        try:
            _fuzz_target(world, form, settings)
        except Exception as error:  # every target is fuzzed, then all failures are reported together
            failures.append(f"GET {form.endpoint} (found on {form.page}): {str(error)[:1500]}")
            world.exceptions.clear()
    world.stats["query targets"] = len(targets)
    return failures
