"""Slack's outbound side: the Web API through `slack_sdk.WebClient`, behind the chat port.

The SDK's own retries are off (the outbox retries, durably); its errors are translated at
this boundary: HTTP 429 or `ratelimited` -> ChatRateLimitedError with `Retry-After`, 5xx
and timeouts -> ChatUnavailableError, `name_taken`, `is_archived`, `channel_not_found` ->
their own types, anything else -> ChatPlatformError naming Slack's error code.
"""

from __future__ import annotations

import urllib.error
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web import WebClient
from slack_sdk.webhook import WebhookClient

from opsroom.chat.base import Capabilities, PostedMessage, RoomRef
from opsroom.chat.errors import (
    ChatNameTakenError,
    ChatPlatformError,
    ChatRateLimitedError,
    ChatRoomArchivedError,
    ChatRoomNotFoundError,
    ChatUnavailableError,
)
from opsroom.chat.inbound import DeclareForm
from opsroom.chat.message import Message, ReplyTarget
from opsroom.chat.slack import render
from opsroom.chat.slack.modal import declare_view
from opsroom.chat.slack.settings import SlackSettings
from opsroom.logging import get_logger

log = get_logger(__name__)

UNAVAILABLE = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "team_added_to_org"}
)
RATE_LIMITED = frozenset({"ratelimited", "rate_limited"})
MAX_PAGES, HISTORY = 50, 100
# Slack's clock and ours may differ a little: a channel made just before our row is ours.
SKEW = timedelta(minutes=1)


