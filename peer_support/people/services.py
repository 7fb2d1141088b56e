"""Service users' records: creating them (with duplicate detection), changing them, finding them."""
from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from peer_support.audit.services import record
from peer_support.auth.models import Account
from peer_support.config import LOCALES
from peer_support.errors import DomainError
from peer_support.extensions import db
from peer_support.pagination import Page
from peer_support.people.models import AGE_BANDS, CONTACT_CHANNELS, GENDERS, ServiceUser, service_user_unit
from peer_support.peers.labels import LANGUAGE_CODES
from peer_support.timezones import local_date
from peer_support.units.models import Unit, account_unit

# No 0/O, 1/I/L: a code read aloud on the phone or copied by hand must not be misread.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_PREFIX = "PA-"
CODE_LENGTH = 6
CODE_ATTEMPTS = 20
EDITABLE_FIELDS = ("display_name", "year_of_birth", "age_band", "gender", "preferred_language", "contact_channel",
                   "phone", "email", "contact_note")


def random_code() -> str:
    return CODE_PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_code(generate=random_code) -> str:
    """A code no record has yet (31^6 ≈ 900 million codes: a collision is rare, and retried)."""
    for _ in range(CODE_ATTEMPTS):
        code = generate()
        if not db.session.scalar(sa.select(ServiceUser.id).where(ServiceUser.code == code)):
            return code
    raise RuntimeError("could not generate a unique service-user code")


def name_key(display_name: str) -> str:
    """The name folded for comparison: no case, no accents, no spaces or punctuation ("Jean-Éric" -> "jeaneric")."""
    decomposed = unicodedata.normalize("NFKD", (display_name or "").casefold())
    return "".join(char for char in decomposed if char.isalnum() and not unicodedata.combining(char))


@dataclass
class PersonData:
    display_name: str
    unit_ids: list[int] = field(default_factory=list)
    year_of_birth: int | None = None
    age_band: str | None = None
    gender: str | None = None
    preferred_language: str | None = None
    contact_channel: str = "in_person"
    phone: str | None = None
    email: str | None = None
    contact_note: str | None = None


class PossibleDuplicates(DomainError):
    """Records that may be the same person: the caller shows them and asks."""

    def __init__(self, people: list[ServiceUser]):
        super().__init__(_l("A record with the same name and year of birth already exists in this unit."))
        self.people = people


def account_unit_ids(account) -> set[int]:
    """The units an account belongs to (asked of the database: the relationship is not loaded)."""
    if account is None or not getattr(account, "id", None):
        return set()
    return set(db.session.scalars(sa.select(account_unit.c.unit_id).where(account_unit.c.account_id == account.id)))


def units_for_new_records(actor) -> list[Unit]:
    """Units a record may be put in by this actor: any active unit for the coordinator, staff their own."""
    query = sa.select(Unit).where(Unit.is_active).order_by(Unit.code)
    if getattr(actor, "role", None) != "coordinator":
        query = query.where(Unit.id.in_(account_unit_ids(actor) or {0}))
    return list(db.session.scalars(query))


def _clean(text: str | None) -> str | None:
    return (text or "").strip() or None


