"""A peer worker's photo, if they choose to give one: shown to the people they accompany.

The upload is checked by Pillow (a real PNG or JPEG image, not too many pixels),
turned upright, scaled to at most PHOTO_SIZE and re-encoded: what is stored has
no EXIF data, so a phone picture's location or device never leaves with it.
Files live outside the web root under a random key, like training certificates,
and share their commit/rollback clean-up (training/certificates.py).
"""
from __future__ import annotations

import io
import warnings
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from peer_support.audit.services import record
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.peers.models import PeerProfile
from peer_support.training.certificates import CertificateStore, human_size, remove_after_commit, remove_after_rollback

PHOTO_SIZE = (600, 600)
# A small file can still decode to a huge bitmap ("decompression bomb"): refuse beyond this.
MAX_PIXELS = 40_000_000
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}


def photo_store() -> CertificateStore:
    """Where photos are kept; the store's key scheme and atomic writes are the certificates' ones."""
    config = current_app.config
    return CertificateStore(directory=Path(config["PHOTO_DIR"]), max_bytes=int(config["PHOTO_MAX_BYTES"]))


def prepare_photo(stream, *, max_bytes: int) -> tuple[bytes, str]:
    """The re-encoded photo and its content type, or a DomainError the person understands (nothing stored)."""
    content = stream.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise DomainError(_l("This photo is too large: it may be at most %(limit)s.", limit=human_size(max_bytes)),
                          field="photo")
    if not content:
        raise DomainError(_l("This file is empty."), field="photo")
    refused = DomainError(_l("This file is not a PNG or JPEG photo. Choose a photo in one of these formats."),
                          field="photo")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content))
            kind = image.format
            if kind not in FORMATS:
                raise refused
            if image.width * image.height > MAX_PIXELS:
                raise DomainError(_l("This photo has too many pixels. Choose a smaller picture."), field="photo")
            image.load()
            image = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise refused from None
    image.thumbnail(PHOTO_SIZE)
    output = io.BytesIO()
    if kind == "PNG" or image.mode in ("RGBA", "LA", "P"):
        image.save(output, format="PNG", optimize=True)
        return output.getvalue(), "image/png"
    image.convert("RGB").save(output, format="JPEG", quality=85)
    return output.getvalue(), "image/jpeg"


def set_photo(actor, profile: PeerProfile, *, stream, store: CertificateStore, ip: str | None,
              now: datetime) -> None:
    """Replace the profile's photo (the old file goes once the change is committed); audited."""
    content, content_type = prepare_photo(stream, max_bytes=store.max_bytes)
    key = store.save(content)
    remove_after_rollback(db.session, store.path(key))
    if profile.photo_key:
        remove_after_commit(db.session, store.path(profile.photo_key))
    profile.photo_key, profile.photo_content_type, profile.updated_at = key, content_type, now
    record("peers.photo_change", actor=actor, object_type="peer_profile", object_id=profile.id, ip=ip, now=now)
    db.session.flush()


def remove_photo(actor, profile: PeerProfile, *, store: CertificateStore, ip: str | None, now: datetime) -> None:
    if not profile.photo_key:
        return
    remove_after_commit(db.session, store.path(profile.photo_key))
    profile.photo_key = profile.photo_content_type = None
    profile.updated_at = now
    record("peers.photo_remove", actor=actor, object_type="peer_profile", object_id=profile.id, ip=ip, now=now)
    db.session.flush()
