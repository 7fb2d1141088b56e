"""Account invitations: the coordinator e-mails a person a link; the person chooses a password and gets
a service_user account linked to their record.

Only the SHA-256 of the link's token is stored: whoever reads the database cannot use an open invitation.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from peer_support.audit.services import record
from peer_support.auth.models import Account
from peer_support.auth.services import normalise_email, set_password
from peer_support.config import LOCALES
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.mail import send_mail
from peer_support.people.models import AccountInvitation, ServiceUser
from peer_support.timezones import local_date

INVITATION_LIFETIME = timedelta(days=7)
TOKEN_BYTES = 32


class InvalidInvitation(DomainError):
    """Unknown, expired, used or withdrawn: the person sees one neutral page, whatever the reason."""

    def __init__(self):
        super().__init__(_l("This invitation link cannot be used."))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invitation_state(invitation: AccountInvitation, *, now: datetime) -> str:
    """open, used, revoked or expired."""
    if invitation.used_at is not None:
        return "used"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.expires_at <= now:
        return "expired"
    return "open"


def _open_condition(now: datetime):
    return sa.and_(AccountInvitation.used_at.is_(None), AccountInvitation.revoked_at.is_(None),
                   AccountInvitation.expires_at > now)


def open_invitations_of(person_id: int, *, now: datetime) -> list[AccountInvitation]:
    """The person's invitations that can still be used, newest first."""
    return list(db.session.scalars(
        sa.select(AccountInvitation)
        .where(AccountInvitation.service_user_id == person_id, _open_condition(now))
        .order_by(AccountInvitation.created_at.desc(), AccountInvitation.id.desc())))


def _revoke_open(person_id: int, *, now: datetime, keep_id: int | None = None) -> int:
    revoked = 0
    for invitation in open_invitations_of(person_id, now=now):
        if invitation.id != keep_id:
            invitation.revoked_at = now
            revoked += 1
    return revoked


def _locale_of(person: ServiceUser, default: str) -> str:
    return person.preferred_language if person.preferred_language in LOCALES else default


def invitation_message(person: ServiceUser, link: str, expires_at: datetime, *, locale: str) -> tuple[str, str]:
    """The subject and plain-text body of the invitation, in the person's language."""
    with force_locale(locale):
        subject = _("Your account for the peer support programme")
        body = "\n\n".join([
            _("Hello %(name)s,", name=person.display_name),
            _("The peer support programme invites you to create your own account. With it, you can see who your "
              "peer worker is and when to find them, see your meetings, and choose how you are followed up."),
            _("To create your account, open this link and choose your password:"),
            link,
            _("The link works once, until %(date)s. If you did not expect this message, you can ignore it: "
              "nothing happens without you.", date=format_date(local_date(expires_at), "long")),
        ]) + "\n"
    return subject, body


def invite(actor, person: ServiceUser, *, email: str | None, link_for: Callable[[str], str], config,
           ip: str | None, now: datetime) -> AccountInvitation:
    """A new invitation e-mailed to the person (earlier open ones are withdrawn); refused once they have an account."""
    if person.account_id is not None:
        raise DomainError(_l("This person already has an account."))
    address = normalise_email(email or person.email or "")
    if not address:
        raise DomainError(_l("Enter the e-mail address to send the invitation to."), field="email")
    local, _at, domain = address.partition("@")
    if not local or "." not in domain or len(address) > 254 or any(c.isspace() for c in address):
        raise DomainError(_l("Enter a valid e-mail address, such as name@example.org."), field="email")
    if db.session.scalar(sa.select(Account.id).where(Account.email == address)):
        raise DomainError(_l("An account with this e-mail address already exists."), field="email")
    revoked = _revoke_open(person.id, now=now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invitation = AccountInvitation(service_user_id=person.id, email=address, token_hash=token_hash(token),
                                   created_by_id=actor.id, created_at=now, expires_at=now + INVITATION_LIFETIME)
    db.session.add(invitation)
    db.session.flush()
    record("people.invite", actor=actor, object_type="service_user", object_id=person.id, ip=ip, now=now,
           details={"invitation_id": invitation.id, "revoked_earlier": revoked})
    subject, body = invitation_message(person, link_for(token), invitation.expires_at,
                                       locale=_locale_of(person, config.get("PEER_SUPPORT_DEFAULT_LOCALE", "fr")))
    send_mail(address, subject, body, config=config, now=now)
    return invitation


def get_invitation(person_id: int, invitation_id: int) -> AccountInvitation | None:
    return db.session.scalar(sa.select(AccountInvitation).where(AccountInvitation.id == invitation_id,
                                                                AccountInvitation.service_user_id == person_id))


def revoke(actor, invitation: AccountInvitation, *, ip: str | None, now: datetime) -> None:
    """Withdraw an invitation that can still be used."""
    if invitation_state(invitation, now=now) != "open":
        raise DomainError(_l("This invitation can no longer be used: there is nothing to withdraw."))
    invitation.revoked_at = now
    record("people.invite_revoke", actor=actor, object_type="service_user", object_id=invitation.service_user_id,
           ip=ip, now=now, details={"invitation_id": invitation.id})
    db.session.flush()


def find_usable(token: str, *, now: datetime) -> AccountInvitation | None:
    """The invitation of this token if it can be used now (with its person and their units), else None."""
    if not token or len(token) > 200:
        return None
    invitation = db.session.scalar(
        sa.select(AccountInvitation)
        .options(joinedload(AccountInvitation.service_user).selectinload(ServiceUser.units))
        .where(AccountInvitation.token_hash == token_hash(token)))
    if invitation is None or invitation_state(invitation, now=now) != "open":
        return None
    if invitation.service_user.account_id is not None:
        return None
    return invitation


def accept(token: str, password: str, *, ip: str | None, now: datetime, default_locale: str = "fr") -> Account:
    """Create the person's service_user account with the password they chose, and link it to their record.

    Raises InvalidInvitation (one neutral message whatever the reason), or DomainError on the password field.
    """
    invitation = find_usable(token, now=now)
    if invitation is None:
        raise InvalidInvitation()
    person = invitation.service_user
    if db.session.scalar(sa.select(Account.id).where(Account.email == invitation.email)):
        # An account was opened with this address since: the same page as for any unusable link.
        raise InvalidInvitation()
    account = Account(email=invitation.email, name=person.display_name, role="service_user",
                      locale=_locale_of(person, default_locale) if person.preferred_language else None,
                      created_at=now)
    account.units = list(person.units)
    set_password(account, password, now=now, must_change=False)
    db.session.add(account)
    db.session.flush()
    person.account_id = account.id
    person.updated_at = now
    invitation.used_at = now
    _revoke_open(person.id, now=now, keep_id=invitation.id)
    record("account.create", actor=account, object_type="account", object_id=account.id, ip=ip, now=now,
           details={"role": account.role, "invitation_id": invitation.id})
    record("auth.invitation_accepted", actor=account, object_type="service_user", object_id=person.id, ip=ip,
           now=now, details={"invitation_id": invitation.id, "account_id": account.id})
    db.session.flush()
    return account


def invitations_for_record(person_id: int) -> list[AccountInvitation]:
    """Every invitation of a person, newest first (the record page shows their state)."""
    return list(db.session.scalars(
        sa.select(AccountInvitation).where(AccountInvitation.service_user_id == person_id)
        .order_by(AccountInvitation.created_at.desc(), AccountInvitation.id.desc())))

