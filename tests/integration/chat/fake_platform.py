"""FakeChatAdapter: an in-memory remote chat platform for testing the platform-neutral code
(outbox, rooms, limits). Real platforms are tested against their contract servers."""

from __future__ import annotations

from dataclasses import dataclass, field

from opsroom.chat.base import Capabilities, PlatformChannels, PostedMessage, RoomRef
from opsroom.chat.errors import (
    ChatNameTakenError,
    ChatPlatformError,
    ChatRateLimitedError,
    ChatRoomArchivedError,
    ChatUnavailableError,
)
from opsroom.chat.escape import break_broadcasts
from opsroom.chat.hub import ChatPlatform
from opsroom.chat.limits import Limits
from opsroom.chat.message import Message, ReplyTarget, plain_text


@dataclass
class FakeRoom:
    id: str
    name: str
    topic: str = ""
    archived: bool = False
    members: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)


class FakeChatAdapter:
    platform = "fake"
    capabilities = Capabilities(invites=True, direct_messages=True, buttons=True)
    limits = Limits(text=200, lines=5, lines_text=300, buttons=2, room_name=30, topic=50)

    def __init__(self) -> None:
        self.rooms: dict[str, FakeRoom] = {}
        self.channels: dict[str, list[str]] = {"C-ALERTS": [], "C-INCIDENTS": []}
        self.calls: list[str] = []
        # Errors to raise on the next calls, in order, by method name.
        self.failures: dict[str, list[ChatPlatformError]] = {}
        self.names_in_use: set[str] = set()

    def fail_next(self, method: str, *errors: ChatPlatformError) -> None:
        self.failures.setdefault(method, []).extend(errors)

    def _call(self, method: str) -> None:
        self.calls.append(method)
        pending = self.failures.get(method)
        if pending:
            raise pending.pop(0)

    def escape(self, text: str) -> str:
        return break_broadcasts(text.replace("<", "&lt;"))

    def create_room(self, name: str, topic: str, *, incident_number: int) -> RoomRef:
        self._call("create_room")
        if name in self.names_in_use or any(r.name == name for r in self.rooms.values()):
            raise ChatNameTakenError("taken", reason="name_taken")
        room = FakeRoom(id=f"R{len(self.rooms) + 1}", name=name, topic=topic)
        self.rooms[room.id] = room
        return RoomRef(room.id, name)

    def post(self, room_id: str, message: Message) -> PostedMessage:
        self._call("post")
        text = plain_text(message, self.escape)
        if room_id in self.channels:
            self.channels[room_id].append(text)
        else:
            room = self.rooms[room_id]
            if room.archived:
                raise ChatRoomArchivedError("archived", reason="is_archived")
            room.messages.append(text)
        return PostedMessage(room_id, str(len(self.calls)))

    def update(self, room_id: str, message_id: str, message: Message) -> None:
        self._call("update")

    def set_topic(self, room_id: str, topic: str) -> None:
        self._call("set_topic")
        self.rooms[room_id].topic = topic

    def invite(self, room_id: str, user_ids: list[str]) -> None:
        self._call("invite")
        self.rooms[room_id].members.extend(user_ids)

    def archive_room(self, room_id: str) -> None:
        self._call("archive_room")
        self.rooms[room_id].archived = True

    def open_direct(self, user_id: str) -> str:
        self._call("open_direct")
        self.channels.setdefault(f"D-{user_id}", [])
        return f"D-{user_id}"

    def reply(self, target: ReplyTarget, message: Message) -> None:
        self._call("reply")
        self.channels.setdefault("replies", []).append(plain_text(message, self.escape))


def fake_platform(adapter: FakeChatAdapter) -> ChatPlatform:
    return ChatPlatform(
        name="fake",
        adapter=lambda uow: adapter,
        channels=PlatformChannels(alerts="C-ALERTS", incidents="C-INCIDENTS"),
    )


__all__ = [
    "ChatRateLimitedError",
    "ChatUnavailableError",
    "FakeChatAdapter",
    "fake_platform",
]
