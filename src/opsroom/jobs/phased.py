"""Jobs that call something remote: the call happens between two short transactions.

A plain handler runs inside the transaction that marks its job done, which on SQLite holds
the database's write lock for as long as the handler runs. A remote call (a chat platform,
with timeouts of seconds) must not hold it: a `PhasedHandler` reads what it needs and
commits (`prepare`), calls out with no transaction open (`call`), then records the result
and finishes the job in a second transaction (`finish`). The job stays leased to the worker
throughout, so no other worker runs it meanwhile; a crash during the call repeats the call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from opsroom.context import Context
from opsroom.db.uow import UnitOfWork


@dataclass(frozen=True)
class Reschedule:
    """`finish` asks for the job to run again after `after` seconds (its changes commit)."""

    after: float
    reason: str
    count_attempt: bool = True


@dataclass(frozen=True)
class GiveUp:
    """`finish` ends the job as failed at once (its changes commit): retrying cannot help."""

    reason: str


@runtime_checkable
class PhasedHandler(Protocol):
    def prepare(self, uow: UnitOfWork, ctx: Context, payload: dict[str, Any]) -> Any:
        """What the call needs (None: nothing to call; the job is done)."""

    def call(self, ctx: Context, prepared: Any) -> Any:
        """The remote call, with no transaction open; raising fails or delays the job."""

    def finish(
        self, uow: UnitOfWork, ctx: Context, prepared: Any, result: Any
    ) -> Reschedule | GiveUp | None:
        """Record the result; None marks the job done."""
