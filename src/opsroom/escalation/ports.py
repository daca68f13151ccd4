"""What escalation needs from on-call schedules, as a port the composition root fills in."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from opsroom.errors import NotFoundError

if TYPE_CHECKING:
    from opsroom.context import Context
    from opsroom.db.uow import UnitOfWork


class OnCallLookup(Protocol):
    """`opsroom.oncall.service.on_call_users`: names on call; NotFoundError if unknown."""

    def __call__(
        self, uow: UnitOfWork, ctx: Context, *, schedule: str, at: datetime
    ) -> list[str]: ...


def no_schedules(uow: UnitOfWork, ctx: Context, *, schedule: str, at: datetime) -> list[str]:
    """The lookup of a build without on-call schedules: every schedule is unknown."""
    raise NotFoundError(f"unknown schedule {schedule!r}: no on-call schedules are configured")
