"""Discord's outbound side behind the chat port: REST API v10 calls, one per method.

An incident's room is a public thread in the incidents channel (the default) started from a
message of the bot's: that starter message shows the incident's topic line and is edited
when the topic changes (threads have no topic of their own). At resolution the thread is
archived and locked. With `rooms: channel` each incident gets a text channel of its own,
whose topic is the channel topic; at resolution it moves to the archive category and
@everyone loses the right to send messages there.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

import httpx

from opsroom.chat.base import Capabilities, PostedMessage, RoomRef
from opsroom.chat.discord import render
from opsroom.chat.discord.rest import UNKNOWN_MESSAGE, DiscordRest
from opsroom.chat.discord.settings import DiscordSettings
from opsroom.chat.errors import ChatNameTakenError, ChatPlatformError
from opsroom.chat.message import Message, ReplyTarget
from opsroom.clock import Clock
from opsroom.logging import get_logger

log = get_logger(__name__)

PUBLIC_THREAD, TEXT_CHANNEL = 11, 0
ONE_WEEK = 10080  # minutes: the longest auto-archive Discord offers
# Discord's clock and ours may differ a little: a thread made just before our row is ours.
SKEW = timedelta(minutes=1)
# Permission bits (discord.com/developers/docs/topics/permissions).
VIEW_CHANNEL, SEND_MESSAGES, READ_HISTORY = 1 << 10, 1 << 11, 1 << 16
SEND_IN_THREADS, CREATE_PUBLIC_THREADS, ADD_REACTIONS = 1 << 38, 1 << 35, 1 << 6
READ_ONLY_DENY = SEND_MESSAGES | SEND_IN_THREADS | CREATE_PUBLIC_THREADS | ADD_REACTIONS
MEMBER_ALLOW = VIEW_CHANNEL | SEND_MESSAGES | READ_HISTORY
ROLE, MEMBER = 0, 1  # permission overwrite types


def command_definitions() -> list[dict[str, Any]]:
    """The `/inc` slash command as registered with Discord (commands.json beside this file)."""
    text = resources.files("opsroom.chat.discord").joinpath("commands.json").read_text("utf-8")
    loaded: list[dict[str, Any]] = json.loads(text)
    return loaded


class DiscordChatAdapter:
    platform = "discord"
    limits = render.DISCORD_LIMITS

    def __init__(
        self,
        settings: DiscordSettings,
        clock: Clock,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        assert settings.bot_token is not None
        self.settings = settings
        self.rest = DiscordRest(
            api_url=settings.api_url,
            token=settings.bot_token.get_secret_value(),
            timeout=settings.timeout,
            clock=clock,
            transport=transport,
        )
        self.threads = settings.rooms == "thread"
        self.capabilities = Capabilities(
            threads=self.threads,
            buttons=True,
            direct_messages=True,
            topics=True,
            invites=True,
            archive=True,
            read_only=True,
            message_update=True,
            deferred_replies=True,
        )

    def escape(self, text: str) -> str:
        return render.escape(text)

    def create_room(self, name: str, topic: str, *, incident_number: int) -> RoomRef:
        if self.threads:
            return self._create_thread(name, topic)
        guild = self.settings.guild_id
        existing = self.rest.call("GET", f"/guilds/{guild}/channels") or []
        if any(channel.get("name") == name for channel in existing):
            raise ChatNameTakenError(f"Discord has a channel named {name}", reason="name_taken")
        body: dict[str, Any] = {"name": name, "type": TEXT_CHANNEL, "topic": topic[:1024]}
        if self.settings.category_id:
            body["parent_id"] = self.settings.category_id
        channel = self.rest.call("POST", f"/guilds/{guild}/channels", json=body)
        return RoomRef(id=str(channel["id"]), name=str(channel.get("name", name)))

    def _create_thread(self, name: str, topic: str) -> RoomRef:
        parent = str(self.settings.incidents_channel)
        active = self.rest.call("GET", f"/guilds/{self.settings.guild_id}/threads/active") or {}
        for thread in active.get("threads", []):
            if thread.get("parent_id") == parent and thread.get("name") == name:
                raise ChatNameTakenError(f"Discord has a thread named {name}", reason="name_taken")
        starter = self.rest.call(
            "POST", f"/channels/{parent}/messages", json=render.text_payload(topic or name)
        )
        try:
            thread = self.rest.call(
                "POST",
                f"/channels/{parent}/messages/{starter['id']}/threads",
                json={"name": name, "auto_archive_duration": ONE_WEEK},
            )
        except ChatPlatformError:
            self._forget_starter(parent, str(starter["id"]))
            raise
        return RoomRef(id=str(thread["id"]), name=str(thread.get("name", name)))

    def find_room(self, name: str, *, incident_number: int, since: datetime) -> RoomRef | None:
        """The incidents channel's thread `name` if our bot started it at or after `since`
        (our create that timed out after Discord made it). Channels (rooms: channel) carry
        no creator, so they are never adopted."""
        if not self.threads:
            return None
        bot = str((self.rest.call("GET", "/users/@me") or {}).get("id", ""))
        parent = str(self.settings.incidents_channel)
        active = self.rest.call("GET", f"/guilds/{self.settings.guild_id}/threads/active") or {}
        for thread in active.get("threads", []):
            if thread.get("parent_id") != parent or thread.get("name") != name:
                continue
            made = str((thread.get("thread_metadata") or {}).get("create_timestamp") or "")
            ours = bool(bot) and thread.get("owner_id") == bot
            if ours and made and datetime.fromisoformat(made) >= since - SKEW:
                return RoomRef(id=str(thread["id"]), name=name)
        return None

    def _forget_starter(self, parent: str, message_id: str) -> None:
        """A retry posts a new starter message: this one would be a stray."""
        try:
            self.rest.call("DELETE", f"/channels/{parent}/messages/{message_id}")
        except ChatPlatformError as exc:
            log.warning("discord.starter_not_deleted", reason=exc.reason)

    def post(self, room_id: str, message: Message) -> PostedMessage:
        posted = self.rest.call(
            "POST", f"/channels/{room_id}/messages", json=render.payload(message)
        )
        return PostedMessage(room_id=str(posted.get("channel_id", room_id)), id=str(posted["id"]))

    def update(self, room_id: str, message_id: str, message: Message) -> None:
        self.rest.call(
            "PATCH", f"/channels/{room_id}/messages/{message_id}", json=render.payload(message)
        )

    def set_topic(self, room_id: str, topic: str) -> None:
        if not self.threads:
            self.rest.call("PATCH", f"/channels/{room_id}", json={"topic": topic[:1024]})
            return
        # A thread started from a message has that message's id: edit the starter message.
        path = f"/channels/{self.settings.incidents_channel}/messages/{room_id}"
        try:
            self.rest.call("PATCH", path, json=render.text_payload(topic))
        except ChatPlatformError as exc:
            if exc.reason != str(UNKNOWN_MESSAGE):
                raise
            log.warning("discord.starter_message_gone", thread=room_id)

    def invite(self, room_id: str, user_ids: list[str]) -> None:
        for user in user_ids:
            if self.threads:
                self.rest.call("PUT", f"/channels/{room_id}/thread-members/{user}")
            else:
                overwrite = {"type": MEMBER, "allow": str(MEMBER_ALLOW), "deny": "0"}
                self.rest.call("PUT", f"/channels/{room_id}/permissions/{user}", json=overwrite)

    def archive_room(self, room_id: str) -> None:
        if self.threads:
            self.rest.call("PATCH", f"/channels/{room_id}", json={"archived": True, "locked": True})
            return
        if self.settings.archive_category_id:
            moved = {"parent_id": self.settings.archive_category_id}
            self.rest.call("PATCH", f"/channels/{room_id}", json=moved)
        # The @everyone role has the guild's id.
        overwrite = {"type": ROLE, "allow": "0", "deny": str(READ_ONLY_DENY)}
        path = f"/channels/{room_id}/permissions/{self.settings.guild_id}"
        self.rest.call("PUT", path, json=overwrite)

    def open_direct(self, user_id: str) -> str:
        channel = self.rest.call("POST", "/users/@me/channels", json={"recipient_id": user_id})
        return str(channel["id"])

    def reply(self, target: ReplyTarget, message: Message) -> None:
        """Edit the deferred answer (the "thinking..." message) of an interaction; its token
        is valid for 15 minutes and needs no Bot token."""
        token = str(target.data.get("token", ""))
        if not token:
            if target.data.get("channel"):
                self.post(str(target.data["channel"]), message)
            return
        path = f"/webhooks/{self.settings.application_id}/{token}/messages/@original"
        self.rest.call("PATCH", path, json=render.payload(message), bot=False)

    def register_commands(self) -> list[dict[str, Any]]:
        """Bulk-overwrite the guild's commands with `/inc` (guild commands apply at once)."""
        path = f"/applications/{self.settings.application_id}/guilds/{self.settings.guild_id}"
        result: list[dict[str, Any]] = self.rest.call(
            "PUT", f"{path}/commands", json=command_definitions()
        )
        return result

    def gateway_url(self) -> str:
        if self.settings.gateway_url:
            return self.settings.gateway_url
        answer = self.rest.call("GET", "/gateway/bot")
        return str(answer["url"])
