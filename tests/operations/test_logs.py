"""Logs: one JSON object per line with LOG_FORMAT=json, plain text otherwise; never an exception's message."""
import json
import logging
import sys
from datetime import datetime, timedelta, timezone

import pytest

from peer_support.operations.logs import HANDLER_NAME, JsonFormatter, TextFormatter, configure_logging

log = logging.getLogger("peer_support.tests.logs")


@pytest.fixture(autouse=True)
def only_our_log_handler(monkeypatch):
    """The test database's migration runs Alembic's logging setup, which leaves a handler of its own on
    the root logger and disables the loggers that existed then: these tests look at ours alone."""
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [h for h in root.handlers if h.get_name() == HANDLER_NAME])
    monkeypatch.setattr(root, "level", root.level)
    for logger in list(root.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger) and logger.disabled:
            monkeypatch.setattr(logger, "disabled", False)


def our_handlers():
    return [handler for handler in logging.getLogger().handlers if handler.get_name() == HANDLER_NAME]


def logged_lines(capsys) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.strip()]


def fail_with_a_name():
    raise ValueError("no meeting for Jeanne Dupont")


def test_json_lines_carry_time_level_logger_and_message(capsys):
    configure_logging("json")
    before = datetime.now(timezone.utc)
    log.info("created %d nudges", 3)
    log.warning("sent %d nudge mails", 2)
    lines = logged_lines(capsys)
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert set(first) == {"time", "level", "logger", "message"}
    assert (first["level"], first["logger"], first["message"]) == ("INFO", "peer_support.tests.logs",
                                                                   "created 3 nudges")
    assert second["level"] == "WARNING" and second["message"] == "sent 2 nudge mails"
    assert first["time"].endswith("Z")
    at = datetime.fromisoformat(first["time"])
    assert at.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=1) <= at <= datetime.now(timezone.utc)


def test_a_json_line_with_an_exception_names_its_type_but_not_its_message(capsys):
    configure_logging("json")
    try:
        fail_with_a_name()
    except ValueError:
        log.exception("job %s failed", "nudges.evaluate")
    [line] = logged_lines(capsys)
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["message"] == "job nudges.evaluate failed"
    assert entry["exception"] == "ValueError"
    assert "fail_with_a_name" in entry["stack"]
    assert "Jeanne" not in line


def test_a_library_exception_is_named_with_its_module():
    import sqlalchemy as sa

    try:
        raise sa.exc.IntegrityError("INSERT", {"name": "Jeanne Dupont"}, Exception("UNIQUE"))
    except sa.exc.IntegrityError:
        record = log.makeRecord(log.name, logging.ERROR, __file__, 1, "insert failed", (), sys.exc_info())
    entry = json.loads(JsonFormatter().format(record))
    assert entry["exception"] == "sqlalchemy.exc.IntegrityError"
    assert "Jeanne" not in json.dumps(entry)


def test_plain_text_is_the_default_and_hides_exception_messages_too(capsys):
    configure_logging("text")
    log.info("purged %d sign-in attempts", 4)
    try:
        fail_with_a_name()
    except ValueError:
        log.exception("job failed")
    output = capsys.readouterr().err
    first = output.splitlines()[0]
    with pytest.raises(json.JSONDecodeError):
        json.loads(first)
    assert first.endswith("INFO peer_support.tests.logs: purged 4 sign-in attempts")
    assert datetime.fromisoformat(first.split(" ")[0]).utcoffset() == timedelta(0)
    assert "ValueError (message not logged)" in output and "fail_with_a_name" in output
    assert "Jeanne" not in output
    assert isinstance(our_handlers()[0].formatter, TextFormatter)


def test_configuring_again_replaces_the_handler_rather_than_adding_one(capsys):
    configure_logging("json")
    configure_logging("json")
    configure_logging("text")
    assert len(our_handlers()) == 1
    log.info("once")
    assert len(logged_lines(capsys)) == 1


@pytest.mark.parametrize("app_config", [{"LOG_FORMAT": "json"}])
def test_the_web_app_logs_json_lines_through_the_root_logger_only(app, capsys, app_config):
    from flask.logging import default_handler

    assert isinstance(our_handlers()[0].formatter, JsonFormatter)
    assert default_handler not in app.logger.handlers
    assert logging.getLogger().level == logging.WARNING  # commands print only what they mean to
    capsys.readouterr()
    app.logger.error("a request failed")
    [line] = logged_lines(capsys)
    assert json.loads(line)["logger"] == "peer_support" and json.loads(line)["message"] == "a request failed"


@pytest.mark.parametrize("app_config", [{"LOG_FORMAT": "json", "PROPAGATE_EXCEPTIONS": False}])
def test_an_error_in_a_request_is_logged_as_json_without_its_message(app, client, capsys, monkeypatch, app_config):
    from peer_support.main import views

    monkeypatch.setattr(views, "scheduler_health", lambda *args: fail_with_a_name())
    capsys.readouterr()
    assert client.get("/healthz").status_code == 500
    entries = [json.loads(line) for line in logged_lines(capsys)]
    errors = [entry for entry in entries if entry["level"] == "ERROR"]
    assert [(entry["logger"], entry["exception"]) for entry in errors] == [("peer_support", "ValueError")]
    assert all("Jeanne" not in json.dumps(entry) for entry in entries)


def test_log_format_comes_from_the_environment(monkeypatch, tmp_path):
    from peer_support.config import from_environment

    monkeypatch.setenv("LOG_FORMAT", " JSON ")
    assert from_environment(str(tmp_path))["LOG_FORMAT"] == "json"
    monkeypatch.delenv("LOG_FORMAT")
    assert from_environment(str(tmp_path))["LOG_FORMAT"] == "text"


def test_the_scheduler_command_logs_in_the_configured_format(app, monkeypatch, capsys):
    import signal

    from peer_support import scheduler as scheduler_module

    monkeypatch.setattr(signal, "signal", lambda *args: None)  # (the test process keeps its own handlers)
    monkeypatch.setattr(scheduler_module.BlockingScheduler, "start", lambda self: log.info("started"))
    configure_logging("text")
    app.config["LOG_FORMAT"] = "json"
    result = app.test_cli_runner().invoke(args=["scheduler"])
    assert result.exit_code == 0, result.output
    assert isinstance(our_handlers()[0].formatter, JsonFormatter)
    assert logging.getLogger().level == logging.INFO  # what each job did (other commands: warnings only)
    # (The command runner stands in for stderr while the command runs.)
    assert json.loads(result.stderr.strip().splitlines()[-1])["message"] == "started"
