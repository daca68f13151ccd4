"""User use cases: add people, set passwords, issue and check API tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.errors import ConflictError, InvalidInputError
from opsroom.user import passwords
from opsroom.user.tables import ApiTokenRow, UserRow

NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
ROLES = ("admin", "responder", "viewer")


@dataclass(frozen=True)
class Principal:
    """The signed-in caller of the API or the web page."""

    id: int
    name: str
    role: str


def _check_name(name: str) -> None:
    if not NAME.match(name):
        raise InvalidInputError(
            f"invalid user name {name!r}: use 1-64 letters, digits, '.', '_' or '-'"
        )


def add_user(
    uow: UnitOfWork,
    ctx: Context,
    *,
    name: str,
    password: str | None = None,
    role: str = "responder",
    email: str | None = None,
) -> UserRow:
    _check_name(name)
    if role not in ROLES:
        raise InvalidInputError(f"invalid role {role!r}: use {', '.join(ROLES)}")
    if uow.users.get_by_name(name) is not None:
        raise ConflictError(f"user {name!r} already exists")
    return uow.users.add(
        UserRow(
            name=name,
            display_name=name,
            email=email,
            role=role,
            password_hash=passwords.hash_password(password) if password else None,
            created_at=ctx.clock.now(),
        )
    )


def ensure_user(uow: UnitOfWork, ctx: Context, name: str) -> UserRow:
    return uow.users.get_by_name(name) or add_user(uow, ctx, name=name)


def set_password(uow: UnitOfWork, user: UserRow, password: str) -> None:
    if len(password) < 8:
        raise InvalidInputError("a password needs at least 8 characters")
    user.password_hash = passwords.hash_password(password)


def create_token(uow: UnitOfWork, ctx: Context, user: UserRow, label: str = "") -> str:
    token = passwords.new_token()
    uow.users.add_token(
        ApiTokenRow(
            user_id=user.id,
            token_hash=passwords.hash_token(token),
            label=label,
            created_at=ctx.clock.now(),
        )
    )
    return token


def authenticate_token(uow: UnitOfWork, ctx: Context, token: str) -> Principal | None:
    user = uow.users.user_for_token(passwords.hash_token(token), ctx.clock.now())
    return Principal(user.id, user.name, user.role) if user else None


def authenticate_password(uow: UnitOfWork, name: str, password: str) -> Principal | None:
    user = uow.users.get_by_name(name)
    if user is None or not user.password_hash:
        passwords.verify_password(_dummy_hash(), password)  # same cost whether or not user exists
        return None
    if not passwords.verify_password(user.password_hash, password):
        return None
    return Principal(user.id, user.name, user.role)


@cache
def _dummy_hash() -> str:
    return passwords.hash_password("opsroom-timing-equalizer")
