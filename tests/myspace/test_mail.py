"""Outgoing mail: SMTP when MAIL_SERVER is set, else an .eml file in the outbox folder."""
from datetime import datetime, timezone
from email import message_from_bytes, policy

import pytest

from peer_support import mail
from peer_support.config import from_environment

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


def test_without_a_mail_server_the_message_is_written_to_the_outbox(tmp_path):
    config = {"MAIL_SERVER": None, "OUTBOX_DIR": str(tmp_path / "outbox"), "MAIL_DEFAULT_SENDER": "pa@chu.example"}
    path = mail.send_mail("camille@example.org", "Votre compte", "Bonjour Camille,\n\nÀ bientôt.\n", config=config,
                          now=NOW)
    assert path.parent == tmp_path / "outbox" and path.suffix == ".eml"
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == "camille@example.org"
    assert message["From"] == "pa@chu.example"
    assert message["Subject"] == "Votre compte"
    assert message["Message-ID"] and message["Date"]
    assert message.get_content_type() == "text/plain"
    assert "À bientôt." in message.get_content()
    assert not list((tmp_path / "outbox").glob("*.tmp"))


def test_outbox_names_are_unique_and_sort_in_sending_order(tmp_path):
    config = {"OUTBOX_DIR": str(tmp_path)}
    first = mail.send_mail("a@example.org", "1", "x", config=config, now=NOW)
    second = mail.send_mail("a@example.org", "2", "x", config=config, now=NOW)
    third = mail.send_mail("a@example.org", "3", "x", config=config, now=NOW.replace(minute=31))
    assert len({first, second, third}) == 3
    assert sorted(p.name for p in tmp_path.iterdir())[-1] == third.name


class FakeSMTP:
    instances = []

    def __init__(self, host, port, timeout=None):
        self.host, self.port, self.calls, self.sent = host, port, [], []
        FakeSMTP.instances.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.calls.append("quit")

    def starttls(self):
        self.calls.append("starttls")

    def login(self, user, password):
        self.calls.append(("login", user, password))

    def send_message(self, message):
        self.sent.append(message)


@pytest.fixture
def fake_smtp(monkeypatch):
    FakeSMTP.instances = []
    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    return FakeSMTP


def test_with_a_mail_server_the_message_goes_through_smtp(fake_smtp, tmp_path):
    config = {"MAIL_SERVER": "smtp.chu.example", "MAIL_PORT": 2525, "MAIL_USE_TLS": True, "MAIL_USERNAME": "pa",
              "MAIL_PASSWORD": "secret", "MAIL_DEFAULT_SENDER": "pa@chu.example", "OUTBOX_DIR": str(tmp_path)}
    assert mail.send_mail("camille@example.org", "Subject", "Body", config=config, now=NOW) is None
    smtp = fake_smtp.instances[0]
    assert (smtp.host, smtp.port) == ("smtp.chu.example", 2525)
    assert smtp.calls == ["starttls", ("login", "pa", "secret"), "quit"]
    assert smtp.sent[0]["To"] == "camille@example.org"
    assert list(tmp_path.iterdir()) == []  # nothing in the outbox


def test_smtp_without_tls_or_login(fake_smtp, tmp_path):
    config = {"MAIL_SERVER": "localhost", "MAIL_PORT": 25, "MAIL_USE_TLS": False, "OUTBOX_DIR": str(tmp_path)}
    mail.send_mail("camille@example.org", "Subject", "Body", config=config, now=NOW)
    assert fake_smtp.instances[0].calls == ["quit"]


def test_mail_settings_come_from_the_environment(monkeypatch, tmp_path):
    for name in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_USE_TLS", "MAIL_DEFAULT_SENDER"):
        monkeypatch.delenv(name, raising=False)
    defaults = from_environment(str(tmp_path))
    assert defaults["MAIL_SERVER"] is None and defaults["OUTBOX_DIR"] == str(tmp_path / "outbox")
    monkeypatch.setenv("MAIL_SERVER", "smtp.chu.example")
    monkeypatch.setenv("MAIL_PORT", "465")
    monkeypatch.setenv("MAIL_USE_TLS", "no")
    monkeypatch.setenv("MAIL_DEFAULT_SENDER", "pa@chu.example")
    config = from_environment(str(tmp_path))
    assert (config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_USE_TLS"], config["MAIL_DEFAULT_SENDER"]) == (
        "smtp.chu.example", 465, False, "pa@chu.example")
