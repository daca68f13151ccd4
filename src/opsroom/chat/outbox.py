"""Every outbound chat call is a job (an outbox row), in a queue of its own per platform.

`submit` runs a local platform's call at once, in the caller's transaction; for a remote
platform it enqueues one job per call. `run_delivery` is the job handler: a rate limit
reschedules the job at `Retry-After` without counting a failure, a 5xx or timeout fails the
attempt (the worker retries with backoff), an archived room is never posted to and the event
goes on the incident's timeline as a warning.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from opsroom.chat.base import ChatAdapter
from opsroom.chat.errors import (
    ChatNameTakenError,
    ChatRateLimitedError,
    ChatRoomArchivedError,
    ChatRoomNotFoundError,
)
from opsroom.chat.limits import fit
from opsroom.chat.message import Message, ReplyTarget, from_dict, to_dict
from opsroom.chat.tables import ARCHIVED, CREATED, FAILED, PENDING, ChatRoomRow
from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.errors import RetryLaterError
from opsroom.incident.model import room_name
from opsroom.incident.tables import TimelineEntryRow
from opsroom.logging import get_logger

log = get_logger(__name__)

DELIVER = "chat.deliver"
NAME_ATTEMPTS = 20
ROOM_WAIT = timedelta(hours=1)
WAIT_SECONDS = 2.0


def submit(uow: UnitOfWork, ctx: Context, platform: str, op: str, **args: Any) -> None:
    """One outbound call: now for a local platform, else a job in the platform's lane."""
    chosen = ctx.chat.get(platform)
    if chosen.local:
        _execute(uow, ctx, chosen.adapter(uow), op, args)
        return
    uow.jobs.enqueue(
        DELIVER,
        {"platform": platform, "op": op, **args},
        now=ctx.clock.now(),
        queue=chosen.queue,
        max_attempts=ctx.settings.chat.max_attempts,
    )
    ctx.wake_worker()


def post(uow: UnitOfWork, ctx: Context, platform: str, message: Message, **target: Any) -> None:
    submit(uow, ctx, platform, "post", message=to_dict(message), **target)


def reply(uow: UnitOfWork, ctx: Context, target: ReplyTarget, message: Message) -> None:
    submit(uow, ctx, target.platform, "reply", target=target.data, message=to_dict(message))


def run_delivery(uow: UnitOfWork, ctx: Context, payload: dict[str, Any]) -> None:
    """The job handler of `chat.deliver`."""
    platform = str(payload["platform"])
    if platform not in ctx.chat:
        log.warning("chat.delivery_dropped_unconfigured", platform=platform, op=payload["op"])
        return
    adapter = ctx.chat.get(platform).adapter(uow)
    try:
        _execute(uow, ctx, adapter, str(payload["op"]), payload)
    except ChatRateLimitedError as exc:
        raise RetryLaterError(
            f"{platform} rate limit: {exc.reason}", retry_after=exc.retry_after
        ) from exc


def _execute(
    uow: UnitOfWork, ctx: Context, adapter: ChatAdapter, op: str, args: dict[str, Any]
) -> None:
    handler = _OPS.get(op)
    if handler is None:
        raise LookupError(f"unknown chat operation {op!r}")
    handler(uow, ctx, adapter, args)


def _create_room(uow: UnitOfWork, ctx: Context, adapter: ChatAdapter, args: dict[str, Any]) -> None:
    row = uow.chat.room(int(args["room"]), for_update=True)
    if row is None or row.status != PENDING:
        return  # already created (a retry after a crash), or given up
    incident = uow.incidents.get(row.incident_id)
    assert incident is not None
    for attempt in range(NAME_ATTEMPTS):
        try:
            created = adapter.create_room(
                row.name, str(args.get("topic", "")), incident_number=incident.number
            )
        except ChatNameTakenError:
            taken = uow.chat.names_taken(row.platform, f"inc-{incident.number}")
            row.name = room_name(
                incident.number,
                incident.title,
                taken,
                max_length=adapter.limits.room_name,
                attempt=attempt + 1,
            )
            uow.flush()
            continue
        row.room_id, row.name, row.status = created.id, created.name, CREATED
        log.info("chat.room_created", platform=row.platform, room=row.name)
        uow.jobs.wake(ctx.chat.get(row.platform).queue, _waiting(row), ctx.clock.now())
        return
    row.status = FAILED
    _warn(uow, ctx, row, f"Could not create a room on {row.platform}: every name was taken")


def _room_for(uow: UnitOfWork, ctx: Context, args: dict[str, Any]) -> ChatRoomRow | None:
    """The incident room a call is for, once it exists; None when it never will."""
    row = uow.chat.room(int(args["room"]))
    if row is None:
        return None
    if row.status == PENDING:
        waited_long = ctx.clock.now() - row.created_at > ROOM_WAIT
        raise RetryLaterError(
            _waiting(row),
            retry_after=WAIT_SECONDS,
            count_attempt=waited_long,
        )
    if row.status == FAILED:
        return None
    return row


