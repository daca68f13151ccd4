"""Mattermost's renderer, token checks, inbound parsing (on fixtures in Mattermost's own
format) and error translation, with httpx's mock transport standing in for the server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from opsroom.chat.errors import (
    ChatNameTakenError,
    ChatRateLimitedError,
    ChatRoomArchivedError,
    ChatUnavailableError,
)
from opsroom.chat.inbound import ActionInvoked, CommandInvoked, InboundRequest, MessagePosted
from opsroom.chat.mattermost import render
from opsroom.chat.mattermost.client import MattermostChatAdapter, retry_after
from opsroom.chat.mattermost.inbound import MattermostInbound
from opsroom.chat.mattermost.settings import MattermostSettings
from opsroom.chat.message import Button, Message
from opsroom.clock import SystemClock
from opsroom.errors import AuthenticationError

FIXTURES = Path(__file__).parents[3] / "src/opsroom/chat/mattermost/fixtures"
BOB = "7hz9m2pqxw4kbn5ty1cd3e8fga"
BOT = "gt8j1qpfcif3jmxqzyd6bbh1oa"
SETTINGS = MattermostSettings(
    url="http://mattermost.example.test",
    team_id="9x1ydp8ubbyzixn5u3yqw8z9rw",
    bot_token="made-up-bot-token",
    command_token="made-up-command-token",
    action_secret="made-up-button-secret",
    actions_url="https://opsroom.example.test/api/v1/chat/mattermost/actions",
)


def server(request: httpx.Request) -> httpx.Response:
    """The few answers the inbound side needs, as Mattermost gives them."""
    assert request.headers["authorization"] == "Bearer made-up-bot-token"
    path = request.url.path
    if path == "/api/v4/users/usernames":
        names = json.loads(request.content)
        return httpx.Response(200, json=[{"id": BOB, "username": "bob"}] if "bob" in names else [])
    if path == "/api/v4/users/ids":
        return httpx.Response(
            200, json=[{"id": i, "username": f"u{i[:3]}"} for i in json.loads(request.content)]
        )
    if path == "/api/v4/users/me":
        return httpx.Response(200, json={"id": BOT, "username": "opsroom"})
    if path.endswith("/posts"):
        return httpx.Response(200, content=(FIXTURES / "posts_since.json").read_bytes())
    return httpx.Response(
        404, json={"id": "api.context.404.app_error", "message": "", "status_code": 404}
    )


def inbound() -> MattermostInbound:
    adapter = MattermostChatAdapter(SETTINGS, transport=httpx.MockTransport(server))
    return MattermostInbound(SETTINGS, adapter)


def request(endpoint: str, body: bytes, **headers: str) -> InboundRequest:
    return InboundRequest(
        endpoint=endpoint, body=body, headers=headers, received_at=SystemClock().now()
    )


def test_markdown_and_mentions_in_alert_text_are_inert() -> None:
    text = render.escape("@channel @here @all @bob [x](https://evil.example.test) **b** <img>")
    for mention in ("@channel", "@here", "@all", "@bob"):
        assert mention not in text
    assert "\\[x\\]" in text and "\\*\\*b\\*\\*" in text and "\\<img\\>" in text


def test_buttons_carry_the_callback_and_the_secret() -> None:
    message = Message(
        text="INC-1", buttons=(Button("Acknowledge", "ack", "incident:1", "primary"),)
    )
    payload = render.payload(message, ("https://opsroom.example.test/a", "s3cret"))
    [action] = payload["props"]["attachments"][0]["actions"]
    assert action["id"].isalnum() and action["type"] == "button"
    assert action["integration"]["context"] == {
        "action": "ack",
        "value": "incident:1",
        "secret": "s3cret",
    }
    assert payload["props"]["disable_group_highlight"] is True


def test_markdown_never_exceeds_the_post_limit() -> None:
    message = Message(text="x", body="<" * 20000)
    assert len(render.markdown(message)) <= render.MAX_MESSAGE


def test_slash_command_fixture_becomes_a_command_with_resolved_mentions() -> None:
    body = (FIXTURES / "slash_command.txt").read_bytes().strip()
    receiver = inbound()
    receiver.verify(request("commands", body))
    [event] = receiver.parse(request("commands", body)).events
    assert isinstance(event, CommandInvoked)
    assert event.text == "/inc role commander @bob"
    assert [(m.token, m.user_id) for m in event.mentions] == [("@bob", BOB)]
    assert event.reply is not None and event.reply.data["response_url"].startswith("https://")


@pytest.mark.parametrize(
    "headers",
    [{}, {"authorization": "Token wrong"}, {"authorization": "Bearer made-up-command-token"}],
)
def test_slash_commands_need_the_command_token(headers: dict[str, str]) -> None:
    body = b"channel_id=c&user_id=u&text=ack"
    with pytest.raises(AuthenticationError):
        inbound().verify(request("commands", body, **headers))


def test_header_token_is_accepted() -> None:
    body = b"channel_id=c&user_id=u&text=ack"
    inbound().verify(request("commands", body, authorization="Token made-up-command-token"))


def test_button_fixture_becomes_an_action_and_a_wrong_secret_is_refused() -> None:
    body = (FIXTURES / "action.json").read_bytes()
    receiver = inbound()
    receiver.verify(request("actions", body))
    [event] = receiver.parse(request("actions", body)).events
    assert isinstance(event, ActionInvoked)
    assert (event.action, event.value, event.person.display_name) == (
        "declare",
        "group:12",
        "alice",
    )
    forged = json.loads(body)
    forged["context"]["secret"] = "guess"
    with pytest.raises(AuthenticationError):
        receiver.verify(request("actions", json.dumps(forged).encode()))


def test_polling_keeps_peoples_posts_and_moves_the_cursor() -> None:
    parsed, cursors = inbound().poll({"h8n3w7kkq7yz5fsbxo6crmcqgw": 0})
    [event] = parsed.events  # not the join message, the bot's post, the webhook's, the deleted
    assert isinstance(event, MessagePosted)
    assert event.text == "@bob can you check the db?"
    assert [m.user_id for m in event.mentions] == [BOB]
    assert parsed.event_ids == ("d4xk2nm7qzbt9rfe5cw3ya8hpj",)
    assert cursors == {"h8n3w7kkq7yz5fsbxo6crmcqgw": 1796360400400}


def error(status: int, error_id: str = "", headers: dict[str, str] | None = None) -> Any:
    def answer(request: httpx.Request) -> httpx.Response:
        body = (
            {"id": error_id, "message": "m", "status_code": status}
            if error_id
            else "limit exceeded"
        )
        if isinstance(body, str):
            return httpx.Response(status, text=body, headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    return MattermostChatAdapter(SETTINGS, transport=httpx.MockTransport(answer))


@pytest.mark.parametrize(
    ("adapter", "kind"),
    [
        (error(400, "store.sql_channel.save_channel.exists.app_error"), ChatNameTakenError),
        (error(400, "api.post.create_post.can_not_post_to_deleted.error"), ChatRoomArchivedError),
        (error(503, "api.server.unavailable"), ChatUnavailableError),
        (error(429, headers={"Retry-After": "3"}), ChatRateLimitedError),
    ],
)
def test_documented_errors_become_chat_errors(adapter: MattermostChatAdapter, kind: type) -> None:
    with pytest.raises(kind):
        adapter.create_room("inc-1-x", "topic", incident_number=1)


def test_retry_after_reads_seconds_or_a_reset_time() -> None:
    assert retry_after(httpx.Headers({"Retry-After": "4"}), 0) == 4
    assert retry_after(httpx.Headers({"X-Ratelimit-Reset": "6"}), 0) == 6
    assert retry_after(httpx.Headers({"X-Ratelimit-Reset": "1700000009"}), 1700000000) == 9
    assert retry_after(httpx.Headers({}), 0) == 1
