"""The Slack Web API methods opsroom calls, as the published reference describes them
(docs.slack.dev/reference/methods/<method>): required arguments, documented errors and the
documented success bodies. Each handler returns (body, status) or raises SlackError."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

BOT_USER, BOT_ID = "U0BOT", "B0BOT"
CHANNEL_NAME = re.compile(r"^[a-z0-9_-]+$")  # "lowercase letters, numbers, hyphens, underscores"


class SlackError(Exception):
    def __init__(self, error: str, status: int = 200) -> None:
        super().__init__(error)
        self.error, self.status = error, status


@dataclass
class Channel:
    id: str
    name: str
    topic: str = ""
    is_archived: bool = False
    is_private: bool = False
    members: list[str] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    creator: str = "U0SOMEONE"
    created: int = 1700000000

    def body(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private,
            "is_group": False,
            "is_im": False,
            "is_private": self.is_private,
            "is_archived": self.is_archived,
            "created": self.created,
            "creator": self.creator,
            "topic": {"value": self.topic, "creator": "U0BOT", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }


@dataclass
class Workspace:
    channels: dict[str, Channel] = field(default_factory=dict)
    views: list[dict[str, Any]] = field(default_factory=list)
    ts: int = 0

    def add_channel(self, channel_id: str, name: str) -> Channel:
        self.channels[channel_id] = Channel(channel_id, name)
        return self.channels[channel_id]

    def channel(self, params: dict[str, Any]) -> Channel:
        channel_id = required(params, "channel")
        channel = self.channels.get(channel_id)
        if channel is None:
            raise SlackError("channel_not_found")
        return channel

    def next_ts(self) -> str:
        self.ts += 1
        return f"1700000000.{self.ts:06d}"


def required(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if value in (None, ""):
        raise SlackError("invalid_arguments" if name != "name" else "invalid_name_required")
    return str(value)


def conversations_create(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    name = required(params, "name")
    if len(name) > 80:
        raise SlackError("invalid_name_maxlength")
    if not CHANNEL_NAME.match(name):
        raise SlackError("invalid_name_specials")
    if name.strip("-_") == "":
        raise SlackError("invalid_name_punctuation")
    if any(channel.name == name for channel in ws.channels.values()):
        raise SlackError("name_taken")
    channel_id = f"C{len(ws.channels) + 1:08d}"
    channel = ws.add_channel(channel_id, name)
    channel.is_private = str(params.get("is_private", "false")).lower() in ("true", "1")
    channel.members.append(BOT_USER)
    channel.creator, channel.created = BOT_USER, int(time.time())
    return {"ok": True, "channel": channel.body()}


def conversations_set_topic(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    channel = ws.channel(params)
    topic = str(params.get("topic", ""))
    if channel.is_archived:
        raise SlackError("is_archived")
    if len(topic) > 250:
        raise SlackError("too_long")
    channel.topic = topic
    return {"ok": True, "channel": channel.body()}


def conversations_invite(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    channel = ws.channel(params)
    users = [user for user in required(params, "users").split(",") if user]
    if channel.is_archived:
        raise SlackError("is_archived")
    if len(users) > 1000:
        raise SlackError("too_many_users")
    if any(not re.fullmatch(r"[UW][A-Z0-9]+", user) for user in users):
        raise SlackError("user_not_found")
    if all(user in channel.members for user in users):
        raise SlackError("already_in_channel")
    channel.members.extend(user for user in users if user not in channel.members)
    return {"ok": True, "channel": channel.body()}


def conversations_archive(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    channel = ws.channel(params)
    if channel.is_archived:
        raise SlackError("already_archived")
    channel.is_archived = True
    return {"ok": True}


def conversations_open(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    users = required(params, "users")
    channel_id = "D" + re.sub(r"[^A-Z0-9]", "", users.upper())[:10]
    channel = ws.channels.get(channel_id) or ws.add_channel(channel_id, "")
    return {"ok": True, "channel": {"id": channel.id}}


def chat_post_message(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    channel = ws.channel(params)
    text, blocks = str(params.get("text") or ""), _blocks(params)
    if not text and not blocks:
        raise SlackError("no_text")
    if channel.is_archived:
        raise SlackError("is_archived")
    check_blocks(blocks)
    message = {
        "type": "message",
        "text": text,
        "blocks": blocks,
        "ts": ws.next_ts(),
        "user": BOT_USER,
        "bot_id": BOT_ID,
    }
    channel.messages.append(message)
    return {"ok": True, "channel": channel.id, "ts": message["ts"], "message": message}


def chat_update(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    channel = ws.channel(params)
    ts = required(params, "ts")
    found = next((m for m in channel.messages if m["ts"] == ts), None)
    if found is None:
        raise SlackError("message_not_found")
    blocks = _blocks(params)
    check_blocks(blocks)
    found.update(text=str(params.get("text") or ""), blocks=blocks)
    return {"ok": True, "channel": channel.id, "ts": ts, "text": found["text"]}


def views_open(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    required(params, "trigger_id")
    view = params.get("view")
    if isinstance(view, str):
        view = json.loads(view)
    if not isinstance(view, dict) or view.get("type") != "modal":
        raise SlackError("invalid_arguments")
    if len(view.get("title", {}).get("text", "")) > 24 or len(view.get("blocks", [])) > 100:
        raise SlackError("invalid_arguments")
    ws.views.append(view)
    return {"ok": True, "view": {"id": f"V{len(ws.views):08d}", **view}}


def _blocks(params: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = params.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    return list(blocks)


def check_blocks(blocks: list[dict[str, Any]]) -> None:
    """Block Kit limits (docs.slack.dev/reference/block-kit/blocks): 50 blocks, section text
    3000, 10 fields of 2000, actions 25 elements, button text 75, context 10 elements."""
    if len(blocks) > 50:
        raise SlackError("invalid_blocks")
    for block in blocks:
        kind = block.get("type")
        if kind == "section":
            if len(block.get("text", {}).get("text", "")) > 3000:
                raise SlackError("invalid_blocks")
            fields = block.get("fields", [])
            if len(fields) > 10 or any(len(f.get("text", "")) > 2000 for f in fields):
                raise SlackError("invalid_blocks")
        elif kind == "actions":
            elements = block.get("elements", [])
            if len(elements) > 25:
                raise SlackError("invalid_blocks")
            for element in elements:
                if len(element.get("text", {}).get("text", "")) > 75:
                    raise SlackError("invalid_blocks")
                if len(element.get("action_id", "")) > 255 or len(element.get("value", "")) > 2000:
                    raise SlackError("invalid_blocks")
        elif kind == "context":
            if len(block.get("elements", [])) > 10:
                raise SlackError("invalid_blocks")
        elif kind not in ("divider", "header", "image", "input"):
            raise SlackError("invalid_blocks")


def auth_test(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """Who the token is (docs.slack.dev/reference/methods/auth.test)."""
    return {
        "ok": True,
        "url": "https://example.slack.com/",
        "team": "Example",
        "user": "opsroom",
        "team_id": "T0TEAM",
        "user_id": BOT_USER,
        "bot_id": BOT_ID,
    }


def conversations_list(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """Channels, one page of `limit` after `cursor` (an offset here; opaque to callers)."""
    channels = [c for c in ws.channels.values() if not c.id.startswith("D")]
    if str(params.get("exclude_archived", "false")).lower() in ("true", "1"):
        channels = [c for c in channels if not c.is_archived]
    start, limit = int(params.get("cursor") or 0), int(params.get("limit") or 100)
    page = channels[start : start + limit]
    more = str(start + limit) if start + limit < len(channels) else ""
    return {
        "ok": True,
        "channels": [c.body() for c in page],
        "response_metadata": {"next_cursor": more},
    }


def conversations_history(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """A channel's messages, newest first."""
    channel = ws.channel(params)
    limit = int(params.get("limit") or 100)
    newest_first = list(reversed(channel.messages))[:limit]
    return {"ok": True, "messages": newest_first, "has_more": len(channel.messages) > limit}


METHODS = {
    "auth.test": auth_test,
    "conversations.list": conversations_list,
    "conversations.history": conversations_history,
    "conversations.create": conversations_create,
    "conversations.setTopic": conversations_set_topic,
    "conversations.invite": conversations_invite,
    "conversations.archive": conversations_archive,
    "conversations.open": conversations_open,
    "chat.postMessage": chat_post_message,
    "chat.update": chat_update,
    "views.open": views_open,
}
