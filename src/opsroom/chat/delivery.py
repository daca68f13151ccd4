"""The chat outbox's operations, each in three phases (see jobs/phased.py): `prepare` reads
and checks the room in a transaction, `call` is the one platform call with no transaction
open, `finish` records what happened. A platform's answer that is an outcome rather than a
failure (`name_taken`, `is_archived`, `channel_not_found`) is returned, not raised, so
`finish` can record it."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from opsroom.chat.base import (
    ChatAdapter,
    MessageFinder,
    PostedMessage,
    RoomFinder,
    RoomLabeler,
    RoomRef,
)
from opsroom.chat.errors import ChatNameTakenError, ChatRoomArchivedError, ChatRoomNotFoundError
from opsroom.chat.limits import fit
from opsroom.chat.message import Message, ReplyTarget, from_dict
from opsroom.chat.tables import (
    ARCHIVED,
    CREATED,
    FAILED,
    PENDING,
    SUMMARY_SENDING,
    ChatRoomRow,
)
from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.errors import RetryLaterError
from opsroom.incident.model import room_name
from opsroom.incident.tables import TimelineEntryRow
from opsroom.jobs.phased import Reschedule
from opsroom.logging import get_logger

log = get_logger(__name__)

ROOM_WAIT = timedelta(hours=1)
WAIT_SECONDS = 2.0
NAME_ATTEMPTS = 20
OK, TAKEN, ARCHIVED_THERE, GONE = "ok", "name_taken", "is_archived", "not_found"
NO_ROOM = "(none: the room could not be created)"


@dataclass
class Plan:
    """One call to make: what, where, and the room row it concerns (if any)."""

    op: str
    args: dict[str, Any]
    room_pk: int | None = None
    target: str = ""
    message: Message | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def prepare(
    uow: UnitOfWork, ctx: Context, adapter: ChatAdapter, op: str, args: dict[str, Any]
) -> Plan | None:
    if op == "create_room":
        return _prepare_create(uow, args)
    if "about_room" in args:
        args = _naming_room(uow, ctx, adapter, args)
    if op == "reply":
        return Plan(op, args, message=_fitted(adapter, args))
    if "room" not in args:
        return Plan(op, args, target=str(args.get("channel", "")), message=_fitted(adapter, args))
    row = _room_ready(uow, ctx, args)
    if row is None:
        return None
    if row.status == ARCHIVED:
        if op == "post":
            _warn(uow, ctx, row, _not_posted(row, args))
        return None
    message = _fitted(adapter, args) if op in ("post", "update") else None
    plan = Plan(op, args, room_pk=row.id, target=str(row.room_id), message=message)
    if args.get("summary"):
        return _prepare_summary(row, plan)
    return plan


def _prepare_summary(row: ChatRoomRow, plan: Plan) -> Plan | None:
    """The room's summary is posted once: marked as sending (committed) before the call, so
    a retry after a timeout looks for it on the platform first; once known, it is edited."""
    if plan.op == "update":
        if row.summary_id in (None, SUMMARY_SENDING):
            return None  # never posted: nothing to edit
        plan.extra["message_id"] = row.summary_id
        return plan
    if row.summary_id not in (None, SUMMARY_SENDING):
        return None  # posted already (a replay after a crash)
    plan.extra["adopt"] = row.summary_id == SUMMARY_SENDING
    row.summary_id = SUMMARY_SENDING
    return plan


def call(adapter: ChatAdapter, plan: Plan) -> tuple[str, Any]:
    """The platform call; outcomes the platform reports come back as (kind, value)."""
    try:
        return OK, _CALLS[plan.op](adapter, plan)
    except ChatNameTakenError:
        return TAKEN, None
    except ChatRoomArchivedError:
        return ARCHIVED_THERE, None
    except ChatRoomNotFoundError:
        return GONE, None


def finish(
    uow: UnitOfWork, ctx: Context, adapter: ChatAdapter, plan: Plan, result: tuple[str, Any]
) -> Reschedule | None:
    kind, value = result
    row = uow.chat.room(plan.room_pk, for_update=True) if plan.room_pk is not None else None
    if plan.op == "create_room" and row is not None:
        return _finish_create(uow, ctx, adapter, row, kind, value)
    if row is None:
        if kind != OK:
            log.warning(
                "chat.channel_unusable", platform=adapter.platform, channel=plan.target, why=kind
            )
        return None
    if plan.op == "post" and plan.args.get("summary") and isinstance(value, PostedMessage):
        row.summary_id = value.id
    if plan.op == "archive" and kind in (OK, ARCHIVED_THERE):
        _mark_archived(ctx, row)
        where = "" if adapter.capabilities.local else f" on {row.platform}"
        _entry(uow, ctx, row, "system", f"Room #{row.name} archived{where}", "system")
    elif kind == ARCHIVED_THERE:
        _mark_archived(ctx, row)
        if plan.op == "post":
            _warn(uow, ctx, row, _not_posted(row, plan.args))
    elif kind == GONE:
        _warn(uow, ctx, row, f"The {row.platform} room #{row.name} no longer exists")
    return None


def _prepare_create(uow: UnitOfWork, args: dict[str, Any]) -> Plan | None:
    row = uow.chat.room(int(args["room"]))
    if row is None or row.status != PENDING:
        return None  # already created (a retry after a crash), or given up
    incident = uow.incidents.get(row.incident_id)
    assert incident is not None
    extra = {
        "name": row.name,
        "number": incident.number,
        "title": incident.title,
        "since": row.created_at,
    }
    return Plan("create_room", args, room_pk=row.id, extra=extra)


def _finish_create(
    uow: UnitOfWork, ctx: Context, adapter: ChatAdapter, row: ChatRoomRow, kind: str, value: Any
) -> Reschedule | None:
    if kind == OK and isinstance(value, RoomRef):
        row.room_id, row.name, row.status = value.id, value.name, CREATED
        log.info("chat.room_created", platform=row.platform, room=row.name)
        uow.jobs.wake(ctx.chat.get(row.platform).queue, waiting_for(row), ctx.clock.now())
        return None
    if kind == TAKEN:
        incident = uow.incidents.get(row.incident_id)
        assert incident is not None
        taken = uow.chat.names_taken(row.platform, f"inc-{incident.number}")
        attempt = _attempt_of(row.name, incident.number, incident.title, adapter)
        if attempt > NAME_ATTEMPTS:
            row.status = FAILED
            _warn(uow, ctx, row, f"Could not create a room on {row.platform}: every name was taken")
            return None
        limit = adapter.limits.room_name
        name = room_name(incident.number, incident.title, taken, max_length=limit, attempt=attempt)
        row.name = name
        return Reschedule(0, f"{row.platform} name taken, trying #{name}", count_attempt=False)
    row.status = FAILED
    _warn(uow, ctx, row, f"Could not create a room on {row.platform}: {kind}")
    return None


def _attempt_of(current: str, number: int, title: str, adapter: ChatAdapter) -> int:
    """How many names were tried: the plain name is the first, `-<k>` the k-th."""
    base = room_name(number, title, max_length=adapter.limits.room_name)
    suffix = current.rsplit("-", 1)[-1]
    if current == base or not suffix.isdigit():
        return 1
    return int(suffix)


def _naming_room(
    uow: UnitOfWork, ctx: Context, adapter: ChatAdapter, args: dict[str, Any]
) -> dict[str, Any]:
    """A message that names an incident room (the declare reply, the announcement) waits for
    the room to exist, then names it as the platform knows it (a `-2` name, an alias)."""
    row = uow.chat.room(int(args["about_room"]))
    if row is not None and row.status == PENDING:
        _room_ready(uow, ctx, {"room": row.id})  # raises: wait for the room
    label = room_label(adapter, row) if row is not None and row.room_id else NO_ROOM
    message = dict(args["message"])
    message["text"] = str(message.get("text", "")) + label
    return {**args, "message": message}


def room_label(adapter: ChatAdapter, row: ChatRoomRow) -> str:
    """How people find the room: the platform's own reference (a Matrix alias), else #name."""
    if isinstance(adapter, RoomLabeler) and row.room_id:
        return adapter.room_label(row.room_id, row.name)
    return f"#{row.name}"


