"""Language and time zone of each request, and date formatting for templates."""
from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_babel import format_date, format_datetime, format_decimal
from flask_login import current_user

from peer_support.config import LOCALES

LANGUAGE_NAMES = {"fr": "Français", "en": "English"}


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
    app.jinja_env.filters["datetime"] = lambda value, fmt="medium": format_datetime(value, fmt) if value else ""
    app.jinja_env.filters["date"] = lambda value, fmt="medium": format_date(value, fmt) if value else ""
