"""Mattermost's outbound side behind the chat port: REST API v4 over plain HTTP (httpx), as a
bot account (api.mattermost.com). The Python driver is unmaintained, so this is the client.

Errors come as `{"id": "...", "message": "...", "status_code": 400}` and are translated at
this boundary: 429 -> ChatRateLimitedError after Retry-After / X-Ratelimit-Reset; 5xx,
timeouts and connection failures -> ChatUnavailableError; a channel name in use ->
ChatNameTakenError; a post to an archived channel -> ChatRoomArchivedError.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from opsroom.chat.base import Capabilities, PostedMessage, RoomRef
from opsroom.chat.errors import (
    ChatNameTakenError,
    ChatPlatformError,
    ChatRateLimitedError,
    ChatRoomArchivedError,
    ChatRoomNotFoundError,
    ChatUnavailableError,
)
from opsroom.chat.mattermost import render
from opsroom.chat.mattermost.settings import MattermostSettings
from opsroom.chat.message import Message, ReplyTarget
from opsroom.clock import Clock, SystemClock
from opsroom.logging import get_logger

log = get_logger(__name__)

PLATFORM = "mattermost"
# Mattermost's clock and ours may differ a little: a channel made just before our row is ours.
SKEW = timedelta(minutes=1)
NAME_TAKEN = frozenset(
    {
        "store.sql_channel.save_channel.exists.app_error",
        "store.sql_channel.save_channel.previously.app_error",
    }
)
ARCHIVED = frozenset(
    {
        "api.post.create_post.can_not_post_to_deleted.error",
        "api.channel.delete_channel.deleted.app_error",
        "api.channel.patch_channel.deleted.app_error",
        "api.channel.add_user_to_channel.deleted.app_error",
    }
)


class MattermostChatAdapter:
    platform = PLATFORM
    limits = render.MATTERMOST_LIMITS

    def __init__(
        self, settings: MattermostSettings, *, clock: Clock | None = None, transport: Any = None
    ) -> None:
        self.settings = settings
        self._clock = clock or SystemClock()
        token = settings.bot_token.get_secret_value() if settings.bot_token else ""
        self.http = httpx.Client(
            base_url=settings.url.rstrip("/") + "/api/v4",
            headers={"Authorization": f"Bearer {token}"},
            timeout=settings.timeout,
            transport=transport,
        )
        self.capabilities = Capabilities(
            buttons=settings.buttons,
            direct_messages=True,
            topics=True,
            invites=True,
            archive=True,
            read_only=True,
            message_update=True,
            deferred_replies=True,
        )
        self._bot_id: str | None = None

    def escape(self, text: str) -> str:
        return render.escape(text)

    def create_room(self, name: str, topic: str, *, incident_number: int) -> RoomRef:
        body = {
            "team_id": self.settings.team_id,
            "name": name,
            "display_name": name[:64],
            "type": "P" if self.settings.private_channels else "O",
            "purpose": topic[:250],
            "header": topic[:1024],
        }
        channel = self.call("POST", "/channels", json=body)
        return RoomRef(id=str(channel["id"]), name=str(channel.get("name", name)))

    def find_room(self, name: str, *, incident_number: int, since: datetime) -> RoomRef | None:
        """The team's channel `name` if our bot created it at or after `since` (our create
        that timed out after Mattermost made the channel)."""
        try:
            channel = self.call("GET", f"/teams/{self.settings.team_id}/channels/name/{name}")
        except ChatRoomNotFoundError:
            return None
        created = datetime.fromtimestamp(int(channel.get("create_at") or 0) / 1000, tz=UTC)
        if channel.get("creator_id") != self.bot_id() or created < since - SKEW:
            return None
        return RoomRef(id=str(channel["id"]), name=str(channel.get("name", name)))

    def post(self, room_id: str, message: Message) -> PostedMessage:
        body: dict[str, Any] = {"channel_id": room_id, **render.payload(message, self._actions())}
        # Mattermost returns the post already created for a `pending_post_id` seen in the last
        # 30 s, so a retry after a timeout (the post was made, the answer lost) posts once.
        body["pending_post_id"] = pending_post_id(body)
        post = self.call("POST", "/posts", json=body)
        return PostedMessage(room_id=room_id, id=str(post["id"]))

    def update(self, room_id: str, message_id: str, message: Message) -> None:
        self.call(
            "PUT", f"/posts/{message_id}/patch", json=render.payload(message, self._actions())
        )

    def set_topic(self, room_id: str, topic: str) -> None:
        self.call(
            "PUT",
            f"/channels/{room_id}/patch",
            json={"header": topic[:1024], "purpose": topic[:250]},
        )

    def invite(self, room_id: str, user_ids: list[str]) -> None:
        for user_id in user_ids:
            self.call("POST", f"/channels/{room_id}/members", json={"user_id": user_id})

    def archive_room(self, room_id: str) -> None:
        """DELETE /channels/{id} archives: history kept, read-only, restorable by an admin."""
        self.call("DELETE", f"/channels/{room_id}")

    def open_direct(self, user_id: str) -> str:
        channel = self.call("POST", "/channels/direct", json=[self.bot_id(), user_id])
        return str(channel["id"])

    def reply(self, target: ReplyTarget, message: Message) -> None:
        """Through the command's `response_url` when there is one, else in the channel."""
        url = str(target.data.get("response_url", ""))
        if not url:
            if target.data.get("channel"):
                self.post(str(target.data["channel"]), message)
            return
        kind = str(target.data.get("response_type", "ephemeral"))
        body = {"response_type": kind, "text": render.markdown(message)}
        self.call("POST", url, json=body, absolute=True)

    def bot_id(self) -> str:
        if self._bot_id is None:
            self._bot_id = str(self.call("GET", "/users/me")["id"])
        return self._bot_id

    def users_by_name(self, names: list[str]) -> dict[str, str]:
        """username -> user id, for the people named in a command."""
        if not names:
            return {}
        users = self.call("POST", "/users/usernames", json=names)
        return {str(user["username"]): str(user["id"]) for user in users}

    def users_by_id(self, ids: list[str]) -> dict[str, str]:
        """user id -> username, for the authors of new posts."""
        if not ids:
            return {}
        users = self.call("POST", "/users/ids", json=ids)
        return {str(user["id"]): str(user["username"]) for user in users}

    def posts_since(self, channel_id: str, since_ms: int) -> list[dict[str, Any]]:
        """Posts created or changed after `since_ms`, oldest first."""
        data = self.call("GET", f"/channels/{channel_id}/posts", params={"since": since_ms})
        posts = data.get("posts") or {}
        return sorted(posts.values(), key=lambda post: int(post.get("create_at", 0)))

    def _actions(self) -> tuple[str, str] | None:
        secret, url = self.settings.action_secret, self.settings.actions_url
        return (url, secret.get_secret_value()) if secret and url else None

    def call(self, method: str, path: str, *, absolute: bool = False, **kwargs: Any) -> Any:
        """One API call; the decoded JSON body, or a chat error."""
        try:
            if absolute:
                response = httpx.request(method, path, timeout=self.settings.timeout, **kwargs)
            else:
                response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ChatUnavailableError(
                f"Mattermost {method} {path}: {exc}", reason="network"
            ) from exc
        if response.status_code >= 400:
            raise translate(method, path, response, self._clock.now().timestamp())
        return response.json() if response.content else {}


