"""Discord's inbound side: the interactions endpoint, /api/v1/chat/discord/interactions.

The Ed25519 signature is verified first. PING is answered with PONG. `/inc` and button
presses run at once (database work only: Discord calls go through the outbox) and are
answered with a deferred response (type 5, "opsroom is thinking..."); the reply then
replaces it through the interaction webhook (PATCH .../messages/@original), as an outbox
job, so no slow work ever risks Discord's 3-second deadline.
"""

from __future__ import annotations

import json
import re
from typing import Any

from opsroom.chat.discord import render
from opsroom.chat.discord.settings import DiscordSettings
from opsroom.chat.discord.verify import InteractionVerifier
from opsroom.chat.inbound import (
    ActionInvoked,
    Answer,
    CommandInvoked,
    InboundOutcome,
    InboundParse,
    InboundReply,
    InboundRequest,
    Person,
)
from opsroom.chat.message import ACTIONS, Mention, Message, ReplyTarget, from_dict, to_dict
from opsroom.errors import InvalidInputError, MalformedPayloadError, NotFoundError

PLATFORM = "discord"
ENDPOINTS = ("interactions",)
PING, APPLICATION_COMMAND, MESSAGE_COMPONENT = 1, 2, 3
PONG, CHANNEL_MESSAGE, DEFERRED_MESSAGE = 1, 4, 5
EPHEMERAL = 64
USER_OPTION, SUB_COMMAND = 6, 1
MENTION = re.compile(r"<@!?([0-9]{5,21})>")
# Options that come first in the command text, whatever order Discord sends them in.
_LEADING = {"declare": ("severity", "title"), "status": ("status", "message")}
_LEADING["role"] = ("role", "user")


class DiscordInbound:
    platform = PLATFORM

    def __init__(self, settings: DiscordSettings) -> None:
        self._verifier = InteractionVerifier(settings.public_key, settings.replay_window_seconds)
        self._application_id = settings.application_id

    def verify(self, request: InboundRequest) -> None:
        if request.endpoint not in ENDPOINTS:
            raise NotFoundError(f"Discord has no endpoint {request.endpoint!r}: use {ENDPOINTS}")
        self._verifier.verify(request.headers, request.body, request.received_at)

    def parse(self, request: InboundRequest) -> InboundParse:
        body = _json(request.body)
        try:
            return parse_interaction(body)
        except (AttributeError, KeyError, TypeError) as exc:
            # Signed by Discord's key, yet not the documented shape: a 400, never a 500.
            raise MalformedPayloadError(
                f"interaction body does not have the documented shape ({type(exc).__name__}: "
                f"{str(exc)[:100]})"
            ) from exc

    def answer(self, parsed: InboundParse, outcomes: list[InboundOutcome]) -> Answer:
        return answer(outcomes)


def parse_interaction(body: dict[str, Any]) -> InboundParse:
    kind = body.get("type")
    if kind == PING:
        return InboundParse(reply=InboundReply(200, {"type": PONG}))
    person = _person(body)
    data = body.get("data") or {}
    reply = ReplyTarget(
        PLATFORM,
        {"token": str(body.get("token", "")), "channel": str(body.get("channel_id", ""))},
    )
    event_id = f"interaction:{body.get('id', '')}"
    room = str(body.get("channel_id") or "")
    if kind == APPLICATION_COMMAND and data.get("name") == "inc":
        text, mentions = command_text(data)
        event = CommandInvoked(person, room, text, mentions=mentions, reply=reply)
        return InboundParse(events=(event,), event_id=event_id)
    if kind == MESSAGE_COMPONENT:
        parsed = render.parse_custom_id(str(data.get("custom_id", "")))
        if parsed is not None and parsed[0] in ACTIONS:
            action, value = parsed
            pressed = ActionInvoked(person, room, action, value, reply=reply)
            return InboundParse(events=(pressed,), event_id=event_id)
    unknown = render.text_payload("opsroom does not know this interaction", ephemeral=True)
    return InboundParse(reply=InboundReply(200, {"type": CHANNEL_MESSAGE, "data": unknown}))


def _person(body: dict[str, Any]) -> Person:
    """In a guild the user is under `member`; in a DM it is `user`."""
    user = (body.get("member") or {}).get("user") or body.get("user") or {}
    if not user.get("id"):
        raise InvalidInputError("interaction without a user")
    name = str(user.get("global_name") or user.get("username") or "")
    return Person(PLATFORM, str(user["id"]), name)


def command_text(data: dict[str, Any]) -> tuple[str, tuple[Mention, ...]]:
    """`/inc ...` text of the slash command: a subcommand with options, or one text option."""
    options = list(data.get("options") or [])
    users = (data.get("resolved") or {}).get("users") or {}
    if len(options) == 1 and options[0].get("type") == SUB_COMMAND:
        sub = options[0]
        words = [str(sub["name"])] if sub["name"] != "cmd" else []
        words += _values(sub.get("options") or [], _LEADING.get(str(sub["name"]), ()))
    else:
        words = [str(option.get("value", "")) for option in options]
    text = " ".join(word for word in words if word).strip()
    mentions = tuple(
        Mention(m.group(0), m.group(1), _name(users.get(m.group(1)) or {}))
        for m in MENTION.finditer(text)
    )
    return f"/inc {text}".strip(), mentions


def _values(options: list[dict[str, Any]], leading: tuple[str, ...]) -> list[str]:
    ranked = sorted(
        options,
        key=lambda o: leading.index(o["name"]) if o.get("name") in leading else len(leading),
    )
    return [
        f"<@{option['value']}>" if option.get("type") == USER_OPTION else str(option["value"])
        for option in ranked
        if option.get("value") not in (None, "")
    ]


def _name(user: dict[str, Any]) -> str:
    return str(user.get("global_name") or user.get("username") or "")


def answer(outcomes: list[InboundOutcome]) -> Answer:
    """Deferred (type 5), ephemeral unless the reply is for everyone; the reply edits it."""
    if not outcomes:
        done = render.text_payload("Already handled.", ephemeral=True)
        return Answer(InboundReply(200, {"type": CHANNEL_MESSAGE, "data": done}))
    outcome = outcomes[0]
    event = outcome.event
    target = getattr(event, "reply", None)
    data = {} if outcome.public else {"flags": EPHEMERAL}
    deferred = InboundReply(200, {"type": DEFERRED_MESSAGE, "data": data})
    if outcome.reply is None or not isinstance(target, ReplyTarget):
        return Answer(deferred)
    later: tuple[tuple[ReplyTarget, Message], ...] = ((target, from_dict(to_dict(outcome.reply))),)
    return Answer(deferred, later)


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedPayloadError(f"body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise MalformedPayloadError("body is not a JSON object")
    return data
