"""Matrix's inbound side: the application-service push API. The homeserver PUTs each batch
of room events to /api/v1/chat/matrix/_matrix/app/v1/transactions/{txnId} and retries the
same transaction until it is answered with 200, so nothing is lost while opsroom is down.

Each event is handled once (its event id is recorded, so a retried transaction changes
nothing); the bot's own events and other bots' `m.notice`s are ignored, and so are edits.
`/inc ...` (or `!inc ...`, which Matrix clients do not take for a client command) runs a
command, answered later as a reply in the room; anything else is a message.
"""

from __future__ import annotations

import json
import re
from typing import Any

from opsroom.chat.errors import ChatPlatformError
from opsroom.chat.inbound import (
    Answer,
    CommandInvoked,
    InboundEvent,
    InboundOutcome,
    InboundParse,
    InboundReply,
    InboundRequest,
    MessagePosted,
    Person,
)
from opsroom.chat.matrix import verify
from opsroom.chat.matrix.client import MatrixChatAdapter
from opsroom.chat.matrix.settings import MatrixSettings
from opsroom.chat.message import Mention, Message, ReplyTarget
from opsroom.errors import MalformedPayloadError, NotFoundError
from opsroom.logging import get_logger

log = get_logger(__name__)

PLATFORM = "matrix"
TRANSACTION = re.compile(r"^(?:_matrix/app/v1/)?transactions/([^/]+)$")
PING = "_matrix/app/v1/ping"
SPOKEN = frozenset({"m.text", "m.emote"})
_COMMAND = re.compile(r"^[/!]inc(?=\s|$)")
_USER_ID = re.compile(r"@[a-z0-9._=/+-]+:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::\d+)?")
_PILL = re.compile(r'<a href="https://matrix\.to/#/(@[^"?]+)"[^>]*>([^<]+)</a>')


class MatrixInbound:
    platform = PLATFORM

    def __init__(self, settings: MatrixSettings, adapter: MatrixChatAdapter) -> None:
        token = settings.hs_token
        self._token = token.get_secret_value() if token else None
        self._bot = settings.user_id
        self._server = settings.server_name
        self._adapter = adapter

    def verify(self, request: InboundRequest) -> None:
        if request.endpoint != PING and not TRANSACTION.match(request.endpoint):
            raise NotFoundError(
                f"Matrix has no endpoint {request.endpoint!r}: the homeserver calls "
                "_matrix/app/v1/transactions/{txnId}"
            )
        verify.verify(self._token, request.headers, request.query)

    def parse(self, request: InboundRequest) -> InboundParse:
        if request.endpoint == PING:
            return InboundParse(reply=InboundReply(200, {}))
        events = _json(request.body).get("events", [])
        if not isinstance(events, list):
            raise MalformedPayloadError("a transaction's `events` is not a list")
        handled = [found for raw in events if (found := self.event(raw)) is not None]
        for room in self.invitations(events):
            self.accept(room)
        return InboundParse(
            events=tuple(event for _, event in handled),
            event_ids=tuple(event_id for event_id, _ in handled),
        )

    def event(self, raw: Any) -> tuple[str, InboundEvent] | None:
        """(event id, event) for a person's message in a room; None for everything else."""
        if not isinstance(raw, dict) or raw.get("type") != "m.room.message":
            return None
        sender, room = str(raw.get("sender", "")), str(raw.get("room_id", ""))
        event_id = str(raw.get("event_id", ""))
        content = raw.get("content")
        if (
            not (sender and room and event_id)
            or sender == self._bot
            or not isinstance(content, dict)
        ):
            return None
        relation = content.get("m.relates_to")
        if content.get("msgtype") not in SPOKEN or _is_edit(relation):
            return None
        body = strip_reply_fallback(str(content.get("body", ""))).strip()
        if not body:
            return None
        person = Person(PLATFORM, sender, localpart(sender))
        found = mentions(body, str(content.get("formatted_body", "")))
        if _COMMAND.match(body):
            reply = ReplyTarget(PLATFORM, {"room_id": room, "event_id": event_id})
            text = "/inc" + body[4:]
            return event_id, CommandInvoked(person, room, text, found, reply=reply)
        return event_id, MessagePosted(person, room, body, message_id=event_id, mentions=found)

    def invitations(self, events: list[Any]) -> list[str]:
        """Rooms the bot was invited to by someone on its own homeserver."""
        return [
            str(raw["room_id"])
            for raw in events
            if isinstance(raw, dict)
            and raw.get("type") == "m.room.member"
            and raw.get("state_key") == self._bot
            and (raw.get("content") or {}).get("membership") == "invite"
            and str(raw.get("sender", "")).endswith(f":{self._server}")
            and raw.get("room_id")
        ]

    def accept(self, room: str) -> None:
        try:
            self._adapter.join(room)
        except ChatPlatformError as exc:  # the inviter can invite again; nothing else is lost
            log.warning("matrix.invite_not_accepted", room=room, reason=exc.reason)

    def answer(self, parsed: InboundParse, outcomes: list[InboundOutcome]) -> Answer:
        """`{}` at once (the homeserver waits for nothing else); command replies later."""
        later: list[tuple[ReplyTarget, Message]] = []
        for outcome in outcomes:
            event = outcome.event
            if isinstance(event, CommandInvoked) and event.reply and outcome.reply:
                later.append((event.reply, outcome.reply))
        return Answer(InboundReply(200, {}), tuple(later))


def localpart(user_id: str) -> str:
    return user_id.removeprefix("@").split(":", 1)[0]


def mentions(body: str, formatted_body: str = "") -> tuple[Mention, ...]:
    """Matrix ids typed in the body, and pills (links to matrix.to) by their text."""
    found = {m.group(0).rstrip("."): m.group(0).rstrip(".") for m in _USER_ID.finditer(body)}
    for match in _PILL.finditer(formatted_body):
        user_id, text = match.group(1), match.group(2)
        if text in body and text not in found:
            found[text] = user_id
    return tuple(Mention(token, user_id, localpart(user_id)) for token, user_id in found.items())


def strip_reply_fallback(body: str) -> str:
    """A reply's body starts with the quoted original (`> <@a:b> text`), then a blank line."""
    if not body.startswith("> "):
        return body
    lines = body.split("\n")
    rest = 0
    while rest < len(lines) and lines[rest].startswith(">"):
        rest += 1
    return "\n".join(lines[rest:]).lstrip("\n")


def _is_edit(relation: Any) -> bool:
    return isinstance(relation, dict) and relation.get("rel_type") == "m.replace"


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedPayloadError(f"body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise MalformedPayloadError("body is not a JSON object")
    return data