def _check(actor, data: PersonData, *, now: datetime, keep_unit_ids: set[int] = frozenset()) -> PersonData:
    name = _clean(data.display_name)
    if not name:
        raise DomainError(_l("Enter the name the person goes by."), field="display_name")
    if data.year_of_birth is not None and not 1900 <= data.year_of_birth <= local_date(now).year:
        raise DomainError(_l("Enter a year of birth between 1900 and this year."), field="year_of_birth")
    for value, allowed, form_field in ((data.age_band, AGE_BANDS, "age_band"), (data.gender, GENDERS, "gender"),
                                       (data.preferred_language, LANGUAGE_CODES, "preferred_language")):
        if value not in (None, "", *allowed):
            raise DomainError(_l("Choose a value from the list."), field=form_field)
    if data.contact_channel not in CONTACT_CHANNELS:
        raise DomainError(_l("Choose how the person prefers to be contacted."), field="contact_channel")
    if data.contact_channel == "phone" and not _clean(data.phone):
        raise DomainError(_l("Enter the phone number: it is how the person prefers to be contacted."), field="phone")
    if data.contact_channel == "email" and not _clean(data.email):
        raise DomainError(_l("Enter the e-mail address: it is how the person prefers to be contacted."),
                          field="email")
    unit_ids = set(data.unit_ids)
    if not unit_ids:
        raise DomainError(_l("Choose at least one unit."), field="unit_ids")
    # A unit already on the record may stay; a new one must be one the actor may put records in.
    allowed_ids = {unit.id for unit in units_for_new_records(actor)} | set(keep_unit_ids)
    if not unit_ids <= allowed_ids:
        raise DomainError(_l("Choose the units from the list."), field="unit_ids")
    return PersonData(display_name=name, unit_ids=sorted(unit_ids), year_of_birth=data.year_of_birth,
                      age_band=data.age_band or None, gender=data.gender or None,
                      preferred_language=data.preferred_language or None, contact_channel=data.contact_channel,
                      phone=_clean(data.phone), email=_clean(data.email), contact_note=_clean(data.contact_note))


def find_possible_duplicates(display_name: str, year_of_birth: int | None, unit_ids, *,
                             exclude_id: int | None = None) -> list[ServiceUser]:
    """Records with the same folded name and year of birth (both unknown counts as the same) sharing a unit."""
    if not unit_ids or not name_key(display_name):
        return []
    same_year = (ServiceUser.year_of_birth.is_(None) if year_of_birth is None
                 else ServiceUser.year_of_birth == year_of_birth)
    query = (
        sa.select(ServiceUser)
        .options(selectinload(ServiceUser.units))
        .where(ServiceUser.name_key == name_key(display_name), same_year,
               ServiceUser.units.any(Unit.id.in_(list(unit_ids))))
        .order_by(ServiceUser.code)
    )
    if exclude_id:
        query = query.where(ServiceUser.id != exclude_id)
    return list(db.session.scalars(query))


def _units(unit_ids) -> list[Unit]:
    return list(db.session.scalars(sa.select(Unit).where(Unit.id.in_(list(unit_ids))).order_by(Unit.code)))


def create_person(actor, data: PersonData, *, ip: str | None, now: datetime,
                  different_person: bool = False) -> ServiceUser:
    """A new record; refused with PossibleDuplicates unless the actor confirmed it is a different person."""
    data = _check(actor, data, now=now)
    if not different_person:
        duplicates = find_possible_duplicates(data.display_name, data.year_of_birth, data.unit_ids)
        if duplicates:
            raise PossibleDuplicates(duplicates)
    person = ServiceUser(code=new_code(), name_key=name_key(data.display_name), created_by_id=actor.id,
                         created_at=now, updated_at=now,
                         **{name: getattr(data, name) for name in EDITABLE_FIELDS})
    person.units = _units(data.unit_ids)
    db.session.add(person)
    db.session.flush()
    record("people.create", actor=actor, object_type="service_user", object_id=person.id, ip=ip, now=now,
           details={"confirmed_different_person": True} if different_person else None)
    return person


def update_person(actor, person: ServiceUser, data: PersonData, *, ip: str | None, now: datetime) -> ServiceUser:
    """Change a record (its units must be loaded); which fields changed is audited, never their values."""
    data = _check(actor, data, now=now, keep_unit_ids={unit.id for unit in person.units})
    changed = [name for name in EDITABLE_FIELDS if getattr(person, name) != getattr(data, name)]
    if sorted(unit.id for unit in person.units) != data.unit_ids:
        changed.append("units")
    for name in EDITABLE_FIELDS:
        setattr(person, name, getattr(data, name))
    person.name_key = name_key(data.display_name)
    person.units = _units(data.unit_ids)
    person.updated_at = now
    record("people.update", actor=actor, object_type="service_user", object_id=person.id, ip=ip, now=now,
           details={"fields": changed})
    db.session.flush()
    return person


