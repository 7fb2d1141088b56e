"""The public contact request form: a new self-referred referral, and its protections."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from peer_support.audit.models import AuditEntry
from peer_support.db import utcnow
from peer_support.extensions import db
from peer_support.referrals.models import Referral, ReferralEvent
from peer_support.units.models import Unit

EN = {"Accept-Language": "en"}
FR = {"Accept-Language": "fr"}


def _html(response):
    return response.get_data(as_text=True)


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _post(client, ip="203.0.113.7", headers=EN, **fields):
    data = {"name": "Camille", "contact": "06 12 34 56 78, after 5 pm", "unit_id": "", "message": "",
            "consent": "y", "website": ""}
    data.update(fields)
    return client.post("/contact", data=data, headers=headers, environ_base={"REMOTE_ADDR": ip})


@pytest.fixture
def unit(app):
    unit = Unit(code="CL3R", name="Centre de réhabilitation")
    db.session.add(unit)
    db.session.commit()
    return unit


def test_form_is_public_in_both_languages(client, unit):
    html = _html(client.get("/contact", headers=EN))
    assert "Ask to meet a peer worker" in html and "Leave this field empty" in html
    assert "CL3R — Centre de réhabilitation" in html
    assert re.search(r'<input[^>]*name="website"[^>]*tabindex="-1"', html)
    assert re.search(r'<input[^>]*autocomplete="off"[^>]*name="website"'
                     r'|<input[^>]*name="website"[^>]*autocomplete="off"', html)
    french = client.get("/contact", headers=FR)
    assert french.status_code == 200 and '<html lang="fr">' in _html(french)


def test_valid_request_becomes_a_new_self_referral(client, unit):
    response = _post(client, unit_id=str(unit.id), message="I would like to talk to someone.")
    assert response.status_code == 302 and response.headers["Location"] == "/contact/sent"
    referral = db.session.scalar(sa.select(Referral))
    assert (referral.source, referral.status, referral.service_user_id) == ("self_public", "new", None)
    assert (referral.requester_name, referral.requester_contact) == ("Camille", "06 12 34 56 78, after 5 pm")
    assert referral.unit_id == unit.id and referral.message == "I would like to talk to someone."
    assert referral.agreed_to_contact is True and referral.referred_by_id is None
    event = db.session.scalar(sa.select(ReferralEvent))
    assert (_count(Referral), _count(ReferralEvent)) == (1, 1)
    assert (event.referral_id, event.from_status, event.to_status, event.actor_id) == (referral.id, None, "new", None)
    audit = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "information.contact_request"))
    assert (audit.object_type, audit.object_id, audit.ip) == ("referral", str(referral.id), "203.0.113.7")
    # No personal data in the audit log.
    assert "Camille" not in str(audit.details) and "Camille" not in (audit.actor_label or "")

    sent = client.get("/contact/sent", headers=EN)
    assert sent.status_code == 200
    assert "will contact you soon" in _html(sent) and 'href="/what-is-a-peer-worker"' in _html(sent)


def test_request_without_unit_or_message(client):
    assert _post(client).status_code == 302
    referral = db.session.scalar(sa.select(Referral))
    assert referral.unit_id is None and referral.message is None


def test_honeypot_answers_as_success_and_stores_nothing(client):
    real = _post(client, ip="198.51.100.1")
    trapped = _post(client, ip="198.51.100.2", website="http://spam.example")
    assert (trapped.status_code, trapped.headers["Location"]) == (real.status_code, real.headers["Location"])
    assert _count(Referral) == 1 and _count(ReferralEvent) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.ip == "198.51.100.2")) == 0


@pytest.mark.parametrize("field, size, message", [
    ("name", 201, "Keep this under 200 characters."),
    ("contact", 301, "Keep this under 300 characters."),
    ("message", 2001, "Keep your message under 2000 characters."),
])
def test_oversized_fields_are_refused_and_kept(client, field, size, message):
    typed = "é" * size
    response = _post(client, **{field: typed})
    html = _html(response)
    assert response.status_code == 400
    assert message in html and typed in html
    other = "06 12 34 56 78" if field == "name" else "Camille"
    assert other in html  # the other fields too
    assert _count(Referral) == 0 and _count(ReferralEvent) == 0


def test_limits_are_inclusive(client):
    assert _post(client, name="n" * 200, contact="c" * 300, message="m" * 2000).status_code == 302
    assert _count(Referral) == 1


def test_missing_fields_and_consent(client):
    response = _post(client, name="  ", contact="", consent="")
    html = _html(response)
    assert response.status_code == 400
    assert "Tell us what to call you" in html and "Tell us how to reach you" in html
    assert "We can only contact you if you agree to it." in html
    assert _count(Referral) == 0


def test_unknown_unit_is_a_form_error(client):
    response = _post(client, unit_id="999")
    assert response.status_code == 400 and _count(Referral) == 0


def test_rate_limit_per_address(client):
    for _ in range(5):
        assert _post(client, ip="192.0.2.10").status_code == 302
    refused = _post(client, ip="192.0.2.10")
    assert refused.status_code == 429
    assert "Too many requests" in _html(refused) and 'href="/what-is-a-peer-worker"' in _html(refused)
    assert _count(Referral) == 5
    # Another address is not affected.
    assert _post(client, ip="192.0.2.11").status_code == 302
    assert _count(Referral) == 6


def test_rate_limit_page_in_french(client):
    for _ in range(5):
        _post(client, ip="192.0.2.20", headers=FR)
    refused = _post(client, ip="192.0.2.20", headers=FR)
    assert refused.status_code == 429 and '<html lang="fr">' in _html(refused)


def test_rate_limit_window_is_one_hour(client):
    from peer_support.audit.services import record

    # Five requests more than an hour ago do not count.
    for _ in range(5):
        record("information.contact_request", ip="192.0.2.30", now=utcnow() - timedelta(minutes=61))
    db.session.commit()
    assert _post(client, ip="192.0.2.30").status_code == 302


def test_rate_limit_is_configurable(client, app):
    app.config["CONTACT_REQUEST_LIMIT"] = 1
    assert _post(client, ip="192.0.2.40").status_code == 302
    assert _post(client, ip="192.0.2.40").status_code == 429


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_with_csrf_protection(client):
    form = _html(client.get("/contact", headers=EN))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    without = _post(client)
    assert without.status_code == 400 and "Camille" in _html(without)  # the friendly page keeps what was typed
    assert _count(Referral) == 0
    assert _post(client, csrf_token=token).status_code == 302
    assert _count(Referral) == 1
