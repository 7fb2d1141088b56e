"""Language and time zone of each request, and date formatting for templates."""
from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal

import flask
import flask_babel
from babel import Locale, dates, numbers, support
from flask import current_app, g, has_app_context, has_request_context, request, session
from flask_login import current_user
from wtforms.i18n import messages_path as wtforms_messages

from peer_support.config import LOCALES

LANGUAGE_NAMES = {"fr": "Français", "en": "English"}


class RequestDomain(flask_babel.Domain):
    """Flask-Babel's message domain, keeping each request's translations for the request.

    Flask-Babel looks up its request context, the locale and the locale's name again for every message (hundreds
    on a long page, a noticeable share of its rendering time); here that is done once per locale and request.
    force_locale (e-mails in the person's language) sets another locale object, whose translations are then
    looked up in turn; refresh() removes the locale, and the next message looks up the new one."""

    def get_translations(self):
        context = _babel_context()
        kept = getattr(context, "peer_support_translations", None)
        if kept is not None and kept[0] is getattr(context, "babel_locale", None):
            return kept[1]
        translations = super().get_translations()
        context = _babel_context()  # created by Flask-Babel's first lookup of the request
        locale = getattr(context, "babel_locale", None)
        if locale is not None:
            context.peer_support_translations = (locale, translations)
        return translations


def _babel_context():
    """Flask-Babel's per-request namespace (None outside an application context, or before its first use)."""
    return g.get("_flask_babel") if has_app_context() else None


def _babel_context_value(name: str):
    """An attribute of Flask-Babel's per-request context (None outside an application context)."""
    return getattr(_babel_context(), name, None)


def translated(labels: Mapping) -> dict:
    """Labels (lazy strings) translated once, for a page that writes them on every row of a table."""
    return {code: str(label) for code, label in labels.items()}


def request_locale() -> Locale:
    """The request's locale, as flask_babel.get_locale() gives it, without its lookups once it is known."""
    return _babel_context_value("babel_locale") or flask_babel.get_locale() or Locale.parse(LOCALES[0])


def request_timezone():
    """The request's time zone, as flask_babel.get_timezone() gives it, without its lookups once it is known."""
    return _babel_context_value("babel_tzinfo") or flask_babel.get_timezone()


def format_local_date(value, fmt: str = "medium") -> str:
    """The text flask_babel.format_date writes (a datetime's day in the site's time zone, in the request's
    language), at a quarter of its cost: list pages write one or two dates per row. The formats are Babel's
    own (short, medium, long, full, or a pattern): the app does not configure Flask-Babel's date_formats."""
    if isinstance(value, datetime):
        value = value.astimezone(request_timezone()).date()
    return _date_text(value, fmt, request_locale())


def format_local_datetime(value: datetime, fmt: str = "medium") -> str:
    """The text flask_babel.format_datetime writes (in the site's time zone and the request's language), at two
    thirds of its cost."""
    return _datetime_text(value, fmt, request_timezone(), request_locale())


def date_writer(fmt: str = "medium") -> Callable[[date | datetime], str]:
    """format_local_date for the many dates of one table, the request's language and time zone looked up once."""
    locale, tzinfo = request_locale(), request_timezone()

    def write(value: date | datetime) -> str:
        if isinstance(value, datetime):
            value = value.astimezone(tzinfo).date()
        return _date_text(value, fmt, locale)
    return write


def datetime_writer(fmt: str = "medium") -> Callable[[datetime], str]:
    """format_local_datetime for the many instants of one table, the request's language and time zone looked up
    once."""
    locale, tzinfo = request_locale(), request_timezone()
    return lambda value: _datetime_text(value, fmt, tzinfo, locale)


# A day's or an instant's text depends on nothing else than these arguments, and the same ones come back all day
# (a caseload's last meetings, a week's appointments): Babel writes each once per process, in 4 096 of each.
@functools.lru_cache(maxsize=4096)
def _date_text(value: date, fmt: str, locale: Locale) -> str:
    return dates.format_date(value, fmt, locale=locale)


@functools.lru_cache(maxsize=4096)
def _datetime_text(value: datetime, fmt: str, tzinfo, locale: Locale) -> str:
    return dates.format_datetime(value, fmt, tzinfo=tzinfo, locale=locale)


_TENTH = Decimal("0.1")


@functools.cache
def _number_signs(locale: Locale) -> tuple[str, str, str] | None:
    """The group, decimal and minus signs of a locale whose numbers Babel writes in groups of three digits (both
    of ours); None for another, whose numbers Babel then writes itself."""
    if locale.decimal_formats[None].grouping != (3, 3):
        return None
    symbols = locale.number_symbols["latn"]
    return symbols["group"], symbols["decimal"], symbols["minusSign"]


