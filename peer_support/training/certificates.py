"""Certificate files: checked by their content, stored outside the web root under a random key.

A file written during a request is removed again if the transaction rolls
back; a file replaced or deleted is removed only once the change is committed
(so a failed commit never leaves a row pointing to a missing file).
"""
from __future__ import annotations

import os
import re
import secrets
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session

from peer_support.errors import DomainError

# What each accepted type starts with ("magic bytes"); the name the person gave proves nothing.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
EXTENSIONS = {"application/pdf": (".pdf",), "image/png": (".png",), "image/jpeg": (".jpg", ".jpeg")}
_KEY = re.compile(r"[0-9a-f]{32}")
_FILENAME_MAX = 200


def sniff(content: bytes) -> str | None:
    """The content type of a certificate file, from its first bytes; None when it is none of the accepted ones."""
    for signature, content_type in SIGNATURES:
        if content.startswith(signature):
            return content_type
    return None


def human_size(size: int) -> str:
    """A size as people read it: 5 MB, 300 KB."""
    if size >= 1024 * 1024:
        return str(_l("%(size)s MB", size=format_decimal(round(size / (1024 * 1024), 1))))
    if size >= 1024:
        return str(_l("%(size)s KB", size=format_decimal(round(size / 1024, 1))))
    return str(_l("%(size)s bytes", size=size))


def sanitise_filename(filename: str | None, content_type: str) -> str:
    """The name shown and offered at download: no folders, no control characters, the right extension."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C" and ch not in '"<>:|?*')
    name = name.strip(" .")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    if "." + extension.lower() not in EXTENSIONS[content_type]:
        # The type is what the content is: "scan.exe" holding a PDF is downloaded as "scan.exe.pdf".
        stem, extension = name, EXTENSIONS[content_type][0].lstrip(".")
    stem = (stem or "certificate")[: _FILENAME_MAX - len(extension) - 1]
    return f"{stem}.{extension}"


@dataclass(frozen=True)
class CertificateStore:
    """Where certificate files live, and how large they may be."""

    directory: Path
    max_bytes: int

    def path(self, key: str) -> Path:
        if not _KEY.fullmatch(key or ""):
            raise ValueError("not a certificate key")
        return self.directory / key

    def read_upload(self, stream) -> tuple[bytes, str]:
        """The uploaded content and its type, or a DomainError a person understands (nothing is stored)."""
        content = stream.read(self.max_bytes + 1)
        if len(content) > self.max_bytes:
            raise DomainError(_l("This file is too large: a certificate may be at most %(limit)s.",
                                 limit=human_size(self.max_bytes)), field="certificate")
        if not content:
            raise DomainError(_l("This file is empty."), field="certificate")
        content_type = sniff(content)
        if content_type is None:
            raise DomainError(_l("This file is not a PDF, PNG or JPEG document. Save or scan the certificate "
                                 "in one of these formats, then try again."), field="certificate")
        return content, content_type

    def save(self, content: bytes) -> str:
        """Write the file under a new random key (atomically); returns the key."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = secrets.token_hex(16)
        fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path(key))
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return key


def certificate_store() -> CertificateStore:
    """The store the application is configured with."""
    config = current_app.config
    return CertificateStore(directory=Path(config["CERTIFICATE_DIR"]), max_bytes=int(config["CERTIFICATE_MAX_BYTES"]))


def _pending(session: Session) -> dict[str, list[Path]]:
    return session.info.setdefault("certificate_files", {"on_commit": [], "on_rollback": []})


def remove_after_commit(session: Session, path: Path) -> None:
    """Delete this file once the transaction is committed (it is kept if it rolls back)."""
    _pending(session)["on_commit"].append(path)


def remove_after_rollback(session: Session, path: Path) -> None:
    """Delete this file if the transaction rolls back (a file written for a change that is not kept)."""
    _pending(session)["on_rollback"].append(path)


def _settle(session: Session, which: str) -> None:
    # A savepoint's commit or rollback settles nothing: only the outermost transaction decides.
    if session.in_nested_transaction():
        return
    files = session.info.pop("certificate_files", None)
    for path in (files or {}).get(which, ()):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            current_app.logger.exception("could not delete the certificate file %s", path.name)


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    _settle(session, "on_commit")


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    _settle(session, "on_rollback")
