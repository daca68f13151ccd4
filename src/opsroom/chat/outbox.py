"""Every outbound chat call is a job (an outbox row), in a queue of its own per platform.

`submit` runs a local platform's call at once, in the caller's transaction; for a remote
platform it enqueues one job per call, run by `ChatDelivery` in three phases so that no
database transaction is open during the platform call. A rate limit reschedules the job at
`Retry-After` without counting a failure, a 5xx or timeout fails the attempt (the worker
retries with backoff), an archived room is never posted to and the event goes on the
incident's timeline as a warning (see delivery.py).
"""

from __future__ import annotations

from typing import Any

from opsroom.chat import delivery
from opsroom.chat.base import ChatAdapter
from opsroom.chat.errors import ChatRateLimitedError
from opsroom.chat.message import Message, ReplyTarget, to_dict
from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.errors import RetryLaterError
from opsroom.jobs.phased import Reschedule
from opsroom.logging import get_logger

log = get_logger(__name__)

DELIVER = "chat.deliver"


def submit(uow: UnitOfWork, ctx: Context, platform: str, op: str, **args: Any) -> None:
    """One outbound call: now for a local platform, else a job in the platform's lane."""
    chosen = ctx.chat.get(platform)
    if chosen.local:
        _run_local(uow, ctx, chosen.adapter(uow), op, args)
        return
    uow.jobs.enqueue(
        DELIVER,
        {"platform": platform, "op": op, **args},
        now=ctx.clock.now(),
        queue=chosen.queue,
        max_attempts=ctx.settings.chat.max_attempts,
        key=_order_key(args),
    )
    ctx.wake_worker()


def _order_key(args: dict[str, Any]) -> str | None:
    """Calls about one room or channel happen in the order they were made: a message held
    back by a rate limit is not overtaken by the next one, nor by the room's archiving."""
    if "room" in args:
        return f"room:{args['room']}"
    if "channel" in args:
        return f"channel:{args['channel']}"
    if "direct" in args:
        return f"direct:{args['direct']}"
    if "about_room" in args and "target" in args:
        # A reply naming a new room comes after the room's creation (and its first calls).
        return f"room:{args['about_room']}"
    return None


def post(uow: UnitOfWork, ctx: Context, platform: str, message: Message, **target: Any) -> None:
    submit(uow, ctx, platform, "post", message=to_dict(message), **target)


def reply(
    uow: UnitOfWork, ctx: Context, target: ReplyTarget, message: Message, **extra: Any
) -> None:
    submit(
        uow, ctx, target.platform, "reply", target=target.data, message=to_dict(message), **extra
    )


def _run_local(
    uow: UnitOfWork, ctx: Context, adapter: ChatAdapter, op: str, args: dict[str, Any]
) -> None:
    for _ in range(delivery.NAME_ATTEMPTS + 1):
        plan = delivery.prepare(uow, ctx, adapter, op, args)
        if plan is None:
            return
        if delivery.finish(uow, ctx, adapter, plan, delivery.call(adapter, plan)) is None:
            return


class ChatDelivery:
    """The job handler of `chat.deliver` (a phased handler: see jobs/phased.py)."""

    def prepare(
        self, uow: UnitOfWork, ctx: Context, payload: dict[str, Any]
    ) -> tuple[str, delivery.Plan] | None:
        platform = str(payload["platform"])
        if platform not in ctx.chat:
            log.warning("chat.delivery_dropped_unconfigured", platform=platform, op=payload["op"])
            return None
        adapter = ctx.chat.get(platform).adapter(uow)
        plan = delivery.prepare(uow, ctx, adapter, str(payload["op"]), payload)
        return (platform, plan) if plan is not None else None

    def call(self, ctx: Context, prepared: tuple[str, delivery.Plan]) -> tuple[str, Any]:
        platform, plan = prepared
        adapter = ctx.chat.get(platform).adapter(_NO_UOW)
        try:
            return delivery.call(adapter, plan)
        except ChatRateLimitedError as exc:
            raise RetryLaterError(
                f"{platform} rate limit: {exc.reason}", retry_after=exc.retry_after
            ) from exc

    def finish(
        self,
        uow: UnitOfWork,
        ctx: Context,
        prepared: tuple[str, delivery.Plan],
        result: tuple[str, Any],
    ) -> Reschedule | None:
        platform, plan = prepared
        return delivery.finish(uow, ctx, ctx.chat.get(platform).adapter(uow), plan, result)


class _NoUnitOfWork:
    """Handed to remote adapters' factories during the call: they never use it."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError("no database access during a chat platform call")


_NO_UOW: Any = _NoUnitOfWork()
run_delivery = ChatDelivery()

__all__ = ["DELIVER", "ChatDelivery", "post", "reply", "run_delivery", "submit"]