def create_account_for(actor, person: ServiceUser, *, email: str | None, password: str, ip: str | None,
                       now: datetime) -> Account:
    """The coordinator opens the person's service_user account (temporary password) and links it to the record."""
    from peer_support.accounts.services import AccountData, create_account

    if person.account_id is not None:
        raise DomainError(_l("This person already has an account."))
    email = person.email or _clean(email)
    if not email:
        raise DomainError(_l("Enter the e-mail address the person will sign in with."), field="email")
    locale = person.preferred_language if person.preferred_language in LOCALES else None
    account = create_account(actor, AccountData(email=email, name=person.display_name, role="service_user",
                                                locale=locale, unit_ids=[unit.id for unit in person.units]),
                             password=password, ip=ip, now=now, must_change_password=True)
    person.account_id = account.id
    person.updated_at = now
    record("people.account_link", actor=actor, object_type="service_user", object_id=person.id, ip=ip, now=now,
           details={"account_id": account.id})
    db.session.flush()
    return account


def record_view(actor, person: ServiceUser, *, ip: str | None, now: datetime) -> None:
    """Every view of a person's record is audited."""
    record("people.view", actor=actor, object_type="service_user", object_id=person.id, ip=ip, now=now)
    db.session.flush()


# --- Finding records ------------------------------------------------------------

def get_person(person_id: int) -> ServiceUser | None:
    """A record with its units and account loaded (what its pages show)."""
    return db.session.scalar(
        sa.select(ServiceUser)
        .options(selectinload(ServiceUser.units), joinedload(ServiceUser.account))
        .where(ServiceUser.id == person_id)
    )


def get_people(person_ids) -> list[ServiceUser]:
    """Records with their units, by code (e.g. the possible duplicates again, after a rollback)."""
    return list(db.session.scalars(sa.select(ServiceUser).options(selectinload(ServiceUser.units))
                                   .where(ServiceUser.id.in_(list(person_ids))).order_by(ServiceUser.code)))


def visible_to(actor):
    """SQL condition: the records the actor may see (mirrors permissions.can_view_person)."""
    from peer_support.referrals.models import Referral

    role = getattr(actor, "role", None)
    if role == "coordinator":
        return sa.true()
    if role == "staff":
        in_my_units = sa.exists().where(service_user_unit.c.service_user_id == ServiceUser.id,
                                        service_user_unit.c.unit_id.in_(
                                            sa.select(account_unit.c.unit_id)
                                            .where(account_unit.c.account_id == actor.id)))
        referred_by_me = sa.exists().where(Referral.service_user_id == ServiceUser.id,
                                           Referral.referred_by_id == actor.id)
        return sa.or_(in_my_units, referred_by_me)
    return sa.false()


def list_people(actor, *, text: str | None, unit_id: int | None, page: int, per_page: int) -> Page:
    """One page of the records the actor may see, by name, filtered by name or code and unit."""
    conditions = [visible_to(actor)]
    if text and text.strip():
        typed = text.strip()
        key = name_key(typed)
        matches = [ServiceUser.code == typed.upper()]
        if key:
            matches.append(ServiceUser.name_key.contains(key, autoescape=True))
        conditions.append(sa.or_(*matches))
    if unit_id:
        conditions.append(ServiceUser.units.any(Unit.id == unit_id))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(ServiceUser).where(*conditions))
    page = max(1, page)
    items = db.session.scalars(
        sa.select(ServiceUser).options(selectinload(ServiceUser.units)).where(*conditions)
        .order_by(ServiceUser.name_key, ServiceUser.id).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return Page(items=list(items), page=page, per_page=per_page, total=total)
