"""The Discord REST API v10 routes opsroom uses, as a local model of one guild, written from
discord.com/developers/docs (resources/channel, resources/message, resources/guild,
interactions/receiving-and-responding, interactions/application-commands).

Each handler checks the documented required fields and limits and answers the documented
object, or raises DiscordError with Discord's error body: `{"code": 50035, "message":
"Invalid Form Body", "errors": {...}}`, 10003 Unknown Channel, 50083 archived thread, ...
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

GUILD_ID = "100000000000000001"
APP_ID = "100000000000000002"
BOT_USER_ID = "100000000000000003"
ALERTS_ID = "100000000000000010"
INCIDENTS_ID = "100000000000000011"
_snowflakes = itertools.count(200000000000000000)
_TEXT_CHANNEL_NAME = re.compile(r"^[a-z0-9_-]{1,100}$")


def snowflake() -> str:
    return str(next(_snowflakes))


class DiscordError(Exception):
    def __init__(self, status: int, code: int, message: str, errors: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def invalid(path: str, code: str, message: str) -> DiscordError:
    """50035 with the nested `errors` object Discord uses: {"content": {"_errors": [...]}}."""
    errors: dict[str, Any] = {}
    node = errors
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = {"_errors": [{"code": code, "message": message}]}
    return DiscordError(400, 50035, "Invalid Form Body", errors)


@dataclass
class Channel:
    id: str
    name: str
    type: int = 0
    topic: str = ""
    parent_id: str | None = None
    archived: bool = False
    locked: bool = False
    messages: list[dict[str, Any]] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    overwrites: dict[str, dict[str, Any]] = field(default_factory=dict)
    owner_id: str = ""
    created: str = "2026-12-01T09:00:00.000000+00:00"

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "guild_id": GUILD_ID,
            "name": self.name,
            "parent_id": self.parent_id,
        }
        if self.type == 11:
            data["thread_metadata"] = {
                "archived": self.archived,
                "locked": self.locked,
                "auto_archive_duration": 10080,
                "archive_timestamp": "2026-12-01T10:00:00.000000+00:00",
                "create_timestamp": self.created,
            }
            data["owner_id"] = self.owner_id
        else:
            data["topic"] = self.topic or None
        return data


@dataclass
class Guild:
    channels: dict[str, Channel] = field(default_factory=dict)
    originals: dict[str, dict[str, Any]] = field(default_factory=dict)  # token -> message
    commands: list[dict[str, Any]] = field(default_factory=list)
    dms: dict[str, str] = field(default_factory=dict)

    def add_channel(self, channel_id: str, name: str, **extra: Any) -> Channel:
        channel = Channel(channel_id, name, **extra)
        self.channels[channel_id] = channel
        return channel

    def channel(self, channel_id: str) -> Channel:
        channel = self.channels.get(channel_id)
        if channel is None:
            raise DiscordError(404, 10003, "Unknown Channel")
        return channel

    def message(self, channel: Channel, message_id: str) -> dict[str, Any]:
        found = next((m for m in channel.messages if m["id"] == message_id), None)
        if found is None:
            raise DiscordError(404, 10008, "Unknown Message")
        return found


def check_message(body: dict[str, Any], *, new: bool = True) -> None:
    """Create/Edit Message limits (resources/message#create-message, embed limits)."""
    content = body.get("content")
    if content is not None and len(str(content)) > 2000:
        raise invalid("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
    embeds = body.get("embeds") or []
    if new and not (content or embeds or body.get("components")):
        raise DiscordError(400, 50006, "Cannot send an empty message")
    if len(embeds) > 10:
        raise invalid("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    for n, embed in enumerate(embeds):
        description = str(embed.get("description", ""))
        if len(description) > 4096:
            raise invalid(
                f"embeds.{n}.description",
                "BASE_TYPE_MAX_LENGTH",
                "Must be 4096 or fewer in length.",
            )
        fields = embed.get("fields") or []
        if len(fields) > 25:
            raise invalid(
                f"embeds.{n}.fields", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."
            )
        for m, item in enumerate(fields):
            if not item.get("name") or not item.get("value"):
                raise invalid(
                    f"embeds.{n}.fields.{m}.name", "BASE_TYPE_REQUIRED", "This field is required"
                )
            if len(item["name"]) > 256 or len(item["value"]) > 1024:
                raise invalid(f"embeds.{n}.fields.{m}.value", "BASE_TYPE_MAX_LENGTH", "Too long.")
            total += len(item["name"]) + len(item["value"])
        total += len(description) + len(str((embed.get("footer") or {}).get("text", "")))
        total += len(str(embed.get("title", "")))
    if total > 6000:
        raise invalid(
            "embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
        )
    _check_components(body.get("components") or [])


def _check_components(rows: list[dict[str, Any]]) -> None:
    if len(rows) > 5:
        raise invalid("components", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
    for n, row in enumerate(rows):
        buttons = row.get("components") or []
        if row.get("type") != 1 or not 1 <= len(buttons) <= 5:
            raise invalid(f"components.{n}", "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "Bad action row")
        for m, button in enumerate(buttons):
            where = f"components.{n}.components.{m}"
            if button.get("type") != 2 or button.get("style") not in (1, 2, 3, 4, 5, 6):
                raise invalid(where, "COMPONENT_TYPE_INVALID", "Bad button")
            if len(str(button.get("label", ""))) > 80:
                raise invalid(
                    f"{where}.label", "BASE_TYPE_MAX_LENGTH", "Must be 80 or fewer in length."
                )
            custom = str(button.get("custom_id", ""))
            if button.get("style") != 5 and not 1 <= len(custom) <= 100:
                raise invalid(f"{where}.custom_id", "BASE_TYPE_REQUIRED", "This field is required")


def _new_message(channel: Channel, body: dict[str, Any]) -> dict[str, Any]:
    message = {
        "id": snowflake(),
        "channel_id": channel.id,
        "author": {"id": BOT_USER_ID, "username": "opsroom", "bot": True},
        "content": body.get("content", ""),
        "embeds": body.get("embeds") or [],
        "components": body.get("components") or [],
        "allowed_mentions": body.get("allowed_mentions"),
        "flags": body.get("flags", 0),
        "type": 0,
    }
    channel.messages.append(message)
    return message


def create_message(guild: Guild, ids: list[str], body: dict[str, Any]) -> Any:
    channel = guild.channel(ids[0])
    if channel.type == 11 and channel.archived:
        raise DiscordError(400, ARCHIVED, "Thread is archived")
    check_message(body)
    return _new_message(channel, body)


ARCHIVED = 50083


def edit_message(guild: Guild, ids: list[str], body: dict[str, Any]) -> Any:
    channel = guild.channel(ids[0])
    message = guild.message(channel, ids[1])
    if channel.type == 11 and channel.archived:
        raise DiscordError(400, ARCHIVED, "Thread is archived")
    check_message(body, new=False)
    message.update({k: v for k, v in body.items() if k in ("content", "embeds", "components")})
    return message


def delete_message(guild: Guild, ids: list[str], body: dict[str, Any]) -> Any:
    channel = guild.channel(ids[0])
    channel.messages.remove(guild.message(channel, ids[1]))
    return None


def _thread_name(body: dict[str, Any]) -> str:
    name = str(body.get("name") or "")
    if not 1 <= len(name) <= 100:
        raise invalid("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    if body.get("auto_archive_duration", 4320) not in (60, 1440, 4320, 10080):
        raise invalid(
            "auto_archive_duration",
            "BASE_TYPE_CHOICES",
            "Value must be one of (60, 1440, 4320, 10080).",
        )
    return name


def start_thread_from_message(guild: Guild, ids: list[str], body: dict[str, Any]) -> Any:
    parent = guild.channel(ids[0])
    guild.message(parent, ids[1])
    name = _thread_name(body)
    if ids[1] in guild.channels:
        raise DiscordError(400, 160004, "A thread has already been created for this message")
    thread = guild.add_channel(ids[1], name, type=11, parent_id=parent.id)
    thread.owner_id, thread.created = BOT_USER_ID, datetime.now(UTC).isoformat()
    return thread.as_json()


def current_user(guild: Guild, ids: list[str], body: dict[str, Any]) -> Any:
    return {"id": BOT_USER_ID, "username": "opsroom", "bot": True, "discriminator": "0"}


def active_threads(guild: Guild, ids: list[str], body: dict[str, Any]) -> Any:
    threads = [c.as_json() for c in guild.channels.values() if c.type == 11 and not c.archived]
    return {"threads": threads, "members": []}


def guild_channels(guild: Guild, ids: list[str], body: dict[str, Any]) -> Any:
    return [c.as_json() for c in guild.channels.values() if c.type != 11]


def create_guild_channel(guild: Guild, ids: list[str], body: dict[str, Any]) -> Any:
    name = str(body.get("name") or "")
    if not _TEXT_CHANNEL_NAME.match(name):
        raise invalid("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    if len(str(body.get("topic") or "")) > 1024:
        raise invalid("topic", "BASE_TYPE_MAX_LENGTH", "Must be 1024 or fewer in length.")
    channel = guild.add_channel(
        snowflake(), name, topic=str(body.get("topic") or ""), parent_id=body.get("parent_id")
    )
    return channel.as_json()


def modify_channel(guild: Guild, ids: list[str], body: dict[str, Any]) -> Any:
    channel = guild.channel(ids[0])
    if channel.type == 11:
        if channel.locked and body.get("archived") is False:
            raise DiscordError(403, 50013, "Missing Permissions")
        channel.archived = bool(body.get("archived", channel.archived))
        channel.locked = bool(body.get("locked", channel.locked))
    else:
        if len(str(body.get("topic") or "")) > 1024:
            raise invalid("topic", "BASE_TYPE_MAX_LENGTH", "Must be 1024 or fewer in length.")
        channel.topic = str(body.get("topic", channel.topic) or "")
        channel.parent_id = body.get("parent_id", channel.parent_id)
    return channel.as_json()


def add_thread_member(guild: Guild, ids: list[str], body: dict[str, Any]) -> Any:
    channel = guild.channel(ids[0])
    if channel.type != 11:
        raise DiscordError(400, 50024, "Cannot execute action on this channel type")
    if channel.archived:
        raise DiscordError(400, ARCHIVED, "Thread is archived")
    if ids[1] not in channel.members:
        channel.members.append(ids[1])
    return None


def edit_permissions(guild: Guild, ids: list[str], body: dict[str, Any]) -> Any:
    channel = guild.channel(ids[0])
    if body.get("type") not in (0, 1):
        raise invalid("type", "BASE_TYPE_CHOICES", "Value must be one of (0, 1).")
    channel.overwrites[ids[1]] = body
    return None


def create_dm(guild: Guild, ids: list[str], body: dict[str, Any]) -> Any:
    recipient = str(body.get("recipient_id") or "")
    if not recipient:
        raise invalid("recipient_id", "BASE_TYPE_REQUIRED", "This field is required")
    dm = guild.dms.get(recipient)
    if dm is None:
        dm = guild.add_channel(snowflake(), "", type=1).id
        guild.dms[recipient] = dm
    return {"id": dm, "type": 1, "recipients": [{"id": recipient}]}


def edit_original(guild: Guild, ids: list[str], body: dict[str, Any]) -> Any:
    token = ids[1]
    original = guild.originals.get(token)
    if original is None:
        raise DiscordError(404, 10015, "Unknown Webhook")
    check_message(body, new=False)
    original.update({k: v for k, v in body.items() if k != "flags"})
    original.setdefault("id", snowflake())
    return original


def bulk_overwrite_commands(guild: Guild, ids: list[str], body: Any) -> Any:
    if not isinstance(body, list):
        raise invalid("_", "LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
    for n, command in enumerate(body):
        if not re.match(r"^[-_\w]{1,32}$", str(command.get("name", ""))):
            raise invalid(
                f"{n}.name", "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
            )
        if not 1 <= len(str(command.get("description", ""))) <= 100:
            raise invalid(
                f"{n}.description", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
            )
        for m, option in enumerate(command.get("options") or []):
            if not 1 <= len(str(option.get("description", ""))) <= 100:
                raise invalid(f"{n}.options.{m}.description", "BASE_TYPE_BAD_LENGTH", "Bad length")
    guild.commands = [{"id": snowflake(), "application_id": APP_ID, **c} for c in body]
    return guild.commands


Handler = Callable[[Guild, list[str], Any], Any]
# (method, path pattern) -> handler; `{id}` is a snowflake, `{token}` an interaction token.
ROUTES: dict[tuple[str, str], Handler] = {
    ("POST", "/channels/{id}/messages"): create_message,
    ("PATCH", "/channels/{id}/messages/{id}"): edit_message,
    ("DELETE", "/channels/{id}/messages/{id}"): delete_message,
    ("POST", "/channels/{id}/messages/{id}/threads"): start_thread_from_message,
    ("GET", "/guilds/{id}/threads/active"): active_threads,
    ("GET", "/guilds/{id}/channels"): guild_channels,
    ("POST", "/guilds/{id}/channels"): create_guild_channel,
    ("PATCH", "/channels/{id}"): modify_channel,
    ("PUT", "/channels/{id}/thread-members/{id}"): add_thread_member,
    ("PUT", "/channels/{id}/permissions/{id}"): edit_permissions,
    ("POST", "/users/@me/channels"): create_dm,
    ("GET", "/users/@me"): current_user,
    ("PATCH", "/webhooks/{id}/{token}/messages/@original"): edit_original,
    ("PUT", "/applications/{id}/guilds/{id}/commands"): bulk_overwrite_commands,
}


def match(method: str, path: str) -> tuple[str, Handler, list[str]] | None:
    """The route key, handler and path ids of a request path."""
    parts = path.strip("/").split("/")
    for (verb, pattern), handler in ROUTES.items():
        expected = pattern.strip("/").split("/")
        if verb != method or len(expected) != len(parts):
            continue
        ids = []
        for want, got in zip(expected, parts, strict=True):
            if (want == "{id}" and got.isdigit()) or (want == "{token}" and got):
                ids.append(got)
            elif want != got:
                break
        else:
            return f"{verb} {pattern}", handler, ids
    return None
