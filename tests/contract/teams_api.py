"""The Microsoft APIs opsroom's Teams adapter uses, as a local model of one team, written
from learn.microsoft.com: the Bot Connector REST API (azure/bot-service/rest-api/
bot-framework-rest-connector-api-reference: create conversation, send/reply/update
activity), Microsoft Graph (graph/api/channel-post, channel-patch, channel-archive) and the
Entra client-credentials token endpoint. Errors are `{"error": {"code": ..., "message": ...}}`
(the token endpoint: `{"error": "invalid_client", "error_description": ...}`).
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

TEAM_ID = "11111111-2222-3333-4444-555555555555"
TENANT_ID = "66666666-7777-8888-9999-000000000000"
APP_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
APP_PASSWORD = "test-client-secret-not-real"
ALERTS = "19:alerts0000000000000000000000@thread.tacv2"
INCIDENTS = "19:incidents000000000000000000@thread.tacv2"
CARD = "application/vnd.microsoft.card.adaptive"
CARD_BYTES = 28 * 1024
_ids = itertools.count(1700000000001)
_FORBIDDEN = re.compile(r"[~#%&*{}+/\\:<>?|'\",]|\.\.|^[_.]|\.$")


class MsError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}


@dataclass
class Channel:
    id: str
    name: str
    description: str = ""
    archived: bool = False
    posts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # root id -> thread

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "displayName": self.name,
            "description": self.description,
            "membershipType": "standard",
            "isArchived": self.archived,
            "createdDateTime": "2026-12-01T10:00:00Z",
            "webUrl": f"https://teams.example.test/l/channel/{self.id}",
        }


@dataclass
class Team:
    channels: dict[str, Channel] = field(default_factory=dict)

    def add_channel(self, channel_id: str, name: str) -> Channel:
        self.channels[channel_id] = Channel(channel_id, name)
        return self.channels[channel_id]

    def locate(self, conversation: str) -> tuple[Channel, str | None]:
        channel_id, _, root = conversation.partition(";messageid=")
        channel = self.channels.get(channel_id)
        if channel is None or (root and root not in channel.posts):
            raise MsError(404, "ConversationNotFound", "Conversation not found.")
        return channel, root or None


def check_activity(activity: Any) -> None:
    if not isinstance(activity, dict) or activity.get("type") != "message":
        raise MsError(400, "BadArgument", "Activity type must be 'message'")
    attachments = activity.get("attachments") or []
    if not activity.get("text") and not attachments:
        raise MsError(400, "BadArgument", "Activity must have text or attachments")
    for attachment in attachments:
        if attachment.get("contentType") != CARD or not isinstance(attachment.get("content"), dict):
            raise MsError(400, "BadArgument", "Unknown attachment contentType")
        content = attachment["content"]
        if content.get("type") != "AdaptiveCard" or not content.get("version"):
            raise MsError(400, "BadArgument", "Invalid Adaptive Card")
    size = len(json.dumps(activity, ensure_ascii=False).encode("utf-16-le"))
    if size > CARD_BYTES:
        raise MsError(413, "MessageSizeTooBig", "Message size too big")


def _stored(activity: dict[str, Any]) -> dict[str, Any]:
    return {**activity, "id": str(next(_ids))}


def create_conversation(team: Team, ids: list[str], body: Any) -> tuple[int, Any]:
    channel_id = ((body.get("channelData") or {}).get("channel") or {}).get("id")
    if not body.get("isGroup") or not channel_id:
        raise MsError(
            400, "BadArgument", "A channel conversation needs isGroup and channelData.channel.id"
        )
    channel, _ = team.locate(str(channel_id))
    if channel.archived:
        raise MsError(403, "Forbidden", "The channel is archived")
    check_activity(body.get("activity"))
    root = _stored(body["activity"])
    channel.posts[root["id"]] = [root]
    return 201, {"id": f"{channel.id};messageid={root['id']}", "activityId": root["id"]}


def send_activity(team: Team, ids: list[str], body: Any) -> tuple[int, Any]:
    channel, root = team.locate(ids[0])
    if channel.archived:
        raise MsError(403, "Forbidden", "The channel is archived")
    check_activity(body)
    stored = _stored(body)
    if root is None:
        channel.posts[stored["id"]] = [stored]
    else:
        channel.posts[root].append(stored)
    return 201, {"id": stored["id"]}


def reply_to_activity(team: Team, ids: list[str], body: Any) -> tuple[int, Any]:
    return send_activity(team, ids[:1], body)


def update_activity(team: Team, ids: list[str], body: Any) -> tuple[int, Any]:
    channel, _ = team.locate(ids[0])
    check_activity(body)
    for thread in channel.posts.values():
        for n, stored in enumerate(thread):
            if stored["id"] == ids[1]:
                thread[n] = {**body, "id": ids[1]}
                return 200, {"id": ids[1]}
    raise MsError(404, "NotFound", "Activity not found")


def create_channel(team: Team, ids: list[str], body: Any) -> tuple[int, Any]:
    _team(ids[0])
    name = str(body.get("displayName") or "")
    if not 1 <= len(name) <= 50 or _FORBIDDEN.search(name):
        raise MsError(400, "BadRequest", "Channel name is invalid")
    if any(c.name.lower() == name.lower() for c in team.channels.values()):
        raise MsError(
            400, "NameAlreadyExists", "Channel name already existed, please use other name"
        )
    channel = team.add_channel(f"19:{next(_ids)}@thread.tacv2", name)
    channel.description = str(body.get("description") or "")[:1024]
    return 201, channel.as_json()


def update_channel(team: Team, ids: list[str], body: Any) -> tuple[int, Any]:
    _team(ids[0])
    channel = team.channels.get(ids[1])
    if channel is None:
        raise MsError(404, "NotFound", "Channel not found")
    if channel.archived:
        raise MsError(403, "Forbidden", "The channel is archived")
    channel.description = str(body.get("description", channel.description))
    return 204, None


def archive_channel(team: Team, ids: list[str], body: Any) -> tuple[int, Any]:
    _team(ids[0])
    channel = team.channels.get(ids[1])
    if channel is None:
        raise MsError(404, "NotFound", "Channel not found")
    channel.archived = True
    return 202, None


def _team(team_id: str) -> None:
    if team_id != TEAM_ID:
        raise MsError(404, "NotFound", "No team found with Group Id " + team_id)


Handler = Callable[[Team, list[str], Any], tuple[int, Any]]
# (method, service, pattern) -> handler; `{}` is one path segment (URL-decoded).
ROUTES: dict[tuple[str, str, str], Handler] = {
    ("POST", "connector", "/v3/conversations"): create_conversation,
    ("POST", "connector", "/v3/conversations/{}/activities"): send_activity,
    ("POST", "connector", "/v3/conversations/{}/activities/{}"): reply_to_activity,
    ("PUT", "connector", "/v3/conversations/{}/activities/{}"): update_activity,
    ("POST", "graph", "/teams/{}/channels"): create_channel,
    ("PATCH", "graph", "/teams/{}/channels/{}"): update_channel,
    ("POST", "graph", "/teams/{}/channels/{}/archive"): archive_channel,
}


def match(method: str, service: str, parts: list[str]) -> tuple[str, Handler, list[str]] | None:
    for (verb, where, pattern), handler in ROUTES.items():
        expected = pattern.strip("/").split("/")
        if verb != method or where != service or len(expected) != len(parts):
            continue
        ids = [got for want, got in zip(expected, parts, strict=True) if want == "{}"]
        fixed = all(w == g for w, g in zip(expected, parts, strict=True) if w != "{}")
        if fixed:
            return f"{verb} {pattern}", handler, ids
    return None


def shown(activity: dict[str, Any]) -> str:
    """What Teams shows of an activity: its text, or its card's text blocks and facts."""
    parts = []
    if activity.get("text"):
        parts.append(re.sub(r"<br>", "\n", str(activity["text"])))
    for attachment in activity.get("attachments") or []:
        for block in attachment["content"].get("body", []):
            if block.get("type") == "TextBlock":
                parts.append(block["text"])
            elif block.get("type") == "FactSet":
                parts.extend(f"{f['title']}: {f['value']}" for f in block["facts"])
    text = "\n".join(parts).replace("\u2060", "")
    text = re.sub(r"\\([\\*_\[\]`])", r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
