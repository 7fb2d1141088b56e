"""Every user-facing string is translated in every catalogue, and the login page reads right.

The messages are extracted afresh from the sources (babel.cfg, with the keywords
of the Makefile's `extract-messages`), so a string added without a translation
fails here by name. To fix such a failure:

    make extract-messages        # refresh messages.pot and update fr/en .po
    (translate the new msgids in peer_support/translations/*/LC_MESSAGES/messages.po)
    make translations            # compile the .mo
"""
from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg

from peer_support.config import LOCALES
from tests.conftest import FIX_HINT, _read_catalogue

ROOT = Path(__file__).resolve().parent.parent

def _makefile_keywords() -> list[str]:
    """The -k options of the `pybabel extract` command in the Makefile."""
    for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines():
        if "pybabel extract" in line:
            words = shlex.split(line.strip())
            return [words[i + 1] for i, word in enumerate(words[:-1]) if word in ("-k", "--keyword", "--keywords")]
    raise AssertionError("the Makefile has no `pybabel extract` command")


def _keywords() -> dict:
    keywords = dict(DEFAULT_KEYWORDS)
    keywords.update(parse_keywords(_makefile_keywords()))
    return keywords


def _extract() -> dict:
    """(msgid, context) -> (message as extracted, [places]), exactly as `make extract-messages` sees them."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, "babel.cfg")
    messages: dict = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
            ROOT, method_map, options_map, keywords=_keywords()):
        key = (message[0] if isinstance(message, tuple) else message, context)
        messages.setdefault(key, (message, []))[1].append(f"{filename}:{lineno}")
    return messages


@pytest.fixture(scope="module")
def extracted():
    return _extract()


def test_extraction_covers_python_and_jinja(extracted):
    places = [place for _message, where in extracted.values() for place in where]
    assert any(place.startswith("templates/") for place in places), "babel.cfg extracts no Jinja template"
    assert any(place.startswith("peer_support/") for place in places), "babel.cfg extracts no Python module"
    for msgid in ("Sign in", "Password", "Email", "Please sign in to see this page."):
        assert (msgid, None) in extracted, msgid
    # ngettext in a template comes out with its plural.
    assert extracted[("%(num)d account", None)][0] == ("%(num)d account", "%(num)d accounts")


def test_every_translation_function_imported_is_extracted():
    """`from flask_babel import lazy_ngettext as _ln` would give strings nobody extracts."""
    keywords = _keywords()
    missing = []
    for path in sorted((ROOT / "peer_support").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in ("flask_babel", "babel.support", "gettext"):
                for alias in node.names:
                    if alias.name.endswith("gettext") and (alias.asname or alias.name) not in keywords:
                        missing.append(f"{path.relative_to(ROOT)}: {alias.name} as {alias.asname or alias.name}")
    assert not missing, ("add these names as -k keywords to the Makefile's `pybabel extract` "
                         "(e.g. -k lazy_ngettext:1,2):\n" + "\n".join(missing))


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated(locale, extracted):
    catalogue = _read_catalogue(locale)
    problems = []
    for (msgid, context), (message, places) in sorted(extracted.items(), key=lambda item: item[0][0]):
        entry = catalogue.get(msgid, context=context)
        where = places[0]
        if entry is None:
            problems.append(f"missing     {msgid!r}  ({where})")
        elif entry.fuzzy:
            problems.append(f"fuzzy       {msgid!r}  ({where})")
        elif isinstance(message, tuple) != entry.pluralizable:
            problems.append(f"plural form {msgid!r}: the catalogue is out of date ({where})")
        elif not all(entry.string if entry.pluralizable else [entry.string]):
            problems.append(f"untranslated {msgid!r}  ({where})")
        elif entry.pluralizable and len(entry.string) != catalogue.num_plurals:
            problems.append(f"needs {catalogue.num_plurals} plural forms: {msgid!r}  ({where})")
    assert not problems, (f"{len(problems)} message(s) not translated in {locale}: {FIX_HINT}\n"
                          + "\n".join(problems))


def test_french_plural_rule():
    catalogue = _read_catalogue("fr")
    assert catalogue.plural_forms == "nplurals=2; plural=(n > 1);"


_PLACEHOLDER = re.compile(r"%(?:\((?P<name>\w+)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?"
                          r"(?P<conv>[diouxXeEfFgGcrsa%])")


def _placeholders(text: str):
    """Named placeholders as a set, unnamed ones in order, and the count of bare '%'."""
    named, unnamed = set(), []
    for match in _PLACEHOLDER.finditer(text):
        if match["conv"] == "%":
            continue
        if match["name"]:
            named.add((match["name"], match["conv"]))
        else:
            unnamed.append(match["conv"])
    # Jinja's newstyle gettext always applies '%': a stray one breaks the page.
    bare = _PLACEHOLDER.sub("", text).count("%")
    return named, unnamed, bare


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_match(locale):
    catalogue = _read_catalogue(locale)
    problems = []
    for entry in catalogue:
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        expected = _placeholders(ids[-1])
        singular = _placeholders(ids[0])
        for text in strings:
            if not text:
                continue
            found = _placeholders(text)
            if found != expected and found != singular:
                problems.append(f"{ids[0]!r}\n    -> {text!r}\n    expected {sorted(expected[0])} {expected[1]}"
                                f", found {sorted(found[0])} {found[1]}"
                                + (" and a bare '%' (write '%%')" if found[2] > expected[2] else ""))
    assert not problems, f"placeholders differ in {locale}:\n" + "\n".join(problems)


@pytest.mark.parametrize("n, expected", [(0, "0 compte"), (1, "1 compte"), (2, "2 comptes"), (40, "40 comptes")])
def test_french_plurals_in_a_page(app, n, expected):
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        rendered = app.jinja_env.from_string('{{ ngettext("%(num)d account", "%(num)d accounts", n) }}').render(n=n)
    assert rendered == expected


def _label(html: str, field: str) -> str:
    match = re.search(rf'<label[^>]*\bfor="{field}"[^>]*>(.*?)</label>', html, re.S)
    assert match, f"no label for {field}"
    return match.group(1).strip()


def _submit(html: str) -> list[str]:
    return [text.strip() for text in re.findall(r'<button[^>]*type="submit"[^>]*>(.*?)</button>', html, re.S)]


@pytest.mark.parametrize("language, email, password, button", [
    ("fr", "Adresse e-mail", "Mot de passe", "Se connecter"),
    ("fr-FR,fr;q=0.9,en;q=0.5", "Adresse e-mail", "Mot de passe", "Se connecter"),
    ("en", "Email", "Password", "Sign in"),
    ("en-GB,en;q=0.9", "Email", "Password", "Sign in"),
])
def test_login_page_in_each_language(client, language, email, password, button):
    response = client.get("/login", headers={"Accept-Language": language})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{language[:2]}">' in html
    assert _label(html, "email") == email
    assert _label(html, "password") == password
    assert button in _submit(html)


def test_login_page_defaults_to_french(client):
    html = client.get("/login").get_data(as_text=True)
    assert _label(html, "email") == "Adresse e-mail"
    assert "Se connecter" in _submit(html)


def test_translations_follow_the_locale_within_a_request(app):
    """The translations are kept for the request (peer_support.i18n.RequestDomain), yet a message rendered under
    force_locale (e-mails in the person's language) is in that language, the request's language after it, and
    the new language after refresh()."""
    from flask import session
    from flask_babel import force_locale, gettext, lazy_gettext, refresh

    template = app.jinja_env.from_string('{{ _("Sign in") }}|{{ label }}')
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        label = lazy_gettext("Password")
        assert template.render(label=label) == "Se connecter|Mot de passe"
        with force_locale("en"):
            assert template.render(label=label) == "Sign in|Password"
            assert gettext("Sign in") == "Sign in"
        assert template.render(label=label) == "Se connecter|Mot de passe"
        session["locale"] = "en"
        refresh()
        assert template.render(label=label) == "Sign in|Password"
        assert str(label) == "Password"


@pytest.mark.parametrize("language", LOCALES)
def test_date_filters_write_what_flask_babel_writes(app, language):
    """The templates' date and datetime filters (peer_support.i18n.format_local_date/_datetime, Babel without
    Flask-Babel's lookups) and the writers of a table's many dates (date_writer, datetime_writer) give
    Flask-Babel's own text: the site's time zone, around both daylight saving changes and midnight, every named
    format and a pattern, in each language, and under force_locale."""
    from datetime import date, datetime, timezone

    from flask_babel import force_locale, format_date, format_datetime

    from peer_support.i18n import date_writer, datetime_writer

    instants = [datetime(2026, 3, 29, 0, 59, tzinfo=timezone.utc), datetime(2026, 3, 29, 1, 0, tzinfo=timezone.utc),
                datetime(2026, 10, 24, 22, 30, tzinfo=timezone.utc), datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc),
                datetime(2026, 12, 31, 23, 15, tzinfo=timezone.utc)]
    date_filter, datetime_filter = app.jinja_env.filters["date"], app.jinja_env.filters["datetime"]
    with app.test_request_context(headers={"Accept-Language": language}):
        # Twice over: the second time, the texts come from the filters' memory (i18n._date_text), which must
        # tell the languages, formats and time zones apart.
        for other in [*LOCALES, *LOCALES]:
            with force_locale(other):
                for fmt in ("short", "medium", "long", "full", "EEEE d MMMM y"):
                    write_date, write_datetime = date_writer(fmt), datetime_writer(fmt)
                    for instant in instants:
                        assert date_filter(instant, fmt) == format_date(instant, fmt), (other, fmt, instant)
                        assert datetime_filter(instant, fmt) == format_datetime(instant, fmt), (other, fmt, instant)
                        assert write_date(instant) == format_date(instant, fmt), (other, fmt, instant)
                        assert write_datetime(instant) == format_datetime(instant, fmt), (other, fmt, instant)
                    assert date_filter(date(2026, 2, 1), fmt) == format_date(date(2026, 2, 1), fmt)
                    assert write_date(date(2026, 2, 1)) == format_date(date(2026, 2, 1), fmt)
                for instant in instants:
                    assert datetime_filter(instant, "d MMM HH:mm") == format_datetime(instant, "d MMM HH:mm")
        # The last instant is already the new year in Paris: the day is the site's, not UTC's.
        assert date_filter(instants[-1], "y") == "2027"
        assert (date_filter(None), datetime_filter(None)) == ("", "")


def test_wtforms_messages_are_in_the_request_language_and_loaded_once(app, monkeypatch):
    """WTForms' own messages (a number field's error) come in the request's language, from a catalogue loaded
    once per language and process (peer_support.i18n.Request), not from disk on every request."""
    from babel import support
    from flask_babel import force_locale
    from werkzeug.datastructures import MultiDict

    from peer_support import i18n
    from peer_support.caseload.forms import CaseloadFilterForm

    loads = []
    load = support.Translations.load
    monkeypatch.setattr(support.Translations, "load",
                        lambda *args, **kwargs: loads.append(kwargs.get("domain")) or load(*args, **kwargs))
    i18n._wtforms_translations.cache_clear()
    messages = {}
    for language in ("fr", "en", "fr", "en"):
        with app.test_request_context("/caseload/"), force_locale(language):
            form = CaseloadFilterForm(MultiDict({"page": "deux"}))
            assert not form.validate()
            messages.setdefault(language, set()).update(form.page.errors)
    french = i18n._wtforms_translations("fr").gettext("Not a valid integer value.")
    assert "Not a valid integer value." in messages["en"] and french in messages["fr"]
    assert french != "Not a valid integer value." and french not in messages["en"]
    assert loads.count("wtforms") == 2
