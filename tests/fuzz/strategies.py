"""Hypothesis strategies: hostile values for each kind of form field, and whole form submissions.

Every free text carries a marker, `<b data-fz="N">` with N unique in the run, so that a
page showing it unescaped, or a table storing it altered, can be told apart from the
demo data and from other posts.
"""
from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import strategies as st

from tests.fuzz.crawl import Form, FormField

_markers = itertools.count(1)
MARKER_START = '<b data-fz="'


def marker_token(number: int) -> str:
    """What is searched for in the database (the marker without its angle brackets)."""
    return f'data-fz="{number}"'


def new_marker() -> tuple[int, str]:
    number = next(_markers)
    return number, f'{MARKER_START}{number}">'


HOSTILE_FRAGMENTS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR 1=1 --",
    '"; DROP TABLE account; --',
    "%s %(x)s {0} {x!r} %n",
    "../../etc/passwd",
    "\u202egnp.exe",  # right-to-left override
    "e\u0301\u0301\u0301",  # combining marks
    "👩‍👩‍👧‍👦 🏳️‍🌈",  # zero-width-joiner sequences
    "１２３４",  # full-width digits
    "\u200b\ufeff",  # zero-width space, byte-order mark
    "\t\r\n\x0b\x0c\x1b\x7f",  # control characters
    "\x00",  # NUL: refused with 400 (PostgreSQL cannot store it)
    "{{ 7*7 }} {% raw %}",
    "&lt;&amp;&#0;",
    "Ω≈ç√∫˜µ≤≥÷ ﷽",
]

# Anything a browser can encode (no lone surrogates: they do not exist in UTF-8 form posts).
_any_text = st.text(st.characters(codec="utf-8"), max_size=40)


@st.composite
def hostile_text(draw) -> str:
    """A free text with its marker: fragments, random Unicode, sometimes 10 000 to 100 000 characters."""
    _, marker = new_marker()
    parts = draw(st.lists(st.one_of(st.sampled_from(HOSTILE_FRAGMENTS), _any_text), max_size=3))
    text = "".join(parts)
    if draw(st.integers(0, 9)) == 0:
        text += draw(st.sampled_from("aé😀<\n")) * draw(st.sampled_from([10_000, 30_000, 100_000]))
    place = draw(st.sampled_from(["start", "end", "middle", "alone", "padded"]))
    if place == "start":
        return marker + text
    if place == "end":
        return text + marker
    if place == "padded":
        return f"  {marker}{text}  "
    if place == "alone":
        return marker
    middle = len(text) // 2
    return text[:middle] + marker + text[middle:]


@st.composite
def plain_text(draw) -> str:
    """A short, ordinary text with its marker, the kind of value forms accept (so posts get stored)."""
    _, marker = new_marker()
    return draw(st.sampled_from(["Note", "Réunion", "Groupe du mardi", "x"])) + " " + marker


WRONG_NUMBERS = ["abc", "-1", "0", str(10**30), "1e309", "NaN", "inf", "-0", "1.5", "0x10", "١٢", "１２", " 7 ", ""]
WRONG_DATES = ["0001-01-01", "9999-12-31", "99999-01-01", "2026-02-30", "2026-13-01", "2026-00-10", "31/12/2026",
               "yesterday", "2026-1-1", "-2026-01-01", "2026-01-01T25:00", ""]
WRONG_TIMES = ["24:00", "23:60", "-1:00", "9h", "12:00:00.5", "99:99", "", "noon"]


def _near_dates() -> st.SearchStrategy[str]:
    today = date.today()
    return st.integers(-400, 400).map(lambda days: (today + timedelta(days=days)).isoformat())


def field_values(form_field: FormField) -> st.SearchStrategy[list[str]]:
    """The values one field is sent with: usually one, sometimes none (missing) or two (repeated)."""
    kind = form_field.kind
    from_page = [form_field.value] if form_field.value else []
    if kind in ("select", "radio"):
        valid = st.sampled_from(form_field.options) if form_field.options else st.just("")
        one = st.one_of(valid, valid, st.sampled_from(WRONG_NUMBERS + ["None", "__proto__"]), hostile_text())
    elif kind == "checkbox":
        one = st.one_of(st.just(form_field.value or "y"), st.sampled_from(["n", "false", "0", "on"]), hostile_text())
        return st.one_of(st.just([]), one.map(lambda value: [value]))
    elif kind == "number":
        one = st.one_of(st.integers(-5, 60).map(str), st.sampled_from(WRONG_NUMBERS + from_page), hostile_text())
    elif kind == "date":
        one = st.one_of(_near_dates(), st.sampled_from(WRONG_DATES), hostile_text())
    elif kind == "time":
        one = st.one_of(st.sampled_from(["09:00", "14:30", "18:15"]), st.sampled_from(WRONG_TIMES), hostile_text())
    elif kind == "datetime-local":
        one = st.one_of(_near_dates().map(lambda day: f"{day}T10:00"), st.sampled_from(WRONG_DATES), hostile_text())
    elif kind == "hidden":
        one = st.one_of(st.just(form_field.value), st.just(form_field.value), hostile_text(),
                        st.sampled_from(WRONG_NUMBERS))
    elif kind == "email":
        one = st.one_of(st.emails().map(lambda address: address[:200]), hostile_text(), plain_text())
    else:  # text, textarea, search, tel, url, password…
        one = st.one_of(plain_text(), hostile_text(), st.just(form_field.value), st.sampled_from(WRONG_NUMBERS))
    return st.one_of(
        one.map(lambda value: [value]), one.map(lambda value: [value]), one.map(lambda value: [value]),
        st.just([]),  # missing
        st.lists(one, min_size=2, max_size=2),  # repeated
    )


@st.composite
def form_submissions(draw, form: Form) -> list[tuple[str, str]]:
    """One submission of the form: (name, value) pairs, in the page's order."""
    pairs = []
    for form_field in form.fields:
        if form_field.kind == "file" or form_field.name == "csrf_token":
            continue  # uploads are fuzzed by their own tests; CSRF is off in the test configuration
        for value in draw(field_values(form_field)):
            pairs.append((form_field.name, value))
    return pairs


def query_values() -> st.SearchStrategy[str]:
    """A value for a query parameter: wrong types, far dates and hostile text."""
    return st.one_of(st.sampled_from(WRONG_NUMBERS + WRONG_DATES), _near_dates(), hostile_text(),
                     st.integers(-(10**20), 10**20).map(str))
