"""Discord's driver for the scripted incident: slash commands and button presses arrive as
Discord sends them (signed with an Ed25519 key the test made, whose public half opsroom is
configured with), messages arrive over the contract server's Gateway, and what people see
is read from the contract server (deferred replies edited through the interaction webhook).
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from fastapi.testclient import TestClient
from nacl.signing import SigningKey
from sqlalchemy import select

from opsroom.bootstrap import Container
from opsroom.chat.tables import ChatDeliveryRow
from tests.contract.discord_api import ALERTS_ID, GUILD_ID, INCIDENTS_ID, snowflake
from tests.contract.discord_server import DiscordContractServer, shown

SIGNING_KEY = SigningKey.generate()
PUBLIC_KEY = SIGNING_KEY.verify_key.encode().hex()
USERS = {"alice": "300000000000000001", "bob": "300000000000000002", "carol": "3000000000000003"}
_tokens = itertools.count(1)


def signed(
    body: bytes, *, timestamp: int | None = None, key: SigningKey = SIGNING_KEY
) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = key.sign(stamp.encode() + body).signature.hex()
    return {
        "Content-Type": "application/json",
        "X-Signature-Ed25519": signature,
        "X-Signature-Timestamp": stamp,
    }


def user_object(user: str) -> dict[str, Any]:
    return {"id": USERS[user], "username": user, "global_name": user.title(), "discriminator": "0"}


def _options(text: str) -> list[dict[str, Any]]:
    """`/inc` text as Discord sends the subcommand the person filled in."""
    word, _, rest = text.partition(" ")
    rest = rest.strip()
    if word == "role":
        role, _, who = rest.partition(" ")
        user = who.strip().removeprefix("<@").removesuffix(">")
        values = [
            {"name": "role", "type": 3, "value": role},
            {"name": "user", "type": 6, "value": user},
        ]
        return [{"name": "role", "type": 1, "options": values}]
    if word == "status":
        status, _, message = rest.partition(" ")
        values = [{"name": "message", "type": 3, "value": message}] if message else []
        values.append({"name": "status", "type": 3, "value": status})  # any order
        return [{"name": "status", "type": 1, "options": values}]
    single = {"declare": "title", "note": "text", "resolve": "summary", "update": "message"}
    if word in single:
        values = [{"name": single[word], "type": 3, "value": rest}] if rest else []
        return [{"name": word, "type": 1, "options": values}]
    if word in ("ack", "help", "timeline") and not rest:
        return [{"name": word, "type": 1}]
    return [{"name": "cmd", "type": 1, "options": [{"name": "command", "type": 3, "value": text}]}]


class DiscordDriver:
    platform = "discord"
    alerts_room = ALERTS_ID

    def __init__(
        self, client: TestClient, container: Container, server: DiscordContractServer
    ) -> None:
        self.client = client
        self.container = container
        self.server = server

    def interact(self, payload: dict[str, Any], **headers: str) -> Any:
        body = json.dumps(payload).encode()
        return self.client.post(
            "/api/v1/chat/discord/interactions", content=body, headers={**signed(body), **headers}
        )

    def interaction(self, kind: int, room: str, user: str, data: dict[str, Any]) -> dict[str, Any]:
        token = f"interaction-token-{next(_tokens)}"
        self.server.guild.originals[token] = {}
        return {
            "id": snowflake(),
            "application_id": "100000000000000002",
            "type": kind,
            "data": data,
            "guild_id": GUILD_ID,
            "channel_id": room,
            "member": {"user": user_object(user), "roles": [], "permissions": "0"},
            "token": token,
            "version": 1,
        }

    def slash_payload(self, room: str, text: str, user: str) -> dict[str, Any]:
        data: dict[str, Any] = {"id": "400000000000000001", "name": "inc", "type": 1}
        data["options"] = _options(text.removeprefix("/inc").strip())
        users = {uid: user_object(name) for name, uid in USERS.items() if uid in json.dumps(data)}
        if users:
            data["resolved"] = {"users": users}
        return self.interaction(2, room, user, data)

    def reply_to(self, payload: dict[str, Any]) -> str:
        """The deferred answer as the person finally sees it, after the outbox edited it."""
        self.container.worker(queues=["chat.discord"]).drain()
        return shown(self.server.guild.originals[payload["token"]])

    def command(self, room: str, text: str, *, user: str) -> str:
        payload = self.slash_payload(room, text, user)
        response = self.interact(payload)
        assert response.status_code == 200, response.text
        assert response.json()["type"] == 5, response.json()
        return self.reply_to(payload)

    def press(self, room: str, action: str, value: str, *, user: str) -> Any:
        data = {"custom_id": f"opsroom:{action}:{value}", "component_type": 2}
        payload = self.interaction(3, room, user, data)
        return payload, self.interact(payload)

    def message_event(self, room: str, text: str, user: str, **extra: Any) -> dict[str, Any]:
        mentioned = [user_object(n) for n, uid in USERS.items() if f"<@{uid}>" in text]
        return {
            "id": snowflake(),
            "channel_id": room,
            "guild_id": GUILD_ID,
            "author": user_object(user),
            "content": text,
            "mentions": mentioned,
            "type": 0,
            "timestamp": "2026-12-01T10:00:00.000000+00:00",
            **extra,
        }

    def say(self, room: str, text: str, *, user: str) -> None:
        event = self.message_event(room, text, user)
        self.wait(lambda: bool(self.server.gateway and self.server.gateway.identified), "gateway")
        assert self.server.gateway is not None
        self.server.gateway.dispatch("MESSAGE_CREATE", event)
        self.wait(lambda: self.recorded(event["id"]), f"message {event['id']} on the timeline")

    def recorded(self, message_id: str) -> bool:
        """Whether opsroom has handled the Gateway event of this message (read-only)."""
        query = select(ChatDeliveryRow.id).where(
            ChatDeliveryRow.platform == "discord",
            ChatDeliveryRow.event_id == f"message:{message_id}",
        )
        with self.container.uow() as uow:
            return uow.session.scalar(query) is not None

    @staticmethod
    def wait(ready: Any, what: str, limit: float = 10.0) -> None:
        deadline = time.monotonic() + limit
        while not ready():
            assert time.monotonic() < deadline, f"gave up waiting for {what}"
            time.sleep(0.02)

    def mention(self, user: str) -> str:
        return f"<@{USERS[user]}>"

    def room_of(self, incident: int) -> str:
        with self.container.uow() as uow:
            row = uow.chat.room_on(incident, "discord")
            assert row is not None and row.room_id, "no Discord room for the incident"
            return row.room_id

    def messages(self, room: str) -> list[str]:
        return self.server.messages(room)

    def topic(self, room: str) -> str:
        channel = self.server.guild.channel(room)
        if channel.type != 11:
            return channel.topic
        starter = self.server.guild.message(self.server.guild.channel(INCIDENTS_ID), room)
        return shown(starter)

    def is_archived(self, room: str) -> bool:
        channel = self.server.guild.channel(room)
        if channel.type == 11:
            return channel.archived and channel.locked
        return GUILD_ID in channel.overwrites
