"""Outgoing mail: through an SMTP server when MAIL_SERVER is set, else written to the outbox folder.

Without a mail server (development, closed hospital networks), each message is
an RFC 5322 .eml file in OUTBOX_DIR, named so that a directory listing is in
sending order; an operator can open it or hand it to any mail client.
"""
from __future__ import annotations

import os
import secrets
import smtplib
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path


def build_message(to: str, subject: str, body: str, *, sender: str, now: datetime | None = None) -> EmailMessage:
    """A plain-text message (UTF-8), with the headers a mail client expects."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(now or datetime.now(timezone.utc))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    message.set_content(body)
    return message


def _outbox_name(now: datetime) -> str:
    # Sortable (UTC time to the microsecond first), and unique (a random suffix).
    return now.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ") + "-" + secrets.token_hex(4) + ".eml"


def write_to_outbox(message: EmailMessage, outbox_dir: str | os.PathLike, *, now: datetime) -> Path:
    """Write the message as an .eml file, atomically (written aside, then renamed into place)."""
    folder = Path(outbox_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / _outbox_name(now)
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(bytes(message))
    os.replace(temporary, path)
    return path


def send_through_smtp(message: EmailMessage, config) -> None:
    with smtplib.SMTP(config["MAIL_SERVER"], config.get("MAIL_PORT") or 587, timeout=30) as smtp:
        if config.get("MAIL_USE_TLS", True):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)


def send_mail(to: str, subject: str, body: str, *, config, now: datetime | None = None) -> Path | None:
    """Send a plain-text message; returns the .eml file's path when written to the outbox (no MAIL_SERVER)."""
    now = now or datetime.now(timezone.utc)
    message = build_message(to, subject, body, sender=config.get("MAIL_DEFAULT_SENDER") or "peer-support@localhost",
                            now=now)
    if config.get("MAIL_SERVER"):
        send_through_smtp(message, config)
        return None
    return write_to_outbox(message, config["OUTBOX_DIR"], now=now)
