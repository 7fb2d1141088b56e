"""The shared form pieces of peer_support/forms.py."""
from __future__ import annotations

import wtforms
from werkzeug.datastructures import MultiDict
from wtforms import Form, SelectChoice

from peer_support.forms import SelectField, choices, optional_int

HOSTILE = ['<script>alert("x")</script>', "O'Brien & \"Fils\"", "é\u00a0ü — ok", "", "0", "a\tb\nc"]


def _pair(**options):
    """A form holding our select and WTForms' own, with the same choices and options."""
    class Both(Form):
        ours = SelectField(**options)
        theirs = wtforms.SelectField(**options)
    return Both


def test_a_select_is_written_exactly_as_wtforms_writes_it():
    pairs = [("", "Choose…"), *((str(n), label) for n, label in enumerate(HOSTILE)), ("7", None), (True, "yes")]
    form_class = _pair(choices=choices(pairs), validate_choice=False)
    for submitted in ("", "3", "7", "True", "nothing of the list", '"><b>'):
        form = form_class(MultiDict({"ours": submitted, "theirs": submitted}))
        ours, theirs = str(form.ours()), str(form.theirs()).replace('name="theirs"', 'name="ours"')
        assert ours == theirs.replace('id="theirs"', 'id="ours"')
        assert "<script>" not in ours


def test_numbers_and_the_selected_option_match_wtforms():
    form_class = _pair(choices=choices([("", "All"), (1, "One"), (22, "Twenty-two")]), coerce=optional_int)
    form = form_class(MultiDict({"ours": "22", "theirs": "22"}))
    ours = str(form.ours(class_="form-select"))
    assert ours == str(form.theirs(class_="form-select")).replace("theirs", "ours")
    assert '<option selected value="22">Twenty-two</option>' in ours


def test_an_option_with_attributes_of_its_own_is_left_to_wtforms():
    options = [SelectChoice("a", "A", render_kw={"disabled": True, "data_hint": "x<y"}), SelectChoice("b", "B")]
    form_class = _pair(choices=options)
    form = form_class(MultiDict({"ours": "b", "theirs": "b"}))
    ours = str(form.ours())
    assert ours == str(form.theirs()).replace("theirs", "ours")
    assert 'data-hint="x&lt;y" disabled value="a"' in ours
