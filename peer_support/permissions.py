"""Every access rule of the application, as plain predicates, in one place.

Each endpoint is either public (PUBLIC_ENDPOINTS) or has a rule in
ENDPOINT_RULES; anything else is refused (deny by default), and a test fails
when an endpoint has neither. Object-level rules (can this person edit that
account?) are predicates too, called by the loaders in the views.
"""
from __future__ import annotations

from collections.abc import Callable


def is_signed_in(actor) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active)


def has_role(*roles: str) -> Callable[[object], bool]:
    def rule(actor) -> bool:
        return is_signed_in(actor) and actor.role in roles

    rule.__name__ = "has_role_" + "_or_".join(roles)
    return rule


is_coordinator = has_role("coordinator")


def can_manage_accounts(actor) -> bool:
    return is_coordinator(actor)


def can_edit_account(actor, account) -> bool:
    return can_manage_accounts(actor)


def can_deactivate_account(actor, account) -> bool:
    """Coordinators may deactivate anyone but themselves (no one locks themselves out)."""
    return can_manage_accounts(actor) and account.id != actor.id


def can_manage_units(actor) -> bool:
    return is_coordinator(actor)


def can_read_audit_log(actor) -> bool:
    return is_coordinator(actor)


# Endpoints anyone may reach, signed in or not.
PUBLIC_ENDPOINTS = frozenset({
    "static",
    "bootstrap.static",
    "main.healthz",
    "main.set_language",
    "auth.login",
})

# Endpoint -> rule on the signed-in account.
ENDPOINT_RULES: dict[str, Callable[[object], bool]] = {
    "main.home": is_signed_in,
    "auth.logout": is_signed_in,
    "auth.settings": is_signed_in,
    "auth.change_password": is_signed_in,
    "accounts.index": can_manage_accounts,
    "accounts.create": can_manage_accounts,
    "accounts.edit": can_manage_accounts,
    "accounts.deactivate": can_manage_accounts,
    "accounts.reactivate": can_manage_accounts,
    "accounts.reset_password": can_manage_accounts,
    "units.index": can_manage_units,
    "units.create": can_manage_units,
    "units.edit": can_manage_units,
    "audit.index": can_read_audit_log,
}


def endpoint_rule(endpoint: str | None):
    """'public', a predicate, or None when the endpoint has no declared rule."""
    if endpoint in PUBLIC_ENDPOINTS:
        return "public"
    return ENDPOINT_RULES.get(endpoint)


def template_predicates() -> dict[str, Callable]:
    """The predicates templates may call, e.g. {% if can('can_manage_accounts') %}."""
    return {
        name: value for name, value in globals().items()
        if name.startswith(("can_", "is_")) and callable(value)
    }