def integer_writer(locale: Locale | None = None) -> Callable[[object], str]:
    """The function that writes whole numbers as Babel does in one locale (the request's by default; fr: 12 345,
    en: 12,345), looked up once for a table's thousands of values: Babel's own path costs fifteen times more.
    Anything but an int or a whole float (a chart's axis ticks), or a locale that does not group by three, goes
    through Babel."""
    locale = locale or request_locale()
    signs = _number_signs(locale)

    def write(value) -> str:
        if type(value) is float and value.is_integer():
            value = int(value)
        if type(value) is not int or signs is None:
            return numbers.format_decimal(value, locale=locale)
        text = f"{abs(value):,}".replace(",", signs[0])
        return signs[2] + text if value < 0 else text
    return write


def format_tenths(value) -> str:
    """A number with at most one decimal, as Babel writes it with the pattern #,##0.# in the request's language
    (fr: 1 234,5, en: 1,234.5)."""
    return tenths_writer()(value)


def tenths_writer(locale: Locale | None = None, *, scale: int = 0) -> Callable[[object], str]:
    """format_tenths for one locale (the request's by default), at a sixth of Babel's cost: the dashboard writes a
    thousand such numbers. The same arithmetic as Babel's (the number's decimal text, moved `scale` places, rounded
    half to even); `scale=2` writes the number of a percentage given as a share. Anything but an int, a float or a
    Decimal, and a locale that does not group by three, go through Babel."""
    locale = locale or request_locale()
    signs = _number_signs(locale)
    separators = {ord(","): signs[0], ord("."): signs[1]} if signs else None

    def write(value) -> str:
        if signs is None or type(value) not in (int, float, Decimal) or not math.isfinite(value):
            return numbers.format_decimal(Decimal(str(value)).scaleb(scale) if scale else value, format="#,##0.#",
                                          locale=locale)
        if not scale and (type(value) is int or type(value) is float and value.is_integer() and 0 < abs(value) < 1e15):
            # A whole number (most hours and days) has no tenth to round: written as integer_writer writes it.
            whole = int(value)
            text = f"{abs(whole):,}".translate(separators)
            return signs[2] + text if whole < 0 else text
        tenths = Decimal(str(value)).scaleb(scale).quantize(_TENTH, rounding=ROUND_HALF_EVEN)
        text = f"{abs(tenths):,f}".removesuffix(".0").translate(separators)
        return signs[2] + text if tenths.is_signed() else text
    return write


class Babel(flask_babel.Babel):
    """Flask-Babel, with the message domain above, whose translations the templates' _() and ngettext() read
    directly (Flask-Babel's own callables look the domain up again for every message)."""

    @functools.cached_property
    def domain_instance(self):
        return RequestDomain(domain=self.domain)

    def init_app(self, app, *args, **kwargs):
        super().init_app(app, *args, **kwargs)

        def translations():
            return self.domain_instance.get_translations()

        app.jinja_env.install_gettext_callables(
            gettext=lambda string: translations().ugettext(string),
            ngettext=lambda singular, plural, number: translations().ungettext(singular, plural, number),
            pgettext=lambda context, string: translations().upgettext(context, string),
            npgettext=lambda context, singular, plural, number: translations().unpgettext(
                context, singular, plural, number),
            newstyle=True)


class Request(flask.Request):
    """Flask's request, with WTForms' own messages (its validators', a field's default label) in the request's
    language where Flask-WTF reads them (flask_wtf.i18n): it loaded their catalogue from disk again on every request
    that built a form, a twentieth of the caseload page's time."""

    @functools.cached_property
    def wtforms_translations(self):
        return _wtforms_translations(str(request_locale()))


@functools.cache
def _wtforms_translations(locale: str) -> support.Translations:
    return support.Translations.load(wtforms_messages(), [locale], domain="wtforms")


def select_locale() -> str:
    """The person's preference, then the browser's Accept-Language, then the default."""
    if not has_request_context():
        return current_app.config["PEER_SUPPORT_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES) or current_app.config["PEER_SUPPORT_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["PEER_SUPPORT_TIMEZONE"]


def format_hours(hours) -> str:
    """A number of hours as the reader writes numbers: 7, 1.5 or 1,5."""
    return format_tenths(hours if hours is not None else 0)


def format_minutes(minutes) -> str:
    """A duration as people write it in both languages: 45 min, 2 h, 3 h 45."""
    hours, rest = divmod(int(minutes or 0), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def register_template_filters(app) -> None:
    app.jinja_env.filters["hours"] = format_hours
    app.jinja_env.filters["minutes"] = format_minutes
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": format_local_datetime(value, fmt) if value else ""
    app.jinja_env.filters["date"] = lambda value, fmt="medium": format_local_date(value, fmt) if value else ""
