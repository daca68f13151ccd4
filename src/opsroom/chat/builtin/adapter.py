"""The built-in chat: rooms and messages in opsroom's own database, behind the chat port.

It is `local`: its calls write in the caller's unit of work, so they happen (or roll back)
together with the use case and need no outbox. Its web page escapes HTML and has no
mentions, so its escape function leaves text as it is.
"""

from __future__ import annotations

from opsroom.chat.base import Capabilities, PostedMessage, RoomRef
from opsroom.chat.builtin.repository import RoomRepository
from opsroom.chat.builtin.tables import MessageRow, RoomRow
from opsroom.chat.errors import ChatNameTakenError, ChatRoomArchivedError
from opsroom.chat.limits import Limits
from opsroom.chat.message import Message, ReplyTarget, plain_text
from opsroom.clock import Clock
from opsroom.errors import NotFoundError, RoomArchivedError
from opsroom.logging import get_logger

log = get_logger(__name__)

BUILTIN_LIMITS = Limits(
    text=2000,
    body=4000,
    lines=10,
    lines_text=8000,
    fields=20,
    buttons=0,
    context=1000,
    room_name=80,
    topic=600,
)


class BuiltinChatAdapter:
    platform = "builtin"
    capabilities = Capabilities(local=True, topics=True, archive=True, read_only=True)
    limits = BUILTIN_LIMITS

    def __init__(self, rooms: RoomRepository, clock: Clock, bot_name: str) -> None:
        self._rooms = rooms
        self._clock = clock
        self._bot = bot_name

    def escape(self, text: str) -> str:
        return text

    def ensure_channel(self, name: str, topic: str) -> None:
        if self._rooms.by_name(name) is None:
            self._rooms.add(
                RoomRow(name=name, kind="channel", topic=topic, created_at=self._clock.now())
            )

    def create_room(self, name: str, topic: str, *, incident_number: int) -> RoomRef:
        if self._rooms.by_name(name) is not None:
            raise ChatNameTakenError(f"a room named #{name} exists", reason="name_taken")
        self._rooms.add(
            RoomRow(
                name=name,
                kind="incident",
                topic=topic,
                incident_number=incident_number,
                created_at=self._clock.now(),
            )
        )
        return RoomRef(id=name, name=name)

    def post(self, room_id: str, message: Message) -> PostedMessage:
        row = self._room(room_id)
        if row.archived_at is not None:
            raise ChatRoomArchivedError(f"#{room_id} is archived", reason="is_archived")
        return self.post_reply(room_id, message)

    def post_reply(self, room_id: str, message: Message) -> PostedMessage:
        """The bot's answer to a command, shown even when that command archived the room."""
        row = self._room(room_id)
        posted = self._rooms.post(
            MessageRow(
                room_id=row.id,
                author=self._bot,
                kind="bot",
                text=plain_text(message),
                data={},
                created_at=self._clock.now(),
            )
        )
        return PostedMessage(room_id=room_id, id=str(posted.id))

    def post_as(self, room: str, author: str, text: str) -> MessageRow:
        """A person's message; refused in an archived room."""
        row = self._room(room)
        if row.archived_at is not None:
            raise RoomArchivedError(
                f"#{room} is archived: the incident is resolved and the room is read-only"
            )
        return self._rooms.post(
            MessageRow(
                room_id=row.id,
                author=author,
                kind="user",
                text=text,
                data={},
                created_at=self._clock.now(),
            )
        )

    def update(self, room_id: str, message_id: str, message: Message) -> None:
        """Not offered (`message_update` is off): the web page shows messages as posted."""
        log.debug("chat.builtin_update_ignored", room=room_id)

    def set_topic(self, room_id: str, topic: str) -> None:
        self._room(room_id).topic = topic

    def invite(self, room_id: str, user_ids: list[str]) -> None:
        """Every signed-in user can read and write every built-in room: nothing to do."""

    def archive_room(self, room_id: str) -> None:
        row = self._room(room_id)
        if row.archived_at is None:
            row.archived_at = self._clock.now()

    def open_direct(self, user_id: str) -> str:
        """Not offered (`direct_messages` is off); callers check the capability first."""
        raise NotFoundError("the built-in chat has no direct messages")

    def reply(self, target: ReplyTarget, message: Message) -> None:
        """Not offered (`deferred_replies` is off): replies are posted in the room at once."""
        room = target.data.get("room")
        if isinstance(room, str):
            self.post(room, message)

    def _room(self, name: str) -> RoomRow:
        row = self._rooms.by_name(name)
        if row is None:
            raise NotFoundError(f"no room named #{name}")
        return row