class SlackChatAdapter:
    platform = "slack"
    capabilities = Capabilities(
        buttons=True,
        modals=True,
        direct_messages=True,
        topics=True,
        invites=True,
        archive=True,
        read_only=True,
        message_update=True,
        deferred_replies=True,
        threads=True,
    )
    limits = render.SLACK_LIMITS

    def __init__(
        self,
        settings: SlackSettings,
        *,
        webhook: Callable[[str], WebhookClient] | None = None,
    ) -> None:
        token = settings.bot_token.get_secret_value() if settings.bot_token else None
        self._settings = settings
        self._bot: str | None = None
        self.web = WebClient(
            token=token,
            base_url=settings.api_url,
            timeout=max(1, round(settings.timeout)),
            retry_handlers=[],
        )
        self._webhook = webhook or (
            lambda url: WebhookClient(url, timeout=max(1, round(settings.timeout)))
        )

    def escape(self, text: str) -> str:
        return render.escape(text)

    def create_room(self, name: str, topic: str, *, incident_number: int) -> RoomRef:
        with _translated("conversations.create"):
            response = self.web.conversations_create(
                name=name, is_private=self._settings.private_channels
            )
        channel = response["channel"]
        # The topic is a call of its own (the outbox's next job): retrying this one after a
        # failed setTopic would find our own channel's name taken.
        return RoomRef(id=str(channel["id"]), name=str(channel.get("name", name)))

    def find_room(self, name: str, *, incident_number: int, since: datetime) -> RoomRef | None:
        """The channel `name` if our bot created it at or after `since` (our create that timed
        out): Slack has no lookup by name, so the channel list is paged through."""
        bot = self._bot_user()
        cursor = ""
        for _ in range(MAX_PAGES):
            with _translated("conversations.list"):
                response = self.web.conversations_list(
                    types="public_channel,private_channel",
                    exclude_archived=True,
                    limit=1000,
                    cursor=cursor or None,
                )
            for channel in response.get("channels") or []:
                if channel.get("name") == name:
                    ours = channel.get("creator") == bot and _created(channel) >= since - SKEW
                    return RoomRef(id=str(channel["id"]), name=name) if ours else None
            cursor = str((response.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return None
        return None

    def find_message(self, room_id: str, message: Message) -> str | None:
        """The `ts` of a recent message of our bot's showing this message's text."""
        bot, text = self._bot_user(), render.payload(message)["text"]
        with _translated("conversations.history"):
            response = self.web.conversations_history(channel=room_id, limit=HISTORY)
        for item in response.get("messages") or []:
            if item.get("user") == bot and item.get("text") == text:
                return str(item["ts"])
        return None

    def _bot_user(self) -> str:
        if self._bot is None:
            with _translated("auth.test"):
                self._bot = str(self.web.auth_test()["user_id"])
        return self._bot

    def post(self, room_id: str, message: Message) -> PostedMessage:
        with _translated("chat.postMessage"):
            response = self.web.chat_postMessage(
                channel=room_id, unfurl_links=False, unfurl_media=False, **render.payload(message)
            )
        return PostedMessage(room_id=str(response["channel"]), id=str(response["ts"]))

    def update(self, room_id: str, message_id: str, message: Message) -> None:
        with _translated("chat.update"):
            self.web.chat_update(channel=room_id, ts=message_id, **render.payload(message))

    def set_topic(self, room_id: str, topic: str) -> None:
        with _translated("conversations.setTopic"):
            self.web.conversations_setTopic(channel=room_id, topic=topic[:250])

    def invite(self, room_id: str, user_ids: list[str]) -> None:
        with _translated("conversations.invite", ignore={"already_in_channel", "cant_invite_self"}):
            self.web.conversations_invite(channel=room_id, users=",".join(user_ids))

    def archive_room(self, room_id: str) -> None:
        with _translated("conversations.archive", ignore={"already_archived"}):
            self.web.conversations_archive(channel=room_id)

    def open_direct(self, user_id: str) -> str:
        with _translated("conversations.open"):
            response = self.web.conversations_open(users=user_id)
        return str(response["channel"]["id"])

    def reply(self, target: ReplyTarget, message: Message) -> None:
        """Answer through the interaction's `response_url` (valid 30 minutes, 5 uses)."""
        url = str(target.data.get("response_url", ""))
        if not url:
            if target.data.get("channel"):
                self.post(str(target.data["channel"]), message)
            return
        body = render.payload(message)
        try:
            response = self._webhook(url).send(
                response_type=str(target.data.get("response_type", "ephemeral")),
                replace_original=False,
                **body,
            )
        except (urllib.error.URLError, OSError) as exc:
            raise ChatUnavailableError(f"response_url failed: {exc}", reason="network") from exc
        _check_webhook(response.status_code, response.body, response.headers)

    def open_form(self, trigger: str, form: DeclareForm) -> None:
        """views.open with the declare modal; the trigger expires 3 s after the click."""
        with _translated("views.open"):
            self.web.views_open(trigger_id=trigger, view=declare_view(form))


def _created(channel: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(int(channel.get("created") or 0), tz=UTC)


def _check_webhook(status: int, body: str, headers: dict[str, Any]) -> None:
    if status == 429:
        retry_after = _retry_after(headers)
        raise ChatRateLimitedError("response_url rate limited", retry_after=retry_after)
    if status >= 500:
        raise ChatUnavailableError(f"response_url answered {status}", reason=f"http_{status}")
    if status >= 400:
        raise ChatPlatformError(f"response_url refused: {body[:200]}", reason=body[:100])


@contextmanager
def _translated(method: str, *, ignore: frozenset[str] | set[str] = frozenset()) -> Iterator[None]:
    try:
        yield
    except SlackApiError as exc:
        error = _error_code(exc)
        if error in ignore:
            return
        raise _translate(method, exc.response.status_code, error, exc.response.headers) from exc
    except (TimeoutError, SlackRequestError, urllib.error.URLError, OSError) as exc:
        raise ChatUnavailableError(f"{method} failed: {exc}", reason="network") from exc


def _error_code(exc: SlackApiError) -> str:
    data = exc.response.data
    return str(data.get("error", "")) if isinstance(data, dict) else ""


def _translate(method: str, status: int, error: str, headers: dict[str, Any]) -> ChatPlatformError:
    text = f"Slack {method}: {error or f'HTTP {status}'}"
    log.info("slack.api_error", method=method, status=status, error=error)
    if status == 429 or error in RATE_LIMITED:
        return ChatRateLimitedError(text, retry_after=_retry_after(headers), reason=error)
    if status >= 500 or error in UNAVAILABLE:
        return ChatUnavailableError(text, reason=error or f"http_{status}")
    if error == "name_taken":
        return ChatNameTakenError(text, reason=error)
    if error == "is_archived":
        return ChatRoomArchivedError(text, reason=error)
    if error == "channel_not_found":
        return ChatRoomNotFoundError(text, reason=error)
    return ChatPlatformError(text, reason=error or f"http_{status}")


def _retry_after(headers: dict[str, Any]) -> float:
    lowered = {str(key).lower(): value for key, value in headers.items()}
    value = lowered.get("retry-after", "1")
    if isinstance(value, list):
        value = value[0] if value else "1"
    try:
        return max(1.0, float(value))
    except (TypeError, ValueError):
        return 1.0
