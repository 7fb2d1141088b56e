"""Domain errors, and the error pages (never a stack trace)."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from peer_support.extensions import db


class DomainError(Exception):
    """A refusal by a service, with messages a person understands (lazily translated)."""

    def __init__(self, *messages, field: str | None = None):
        super().__init__(*messages)
        self.messages = list(messages)
        # The form field the refusal is about, when there is one.
        self.field = field

    def __str__(self) -> str:
        return " ".join(str(message) for message in self.messages)


_TITLES = {
    400: _l("The request could not be understood"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    405: _l("This action is not possible here"),
    413: _l("What you sent is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
}

_EXPLANATIONS = {
    400: _l("Something in what was sent is not valid. Go back, check the form and try again."),
    403: _l("Your account does not give access to this page. If you think it should, ask your coordinator."),
    404: _l("The page you asked for does not exist or has been moved."),
    405: _l("This page cannot be used that way. Go back and use the buttons on the page."),
    413: _l("The file or form you sent is larger than this site accepts. Go back and choose a smaller "
            "file (a scan at a lower resolution is usually enough)."),
    429: _l("Too many attempts in a short time. Wait a few minutes, then try again."),
    500: _l("The error has been recorded. Nothing you had already saved is lost. Try again in a moment."),
}

# Form fields never echoed back into a page, even to keep what the person typed.
_SECRET_FIELD_MARKERS = ("password", "csrf_token", "token", "code")


def _render_error(code: int):
    return render_template(
        "errors/error.html", code=code, title=_TITLES.get(code, _TITLES[500]),
        explanation=_EXPLANATIONS.get(code, _EXPLANATIONS[500]),
    ), code


def register_error_handlers(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        # The form expired (or came without its token): offer to send it again
        # with a fresh token, keeping everything typed except secrets.
        kept = [
            (name, value)
            for name, values in request.form.lists()
            for value in values
            if not any(marker in name.lower() for marker in _SECRET_FIELD_MARKERS)
        ]
        return render_template("errors/csrf.html", kept=kept, action=request.path), 400

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code in _TITLES:
            return _render_error(error.code)
        return error

    @app.errorhandler(Exception)
    def unexpected_error(error):
        db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return _render_error(500)
