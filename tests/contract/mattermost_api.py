"""The Mattermost REST API v4 routes opsroom calls, as the published reference describes them
(api.mattermost.com, developers.mattermost.com): required fields, validation rules, the
documented bodies, and errors as `{"id", "message", "detailed_error", "request_id",
"status_code"}` with the server's own error ids."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CHANNEL_NAME = re.compile(r"^[a-z0-9_-]{2,64}$")  # lowercase alphanumerics, '-', '_'
MAX_MESSAGE = 16383
_ids = itertools.count(1)


def new_id(prefix: str = "") -> str:
    """A 26-character Mattermost-style id."""
    return f"{prefix}{next(_ids):0{26 - len(prefix)}d}"


class ApiError(Exception):
    def __init__(self, status: int, error_id: str, message: str) -> None:
        super().__init__(error_id)
        self.status, self.error_id, self.message = status, error_id, message

    def body(self) -> dict[str, Any]:
        return {
            "id": self.error_id,
            "message": self.message,
            "detailed_error": "",
            "request_id": new_id("r"),
            "status_code": self.status,
        }


@dataclass
class Channel:
    id: str
    team_id: str
    name: str
    display_name: str
    type: str
    header: str = ""
    purpose: str = ""
    delete_at: int = 0
    members: list[str] = field(default_factory=list)
    creator_id: str = ""
    create_at: int = field(default_factory=lambda: int(time.time() * 1000))

    def body(self) -> dict[str, Any]:
        now = int(time.time() * 1000)
        return {
            "id": self.id,
            "create_at": self.create_at,
            "update_at": now,
            "delete_at": self.delete_at,
            "team_id": self.team_id,
            "type": self.type,
            "display_name": self.display_name,
            "name": self.name,
            "header": self.header,
            "purpose": self.purpose,
            "creator_id": self.creator_id,
        }


BOT_ID = new_id("bot")
USERS = {
    "opsroom": BOT_ID,
    "alice": new_id("alice"),
    "bob": new_id("bob"),
    "carol": new_id("carol"),
}
TEAM_ID = new_id("team")


@dataclass
class Server:
    channels: dict[str, Channel] = field(default_factory=dict)
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)
    # pending_post_id -> (post id, when), kept 30 s (app/post.go pendingPostIDsCacheTTL).
    pending: dict[str, tuple[str, float]] = field(default_factory=dict)

    def add_channel(self, name: str) -> Channel:
        channel = Channel(new_id("ch"), TEAM_ID, name, name, "O", members=[BOT_ID])
        self.channels[channel.id] = channel
        return channel

    def channel(self, channel_id: str) -> Channel:
        channel = self.channels.get(channel_id)
        if channel is None:
            raise ApiError(
                404, "app.channel.get.existing.app_error", "Unable to find the existing channel."
            )
        return channel

    def add_post(self, channel_id: str, user_id: str, message: str, **extra: Any) -> dict[str, Any]:
        now = int(time.time() * 1000)
        post = {
            "id": new_id("p"),
            "create_at": now,
            "update_at": now,
            "edit_at": 0,
            "delete_at": 0,
            "user_id": user_id,
            "channel_id": channel_id,
            "root_id": "",
            "message": message,
            "type": "",
            "props": {},
            "hashtags": "",
            **extra,
        }
        self.posts[post["id"]] = post
        return post


def required(body: Any, *names: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(
            400,
            "api.context.invalid_body_param.app_error",
            "Invalid or missing body in request body.",
        )
    for name in names:
        if not body.get(name):
            raise ApiError(
                400,
                "api.context.invalid_body_param.app_error",
                f"Invalid or missing {name} in request body.",
            )
    return body


def create_channel(server: Server, body: Any, match: re.Match[str]) -> tuple[int, Any]:
    data = required(body, "team_id", "name", "display_name", "type")
    name = str(data["name"])
    if not CHANNEL_NAME.match(name) or "__" in name:
        raise ApiError(400, "model.channel.is_valid.name.app_error", "Invalid channel name.")
    if len(str(data["display_name"])) > 64:
        raise ApiError(
            400, "model.channel.is_valid.display_name.app_error", "Invalid display name."
        )
    if data["type"] not in ("O", "P"):
        raise ApiError(400, "model.channel.is_valid.type.app_error", "Invalid type.")
    if len(str(data.get("purpose", ""))) > 250 or len(str(data.get("header", ""))) > 1024:
        raise ApiError(400, "model.channel.is_valid.purpose.app_error", "Invalid purpose.")
    if data["team_id"] != TEAM_ID:
        raise ApiError(
            403, "api.context.permissions.app_error", "You do not have the appropriate permissions."
        )
    if any(c.name == name and c.team_id == TEAM_ID for c in server.channels.values()):
        raise ApiError(
            400,
            "store.sql_channel.save_channel.exists.app_error",
            "A channel with that name already exists on the same team.",
        )
    channel = Channel(new_id("ch"), TEAM_ID, name, str(data["display_name"]), str(data["type"]))
    channel.header, channel.purpose = str(data.get("header", "")), str(data.get("purpose", ""))
    channel.members.append(BOT_ID)
    channel.creator_id = BOT_ID
    server.channels[channel.id] = channel
    return 201, channel.body()


def channel_by_name(server: Server, body: Any, match: re.Match[str]) -> tuple[int, Any]:
    """GET /teams/{team_id}/channels/name/{channel_name} (archived ones only when asked)."""
    team, name = match.group(1), match.group(2)
    for channel in server.channels.values():
        if channel.team_id == team and channel.name == name and not channel.delete_at:
            return 200, channel.body()
    raise ApiError(404, "app.channel.get_by_name.missing.app_error", "Channel does not exist.")


def patch_channel(server: Server, body: Any, match: re.Match[str]) -> tuple[int, Any]:
    channel = server.channel(match.group(1))
    data = required(body)
    if channel.delete_at:
        raise ApiError(
            400,
            "api.channel.patch_channel.deleted.app_error",
            "The channel has been archived or deleted.",
        )
    if len(str(data.get("header", ""))) > 1024 or len(str(data.get("purpose", ""))) > 250:
        raise ApiError(400, "model.channel.is_valid.header.app_error", "Invalid header.")
    channel.header = str(data.get("header", channel.header))
    channel.purpose = str(data.get("purpose", channel.purpose))
    return 200, channel.body()


def add_member(server: Server, body: Any, match: re.Match[str]) -> tuple[int, Any]:
    channel = server.channel(match.group(1))
    user = str(required(body, "user_id")["user_id"])
    if channel.delete_at:
        raise ApiError(
            400,
            "api.channel.add_user_to_channel.deleted.app_error",
            "The channel has been archived or deleted.",
        )
    if user not in USERS.values():
        raise ApiError(400, "api.context.invalid_param.app_error", "Invalid user_id parameter.")
    if user not in channel.members:
        channel.members.append(user)
    return 201, {"channel_id": channel.id, "user_id": user, "roles": "channel_user"}


def delete_channel(server: Server, body: Any, match: re.Match[str]) -> tuple[int, Any]:
    channel = server.channel(match.group(1))
    if channel.delete_at:
        raise ApiError(
            400,
            "api.channel.delete_channel.deleted.app_error",
            "The channel has been archived or deleted.",
        )
    channel.delete_at = int(time.time() * 1000)
    return 200, {"status": "OK"}


def direct_channel(server: Server, body: Any, match: re.Match[str]) -> tuple[int, Any]:
    if not isinstance(body, list) or len(body) != 2 or not all(u in USERS.values() for u in body):
        raise ApiError(
            400,
            "api.context.invalid_body_param.app_error",
            "Invalid or missing user_ids in request body.",
        )
    name = "__".join(sorted(body))
    existing = next((c for c in server.channels.values() if c.name == name), None)
    if existing is None:
        existing = Channel(new_id("dm"), "", name, "", "D", members=list(body))
        server.channels[existing.id] = existing
    return 201, existing.body()


def create_post(server: Server, body: Any, match: re.Match[str]) -> tuple[int, Any]:
    data = required(body, "channel_id")
    if data["channel_id"] not in server.channels:
        raise ApiError(
            400, "api.context.invalid_param.app_error", "Invalid post.channel_id parameter."
        )
    channel = server.channels[str(data["channel_id"])]
    message = str(data.get("message", ""))
    if len(message) > MAX_MESSAGE:
        raise ApiError(
            400,
            "model.post.is_valid.message_length.app_error",
            "Post Message property is longer than the maximum permitted length.",
        )
    if not message and not (data.get("props") or {}).get("attachments"):
        raise ApiError(
            400,
            "api.context.invalid_body_param.app_error",
            "Invalid or missing message in request body.",
        )
    if channel.delete_at:
        raise ApiError(
            400,
            "api.post.create_post.can_not_post_to_deleted.error",
            "Can not post to deleted channel.",
        )
    key = str(data.get("pending_post_id", ""))
    seen = seen_pending(server, key)
    if seen is not None:
        return 201, seen
    props = dict(data.get("props") or {})
    post = server.add_post(channel.id, BOT_ID, message, props=props, pending_post_id=key)
    if key:
        server.pending[key] = (post["id"], time.monotonic())
    return 201, post


def seen_pending(server: Server, key: str) -> dict[str, Any] | None:
    """Mattermost's deduplication: a pending_post_id seen in the last 30 s returns that post."""
    if not key or key not in server.pending:
        return None
    post_id, at = server.pending[key]
    return server.posts[post_id] if time.monotonic() - at <= 30 else None


