"""Small helpers shared by the features' forms."""
from __future__ import annotations

from collections.abc import Iterable

import wtforms
from flask import flash
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import SelectChoice, widgets

from peer_support.i18n import LANGUAGE_NAMES


def choices(pairs: Iterable[tuple]) -> list[SelectChoice]:
    """Options for a SelectField from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class _Select(widgets.Select):
    """WTForms' select, each plain option written directly: the same HTML as WTForms' (attributes in its
    order, escaped alike), without its per-attribute machinery, which was most of the dashboard's two
    200-worker choosers and of the caseload's filters. An option with attributes of its own goes to WTForms."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        selected = " selected" if choice.selected else ""
        # Escaped first: a lazy label is then translated once (its truth would translate it again).
        label = escape(choice.label) if choice.label is not None else ""
        # The value and the label are escaped here; the rest is constant.
        return Markup(  # nosec B704
            f'<option{selected} value="{escape(value)}">{label or escape(choice.value)}</option>')

    @classmethod
    def _dispatch_render_option(cls):
        # WTForms (3.3) reads render_option's signature on every select it writes, to tell the pre-3.3 one from
        # ours: a third of a small select's time. Ours is the current one.
        return cls.render_option


class SelectField(wtforms.SelectField):
    """The select field of every form (see _Select)."""

    widget = _Select()


def language_choices() -> list[SelectChoice]:
    """Each language offered, named in itself (a person must find their own)."""
    return choices(LANGUAGE_NAMES.items())


def stripped(value):
    """Filter: surrounding spaces removed (e.g. from a pasted e-mail address)."""
    return value.strip() if isinstance(value, str) else value


def optional_int(value):
    """SelectField coerce for an optional number: '' (no choice) becomes None."""
    if value in (None, "", "None"):
        return None
    return int(value)


def show_form_error(form, error) -> None:
    """Put a service's refusal (DomainError) on the field it is about, or in a message."""
    target = form[error.field] if error.field and error.field in form else None
    for message in error.messages:
        if target is not None:
            target.errors = list(target.errors) + [str(message)]
        else:
            flash(str(message), "danger")


class ConfirmForm(FlaskForm):
    """An empty form: the CSRF token of a one-button action."""
