"""Fixtures of the training tests: certificates in a temporary folder, workers, programmes, records."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from peer_support.extensions import db
from peer_support.peers.models import PeerProfile
from peer_support.peers.services import get_profile
from peer_support.training.models import TrainingProgramme, TrainingRecord

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40


@pytest.fixture
def certificate_max_bytes():
    """The size limit of certificates; a test may lower it with @pytest.mark.parametrize."""
    return 5 * 1024 * 1024


@pytest.fixture
def certificate_dir(tmp_path) -> Path:
    return tmp_path / "certificates"


@pytest.fixture
def extra_config():
    """More configuration for one test, through @pytest.mark.parametrize("extra_config", [{...}])."""
    return {}


@pytest.fixture
def app_config(certificate_dir, certificate_max_bytes, extra_config):
    return {"CERTIFICATE_DIR": str(certificate_dir), "CERTIFICATE_MAX_BYTES": certificate_max_bytes, **extra_config}


def stored_files(directory: Path) -> list[Path]:
    """Every file in the certificate folder (temporary ones included: nothing may be left behind)."""
    return sorted(path for path in directory.rglob("*") if path.is_file()) if directory.exists() else []


@pytest.fixture
def make_profile(make_account):
    """A peer worker's account with its profile: make_profile(supervisor=account)."""

    def make(*, supervisor=None, status="active", name=None):
        account = make_account("peer_worker", locale="en", name=name)
        profile = PeerProfile(account_id=account.id, status=status, supervisor_id=supervisor.id if supervisor else None)
        db.session.add(profile)
        db.session.commit()
        return get_profile(profile.id)

    return make


@pytest.fixture
def make_programme(app):
    """A catalogue entry: make_programme(kind="ongoing", validity_months=36)."""
    counter = iter(range(1, 10_000))

    def make(*, kind="ongoing", name_en=None, name_fr=None, validity_months=None, renewal_notice_days=60,
             grace_days=30, default_hours=None, is_active=True, provider=None):
        number = next(counter)
        programme = TrainingProgramme(
            kind=kind, name_en=name_en or f"Programme {number}", name_fr=name_fr or f"Programme FR {number}",
            provider=provider, validity_months=validity_months, renewal_notice_days=renewal_notice_days,
            grace_days=grace_days, default_hours=Decimal(str(default_hours)) if default_hours is not None else None,
            is_active=is_active)
        db.session.add(programme)
        db.session.commit()
        return programme

    return make


@pytest.fixture
def make_record(app):
    """A record stored as is (no service rules): make_record(profile, programme, status="completed", ...)."""

    def make(profile, programme, *, status="completed", starts_on=None, ends_on=None, hours=None,
             expires_on=None, **fields):
        record = TrainingRecord(profile_id=profile.id, programme_id=programme.id, status=status,
                                starts_on=starts_on, ends_on=ends_on,
                                hours=Decimal(str(hours)) if hours is not None else None,
                                expires_on=expires_on, **fields)
        db.session.add(record)
        db.session.commit()
        return record

    return make


def account_of(profile):
    """The worker's account (the profile's relationship is not loaded lazily)."""
    from peer_support.auth.models import Account

    return db.session.get(Account, profile.account_id)


def day(text: str) -> date:
    return date.fromisoformat(text)