def _waiting(row: ChatRoomRow) -> str:
    return f"waiting for the {row.platform} room #{row.id} to be created"


def _target(
    uow: UnitOfWork, ctx: Context, adapter: ChatAdapter, args: dict[str, Any]
) -> tuple[str | None, ChatRoomRow | None]:
    """The platform room id to post to, and the incident room row when it is one."""
    if "room" in args:
        row = _room_for(uow, ctx, args)
        if row is None:
            return None, None
        if row.status == ARCHIVED:
            _warn(uow, ctx, row, _not_posted(row, args))
            return None, None
        return row.room_id, row
    if "direct" in args:
        return adapter.open_direct(str(args["direct"])), None
    return str(args["channel"]), None


def _post(uow: UnitOfWork, ctx: Context, adapter: ChatAdapter, args: dict[str, Any]) -> None:
    room_id, row = _target(uow, ctx, adapter, args)
    if room_id is None:
        return
    message = fit(from_dict(args["message"]), adapter.limits, adapter.escape)
    try:
        adapter.post(room_id, message)
    except ChatRoomArchivedError:
        if row is None:
            log.warning("chat.channel_archived", platform=adapter.platform, channel=room_id)
            return
        _mark_archived(uow, ctx, row)
        _warn(uow, ctx, row, _not_posted(row, args))
    except ChatRoomNotFoundError:
        log.warning("chat.room_not_found", platform=adapter.platform, room=room_id)
        if row is not None:
            _warn(uow, ctx, row, f"The {row.platform} room #{row.name} no longer exists")


def _topic(uow: UnitOfWork, ctx: Context, adapter: ChatAdapter, args: dict[str, Any]) -> None:
    row = _room_for(uow, ctx, args)
    if row is None or row.status == ARCHIVED or not adapter.capabilities.topics:
        return
    topic = str(args["topic"])[: adapter.limits.topic]
    try:
        adapter.set_topic(str(row.room_id), topic)
    except ChatRoomArchivedError:
        _mark_archived(uow, ctx, row)


def _invite(uow: UnitOfWork, ctx: Context, adapter: ChatAdapter, args: dict[str, Any]) -> None:
    row = _room_for(uow, ctx, args)
    users = [str(user) for user in args.get("users", [])]
    if row is None or row.status == ARCHIVED or not users or not adapter.capabilities.invites:
        return
    adapter.invite(str(row.room_id), users)


def _archive(uow: UnitOfWork, ctx: Context, adapter: ChatAdapter, args: dict[str, Any]) -> None:
    row = _room_for(uow, ctx, args)
    if row is None or row.status == ARCHIVED:
        return
    try:
        adapter.archive_room(str(row.room_id))
    except ChatRoomArchivedError:
        pass  # archived by hand: what we wanted
    except ChatRoomNotFoundError:
        # Deleted on the platform: nothing is left to archive, and retrying cannot help.
        _mark_archived(uow, ctx, row)
        _warn(uow, ctx, row, f"The {row.platform} room #{row.name} no longer exists")
        return
    _mark_archived(uow, ctx, row)
    where = "" if adapter.capabilities.local else f" on {row.platform}"
    _entry(uow, ctx, row, "system", f"Room #{row.name} archived{where}", "system")


def _reply(uow: UnitOfWork, ctx: Context, adapter: ChatAdapter, args: dict[str, Any]) -> None:
    message = fit(from_dict(args["message"]), adapter.limits, adapter.escape)
    adapter.reply(ReplyTarget(adapter.platform, dict(args["target"])), message)


def _mark_archived(uow: UnitOfWork, ctx: Context, row: ChatRoomRow) -> None:
    row.status, row.archived_at = ARCHIVED, row.archived_at or ctx.clock.now()


def _not_posted(row: ChatRoomRow, args: dict[str, Any]) -> str:
    text = str(args.get("message", {}).get("text", ""))[:200]
    return f"Not posted to {row.platform} #{row.name}: the room is archived. Message: {text}"


def _warn(uow: UnitOfWork, ctx: Context, row: ChatRoomRow, text: str) -> None:
    log.warning("chat.delivery_warning", platform=row.platform, room=row.name)
    _entry(uow, ctx, row, "warning", text, row.platform)


def _entry(
    uow: UnitOfWork, ctx: Context, row: ChatRoomRow, kind: str, text: str, source: str
) -> None:
    uow.incidents.append(
        TimelineEntryRow(
            incident_id=row.incident_id,
            at=ctx.clock.now(),
            kind=kind,
            actor="opsroom",
            source=source,
            text=text,
            data={"platform": row.platform, "room": row.name},
        )
    )


_OPS = {
    "create_room": _create_room,
    "post": _post,
    "topic": _topic,
    "invite": _invite,
    "archive": _archive,
    "reply": _reply,
}

__all__ = ["CREATED", "DELIVER", "post", "reply", "run_delivery", "submit"]
