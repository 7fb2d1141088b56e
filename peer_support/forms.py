"""Small helpers shared by the features' forms."""
from __future__ import annotations

from collections.abc import Iterable

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