def pending_post_id(body: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    return f"opsroom:{digest[:40]}"


def translate(method: str, path: str, response: httpx.Response, now: float) -> ChatPlatformError:
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = {}
    error = str(body.get("id", "")) if isinstance(body, dict) else ""
    message = str(body.get("message", "")) if isinstance(body, dict) else ""
    text = f"Mattermost {method} {path}: {status} {error} {message}".strip()
    log.info("mattermost.api_error", method=method, status=status, error=error)
    if status == 429:
        return ChatRateLimitedError(
            text, retry_after=retry_after(response.headers, now), reason="ratelimited"
        )
    if status >= 500:
        return ChatUnavailableError(text, reason=error or f"http_{status}")
    if error in NAME_TAKEN:
        return ChatNameTakenError(text, reason=error)
    if error in ARCHIVED:
        return ChatRoomArchivedError(text, reason=error)
    if status == 404:
        return ChatRoomNotFoundError(text, reason=error or "http_404")
    return ChatPlatformError(text, reason=error or f"http_{status}")


def retry_after(headers: httpx.Headers, now: float) -> float:
    """Retry-After (seconds) when given, else X-Ratelimit-Reset: seconds to wait, or the Unix
    time of the reset (older servers)."""
    for name in ("retry-after", "x-ratelimit-reset"):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value)
        except ValueError:
            continue
        if seconds > 1_000_000_000:  # an epoch timestamp, not a duration
            seconds -= now
        return max(1.0, seconds)
    return 1.0
