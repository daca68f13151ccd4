"""HTTP routes of the built-in chat: rooms, messages, and live messages over SSE."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from opsroom.api.deps import ContainerDep, UserDep
from opsroom.api.params import Offset
from opsroom.bootstrap import Container
from opsroom.chat.builtin.schemas import MessageCreate, MessageRead, PostResult, RoomRead
from opsroom.chat.builtin.tables import MessageRow, RoomRow
from opsroom.chat.service import handle_message
from opsroom.errors import NotFoundError
from opsroom.schemas import Items

router = APIRouter(prefix="/api/v1/rooms", tags=["chat"])
POLL_SECONDS = 0.5
KEEPALIVE_SECONDS = 15.0


def room_read(row: RoomRow) -> RoomRead:
    return RoomRead(
        name=row.name,
        kind=row.kind,
        topic=row.topic,
        incident_number=row.incident_number,
        archived=row.archived_at is not None,
        created_at=row.created_at,
    )


def message_read(room: str, row: MessageRow) -> MessageRead:
    return MessageRead(
        id=row.id,
        room=room,
        author=row.author,
        kind=row.kind,
        text=row.text,
        created_at=row.created_at,
    )


def _room(container: Container, name: str) -> RoomRow:
    with container.uow() as uow:
        row = uow.rooms.by_name(name)
    if row is None:
        raise NotFoundError(f"no room named #{name}")
    return row


@router.get("")
async def list_rooms(container: ContainerDep, user: UserDep) -> Items[RoomRead]:
    def load() -> Items[RoomRead]:
        with container.uow() as uow:
            return Items[RoomRead](items=[room_read(row) for row in uow.rooms.list_rooms()])

    return await run_in_threadpool(load)


@router.get("/{name}")
async def get_room(name: str, container: ContainerDep, user: UserDep) -> RoomRead:
    return room_read(await run_in_threadpool(_room, container, name))


@router.get("/{name}/messages")
async def list_messages(
    name: str,
    container: ContainerDep,
    user: UserDep,
    after: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> Items[MessageRead]:
    """Messages oldest first: the newest `limit`, or those after message id `after`."""

    def load() -> Items[MessageRead]:
        room = _room(container, name)
        with container.uow() as uow:
            rows = uow.rooms.messages(room.id, after=after, limit=limit)
        return Items[MessageRead](items=[message_read(name, row) for row in rows])

    return await run_in_threadpool(load)


@router.post("/{name}/messages", status_code=201)
async def post_message(
    name: str, body: MessageCreate, container: ContainerDep, user: UserDep
) -> PostResult:
    """Say something in a room as the caller; `/inc ...` commands run and reply here."""

    def post() -> PostResult:
        with container.uow() as uow:
            outcome = handle_message(
                uow, container.ctx, room=name, author=user.name, text=body.text
            )
            room = uow.rooms.by_name(name)
            assert room is not None
            uow.flush()
            newer = uow.rooms.messages(room.id, after=outcome.message.id, limit=50)
            uow.commit()
        replies = [message_read(name, row) for row in newer if row.kind != "user"]
        return PostResult(message=message_read(name, outcome.message), replies=replies)

    return await run_in_threadpool(post)


@router.get("/{name}/events")
async def room_events(
    name: str,
    request: Request,
    container: ContainerDep,
    user: UserDep,
    after: Offset = 0,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """Server-sent events: each new message as `event: message` with its JSON."""
    room = await run_in_threadpool(_room, container, name)
    start = int(last_event_id) if last_event_id and last_event_id.isdigit() else after
    return StreamingResponse(
        _stream(request, container, room.id, name, start),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _stream(
    request: Request, container: Container, room_id: int, name: str, after: int
) -> AsyncIterator[str]:
    yield "retry: 2000\n\n"
    last, idle = after, 0.0
    while not await request.is_disconnected():
        rows = await run_in_threadpool(_newer, container, room_id, last)
        for row in rows:
            last = row.id
            data = json.dumps(message_read(name, row).model_dump(mode="json"))
            yield f"id: {row.id}\nevent: message\ndata: {data}\n\n"
        idle = 0.0 if rows else idle + POLL_SECONDS
        if idle >= KEEPALIVE_SECONDS:
            idle = 0.0
            yield ": keepalive\n\n"
        await asyncio.sleep(POLL_SECONDS)


def _newer(container: Container, room_id: int, after: int) -> list[MessageRow]:
    with container.uow() as uow:
        return uow.rooms.messages(room_id, after=after, limit=500)
