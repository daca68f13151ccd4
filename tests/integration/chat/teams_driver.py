"""Teams' driver for the scripted incident: people's messages and card clicks arrive as the
Bot Framework sends them (activities with an RS256 token the contract server signs and
serves the key of), and what they see is read from the contract server's channels."""

from __future__ import annotations

import base64
import itertools
import json
from typing import Any

from fastapi.testclient import TestClient

from opsroom.bootstrap import Container
from opsroom.chat.teams.verify import webhook_signature
from tests.contract.teams_api import ALERTS, APP_ID, TENANT_ID, shown
from tests.contract.teams_server import TeamsContractServer

USERS = {
    "alice": "a11ce000-0000-4000-8000-000000000001",
    "bob": "b0b00000-0000-4000-8000-000000000002",
    "carol": "ca401000-0000-4000-8000-000000000003",
}
WEBHOOK_SECRET = base64.b64encode(b"outgoing-webhook-test-secret-32b").decode()
BOT = {"id": f"28:{APP_ID}", "name": "opsroom"}
_ids = itertools.count(1800000000001)
REPLY = "POST /v3/conversations/{}/activities/{}"


def person(user: str) -> dict[str, str]:
    return {"id": f"29:1{user}-teams-id", "name": user.title(), "aadObjectId": USERS[user]}


class TeamsDriver:
    platform = "teams"
    alerts_room = ALERTS

    def __init__(
        self, client: TestClient, container: Container, server: TeamsContractServer
    ) -> None:
        self.client = client
        self.container = container
        self.server = server

    def activity(
        self, room: str, text: str, user: str, *, mention_bot: bool = True
    ) -> dict[str, Any]:
        """A channel message as Teams delivers it; a new post unless `room` is a thread."""
        activity_id = str(next(_ids))
        channel_id, _, root = room.partition(";messageid=")
        conversation = room if root else f"{channel_id};messageid={activity_id}"
        entities = [
            _mention(person(n), f"<at>{n.title()}</at>")
            for n in USERS
            if f"<at>{n.title()}</at>" in text
        ]
        if mention_bot:
            text = f"<at>opsroom</at> {text}"
            entities.insert(0, _mention(BOT, "<at>opsroom</at>"))
        return {
            "type": "message",
            "id": activity_id,
            "timestamp": "2026-12-01T10:00:00.000Z",
            "serviceUrl": self.server.service_url,
            "channelId": "msteams",
            "from": person(user),
            "conversation": {
                "isGroup": True,
                "conversationType": "channel",
                "tenantId": TENANT_ID,
                "id": conversation,
            },
            "recipient": BOT,
            "textFormat": "plain",
            "text": text,
            "entities": entities,
            "channelData": {
                "teamsChannelId": channel_id,
                "teamsTeamId": "19:team0000000000000000000000@thread.tacv2",
                "channel": {"id": channel_id},
                "tenant": {"id": TENANT_ID},
            },
        }

    def deliver(self, activity: dict[str, Any], *, token: str | None = None) -> Any:
        """What Teams shows in the channel, then the activity sent to the bot endpoint."""
        channel, _, root = activity["conversation"]["id"].partition(";messageid=")
        posts = self.server.team.channels[channel].posts
        if root == activity["id"]:
            posts[root] = [activity]  # a new post: its own thread
        else:
            posts.setdefault(root, []).append(activity)
        body = json.dumps(activity).encode()
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token or self.server.sign()}",
        }
        return self.client.post("/api/v1/chat/teams/messages", content=body, headers=headers)

    def command(self, room: str, text: str, *, user: str) -> str:
        activity = self.activity(room, text.removeprefix("/"), user)
        response = self.deliver(activity)
        assert response.status_code == 200, response.text
        return self.reply_to(activity)

    def reply_to(self, activity: dict[str, Any]) -> str:
        self.container.worker(queues=["chat.teams"]).drain()
        replies = [
            c.body for c in self.server.ok(REPLY) if c.body.get("replyToId") == activity["id"]
        ]
        assert replies, f"no reply to activity {activity['id']}"
        return shown(replies[-1])

    def say(self, room: str, text: str, *, user: str) -> None:
        response = self.deliver(self.activity(room, text, user, mention_bot=False))
        assert response.status_code == 200, response.text

    def press(self, room: str, action: str, value: str, *, user: str) -> tuple[dict[str, Any], Any]:
        """Action.Submit: a message activity whose `value` is the button's data."""
        activity = self.activity(room, "", user, mention_bot=False)
        activity.pop("text")
        activity["value"] = {"opsroom_action": action, "opsroom_value": value}
        return activity, self.deliver(activity)

    def webhook(self, room: str, text: str, user: str, *, secret: str = WEBHOOK_SECRET) -> Any:
        activity = self.activity(room, text, user)
        activity["entities"][0]["mentioned"] = {"id": "28:webhook-id", "name": "opsroom"}
        body = json.dumps(activity).encode()
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"HMAC {webhook_signature(secret, body)}",
        }
        return self.client.post("/api/v1/chat/teams/webhook", content=body, headers=headers)

    def mention(self, user: str) -> str:
        return f"<at>{user.title()}</at>"

    def room_of(self, incident: int) -> str:
        with self.container.uow() as uow:
            row = uow.chat.room_on(incident, "teams")
            assert row is not None and row.room_id, "no Teams room for the incident"
            return row.room_id

    def messages(self, room: str) -> list[str]:
        return [shown(a) for a in self.server.thread(room) if a.get("from") is None]

    def topic(self, room: str) -> str:
        channel, root = self.server.team.locate(room)
        return shown(channel.posts[root][0]) if root else channel.description

    def is_archived(self, room: str) -> bool:
        channel, root = self.server.team.locate(room)
        if root is None:
            return channel.archived
        return shown(channel.posts[root][0]).startswith("[RESOLVED]")


def _mention(who: dict[str, str], token: str) -> dict[str, Any]:
    return {"type": "mention", "mentioned": who, "text": token}
