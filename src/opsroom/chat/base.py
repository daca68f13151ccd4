"""The `ChatAdapter` port: what opsroom needs from any chat platform, and its value types.

Optional features are capability flags: callers look at `capabilities` before calling a
method such as `invite` or `open_direct`. Adapters never raise NotImplementedError; an
adapter without a feature keeps a method that does nothing harmful (see each adapter).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from opsroom.chat.limits import Limits
from opsroom.chat.message import Message, ReplyTarget


@dataclass(frozen=True)
class Capabilities:
    """What a platform can do; the platform-neutral code adapts to it."""

    # Calls change opsroom's own database in the caller's transaction (the built-in chat):
    # there is nothing remote to retry, so they bypass the outbox.
    local: bool = False
    # False for a platform that only answers commands (Teams' outgoing webhook): no rooms.
    rooms: bool = True
    threads: bool = False
    buttons: bool = False
    modals: bool = False
    direct_messages: bool = False
    topics: bool = True
    invites: bool = False
    archive: bool = True
    read_only: bool = False
    message_update: bool = False
    deferred_replies: bool = False


@dataclass(frozen=True)
class RoomRef:
    """A room as the platform knows it: its immutable id and its current name."""

    id: str
    name: str


@dataclass(frozen=True)
class PostedMessage:
    """A message the platform accepted; `id` lets it be updated later (Slack's `ts`)."""

    room_id: str
    id: str


class ChatAdapter(Protocol):
    """One chat platform's outbound side. Every method is one remote call (or DB write)."""

    platform: str
    capabilities: Capabilities
    limits: Limits

    def escape(self, text: str) -> str:
        """Text made inert for the platform: no markup, no @channel, no mentions."""

    def create_room(self, name: str, topic: str, *, incident_number: int) -> RoomRef:
        """Create an incident room; raises ChatNameTakenError when the name is in use."""

    def post(self, room_id: str, message: Message) -> PostedMessage:
        """Post a message (already fitted to `limits`) as the bot."""

    def update(self, room_id: str, message_id: str, message: Message) -> None:
        """Replace a posted message (when `capabilities.message_update`)."""

    def set_topic(self, room_id: str, topic: str) -> None:
        """Change a room's topic (when `capabilities.topics`)."""

    def invite(self, room_id: str, user_ids: list[str]) -> None:
        """Add people by platform user id (when `capabilities.invites`)."""

    def archive_room(self, room_id: str) -> None:
        """Make the room read-only, keeping its history."""

    def open_direct(self, user_id: str) -> str:
        """The id of a direct-message room with one person (when `direct_messages`)."""

    def reply(self, target: ReplyTarget, message: Message) -> None:
        """Answer an inbound request later (when `capabilities.deferred_replies`)."""


@runtime_checkable
class RoomFinder(Protocol):
    """A platform that can tell whether a room of a given name is one opsroom's bot made for
    an incident: a create that timed out after the platform made the room is adopted on the
    retry (which the platform answers with `name_taken`) instead of opening `-2`."""

    def find_room(self, name: str, *, incident_number: int, since: datetime) -> RoomRef | None:
        """The room if the bot made it for this incident at or after `since`, else None."""


@runtime_checkable
class MessageFinder(Protocol):
    """A platform whose recent messages opsroom can read back: a post that timed out after
    the platform accepted it is found on the retry instead of being posted twice."""

    def find_message(self, room_id: str, message: Message) -> str | None:
        """The id of a message of the bot's in the room showing `message`, else None."""


@runtime_checkable
class RoomLabeler(Protocol):
    """A platform whose rooms people find by something other than `#<name>` (a Matrix alias)."""

    def room_label(self, room_id: str, name: str) -> str:
        """The room as people type or click it on the platform (plain text)."""


@dataclass(frozen=True)
class PlatformChannels:
    """The shared rooms of one platform: where alert groups and incidents are announced."""

    alerts: str | None = None
    incidents: str | None = None

    def get(self, kind: str) -> str | None:
        value: Any = getattr(self, kind, None)
        return value if isinstance(value, str) and value else None
