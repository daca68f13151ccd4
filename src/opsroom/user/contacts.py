"""Contact methods and notification rules: opsroom.yaml's, plus those added by CLI or API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.errors import ConflictError, InvalidInputError, NotFoundError
from opsroom.user.model import check_address
from opsroom.user.service import ensure_user
from opsroom.user.settings import CONTACT_KINDS, PageRateLimit
from opsroom.user.tables import ContactMethodRow, NotificationRuleRow, UserRow


@dataclass(frozen=True)
class Contact:
    kind: str
    address: str
    id: int | None = None  # None for contacts that come from opsroom.yaml
    source: str = "config"


@dataclass(frozen=True)
class Rule:
    kind: str
    after: timedelta


def known_user(uow: UnitOfWork, ctx: Context, name: str) -> bool:
    return ctx.settings.user_config(name) is not None or uow.users.get_by_name(name) is not None


def _db_user(uow: UnitOfWork, ctx: Context, name: str) -> UserRow:
    """The person's row, created for people opsroom.yaml defines."""
    row = uow.users.get_by_name(name)
    if row is not None:
        return row
    if ctx.settings.user_config(name) is None:
        raise NotFoundError(f"no user named {name!r}: add them with `opsroom user add {name}`")
    return ensure_user(uow, ctx, name)


def add_contact(
    uow: UnitOfWork, ctx: Context, *, user: str, kind: str, address: str = ""
) -> ContactMethodRow:
    if kind not in CONTACT_KINDS:
        raise InvalidInputError(f"unknown contact kind {kind!r}: use {', '.join(CONTACT_KINDS)}")
    address = check_address(kind, address)
    row = _db_user(uow, ctx, user)
    if any(c.kind == kind and c.address == address for c in contacts_of(uow, ctx, user)):
        raise ConflictError(f"{user} already has the {kind} contact {address or '(chat DM)'}")
    return uow.users.add_contact_method(
        ContactMethodRow(user_id=row.id, kind=kind, address=address, created_at=ctx.clock.now())
    )


def remove_contact(uow: UnitOfWork, ctx: Context, *, user: str, contact_id: int) -> None:
    row = _db_user(uow, ctx, user)
    found = next((c for c in uow.users.contact_methods(row.id) if c.id == contact_id), None)
    if found is None:
        raise NotFoundError(f"{user} has no contact method #{contact_id} (opsroom.yaml's stay)")
    uow.users.delete_contact_method(found)


def contacts_of(uow: UnitOfWork, ctx: Context, user: str) -> list[Contact]:
    config = ctx.settings.user_config(user)
    found = [Contact(c.kind, c.address) for c in config.contacts] if config else []
    row = uow.users.get_by_name(user)
    if row is not None:
        for method in uow.users.contact_methods(row.id):
            if not any(c.kind == method.kind and c.address == method.address for c in found):
                found.append(Contact(method.kind, method.address, method.id, "api"))
    return found


def set_rules(uow: UnitOfWork, ctx: Context, *, user: str, rules: list[Rule]) -> None:
    """Replace the person's rules (an empty list falls back to opsroom.yaml's or the default)."""
    row = _db_user(uow, ctx, user)
    for rule in rules:
        if rule.kind not in CONTACT_KINDS:
            raise InvalidInputError(
                f"unknown contact kind {rule.kind!r}: use {', '.join(CONTACT_KINDS)}"
            )
        if rule.after < timedelta(0):
            raise InvalidInputError("a rule's delay cannot be negative")
    kinds = {contact.kind for contact in contacts_of(uow, ctx, user)}
    if rules and not any(rule.kind in kinds for rule in rules):
        have = ", ".join(sorted(kinds)) or "none"
        raise InvalidInputError(
            f"{user} has no contact method of the kinds these rules use, so no page would "
            f"reach them (their contact methods: {have}); add one first",
            details={"contact_kinds": sorted(kinds)},
        )
    unique = {(r.kind, int(r.after.total_seconds())) for r in rules}
    uow.users.replace_notification_rules(
        row.id,
        [NotificationRuleRow(user_id=row.id, kind=k, delay_seconds=s) for k, s in sorted(unique)],
    )


def rules_of(uow: UnitOfWork, ctx: Context, user: str, contacts: list[Contact]) -> list[Rule]:
    """API rules, else opsroom.yaml's, else every contact method at once."""
    row = uow.users.get_by_name(user)
    stored = uow.users.notification_rules(row.id) if row is not None else []
    if stored:
        return [Rule(r.kind, timedelta(seconds=r.delay_seconds)) for r in stored]
    config = ctx.settings.user_config(user)
    if config and config.notification_rules:
        return [Rule(r.kind, r.after) for r in config.notification_rules]
    return [Rule(kind, timedelta(0)) for kind in dict.fromkeys(c.kind for c in contacts)]


def users_with_address(uow: UnitOfWork, ctx: Context, kind: str, address: str) -> list[str]:
    names = [
        u.name
        for u in ctx.settings.users
        if any(c.kind == kind and c.address == address for c in u.contacts)
    ]
    return list(dict.fromkeys(names + uow.users.users_with_address(kind, address)))


def rate_limit_of(ctx: Context, user: str) -> PageRateLimit:
    config = ctx.settings.user_config(user)
    return (config.rate_limit if config else None) or ctx.settings.notify.rate_limit


def team_members(ctx: Context, team: str) -> list[str]:
    config = ctx.settings.team(team)
    if config is None:
        raise NotFoundError(f"no team named {team!r}")
    return list(config.members)
