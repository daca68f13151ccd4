"""The inbound side of a chat platform: requests in, platform-neutral events out.

The generic route `/api/v1/chat/{platform}/{endpoint}` hands each request to the platform's
`ChatInbound`: `verify` first (signature, replay window), then `parse` into events that the
shared chat service runs, then `answer` shapes the reply the way the platform expects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from opsroom.chat.message import Mention, Message, ReplyTarget


@dataclass(frozen=True)
class InboundRequest:
    """One inbound HTTP request; header names are lower-case."""

    endpoint: str
    body: bytes
    headers: Mapping[str, str]
    received_at: datetime
    query: Mapping[str, str] = field(default_factory=dict)
    method: str = "POST"


@dataclass(frozen=True)
class InboundReply:
    """What to answer: a JSON body (dict), plain text (str) or nothing."""

    status: int = 200
    body: dict[str, Any] | str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Person:
    """Someone on a platform, by the platform's immutable user id."""

    platform: str
    user_id: str
    display_name: str = ""


@dataclass(frozen=True)
class CommandInvoked:
    """`/inc ...` typed in a room (a slash command)."""

    person: Person
    room_id: str
    text: str
    mentions: tuple[Mention, ...] = ()
    reply: ReplyTarget | None = None
    trigger: str = ""


@dataclass(frozen=True)
class MessagePosted:
    """Something said in a room; it goes on the timeline when the room is an incident's."""

    person: Person
    room_id: str
    text: str
    message_id: str = ""
    mentions: tuple[Mention, ...] = ()


@dataclass(frozen=True)
class ActionInvoked:
    """A button pressed: `action` is one of chat.message.ACTIONS, `value` says on what."""

    person: Person
    room_id: str
    action: str
    value: str
    reply: ReplyTarget | None = None
    trigger: str = ""


@dataclass(frozen=True)
class DeclareSubmitted:
    """The declare form (a modal) was sent."""

    person: Person
    title: str
    severity: int
    group_id: int | None = None
    room_id: str = ""


InboundEvent = CommandInvoked | MessagePosted | ActionInvoked | DeclareSubmitted


@dataclass(frozen=True)
class InboundParse:
    """What a request carries. `reply` answers it without running anything (a challenge)."""

    events: tuple[InboundEvent, ...] = ()
    reply: InboundReply | None = None
    event_id: str | None = None
    # One id per event in `events`, for platforms that batch events (Matrix transactions):
    # each event already handled is skipped on its own.
    event_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeclareForm:
    """A declare form to show (a modal), prefilled from an alert group when there is one."""

    title: str = ""
    severity: int = 3
    group_id: int | None = None
    room_id: str = ""


@dataclass
class InboundOutcome:
    """What running one event produced: a reply for the person, or a form to open."""

    reply: Message | None = None
    ok: bool = True
    public: bool = False
    form: DeclareForm | None = None
    event: InboundEvent | None = None
    # Replies to the same person once a new room exists: (message, chat_rooms id it names).
    follow_ups: list[tuple[Message, int]] = field(default_factory=list)


@dataclass(frozen=True)
class Answer:
    """The HTTP reply, plus deferred replies (e.g. to Slack's `response_url`) sent as jobs."""

    reply: InboundReply
    later: tuple[tuple[ReplyTarget, Message], ...] = ()


class ChatInbound(Protocol):
    platform: str

    def verify(self, request: InboundRequest) -> None:
        """Raise AuthenticationError unless the platform signed this request just now."""

    def parse(self, request: InboundRequest) -> InboundParse:
        """The events in a verified request; InvalidInputError when it makes no sense."""

    def answer(self, parsed: InboundParse, outcomes: list[InboundOutcome]) -> Answer:
        """The reply the platform expects (within its deadline)."""


@runtime_checkable
class FormOpener(Protocol):
    """A platform that shows forms (Slack's `views.open`): called at once, because the
    platform's trigger expires within seconds."""

    def open_form(self, trigger: str, form: DeclareForm) -> None:
        """Show the declare form to the person who pressed the button."""


@runtime_checkable
class Poller(Protocol):
    """A platform whose messages opsroom fetches (Mattermost's bot account) instead of being
    sent them: `chat.poller` runs `poll` as a job every `poll_seconds`."""

    poll_seconds: float

    def poll(self, cursors: dict[str, int]) -> tuple[InboundParse, dict[str, int]]:
        """Events since each room's cursor (ms since the epoch), and the new cursors."""