def patch_post(server: Server, body: Any, match: re.Match[str]) -> tuple[int, Any]:
    post = server.posts.get(match.group(1))
    if post is None:
        raise ApiError(404, "app.post.get.app_error", "Unable to get the post.")
    data = required(body)
    post.update({k: v for k, v in data.items() if k in ("message", "props")})
    post["edit_at"] = post["update_at"] = int(time.time() * 1000)
    return 200, post


def channel_posts(
    server: Server, body: Any, match: re.Match[str], since: int = 0
) -> tuple[int, Any]:
    channel = server.channel(match.group(1))
    posts = {
        p["id"]: p
        for p in server.posts.values()
        if p["channel_id"] == channel.id and max(p["create_at"], p["update_at"]) > since
    }
    order = sorted(posts, key=lambda pid: posts[pid]["create_at"], reverse=True)
    return 200, {"order": order, "posts": posts, "next_post_id": "", "prev_post_id": ""}


def me(server: Server, body: Any, match: re.Match[str]) -> tuple[int, Any]:
    return 200, user_body("opsroom")


def users_by_usernames(server: Server, body: Any, match: re.Match[str]) -> tuple[int, Any]:
    names = body if isinstance(body, list) else []
    return 200, [user_body(name) for name in names if name in USERS]


def users_by_ids(server: Server, body: Any, match: re.Match[str]) -> tuple[int, Any]:
    ids = set(body) if isinstance(body, list) else set()
    return 200, [user_body(name) for name, uid in USERS.items() if uid in ids]


