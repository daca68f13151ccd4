"""Pure vocabulary of people: contact-method addresses. Standard library only."""

from __future__ import annotations

import re

from opsroom.errors import InvalidInputError

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{1,63}$")
_APPRISE = re.compile(r"^[a-z][a-z0-9+.-]{1,31}://\S+$", re.IGNORECASE)


def check_address(kind: str, address: str) -> str:
    """The address, normalized; InvalidInputError names what is wrong with it."""
    address = address.strip()
    if kind == "email" and not _EMAIL.match(address):
        raise InvalidInputError(f"{address!r} is not an email address")
    if kind in ("sms", "voice"):
        address = re.sub(r"[\s().-]", "", address)
        if not E164.match(address):
            raise InvalidInputError(
                f"{address!r} is not a phone number in E.164 form such as +15555550100"
            )
    if kind == "apprise" and not _APPRISE.match(address):
        raise InvalidInputError(f"{address!r} is not an apprise URL such as ntfy://ntfy.sh/topic")
    if kind == "chat":
        address = ""
    return address


def dm_room(user: str) -> str:
    """The built-in chat's direct-message room of a person."""
    slug = re.sub(r"[^a-z0-9]+", "-", user.lower()).strip("-") or "user"
    return f"dm-{slug}"[:80]
