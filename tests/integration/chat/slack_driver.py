"""Slack's driver for the scripted incident: people's actions arrive as Slack sends them,
signed with the app's signing secret; what they see is read from the contract server."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient

from opsroom.bootstrap import Container
from opsroom.chat.slack.verify import signature
from tests.contract.slack_server import SlackContractServer

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
USERS = {"alice": "U0ALICE", "bob": "U0BOB", "carol": "U0CAROL"}
_ids = itertools.count(1)


def signed_headers(
    body: bytes, content_type: str, *, timestamp: int | None = None
) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature(SIGNING_SECRET, stamp, body),
    }


class SlackDriver:
    platform = "slack"
    alerts_room = "C0ALERTS"

    def __init__(
        self, client: TestClient, container: Container, server: SlackContractServer
    ) -> None:
        self.client = client
        self.container = container
        self.server = server

    def post_form(self, endpoint: str, form: dict[str, str]) -> Any:
        body = urlencode(form).encode()
        headers = signed_headers(body, "application/x-www-form-urlencoded")
        return self.client.post(f"/api/v1/chat/slack/{endpoint}", content=body, headers=headers)

    def post_event(self, payload: dict[str, Any], **headers: str) -> Any:
        body = json.dumps(payload).encode()
        signed = {**signed_headers(body, "application/json"), **headers}
        return self.client.post("/api/v1/chat/slack/events", content=body, headers=signed)

    def slash(self, room: str, text: str, user: str, trigger: str = "") -> Any:
        form = {
            "token": "deprecated-verification-token",
            "team_id": "T0TEAM",
            "team_domain": "example",
            "channel_id": room,
            "channel_name": "whatever",
            "user_id": USERS[user],
            "user_name": user,
            "command": "/inc",
            "text": text,
            "api_app_id": "A0APP",
            "response_url": f"{self.server.url}/response/{next(_ids)}",
            "trigger_id": trigger,
        }
        return self.post_form("commands", form)

    def command(self, room: str, text: str, *, user: str) -> str:
        response = self.slash(room, text.removeprefix("/inc").strip(), user)
        assert response.status_code == 200, response.text
        return str(response.json().get("text", ""))

    def message_event(self, room: str, text: str, user: str, **extra: Any) -> dict[str, Any]:
        n = next(_ids)
        return {
            "token": "deprecated",
            "team_id": "T0TEAM",
            "api_app_id": "A0APP",
            "type": "event_callback",
            "event_id": f"Ev{n:08d}",
            "event_time": int(time.time()),
            "event": {
                "type": "message",
                "channel": room,
                "user": USERS[user],
                "text": text,
                "ts": f"1700000001.{n:06d}",
                "channel_type": "channel",
                **extra,
            },
        }

    def say(self, room: str, text: str, *, user: str) -> None:
        response = self.post_event(self.message_event(room, text, user))
        assert response.status_code == 200, response.text

    def press(self, room: str, action: str, value: str, *, user: str, trigger: str = "") -> Any:
        payload = {
            "type": "block_actions",
            "user": {"id": USERS[user], "username": user, "team_id": "T0TEAM"},
            "api_app_id": "A0APP",
            "channel": {"id": room, "name": "whatever"},
            "response_url": f"{self.server.url}/response/{next(_ids)}",
            "trigger_id": trigger,
            "actions": [
                {
                    "type": "button",
                    "action_id": f"opsroom_{action}",
                    "value": value,
                    "block_id": "b",
                }
            ],
        }
        return self.post_form("interactivity", {"payload": json.dumps(payload)})

    def mention(self, user: str) -> str:
        return f"<@{USERS[user]}|{user}>"

    def room_of(self, incident: int) -> str:
        with self.container.uow() as uow:
            row = uow.chat.room_on(incident, "slack")
            assert row is not None and row.room_id, "no Slack channel for the incident"
            return row.room_id

    def messages(self, room: str) -> list[str]:
        return self.server.messages(room)

    def topic(self, room: str) -> str:
        return self.server.workspace.channels[room].topic

    def is_archived(self, room: str) -> bool:
        return self.server.workspace.channels[room].is_archived
