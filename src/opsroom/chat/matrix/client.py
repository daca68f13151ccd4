"""Matrix's outbound side behind the chat port: the client-server API through matrix-nio, as
the application service's bot user (its `as_token`).

An incident room is created by the bot with an alias from the room name (`#inc-42-...`),
its name and topic; people are invited by Matrix id. At resolution the room is made
read-only (power levels: `events_default` above normal users) and marked closed in its
name and topic. The shared #alerts / #incidents rooms are joined on the first post.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import quote

from nio import (
    AsyncClient,
    DirectRoomsResponse,
    ErrorResponse,
    JoinResponse,
    RoomGetStateEventResponse,
    RoomMessagesResponse,
    RoomPreset,
    RoomResolveAliasResponse,
    RoomSendResponse,
    RoomVisibility,
)

from opsroom.chat.base import Capabilities, PostedMessage, RoomRef
from opsroom.chat.errors import ChatPlatformError, ChatRoomNotFoundError
from opsroom.chat.matrix import render
from opsroom.chat.matrix.api import call, check, is_already_member
from opsroom.chat.matrix.settings import MatrixSettings
from opsroom.chat.message import Message, ReplyTarget
from opsroom.logging import get_logger

log = get_logger(__name__)

PLATFORM = "matrix"
CLOSED = "[closed] "
MESSAGE = "m.room.message"
# A state event in each incident room saying which incident it is (for people and tools).
INCIDENT_STATE = "org.opsroom.incident"
HISTORY = 50  # recent events read back to find a message whose send went unanswered


class MatrixChatAdapter:
    platform = PLATFORM
    capabilities = Capabilities(
        direct_messages=True,
        topics=True,
        invites=True,
        archive=True,
        read_only=True,
        message_update=True,
        deferred_replies=True,
    )

    def __init__(self, settings: MatrixSettings) -> None:
        self.settings = settings
        self.limits = render.limits_for(settings.server_name, settings.alias_prefix)
        self._rooms: dict[str, str] = {}  # configured id or alias -> room id, once joined

    def escape(self, text: str) -> str:
        return render.escape(text)

    def room_label(self, room_id: str, name: str) -> str:
        """The room's alias (clients make it a link), as created in `create_room`."""
        return f"#{self.settings.alias_prefix}{name}:{self.settings.server_name}"

    def create_room(self, name: str, topic: str, *, incident_number: int) -> RoomRef:
        private = self.settings.private_rooms

        async def work(client: AsyncClient) -> str:
            response = await client.room_create(
                visibility=RoomVisibility.private,  # never listed in the room directory
                alias=self.settings.alias_prefix + name,
                name=name,
                topic=topic,
                preset=RoomPreset.private_chat if private else RoomPreset.public_chat,
                initial_state=[
                    {
                        "type": INCIDENT_STATE,
                        "state_key": "",
                        "content": {"number": incident_number},
                    }
                ],
            )
            return str(check("createRoom", response).room_id)

        room_id = call(self.settings, work)
        log.info("matrix.room_created", room=name, incident=incident_number)
        return RoomRef(id=room_id, name=name)

    def find_room(self, name: str, *, incident_number: int, since: datetime) -> RoomRef | None:
        """The room behind our alias if its opsroom state names this incident: our create
        that timed out after the homeserver made it (alias prefixes keep installs apart)."""
        alias = self.room_label("", name)

        async def work(client: AsyncClient) -> str | None:
            resolved = await client.room_resolve_alias(alias)
            if not isinstance(resolved, RoomResolveAliasResponse):
                return None
            try:
                state = await _state(client, resolved.room_id, INCIDENT_STATE)
            except ChatPlatformError:
                return None  # not a room of ours: the bot cannot even read it
            return resolved.room_id if state.get("number") == incident_number else None

        room_id = call(self.settings, work)
        return RoomRef(id=room_id, name=name) if room_id else None

    def find_message(self, room_id: str, message: Message) -> str | None:
        """The id of one of the bot's recent events in the room showing `message` (a send
        whose answer was lost): the retry adopts it instead of sending it again."""
        body = render.content(message)["body"]

        async def work(client: AsyncClient) -> str | None:
            response = await client.room_messages(room_id, limit=HISTORY)
            if not isinstance(response, RoomMessagesResponse):
                return None
            for event in response.chunk:
                source = getattr(event, "source", {}) or {}
                content = source.get("content") or {}
                if source.get("sender") == self.settings.user_id and content.get("body") == body:
                    return str(source.get("event_id"))
            return None

        return call(self.settings, work)

    def post(self, room_id: str, message: Message) -> PostedMessage:
        return self._send(room_id, render.content(message))

    def update(self, room_id: str, message_id: str, message: Message) -> None:
        new = render.content(message)
        edit = {
            **new,
            "body": "* " + new["body"],
            "m.new_content": new,
            "m.relates_to": {"rel_type": "m.replace", "event_id": message_id},
        }
        edit.pop("formatted_body", None)
        edit.pop("format", None)
        self._send(room_id, edit)

    def set_topic(self, room_id: str, topic: str) -> None:
        self._put_state(room_id, "m.room.topic", {"topic": topic})

    def invite(self, room_id: str, user_ids: list[str]) -> None:
        async def work(client: AsyncClient) -> None:
            for user in user_ids:
                response = await client.room_invite(room_id, user)
                if isinstance(response, ErrorResponse) and is_already_member(response):
                    continue
                check("invite", response)

        call(self.settings, work)

    def archive_room(self, room_id: str) -> None:
        """Read-only for everyone below `read_only_level`, and `[closed]` in name and topic."""
        level = self.settings.read_only_level

        async def work(client: AsyncClient) -> None:
            levels = await _state(client, room_id, "m.room.power_levels")
            if int(levels.get("events_default", 0)) < level:
                levels["events_default"] = level
                check(
                    "powerLevels",
                    await client.room_put_state(room_id, "m.room.power_levels", levels),
                )
            for kind, key in (("m.room.name", "name"), ("m.room.topic", "topic")):
                current = str((await _state(client, room_id, kind)).get(key, ""))
                if not current.startswith(CLOSED):
                    closed = {key: CLOSED + current if current else CLOSED.strip()}
                    check(kind, await client.room_put_state(room_id, kind, closed))

        call(self.settings, work)

    def open_direct(self, user_id: str) -> str:
        """The bot's direct room with the person (m.direct), created on first use."""

        async def work(client: AsyncClient) -> str:
            direct = await client.list_direct_rooms()
            rooms = direct.rooms if isinstance(direct, DirectRoomsResponse) else {}
            if rooms.get(user_id):
                return str(rooms[user_id][0])
            created = check(
                "createRoom",
                await client.room_create(
                    is_direct=True, invite=[user_id], preset=RoomPreset.trusted_private_chat
                ),
            )
            rooms = {**rooms, user_id: [created.room_id]}
            await _put_account_data(client, "m.direct", rooms)
            return str(created.room_id)

        return call(self.settings, work)

    def reply(self, target: ReplyTarget, message: Message) -> None:
        """A reply to the command's event, in its room (Matrix has no private replies)."""
        room, event = str(target.data.get("room_id", "")), str(target.data.get("event_id", ""))
        if not room:
            return
        relation = {"m.relates_to": {"m.in_reply_to": {"event_id": event}}} if event else {}
        self._send(room, render.content(message, **relation))

    def join(self, room: str) -> str:
        """Join a room (an invitation, or a shared room by id or alias); its room id."""

        async def work(client: AsyncClient) -> str:
            return await self._join(client, room)

        return call(self.settings, work)

    def _send(self, room: str, content: dict[str, Any]) -> PostedMessage:
        async def work(client: AsyncClient) -> PostedMessage:
            room_id = await self._joined(client, room)
            response = await client.room_send(room_id, MESSAGE, content)
            if _not_in_room(response):  # a shared room not joined yet, or left: join it
                room_id = await self._join(client, room)
                response = await client.room_send(room_id, MESSAGE, content)
            sent = check("send", response)
            assert isinstance(sent, RoomSendResponse)
            return PostedMessage(room_id=room_id, id=str(sent.event_id))

        return call(self.settings, work)

    async def _joined(self, client: AsyncClient, room: str) -> str:
        """The room id to send to: aliases of shared rooms are joined and resolved once."""
        if room.startswith("#"):
            return self._rooms.get(room) or await self._join(client, room)
        return room

    async def _join(self, client: AsyncClient, room: str) -> str:
        joined = check("join", await client.join(room))
        assert isinstance(joined, JoinResponse)
        self._rooms[room] = str(joined.room_id)
        log.info("matrix.room_joined", room=room)
        return str(joined.room_id)

    def _put_state(self, room_id: str, kind: str, content: dict[str, Any]) -> None:
        async def work(client: AsyncClient) -> None:
            check(kind, await client.room_put_state(room_id, kind, content))

        call(self.settings, work)


