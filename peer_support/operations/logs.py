"""Logging for the web app and the scheduler: plain text, or one JSON object per line (LOG_FORMAT=json).

In both formats an exception is logged by its type and its frames, never its message: a message can
carry data (an IntegrityError repeats the values it refused, a person's name among them). The log
messages themselves name ids and counts only, by convention.
"""
from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import datetime, timezone

HANDLER_NAME = "peer_support"


def exception_name(exc_type: type[BaseException]) -> str:
    """The exception's class name (module-qualified unless built in), without its message."""
    module = exc_type.__module__
    return exc_type.__qualname__ if module == "builtins" else f"{module}.{exc_type.__qualname__}"


def _iso_utc(created: float) -> str:
    return datetime.fromtimestamp(created, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _frames(tb) -> str:
    # File, line and function only: not even the source line, which may spell out a value.
    return "\n".join(f"{frame.filename}:{frame.lineno} in {frame.name}" for frame in traceback.extract_tb(tb))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (ISO 8601, UTC), level, logger, message, and exception/stack if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": _iso_utc(record.created), "level": record.levelname, "logger": record.name,
                 "message": record.getMessage()}
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = exception_name(record.exc_info[0])
            entry["stack"] = _frames(record.exc_info[2])
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`2026-05-04T08:30:00.123Z INFO peer_support.scheduler: message`, exceptions without their message."""

    def format(self, record: logging.LogRecord) -> str:
        # (Not logging.Formatter's format: it reuses a traceback another handler cached, message included.)
        line = f"{_iso_utc(record.created)} {record.levelname} {record.name}: {record.getMessage()}"
        if record.exc_info and record.exc_info[0] is not None:
            line += f"\n{_frames(record.exc_info[2])}\n{exception_name(record.exc_info[0])} (message not logged)"
        return line


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (gunicorn and test runners replace it)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def configure_logging(log_format: str, level: int = logging.INFO) -> logging.Handler:
    """Send the root logger's records to stderr in the chosen format; calling it again replaces, never adds."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == HANDLER_NAME:
            root.removeHandler(handler)
    handler = _StderrHandler()
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def configure_app_logging(app, level: int = logging.WARNING) -> None:
    """The app's logging: the root handler above, and Flask's own default handler taken off (no duplicates).

    Warnings and errors by default, so that commands print only what they mean to; the scheduler asks
    for INFO (what each job did).
    """
    from flask.logging import default_handler

    configure_logging(app.config.get("LOG_FORMAT", "text"), level)
    app.logger.removeHandler(default_handler)