def _room_ready(uow: UnitOfWork, ctx: Context, args: dict[str, Any]) -> ChatRoomRow | None:
    """The incident room a call is for, once it exists; None when it never will."""
    row = uow.chat.room(int(args["room"]))
    if row is None or row.status == FAILED:
        return None
    if row.status == PENDING:
        waited_long = ctx.clock.now() - row.created_at > ROOM_WAIT
        raise RetryLaterError(waiting_for(row), retry_after=WAIT_SECONDS, count_attempt=waited_long)
    return row


def waiting_for(row: ChatRoomRow) -> str:
    return f"waiting for the {row.platform} room #{row.id} to be created"


def _fitted(adapter: ChatAdapter, args: dict[str, Any]) -> Message:
    return fit(from_dict(args["message"]), adapter.limits, adapter.escape)


def _create(adapter: ChatAdapter, plan: Plan) -> RoomRef:
    name, number = str(plan.extra["name"]), int(plan.extra["number"])
    try:
        return adapter.create_room(name, str(plan.args.get("topic", "")), incident_number=number)
    except ChatNameTakenError:
        # Ours already when an earlier attempt timed out after the platform made the room.
        if isinstance(adapter, RoomFinder):
            found = adapter.find_room(name, incident_number=number, since=plan.extra["since"])
            if found is not None:
                log.info("chat.room_adopted", platform=adapter.platform, room=name)
                return found
        raise


def _post(adapter: ChatAdapter, plan: Plan) -> PostedMessage:
    assert plan.message is not None
    target = plan.target
    if "direct" in plan.args:
        target = adapter.open_direct(str(plan.args["direct"]))
    if plan.extra.get("adopt") and isinstance(adapter, MessageFinder):
        found = adapter.find_message(target, plan.message)
        if found is not None:
            log.info("chat.summary_adopted", platform=adapter.platform, room=target)
            return PostedMessage(room_id=target, id=found)
    return adapter.post(target, plan.message)


def _update(adapter: ChatAdapter, plan: Plan) -> None:
    assert plan.message is not None
    if adapter.capabilities.message_update and plan.extra.get("message_id"):
        adapter.update(plan.target, str(plan.extra["message_id"]), plan.message)


def _topic(adapter: ChatAdapter, plan: Plan) -> None:
    if adapter.capabilities.topics:
        adapter.set_topic(plan.target, str(plan.args["topic"])[: adapter.limits.topic])


def _invite(adapter: ChatAdapter, plan: Plan) -> None:
    users = [str(user) for user in plan.args.get("users", [])]
    if users and adapter.capabilities.invites:
        adapter.invite(plan.target, users)


def _archive(adapter: ChatAdapter, plan: Plan) -> None:
    with contextlib.suppress(ChatRoomArchivedError):  # archived by hand: what we wanted
        adapter.archive_room(plan.target)


def _reply(adapter: ChatAdapter, plan: Plan) -> None:
    assert plan.message is not None
    adapter.reply(ReplyTarget(adapter.platform, dict(plan.args["target"])), plan.message)


_CALLS = {
    "create_room": _create,
    "post": _post,
    "update": _update,
    "topic": _topic,
    "invite": _invite,
    "archive": _archive,
    "reply": _reply,
}


def _mark_archived(ctx: Context, row: ChatRoomRow) -> None:
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
