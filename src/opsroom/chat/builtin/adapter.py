"""The built-in chat: rooms and messages in opsroom's own database."""

from __future__ import annotations

from opsroom.chat.builtin.repository import RoomRepository
from opsroom.chat.builtin.tables import MessageRow, RoomRow
from opsroom.clock import Clock
from opsroom.errors import NotFoundError, RoomArchivedError
from opsroom.logging import get_logger

log = get_logger(__name__)


class BuiltinChatAdapter:
    platform = "builtin"

    def __init__(self, rooms: RoomRepository, clock: Clock, bot_name: str) -> None:
        self._rooms = rooms
        self._clock = clock
        self._bot = bot_name

    def ensure_channel(self, name: str, topic: str) -> None:
        self._rooms.add_unless_exists(
            RoomRow(name=name, kind="channel", topic=topic, created_at=self._clock.now())
        )

    def create_room(self, name: str, topic: str, incident_number: int) -> str:
        self._rooms.add(
            RoomRow(
                name=name,
                kind="incident",
                topic=topic,
                incident_number=incident_number,
                created_at=self._clock.now(),
            )
        )
        return name

    def post(self, room: str, text: str, *, kind: str = "bot") -> None:
        row = self._room(room)
        if row.archived_at is not None:
            log.warning("chat.post_to_archived_room_skipped", room=room)
            return
        self._rooms.post(
            MessageRow(
                room_id=row.id,
                author=self._bot,
                kind=kind,
                text=text,
                data={},
                created_at=self._clock.now(),
            )
        )

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

    def set_topic(self, room: str, topic: str) -> None:
        self._room(room).topic = topic

    def archive_room(self, room: str) -> None:
        row = self._room(room)
        if row.archived_at is None:
            row.archived_at = self._clock.now()

    def _room(self, name: str) -> RoomRow:
        row = self._rooms.by_name(name)
        if row is None:
            raise NotFoundError(f"no room named #{name}")
        return row
