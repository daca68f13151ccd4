"""Who may change what, the same for every API route: viewers read; a person's own paging
settings are theirs (and an admin's) to change."""

from __future__ import annotations

from opsroom.errors import PermissionDeniedError
from opsroom.user.service import Principal

WRITER_ROLES = ("admin", "responder")


def require_responder(user: Principal, action: str) -> None:
    """`action` (e.g. "acknowledging") needs the responder or admin role."""
    if user.role not in WRITER_ROLES:
        raise PermissionDeniedError(
            f"{action} needs the responder role; {user.name} is a {user.role}",
            details={"needs_role": "responder", "role": user.role},
        )


def require_self_or_admin(user: Principal, person: str, what: str) -> None:
    """Only `person` themself or an admin may change `person`'s `what`."""
    if user.name != person and user.role != "admin":
        raise PermissionDeniedError(
            f"only {person} or an admin can change {person}'s {what}",
            details={"needs_role": "admin", "role": user.role},
        )
