"""Stable pseudonyms per study: a keyed hash (HMAC-SHA256) of the study and the participant.

The key is RESEARCH_PSEUDONYM_KEY from the configuration, never stored in the database, so a copy of the
database (or of an export) does not lead back to anyone; the database id never appears. The same person has
the same pseudonym in every export of one study, and unrelated pseudonyms in two studies.
"""
from __future__ import annotations

import base64
import hashlib
import hmac

from flask import current_app

# What a pseudonym stands for: a service user's record or a staff account (never mixed up).
KINDS = {"service_user": "P", "account": "S"}


def pseudonym_key() -> bytes:
    return current_app.config["RESEARCH_PSEUDONYM_KEY"].encode()


def pseudonym(study_id: int, kind: str, subject_id: int, *, key: bytes | None = None) -> str:
    """e.g. P-7KQ2M4XA for a service user, S-... for staff: 8 base32 characters (40 bits) of the HMAC."""
    prefix = KINDS[kind]
    digest = hmac.new(key or pseudonym_key(), f"{study_id}:{kind}:{subject_id}".encode(), hashlib.sha256).digest()
    return f"{prefix}-{base64.b32encode(digest[:5]).decode()}"
