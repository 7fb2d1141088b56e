"""Language and time zone of each request, and date formatting for templates."""
from __future__ import annotations

from datetime import datetime
from functools import cached_property

import flask_babel
from babel import Locale, dates, numbers
from flask import current_app, g, has_app_context, has_request_context, request, session
from flask_babel import format_decimal
from flask_login import current_user

from peer_support.config import LOCALES

LANGUAGE_NAMES = {"fr": "Français", "en": "English"}


class RequestDomain(flask_babel.Domain):
    """Flask-Babel's message domain, keeping each request's translations for the request.

    Flask-Babel looks up its request context, the locale and the locale's name again for every message (hundreds
    on a long page, a noticeable share of its rendering time); here that is done once per locale and request.
    force_locale (e-mails in the person's language) sets another locale object, whose translations are then
    looked up in turn; refresh() removes the locale, and the next message looks up the new one."""

    def get_translations(self):
        kept = _babel_context_value("peer_support_translations")
        if kept is not None and kept[0] is _babel_context_value("babel_locale"):
            return kept[1]
        translations = super().get_translations()
        locale = _babel_context_value("babel_locale")
        if locale is not None:
            g._flask_babel.peer_support_translations = (locale, translations)
        return translations


def _babel_context_value(name: str):
    """An attribute of Flask-Babel's per-request context (None outside an application context)."""
    return getattr(g.get("_flask_babel"), name, None) if has_app_context() else None


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
        value = value.astimezone(request_timezone())
    return dates.format_date(value, fmt, locale=request_locale())


def format_local_datetime(value: datetime, fmt: str = "medium") -> str:
    """The text flask_babel.format_datetime writes (in the site's time zone and the request's language), at two
    thirds of its cost."""
    return dates.format_datetime(value, fmt, tzinfo=request_timezone(), locale=request_locale())


def format_integer(value) -> str:
    """A whole number as Babel writes it in the request's language (fr: 12 345, en: 12,345), for pages that show
    thousands of them (the dashboard's tables and charts): Babel's own path costs fifteen times more. Anything
    but an int or a whole float (a chart's axis ticks), or a locale that does not group by three, goes through
    Babel."""
    locale = request_locale()
    pattern = locale.decimal_formats[None]
    if type(value) is float and value.is_integer():
        value = int(value)
    if type(value) is not int or pattern.grouping != (3, 3):
        return numbers.format_decimal(value, locale=locale)
    symbols = locale.number_symbols["latn"]
    text = f"{abs(value):,}".replace(",", symbols["group"])
    return symbols["minusSign"] + text if value < 0 else text


class Babel(flask_babel.Babel):
    """Flask-Babel, with the message domain above."""

    @cached_property
    def domain_instance(self):
        return RequestDomain(domain=self.domain)


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
    return format_decimal(hours if hours is not None else 0, format="#,##0.#")


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
