"""Small helpers shared by the features' forms."""
from __future__ import annotations

from collections.abc import Iterable

from flask import flash
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from peer_support.i18n import LANGUAGE_NAMES


def choices(pairs: Iterable[tuple]) -> list[SelectChoice]:
    """Options for a SelectField from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


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
