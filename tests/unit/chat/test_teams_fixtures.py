"""Teams' documented payloads (fixtures/) parsed into platform-neutral events, one test
each, plus Bot Framework token validation, the outgoing-webhook HMAC, the card renderer's
escaping and size, and error translation."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from opsroom.chat.errors import ChatNameTakenError, ChatRateLimitedError
from opsroom.chat.inbound import ActionInvoked, CommandInvoked, InboundOutcome, MessagePosted
from opsroom.chat.limits import fit
from opsroom.chat.message import Button, Field, Message, plain
from opsroom.chat.teams import inbound, render
from opsroom.chat.teams.http import call
from opsroom.chat.teams.verify import BotTokenValidator, verify_webhook, webhook_signature
from opsroom.clock import FakeClock
from opsroom.errors import AuthenticationError, PermissionDeniedError

FIXTURES = Path(inbound.__file__).parent / "fixtures"
APP = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
SERVICE = "https://smba.trafficmanager.net/emea/"
KEY = rsa.generate_private_key(65537, 2048)


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def parse(name: str, *, threads: bool = True, mode: str = "bot") -> Any:
    return inbound.parse_activity(fixture(name), threads=threads, mode=mode)


def test_at_mention_command_becomes_an_inc_command_with_the_other_mention() -> None:
    parsed = parse("channel_message.json")
    [event] = parsed.events
    assert isinstance(event, CommandInvoked)
    assert event.text == "/inc role commander <at>Alice Doe</at>"
    assert event.person.user_id == "b0b00000-0000-4000-8000-000000000002"  # the AAD object id
    [mention] = event.mentions
    assert (mention.token, mention.user_id) == (
        "<at>Alice Doe</at>",
        "a11ce000-0000-4000-8000-000000000001",
    )
    assert event.room_id.endswith(";messageid=1800000000100")
    assert parsed.event_id == "activity:1800000000101"


def test_room_of_a_message_is_the_thread_or_the_channel() -> None:
    [event] = parse("channel_message.json", threads=False).events
    assert event.room_id == "19:incidents000000000000000000@thread.tacv2"


def test_other_messages_are_plain_text_for_the_timeline() -> None:
    [event] = parse("rsc_message.json").events
    assert isinstance(event, MessagePosted)
    assert event.text == "Rolling back checkout to 4.1 now & watching"


def test_action_submit_is_a_button_press() -> None:
    [event] = parse("card_submit.json").events
    assert isinstance(event, ActionInvoked)
    assert (event.action, event.value) == ("ack", "incident:1")


def test_action_execute_is_a_button_press_answered_in_the_response() -> None:
    parsed = parse("card_execute.json")
    [event] = parsed.events
    assert isinstance(event, ActionInvoked) and event.action == "resolve"
    answer = inbound.answer([InboundOutcome(reply=plain("Alice resolved <INC-1>"), event=event)])
    assert answer.reply.body == {
        "statusCode": 200,
        "type": "application/vnd.microsoft.activity.message",
        "value": "Alice resolved &lt;INC-1&gt;",
    }
    assert answer.later == ()


def test_outgoing_webhook_message_is_answered_in_the_response() -> None:
    parsed = parse("outgoing_webhook.json", mode="webhook")
    [event] = parsed.events
    assert isinstance(event, CommandInvoked)
    assert event.text == "/inc declare sev2 Payments API returns 502"
    answer = inbound.answer([InboundOutcome(reply=plain("Declared INC-1"), event=event)])
    assert answer.reply.body == {"type": "message", "textFormat": "xml", "text": "Declared INC-1"}


def test_bot_replies_go_out_later_in_the_conversation() -> None:
    [event] = parse("channel_message.json").events
    answer = inbound.answer([InboundOutcome(reply=plain("ok"), event=event)])
    assert answer.reply.body is None
    [(target, _)] = answer.later
    assert target.data["activity"] == "1800000000101"


def _validator(clock: FakeClock, keys: list[dict[str, Any]]) -> tuple[BotTokenValidator, list[str]]:
    fetched: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        fetched.append(request.url.path)
        if request.url.path.endswith("openidconfiguration"):
            metadata = {
                **fixture("openid_metadata.json"),
                "jwks_uri": "https://keys.example.test/k",
            }
            return httpx.Response(200, json=metadata)
        return httpx.Response(200, json={"keys": keys})

    validator = BotTokenValidator(
        metadata_url="https://login.example.test/v1/.well-known/openidconfiguration",
        app_id=APP,
        issuer="https://api.botframework.com",
        clock=clock,
        http=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    return validator, fetched


def _jwk(kid: str = "k1", endorsements: list[str] | None = None) -> dict[str, Any]:
    public = json.loads(RSAAlgorithm.to_jwk(KEY.public_key()))
    return {**public, "kid": kid, "endorsements": endorsements or ["msteams"]}


def _token(now: float, key: Any = KEY, kid: str = "k1", **claims: Any) -> str:
    body = {
        "iss": "https://api.botframework.com",
        "aud": APP,
        "exp": now + 3600,
        "nbf": now - 5,
        "serviceurl": SERVICE,
        **claims,
    }
    return "Bearer " + jwt.encode(body, key, algorithm="RS256", headers={"kid": kid})


def test_bot_framework_tokens_are_validated_claim_by_claim() -> None:
    now = time.time()
    clock = FakeClock(datetime.fromtimestamp(now, UTC))
    validator, _ = _validator(clock, [_jwk()])
    activity = {"serviceUrl": SERVICE, "channelId": "msteams"}
    assert validator.validate(_token(now), activity)["aud"] == APP
    for bad in [
        _token(now, aud="another-app"),
        _token(now, iss="https://sts.example.test"),
        _token(now, exp=now - 301),
        _token(now, serviceurl="https://evil.example.test/"),
        _token(now, key=rsa.generate_private_key(65537, 2048)),
        _token(now, kid="unknown"),
        "Bearer not-a-jwt",
        "",
    ]:
        with pytest.raises(AuthenticationError):
            validator.validate(bad, activity)
    with pytest.raises(PermissionDeniedError):
        validator.validate(_token(now), {"serviceUrl": SERVICE, "channelId": "slack"})


def test_signing_keys_are_cached_and_fetched_again_for_a_new_key_id() -> None:
    now = time.time()
    clock = FakeClock(datetime.fromtimestamp(now, UTC))
    validator, fetched = _validator(clock, [_jwk()])
    activity = {"serviceUrl": SERVICE, "channelId": "msteams"}
    validator.validate(_token(now), activity)
    validator.validate(_token(now), activity)
    assert len(fetched) == 2  # metadata + keys, once
    clock.advance(timedelta(minutes=6))
    with pytest.raises(AuthenticationError):
        validator.validate(_token(now, kid="rotated"), activity)
    assert len(fetched) == 4  # an unknown key id fetched the keys again


def test_outgoing_webhook_hmac() -> None:
    secret = base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
    body = (FIXTURES / "outgoing_webhook.json").read_bytes()
    verify_webhook(secret, {"authorization": f"HMAC {webhook_signature(secret, body)}"}, body)
    for headers in [{}, {"authorization": "HMAC AAAA"}, {"authorization": "Bearer x"}]:
        with pytest.raises(AuthenticationError):
            verify_webhook(secret, headers, body)
    with pytest.raises(AuthenticationError):
        verify_webhook(
            secret, {"authorization": f"HMAC {webhook_signature(secret, body)}"}, body + b" "
        )


def test_card_text_cannot_mention_or_inject_markup() -> None:
    text = "<at>Everyone</at> @everyone @channel <b>x</b> [link](http://e.test) **bold**"
    card = render.card(plain(text))
    shown = card["body"][0]["text"]
    assert "<at>" not in shown and "<b>" not in shown and "@everyone" not in shown
    assert "\\[link\\]" in shown and "\\*\\*bold" in shown
    assert render.text_activity(text)["text"].startswith("&lt;at&gt;Everyone&lt;/at&gt;")


def test_the_largest_card_fits_in_28_kb() -> None:
    huge = "é🔥<*" * 4000
    message = Message(
        text=huge,
        body=huge,
        lines=tuple(huge for _ in range(100)),
        fields=tuple(Field(huge, huge) for _ in range(30)),
        buttons=tuple(Button(huge, "ack", f"incident:{n}") for n in range(10)),
        context=huge,
    )
    payload = render.activity(fit(message, render.TEAMS_LIMITS, render.escape_card))
    assert render.card_size(payload) <= render.CARD_BYTES
    listed = payload["attachments"][0]["content"]["body"][2]["text"]
    assert listed.endswith("more")


def test_graph_errors_are_translated() -> None:
    answers = [
        httpx.Response(400, json=fixture("graph_name_taken.json")),
        httpx.Response(
            429, json={"error": {"code": "TooManyRequests"}}, headers={"Retry-After": "7"}
        ),
    ]
    client = httpx.Client(transport=httpx.MockTransport(lambda request: answers.pop(0)))
    with pytest.raises(ChatNameTakenError):
        call(client, "POST", "https://graph.example.test/v1.0/teams/t/channels", what="create")
    with pytest.raises(ChatRateLimitedError) as limited:
        call(client, "POST", "https://graph.example.test/v1.0/teams/t/channels", what="create")
    assert limited.value.retry_after == 7


def test_the_app_manifest_names_the_bot_and_the_rsc_permission() -> None:
    manifest = fixture("manifest.json")
    [bot] = manifest["bots"]
    assert bot["botId"] == manifest["id"] == manifest["webApplicationInfo"]["id"]
    rsc = {p["name"] for p in manifest["authorization"]["permissions"]["resourceSpecific"]}
    assert "ChannelMessage.Read.Group" in rsc
