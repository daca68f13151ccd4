"""Platforms whose messages opsroom fetches instead of being sent them (chat.inbound.Poller,
e.g. Mattermost's bot account): one recurring job per platform, in the platform's own lane.

The job's payload carries the cursors; each run queues the same job row again with the new
cursors (`Recur`) in the transaction of its events, so a crash replays a poll (events are
deduplicated by id) and never loses a cursor, and the job keeps one row rather than leaving a
done row per poll. A rate limit or outage of the platform only delays the next poll.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from opsroom.chat.errors import ChatPlatformError, ChatRateLimitedError
from opsroom.chat.hub import ChatPlatform
from opsroom.chat.inbound import Poller
from opsroom.chat.service import handle_inbound
from opsroom.clock import as_utc
from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.jobs.recur import Recur
from opsroom.logging import get_logger

log = get_logger(__name__)

POLL = "chat.poll"
# A new room's messages are read from a little before it was created (clock skew).
SKEW = timedelta(minutes=1)


def ensure_polling(uow: UnitOfWork, ctx: Context) -> None:
    """One poll job per polling platform (at start; doing it again changes nothing)."""
    for platform in ctx.chat:
        if isinstance(platform.inbound, Poller) and not uow.jobs.has_waiting(POLL, platform.queue):
            _first(uow, ctx, platform, {}, ctx.clock.now())


def run_poll(uow: UnitOfWork, ctx: Context, payload: dict[str, Any]) -> Recur | None:
    """The job handler of `chat.poll`: new messages in every open room, then the same job
    again after `poll_seconds` with the new cursors (one row per platform, never a row per
    poll)."""
    name = str(payload["platform"])
    platform = ctx.chat.get(name) if name in ctx.chat else None
    poller = platform.inbound if platform is not None else None
    if platform is None or not isinstance(poller, Poller):
        log.warning("chat.poll_dropped_unconfigured", platform=name)
        return None
    cursors = _cursors(uow, name, payload.get("cursors") or {})
    delay = poller.poll_seconds
    try:
        parsed, cursors = poller.poll(cursors) if cursors else (None, cursors)
    except ChatRateLimitedError as exc:
        delay = max(delay, exc.retry_after)
    except ChatPlatformError as exc:
        log.warning("chat.poll_failed", platform=name, reason=exc.reason)
    else:
        if parsed is not None and parsed.events:
            handle_inbound(uow, ctx, name, parsed)
    if uow.jobs.has_waiting(POLL, platform.queue, running=False):
        return None  # two processes started a chain at once: the other one goes on alone
    return Recur(after=delay, payload={"platform": name, "cursors": cursors})


def _cursors(uow: UnitOfWork, platform: str, saved: dict[str, Any]) -> dict[str, int]:
    """The open rooms' cursors: kept from the last poll, or from just before their creation."""
    return {
        str(row.room_id): int(saved.get(str(row.room_id)) or _ms(row.created_at - SKEW))
        for row in uow.chat.open_rooms(platform)
    }


def _first(
    uow: UnitOfWork, ctx: Context, platform: ChatPlatform, cursors: dict[str, int], due: datetime
) -> None:
    uow.jobs.enqueue(
        POLL,
        {"platform": platform.name, "cursors": cursors},
        now=ctx.clock.now(),
        due_at=due,
        queue=platform.queue,
        max_attempts=ctx.settings.chat.max_attempts,
    )


def _ms(value: datetime) -> int:
    return int(as_utc(value).timestamp() * 1000)
