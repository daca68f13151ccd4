"""Discord's documented payloads (fixtures/) parsed into platform-neutral events, one test
each, plus the Ed25519 check, the renderer's escaping and its limits, and the REST layer's
rate-limit buckets."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from nacl.signing import SigningKey

from opsroom.chat.discord import inbound, render
from opsroom.chat.discord.client import command_definitions
from opsroom.chat.discord.gateway import parse_message_create
from opsroom.chat.discord.rest import DiscordRest, route_of
from opsroom.chat.discord.verify import InteractionVerifier
from opsroom.chat.errors import (
    ChatPlatformError,
    ChatRateLimitedError,
    ChatRoomArchivedError,
)
from opsroom.chat.inbound import ActionInvoked, CommandInvoked, InboundOutcome, MessagePosted
from opsroom.chat.limits import fit
from opsroom.chat.message import Button, Field, Message, ReplyTarget, plain
from opsroom.clock import FakeClock
from opsroom.errors import AuthenticationError

FIXTURES = Path(inbound.__file__).parent / "fixtures"
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_ping_is_answered_with_pong() -> None:
    parsed = inbound.parse_interaction(fixture("ping.json"))
    assert parsed.events == ()
    assert parsed.reply is not None and parsed.reply.body == {"type": 1}


def test_declare_subcommand_puts_the_severity_before_the_title() -> None:
    parsed = inbound.parse_interaction(fixture("slash_declare.json"))
    [event] = parsed.events
    assert isinstance(event, CommandInvoked)
    assert event.text == "/inc declare sev2 Checkout is slow"
    assert (event.person.user_id, event.person.display_name) == ("300000000000000001", "Alice")
    assert event.room_id == "100000000000000011"
    assert event.reply is not None and event.reply.data["token"].endswith(".example")
    assert parsed.event_id == "interaction:200000000000000102"


def test_role_subcommand_names_the_user_option_as_a_mention() -> None:
    [event] = inbound.parse_interaction(fixture("slash_role.json")).events
    assert isinstance(event, CommandInvoked)
    assert event.text == "/inc role commander <@300000000000000002>"
    [mention] = event.mentions
    assert (mention.token, mention.user_id, mention.display_name) == (
        "<@300000000000000002>",
        "300000000000000002",
        "Bob",
    )


def test_a_single_text_option_is_the_whole_command() -> None:
    [event] = inbound.parse_interaction(fixture("slash_text_option.json")).events
    assert isinstance(event, CommandInvoked)
    assert event.text == "/inc page <@!300000000000000002>"
    assert [m.display_name for m in event.mentions] == ["bob"]


def test_button_becomes_an_action_on_the_incident() -> None:
    [event] = inbound.parse_interaction(fixture("button_ack.json")).events
    assert isinstance(event, ActionInvoked)
    assert (event.action, event.value, event.room_id) == ("ack", "incident:1", "200000000000000500")


def test_a_button_opsroom_did_not_render_is_refused_politely() -> None:
    payload = fixture("button_ack.json")
    payload["data"]["custom_id"] = "someone-else:thing"
    parsed = inbound.parse_interaction(payload)
    assert parsed.events == ()
    assert parsed.reply is not None and parsed.reply.body["data"]["flags"] == 64  # type: ignore[index]


def test_message_create_is_a_message_with_its_mentions() -> None:
    parsed = parse_message_create(fixture("message_create.json")["d"])
    [event] = parsed.events
    assert isinstance(event, MessagePosted)
    assert event.person.user_id == "300000000000000002"
    assert event.text.startswith("Rolling back, <@300000000000000001>")
    assert [m.display_name for m in event.mentions] == ["Alice"]
    assert parsed.event_id == "message:200000000000000600"


def test_the_bots_own_messages_are_not_recorded() -> None:
    assert parse_message_create(fixture("bot_message_create.json")["d"]).events == ()


def test_deferred_answer_is_ephemeral_unless_public_and_the_reply_follows() -> None:
    event = inbound.parse_interaction(fixture("slash_declare.json")).events[0]
    private = InboundOutcome(reply=plain("usage: ..."), ok=False, event=event)
    answer = inbound.answer([private])
    assert answer.reply.body == {"type": 5, "data": {"flags": 64}}
    [(target, message)] = answer.later
    assert target.data["token"].endswith(".example") and message.text == "usage: ..."
    public = inbound.answer([InboundOutcome(reply=plain("Declared"), public=True, event=event)])
    assert public.reply.body == {"type": 5, "data": {}}


def _signed(key: SigningKey, body: bytes, stamp: str) -> dict[str, str]:
    signature = key.sign(stamp.encode() + body).signature.hex()
    return {"x-signature-ed25519": signature, "x-signature-timestamp": stamp}


def test_signature_over_timestamp_and_body_is_checked() -> None:
    key = SigningKey.generate()
    verifier = InteractionVerifier(key.verify_key.encode().hex())
    body, stamp = raw("ping.json"), str(int(NOW.timestamp()))
    verifier.verify(_signed(key, body, stamp), body, NOW)
    for headers, what in [
        ({}, "missing"),
        (_signed(key, body + b" ", stamp), "tampered body"),
        (_signed(SigningKey.generate(), body, stamp), "another key"),
        ({**_signed(key, body, stamp), "x-signature-ed25519": "zz"}, "not hex"),
        (_signed(key, body, str(int(NOW.timestamp()) - 301)), "stale"),
    ]:
        with pytest.raises(AuthenticationError):
            verifier.verify(headers, body, NOW)
            pytest.fail(what)


def test_escape_makes_mentions_and_markdown_inert() -> None:
    text = "@everyone @here <@123456789012345678> <@&42424242424> **bold** [x](http://e.test)"
    escaped = render.escape(text)
    for forbidden in ("@everyone", "@here"):
        assert forbidden not in escaped
    # Every markup character is backslash-escaped: `\<@1...>` shows as text, mentions nobody.
    assert re.findall(r"(?<!\\)[<>*\[\]]", escaped) == []
    assert "\\<@123456789012345678\\>" in escaped
    assert render.escape("# heading\n- item\n> quote").split("\n") == [
        "\\# heading",
        "\\- item",
        "\\> quote",
    ]
    assert render.payload(plain(text))["allowed_mentions"] == {"parse": []}


def test_the_largest_message_fits_every_discord_limit() -> None:
    huge = "ü<*" * 3000
    message = Message(
        text=huge,
        body=huge,
        lines=tuple(huge for _ in range(100)),
        fields=tuple(Field(huge, huge) for _ in range(30)),
        buttons=tuple(Button(huge, "ack", f"incident:{n}") for n in range(40)),
        context=huge,
    )
    body = render.payload(fit(message, render.DISCORD_LIMITS, render.escape))
    [embed] = body["embeds"]
    assert len(body["content"]) <= 2000
    assert len(embed["description"]) <= 4096
    assert render.embed_size(embed) <= render.EMBED_TOTAL
    assert embed["description"].endswith("more")
    assert len(body["components"]) == 5
    assert all(len(row["components"]) == 5 for row in body["components"])


def test_custom_ids_round_trip() -> None:
    assert render.parse_custom_id(render.custom_id("resolve", "incident:7")) == (
        "resolve",
        "incident:7",
    )
    assert render.parse_custom_id("opsroom:ack") is None


def test_command_definitions_are_valid_for_discord() -> None:
    [command] = command_definitions()
    assert command["name"] == "inc"
    subcommands = {option["name"] for option in command["options"]}
    assert {"declare", "ack", "status", "role", "note", "resolve", "cmd"} <= subcommands
    for option in command["options"]:
        assert 1 <= len(option["description"]) <= 100
        assert len(option["name"]) <= 32 and option["name"].islower()


def test_routes_group_calls_by_their_top_level_resource() -> None:
    assert route_of("POST", "/channels/123456789012345678/messages") == (
        "POST /channels/{id}/messages",
        "channels/123456789012345678",
    )
    assert route_of("PATCH", "/webhooks/1000000000002/tok.en/messages/@original") == (
        "PATCH /webhooks/{id}/{token}/messages/@original",
        "webhooks/1000000000002/tok.en",
    )


def _rest(handler: Any, clock: FakeClock) -> DiscordRest:
    return DiscordRest(
        api_url="http://discord.example.test/api/v10",
        token="t",
        timeout=1,
        clock=clock,
        transport=httpx.MockTransport(handler),
    )


def test_a_used_up_bucket_is_not_called_until_it_resets() -> None:
    clock, sent = FakeClock(NOW), []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        headers = {"X-RateLimit-Bucket": "abc", "X-RateLimit-Remaining": "0"}
        return httpx.Response(
            200, json={"id": "1"}, headers={**headers, "X-RateLimit-Reset-After": "2.5"}
        )

    rest = _rest(handler, clock)
    rest.call("POST", "/channels/111111111111/messages", json={"content": "a"})
    with pytest.raises(ChatRateLimitedError) as caught:
        rest.call("POST", "/channels/111111111111/messages", json={"content": "b"})
    assert caught.value.retry_after == pytest.approx(2.5)
    rest.call("POST", "/channels/222222222222/messages", json={"content": "other channel"})
    clock.advance(timedelta(seconds=3))
    rest.call("POST", "/channels/111111111111/messages", json={"content": "b"})
    assert len(sent) == 3


def test_errors_keep_discords_code_and_a_429_its_fractional_retry_after() -> None:
    answers = [
        httpx.Response(429, json=fixture("rate_limited.json"), headers={"Retry-After": "65"}),
        httpx.Response(400, json=fixture("invalid_form_body.json")),
        httpx.Response(400, json={"code": 50083, "message": "Thread is archived"}),
    ]
    rest = _rest(lambda request: answers.pop(0), FakeClock(NOW))
    with pytest.raises(ChatRateLimitedError) as limited:
        rest.call("POST", "/channels/111111111111/messages", json={})
    assert limited.value.retry_after == pytest.approx(65)
    with pytest.raises(ChatPlatformError) as invalid:
        rest.call("POST", "/channels/111111111111/messages", json={})
    assert invalid.value.reason == "50035" and "BASE_TYPE_MAX_LENGTH" in invalid.value.message
    with pytest.raises(ChatRoomArchivedError):
        rest.call("POST", "/channels/111111111111/messages", json={})


def test_reply_targets_are_kept_for_the_outbox() -> None:
    target = ReplyTarget("discord", {"token": "t", "channel": "1"})
    assert target.data == {"token": "t", "channel": "1"}