def user_body(name: str) -> dict[str, Any]:
    return {"id": USERS[name], "username": name, "is_bot": name == "opsroom", "delete_at": 0}


Route = Callable[..., tuple[int, Any]]
ID = "([a-z0-9]{26})"
ROUTES: list[tuple[str, re.Pattern[str], Route]] = [
    ("GET", re.compile(r"^/users/me$"), me),
    ("POST", re.compile(r"^/users/usernames$"), users_by_usernames),
    ("POST", re.compile(r"^/users/ids$"), users_by_ids),
    ("POST", re.compile(r"^/channels$"), create_channel),
    ("GET", re.compile(rf"^/teams/{ID}/channels/name/([a-z0-9_-]+)$"), channel_by_name),
    ("POST", re.compile(r"^/channels/direct$"), direct_channel),
    ("PUT", re.compile(rf"^/channels/{ID}/patch$"), patch_channel),
    ("POST", re.compile(rf"^/channels/{ID}/members$"), add_member),
    ("DELETE", re.compile(rf"^/channels/{ID}$"), delete_channel),
    ("GET", re.compile(rf"^/channels/{ID}/posts$"), channel_posts),
    ("POST", re.compile(r"^/posts$"), create_post),
    ("PUT", re.compile(rf"^/posts/{ID}/patch$"), patch_post),
]
