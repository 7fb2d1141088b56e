"""The "What is a peer worker?" page (shipped text, or the coordinator's) and public contact requests."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from peer_support.audit.models import AuditEntry
from peer_support.audit.services import record
from peer_support.extensions import db
from peer_support.information.defaults import DEFAULT_PAGES
from peer_support.referrals.history import record_event
from peer_support.referrals.models import InformationPage, Referral

CONTACT_REQUEST_ACTION = "information.contact_request"
# Who wrote the audit entry of a contact request: nobody signed in.
PUBLIC_FORM_ACTOR = "public contact form"

_BLANK_LINES = re.compile(r"\n[ \t]*\n+")


@dataclass(frozen=True)
class PageText:
    """What a page shows in one language, and whether it is the text shipped with the application."""
    slug: str
    locale: str
    title: str
    body: str
    is_default: bool
    updated_at: datetime | None = None

    @property
    def paragraphs(self) -> list[list[str]]:
        """The body as paragraphs (split on blank lines), each a list of its lines."""
        return [block.split("\n") for block in _BLANK_LINES.split(self.body) if block.strip()]


def normalise_text(text: str) -> str:
    """Line endings unified, trailing spaces and surrounding blank lines removed."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def _stored(slug: str, locale: str) -> InformationPage | None:
    return db.session.scalar(sa.select(InformationPage).where(InformationPage.slug == slug,
                                                             InformationPage.locale == locale))


def page_text(slug: str, locale: str) -> PageText:
    """The coordinator's text for this language if there is one, else the shipped text."""
    page = _stored(slug, locale)
    if page is not None:
        return PageText(slug, locale, page.title, page.body, is_default=False, updated_at=page.updated_at)
    title, body = DEFAULT_PAGES[slug][locale]
    return PageText(slug, locale, title, body, is_default=True)


def save_page(actor, slug: str, locale: str, *, title: str, body: str, ip: str | None,
              now: datetime) -> InformationPage:
    """Replace a page's title and text in one language (plain text; shown escaped)."""
    page = _stored(slug, locale)
    if page is None:
        page = InformationPage(slug=slug, locale=locale)
        db.session.add(page)
    page.title, page.body = title.strip(), normalise_text(body)
    page.updated_by_id, page.updated_at = actor.id, now
    db.session.flush()
    record("information.page_update", actor=actor, object_type="information_page", object_id=f"{slug}/{locale}",
           ip=ip, now=now, details={"locale": locale})
    return page


def restore_default(actor, slug: str, locale: str, *, ip: str | None, now: datetime) -> None:
    """Go back to the shipped text in one language (the coordinator's version is removed)."""
    page = _stored(slug, locale)
    if page is not None:
        db.session.delete(page)
        db.session.flush()
    record("information.page_update", actor=actor, object_type="information_page", object_id=f"{slug}/{locale}",
           ip=ip, now=now, details={"locale": locale, "restored_default": True})


# --- Public contact requests -----------------------------------------------------

@dataclass(frozen=True)
class ContactRequest:
    name: str
    contact: str
    unit_id: int | None = None
    message: str | None = None


def recent_contact_requests(ip: str, *, now: datetime, window: timedelta) -> int:
    """How many contact requests this address sent within the window (counted in the database,
    so the limit holds across workers)."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEntry).where(
            AuditEntry.action == CONTACT_REQUEST_ACTION, AuditEntry.ip == ip, AuditEntry.at > now - window))


def create_contact_request(data: ContactRequest, *, ip: str, now: datetime) -> Referral:
    """A request from the public form becomes a new, self-referred referral in the triage queue.

    Nobody is looked up: the person is linked to a record (or not) at triage.
    """
    message = normalise_text(data.message or "") or None
    referral = Referral(source="self_public", service_user_id=None, unit_id=data.unit_id,
                        requester_name=data.name.strip(), requester_contact=data.contact.strip(), message=message,
                        agreed_to_contact=True, created_at=now)
    db.session.add(referral)
    record_event(referral, actor=None, to_status="new", now=now)
    db.session.flush()
    # No personal data in the audit log: the referral's number, and the address for the rate limit.
    record(CONTACT_REQUEST_ACTION, actor_label=PUBLIC_FORM_ACTOR, object_type="referral", object_id=referral.id,
           ip=ip, now=now)
    return referral
