"""Chat identities: a person on a platform is an opsroom user, found by the platform's
immutable user id (never by a display name, which anyone can change), so roles and
permissions follow the person across renames and platforms."""

from __future__ import annotations

import re

from opsroom.chat.inbound import Person
from opsroom.chat.tables import ChatIdentityRow
from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.errors import NotFoundError
from opsroom.user.service import add_user
from opsroom.user.tables import UserRow

_NOT_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def user_for(uow: UnitOfWork, ctx: Context, person: Person) -> UserRow:
    """The opsroom user of `person`; created on first contact, display name kept current."""
    identity = uow.chat.identity(person.platform, person.user_id)
    if identity is None:
        uow.chat.lock_new_identities()
        identity = uow.chat.identity(person.platform, person.user_id)
    now = ctx.clock.now()
    if identity is not None:
        identity.seen_at = now
        if person.display_name and identity.display_name != person.display_name:
            identity.display_name = person.display_name[:200]
        user = uow.users.get(identity.user_id)
        if user is None:
            raise NotFoundError(f"the user of {person.platform} id {person.user_id} is gone")
        return user
    user = add_user(
        uow,
        ctx,
        name=_free_name(uow, person),
        role=ctx.settings.chat.new_user_role,
    )
    user.display_name = (person.display_name or user.name)[:200]
    uow.chat.add_identity(
        ChatIdentityRow(
            platform=person.platform,
            platform_user_id=person.user_id,
            user_id=user.id,
            display_name=(person.display_name or "")[:200],
            created_at=now,
            seen_at=now,
        )
    )
    return user


def link(uow: UnitOfWork, ctx: Context, person: Person, user: UserRow) -> ChatIdentityRow:
    """Tie a platform identity to an existing user (an admin's decision, never automatic)."""
    identity = uow.chat.identity(person.platform, person.user_id)
    now = ctx.clock.now()
    if identity is None:
        return uow.chat.add_identity(
            ChatIdentityRow(
                platform=person.platform,
                platform_user_id=person.user_id,
                user_id=user.id,
                display_name=person.display_name[:200],
                created_at=now,
                seen_at=now,
            )
        )
    identity.user_id = user.id
    return identity


def platform_ids(uow: UnitOfWork, user: UserRow, platform: str) -> list[str]:
    """The user's ids on one platform (for invites and direct messages)."""
    return [
        identity.platform_user_id
        for identity in uow.chat.identities_of_user(user.id)
        if identity.platform == platform
    ]


def _free_name(uow: UnitOfWork, person: Person) -> str:
    """A user name from the display name; a different person's name gets the platform added."""
    base = _NOT_NAME.sub("-", person.display_name).strip("-.")[:50] or person.user_id.lower()
    base = _NOT_NAME.sub("-", base)[:50] or "user"
    candidates = [base, f"{base}-{person.platform}"]
    candidates += [f"{base}-{person.platform}-{n}" for n in range(2, 1000)]
    return next(name for name in candidates if uow.users.get_by_name(name) is None)
