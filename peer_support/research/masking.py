"""Masking free text before a researcher reads it: e-mail addresses, phone numbers, full dates (a date of birth
is a direct identifier; a year alone is kept), the codes of people's records (PA-XXXXXX: they lead to a person
on paper), the names of known people, and the spans researchers redacted by hand.

Names are matched word by word, whatever the case and accents ("Hélène", "helene", "HELENE"), against every
word of every name known to the database (people accompanied and accounts). This masks too much rather than
too little: a first name that is also a common word is masked wherever it appears. Words of fewer than three
letters and name particles ("de", "van" ...) are never masked on their own.

The masks are neutral tokens, the same in every language, so that coding software sees one vocabulary.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa

NAME, EMAIL, PHONE, REDACTED, CODE, DATE = "[NAME]", "[EMAIL]", "[PHONE]", "[REDACTED]", "[CODE]", "[DATE]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# 9 to 15 digits, optionally after + or 00, separated by nothing, spaces, dots or dashes: French numbers
# (06 12 34 56 78, +33 6 12 34 56 78, 06.12.34.56.78) and foreign ones; not dates (12/05/2026) nor years.
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d(?:[ .\-]?\d){8,14}(?![\w])")
# 12/05/1984, 12.05.1984, 1984-05-12.
_FULL_DATE = re.compile(r"(?<![\w/.-])(?:\d{1,2}[/.-]\d{1,2}[/.-](?:1[89]|20)\d{2}|(?:1[89]|20)\d{2}-\d{1,2}-\d{1,2})"
                        r"(?![\w/-])")
_WORD = re.compile(r"\w+")
_PARTICLES = frozenset({"de", "du", "des", "la", "le", "les", "van", "von", "der", "den", "del", "della", "di",
                        "da", "dos", "das", "ben", "bin", "ibn", "al", "el", "mac", "st", "ste", "saint", "sainte"})


def fold(word: str) -> str:
    """Lower case without accents: how names are compared."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def name_words(names: Iterable[str | None]) -> frozenset[str]:
    """Every maskable word of these names, folded."""
    # Tens of thousands of names share far fewer words (first names, family names): each is folded once.
    raw_words = set()
    for name in names:
        raw_words.update(_WORD.findall(name or ""))
    folded_words = (fold(word) for word in raw_words)
    return frozenset(word for word in folded_words
                     if len(word) >= 3 and word not in _PARTICLES and not word.isdigit())


def known_name_words(session) -> frozenset[str]:
    """The words of every name the database knows: service users' names and accounts' names.

    Folding tens of thousands of names costs more than a page of answers, so the words are kept in this process
    while no name can have changed: they are keyed on the database and, for each table, its largest id and its
    latest `updated_at` (one statement, read from the ends of indexes; a row count would read a whole index,
    10 ms a page at 50 000 people). Every insert and every change of a row moves one of them (`updated_at` is
    set on insert and on each update, by the ORM and by Core UPDATE statements alike); a change that moved
    none (an UPDATE in raw SQL that leaves updated_at alone) would leave a new name unmasked, so names are never
    written that way. A removed name may stay in the words until the next change: it then masks more, never
    less."""
    from peer_support.auth.models import Account
    from peer_support.people.models import ServiceUser

    # One scalar subquery per maximum: SQLite reads a lone max() from the end of an index, two in one SELECT
    # by scanning it.
    state = session.execute(sa.select(*(sa.select(sa.func.max(column)).scalar_subquery() for column in (
        ServiceUser.id, ServiceUser.updated_at, Account.id, Account.updated_at)))).one()
    key = (str(session.get_bind().url), *state)
    cached = _known_words.get(key)
    if cached is None:
        names = session.scalars(sa.select(ServiceUser.display_name)).all()
        names += session.scalars(sa.select(Account.name)).all()
        cached = name_words(names)
        _known_words.clear()
        _known_words[key] = cached
    return cached


# The words of known_name_words, under the key they were computed for (one entry: the latest).
_known_words: dict[tuple, frozenset[str]] = {}


@lru_cache(maxsize=1)
def _person_code() -> re.Pattern:
    from peer_support.people.services import CODE_ALPHABET, CODE_LENGTH, CODE_PREFIX

    return re.compile(rf"(?<![\w-]){re.escape(CODE_PREFIX)}[{CODE_ALPHABET}]{{{CODE_LENGTH}}}(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    mask: str


def spans(text: str, known_words: frozenset[str], redactions: Iterable[tuple[int, int]] = ()) -> list[Span]:
    """What to mask in `text`, in order, without overlaps (a hand redaction wins over what it covers)."""
    found = [Span(max(0, start), min(len(text), end), REDACTED) for start, end in redactions
             if 0 <= start < end and start < len(text)]
    found += [Span(m.start(), m.end(), EMAIL) for m in _EMAIL.finditer(text)]
    found += [Span(m.start(), m.end(), CODE) for m in _person_code().finditer(text)]
    found += [Span(m.start(), m.end(), DATE) for m in _FULL_DATE.finditer(text)]
    found += [Span(m.start(), m.end(), PHONE) for m in _PHONE.finditer(text)]
    found += [Span(m.start(), m.end(), NAME) for m in _WORD.finditer(text) if fold(m.group()) in known_words]
    priority = {REDACTED: 0, EMAIL: 1, CODE: 2, DATE: 3, PHONE: 4, NAME: 5}
    found.sort(key=lambda span: (span.start, priority[span.mask], -span.end))
    merged: list[Span] = []
    for span in found:
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            if span.end > last.end:  # overlapping: one mask covers both, the earlier one's kind
                merged[-1] = Span(last.start, span.end, last.mask)
            continue
        merged.append(span)
    return merged


def mask(text: str | None, known_words: frozenset[str], redactions: Iterable[tuple[int, int]] = ()) -> str | None:
    """The text a researcher may read."""
    if not text:
        return text
    out, position = [], 0
    for span in spans(text, known_words, redactions):
        out.append(text[position:span.start])
        out.append(span.mask)
        position = span.end
    out.append(text[position:])
    return "".join(out)
