"""Mattermost's inbound side: the `/inc` slash command at /api/v1/chat/mattermost/commands,
buttons at /actions, and the bot account reading new posts in incident channels (`poll`,
run as a job every `poll_seconds`: outgoing webhooks cannot follow channels created later).

The token or button secret is checked first. People are named in commands by username
(`@bob`), which can change: it is resolved to the immutable user id at once.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from opsroom.chat.errors import ChatPlatformError
from opsroom.chat.inbound import (
    ActionInvoked,
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
from opsroom.chat.mattermost import render, verify
from opsroom.chat.mattermost.client import MattermostChatAdapter
from opsroom.chat.mattermost.settings import MattermostSettings
from opsroom.chat.message import ACTIONS, Mention, Message, ReplyTarget
from opsroom.errors import InvalidInputError, MalformedPayloadError, NotFoundError
from opsroom.logging import get_logger

log = get_logger(__name__)

PLATFORM = "mattermost"
ENDPOINTS = ("commands", "actions")
_MENTION = re.compile(r"(?<![\w@])@([a-z0-9][a-z0-9._-]{0,63})")


class MattermostInbound:
    platform = PLATFORM

    def __init__(self, settings: MattermostSettings, adapter: MattermostChatAdapter) -> None:
        self._command_token = _secret(settings.command_token)
        self._action_secret = _secret(settings.action_secret)
        self._adapter = adapter
        self.poll_seconds = settings.poll_seconds

    def verify(self, request: InboundRequest) -> None:
        if request.endpoint not in ENDPOINTS:
            raise NotFoundError(f"Mattermost has no endpoint {request.endpoint!r}: use {ENDPOINTS}")
        if request.endpoint == "commands":
            given = verify.command_token(request.headers, request.body)
            verify.check(self._command_token, given, "slash commands")
        else:
            verify.check(self._action_secret, verify.action_secret(request.body), "buttons")

    def parse(self, request: InboundRequest) -> InboundParse:
        if request.endpoint == "commands":
            return InboundParse(events=(self.command(_form(request.body)),))
        return InboundParse(events=(action(_json(request.body)),))

    def command(self, form: dict[str, str]) -> CommandInvoked:
        for name in ("user_id", "channel_id"):
            if not form.get(name):
                raise InvalidInputError(f"slash command without {name}")
        text = form.get("text", "").strip()
        data = {"response_url": form.get("response_url", ""), "channel": form["channel_id"]}
        return CommandInvoked(
            person=Person(PLATFORM, form["user_id"], form.get("user_name", "")),
            room_id=form["channel_id"],
            text=f"/inc {text}".strip(),
            mentions=self.mentions([text]),
            reply=ReplyTarget(PLATFORM, data),
        )

    def mentions(self, texts: list[str]) -> tuple[Mention, ...]:
        """`@username`s in the texts, with the immutable ids of the people they name."""
        names = sorted({m.group(1).rstrip(".") for t in texts for m in _MENTION.finditer(t)})
        try:
            ids = self._adapter.users_by_name(names)
        except ChatPlatformError as exc:
            log.warning("mattermost.mentions_unresolved", reason=exc.reason)
            ids = {}
        return tuple(Mention(f"@{name}", user_id, name) for name, user_id in ids.items())

    def answer(self, parsed: InboundParse, outcomes: list[InboundOutcome]) -> Answer:
        """A command is answered in the response; a button with an ephemeral text, and for
        everyone in the channel with a post."""
        outcome = outcomes[0] if outcomes else None
        if outcome is None or outcome.reply is None:
            return Answer(InboundReply(200, {}))
        reply, event = outcome.reply, outcome.event
        if isinstance(event, CommandInvoked):
            kind = "in_channel" if outcome.public else "ephemeral"
            return Answer(
                InboundReply(200, {"response_type": kind, "text": render.markdown(reply)})
            )
        later: tuple[tuple[ReplyTarget, Message], ...] = ()
        if isinstance(event, ActionInvoked) and outcome.public and event.room_id:
            later = ((ReplyTarget(PLATFORM, {"channel": event.room_id}), reply),)
        return Answer(InboundReply(200, {"ephemeral_text": render.markdown(reply)}), later)

    def poll(self, cursors: dict[str, int]) -> tuple[InboundParse, dict[str, int]]:
        """New posts by people in the channels since each cursor (ms); the new cursors."""
        bot, found, new = self._adapter.bot_id(), [], dict(cursors)
        for channel, since in cursors.items():
            for post in self._adapter.posts_since(channel, since):
                changed = int(post.get("update_at") or post.get("create_at") or 0)
                new[channel] = max(new[channel], changed)
                if is_spoken(post, bot):
                    found.append(post)
        names = self._adapter.users_by_id(sorted({str(p["user_id"]) for p in found}))
        mentions = self.mentions([str(p.get("message", "")) for p in found])
        events = tuple(self.message(post, names, mentions) for post in found)
        return InboundParse(events=events, event_ids=tuple(str(p["id"]) for p in found)), new

    def message(
        self, post: dict[str, Any], names: dict[str, str], mentions: tuple[Mention, ...]
    ) -> InboundEvent:
        text = str(post.get("message", ""))
        return MessagePosted(
            person=Person(PLATFORM, str(post["user_id"]), names.get(str(post["user_id"]), "")),
            room_id=str(post["channel_id"]),
            text=text,
            message_id=str(post["id"]),
            mentions=tuple(m for m in mentions if m.token in text),
        )


def is_spoken(post: dict[str, Any], bot_id: str) -> bool:
    """A person's post: not the bot's, not a system message, webhook or other bot, not deleted."""
    props = post.get("props") or {}
    return (
        bool(post.get("id") and post.get("user_id") and post.get("channel_id"))
        and post.get("user_id") != bot_id
        and not post.get("type")
        and not post.get("delete_at")
        and str(props.get("from_webhook", "")) != "true"
        and str(props.get("from_bot", "")) != "true"
        and bool(str(post.get("message", "")).strip())
    )


def action(payload: dict[str, Any]) -> ActionInvoked:
    """A button press: who, where, and the action and value opsroom put in its context."""
    context = payload.get("context") or {}
    name, value = str(context.get("action", "")), str(context.get("value", ""))
    if not payload.get("user_id") or name not in ACTIONS:
        raise InvalidInputError(f"not an opsroom button press (action {name!r})")
    return ActionInvoked(
        person=Person(PLATFORM, str(payload["user_id"]), str(payload.get("user_name", ""))),
        room_id=str(payload.get("channel_id", "")),
        action=name,
        value=value,
    )


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None


def _form(body: bytes) -> dict[str, str]:
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError as exc:
        raise MalformedPayloadError("form body is not UTF-8") from exc


def _json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedPayloadError(f"body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise MalformedPayloadError("body is not a JSON object")
    return data
