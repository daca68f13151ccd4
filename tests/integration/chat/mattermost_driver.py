"""Mattermost's driver for the scripted incident: slash commands and button presses arrive as
Mattermost sends them (with the command's token, or the secret in the button's context);
messages are posts on the contract server that the bot account reads; what people see is
read back from the contract server, rendered as Mattermost shows it."""

from __future__ import annotations

import itertools
import re
import time
from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from sqlalchemy import select

from opsroom.bootstrap import Container
from opsroom.chat.tables import ChatDeliveryRow
from tests.contract.mattermost_api import TEAM_ID, USERS
from tests.contract.mattermost_server import MattermostContractServer

COMMAND_TOKEN = "mattermost-slash-command-token"  # a made-up token
ACTION_SECRET = "mattermost-button-secret"
WAIT = 20.0
_ids = itertools.count(1)
_ESCAPED = re.compile(r"\\(.)")


def shown(markdown: str) -> str:
    """Text as Mattermost displays it: escapes resolved, bold marks and word joiners gone."""
    return _ESCAPED.sub(r"\1", markdown.replace("**", "")).replace("\u2060", "")


class MattermostDriver:
    platform = "mattermost"

    def __init__(
        self, client: TestClient, container: Container, server: MattermostContractServer
    ) -> None:
        self.client = client
        self.container = container
        self.server = server
        channels = {c.name: c.id for c in server.state.channels.values()}
        self.alerts_room, self.incidents_room = channels["alerts"], channels["incidents"]

    def slash(
        self, room: str, text: str, *, user: str, token: str = COMMAND_TOKEN, name: str = ""
    ) -> Any:
        form = {
            "channel_id": room,
            "channel_name": "whatever",
            "command": "/inc",
            "response_url": f"{self.server.url}/hooks/commands/{next(_ids)}",
            "team_domain": "example",
            "team_id": TEAM_ID,
            "text": text,
            "token": token,
            "trigger_id": "trigger-not-used",
            "user_id": USERS[user],
            "user_name": name or user,
        }
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": f"Token {token}",
        }
        body = urlencode(form).encode()
        return self.client.post("/api/v1/chat/mattermost/commands", content=body, headers=headers)

    def command(self, room: str, text: str, *, user: str) -> str:
        response = self.slash(room, text.removeprefix("/inc").strip(), user=user)
        assert response.status_code == 200, response.text
        return shown(str(response.json().get("text", "")))

    def press(
        self, room: str, action: str, value: str, *, user: str, secret: str = ACTION_SECRET
    ) -> Any:
        payload = {
            "user_id": USERS[user],
            "user_name": user,
            "channel_id": room,
            "team_id": TEAM_ID,
            "post_id": "p" * 26,
            "trigger_id": "t",
            "type": "",
            "data_source": "",
            "context": {"action": action, "value": value, "secret": secret},
        }
        return self.client.post("/api/v1/chat/mattermost/actions", json=payload)

    def say(self, room: str, text: str, *, user: str) -> None:
        post = self.server.state.add_post(room, USERS[user], text)
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            self.container.worker().drain()
            if self.handled(post["id"]):
                return
            time.sleep(0.1)
        raise AssertionError(f"waited {WAIT:.0f} s for the bot to read {text!r}")

    def handled(self, post_id: str) -> bool:
        with self.container.uow() as uow:
            query = select(ChatDeliveryRow.id).where(
                ChatDeliveryRow.platform == "mattermost", ChatDeliveryRow.event_id == post_id
            )
            return uow.session.scalar(query) is not None

    def mention(self, user: str) -> str:
        return f"@{user}"

    def room_of(self, incident: int) -> str:
        with self.container.uow() as uow:
            row = uow.chat.room_on(incident, "mattermost")
            assert row is not None and row.room_id, "no Mattermost channel for the incident"
            return row.room_id

    def posts(self, room: str) -> list[dict[str, Any]]:
        posts = [p for p in self.server.state.posts.values() if p["channel_id"] == room]
        return sorted(posts, key=lambda p: (p["create_at"], p["id"]))

    def messages(self, room: str) -> list[str]:
        bot = USERS["opsroom"]
        return [shown(p["message"]) for p in self.posts(room) if p["user_id"] == bot]

    def topic(self, room: str) -> str:
        return self.server.state.channels[room].header

    def is_archived(self, room: str) -> bool:
        return self.server.state.channels[room].delete_at > 0