async def _state(client: AsyncClient, room_id: str, kind: str) -> dict[str, Any]:
    """A state event's content; empty when the room has none of that kind."""
    response = await client.room_get_state_event(room_id, kind)
    if isinstance(response, ErrorResponse):
        if response.status_code == "M_NOT_FOUND":
            return {}
        check(kind, response)
    if not isinstance(response, RoomGetStateEventResponse):
        raise ChatRoomNotFoundError(f"Matrix {kind}: no state in {room_id}", reason="no_state")
    return dict(response.content)


def _not_in_room(response: object) -> bool:
    return (
        isinstance(response, ErrorResponse)
        and response.status_code == "M_FORBIDDEN"
        and "not in room" in response.message
    )


async def _put_account_data(client: AsyncClient, kind: str, content: dict[str, Any]) -> None:
    """PUT /user/{userId}/account_data/{type} (nio reads m.direct but does not write it)."""
    path = f"/_matrix/client/v3/user/{quote(client.user_id)}/account_data/{quote(kind)}"
    headers = {
        "Authorization": f"Bearer {client.access_token}",
        "Content-Type": "application/json",
    }
    response = await client.send("PUT", path, json.dumps(content), headers)
    status = response.status
    response.release()
    if status >= 300:
        log.warning("matrix.account_data_failed", kind=kind, status=status)
