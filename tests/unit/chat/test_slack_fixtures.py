"""Slack's documented payloads (fixtures/) parsed into platform-neutral events, one test each,
plus the v0 signature and the renderer's escaping."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from opsroom.chat.inbound import (
    ActionInvoked,
    CommandInvoked,
    DeclareForm,
    DeclareSubmitted,
    InboundOutcome,
    MessagePosted,
    Person,
)
from opsroom.chat.message import Button, Message, plain
from opsroom.chat.slack import inbound, render, verify
from opsroom.chat.slack.modal import declare_view, parse_submission
from opsroom.errors import AuthenticationError, InvalidInputError

FIXTURES = Path(inbound.__file__).parent / "fixtures"


def fixture(name: str) -> Any:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return json.loads(text) if name.endswith(".json") else text.strip()


def test_slash_command_becomes_an_inc_command_with_its_mention() -> None:
    form = dict(inbound._form(fixture("slash_command.txt").encode()))
    event = inbound.command_event(form)
    assert event.text == "/inc role commander <@U024BE7LH|bob>"
    assert event.person == Person("slack", "U2147483697", "steve")
    assert event.room_id == "C2147483705"
    assert event.mentions[0].user_id == "U024BE7LH"
    assert event.mentions[0].display_name == "bob"
    assert event.reply is not None
    assert event.reply.data["response_url"] == "https://hooks.slack.com/commands/1234/5678"
    assert event.trigger.startswith("13345224609.")


def test_url_verification_is_answered_without_events() -> None:
    parsed = inbound.parse_events(fixture("url_verification.json"))
    assert parsed.events == ()
    assert parsed.reply is not None
    assert parsed.reply.body == {"challenge": fixture("url_verification.json")["challenge"]}


def test_message_event_is_a_message_with_its_event_id() -> None:
    parsed = inbound.parse_events(fixture("message_event.json"))
    assert parsed.event_id == "Ev08MFMKH6"
    [event] = parsed.events
    assert isinstance(event, MessagePosted)
    assert event.text.startswith("Rolled back to 4.1 & flushed the cache")
    assert event.person.user_id == "U2147483697"
    assert event.mentions[0].token == "<@U024BE7LH>"


def test_bot_message_event_is_ignored_but_still_deduplicated() -> None:
    parsed = inbound.parse_events(fixture("bot_message_event.json"))
    assert parsed.events == ()
    assert parsed.event_id == "Ev08MFMKH7"


def test_block_actions_button_is_an_action() -> None:
    [event] = inbound.parse_interaction(fixture("block_actions.json")).events
    assert isinstance(event, ActionInvoked)
    assert (event.action, event.value, event.room_id) == ("ack", "incident:42", "C0ALERTS")
    assert event.reply is not None
    assert event.reply.data["response_url"] == "https://hooks.slack.com/actions/T0001/1234/abcd"


def test_view_submission_is_a_declare_form() -> None:
    [event] = inbound.parse_interaction(fixture("view_submission.json")).events
    assert isinstance(event, DeclareSubmitted)
    assert (event.title, event.severity, event.group_id, event.room_id) == (
        "Checkout returns 502",
        2,
        7,
        "C0ALERTS",
    )


def test_declare_view_round_trips_through_a_submission() -> None:
    view = declare_view(DeclareForm(title="DB down", severity=1, group_id=3, room_id="C1"))
    view["state"] = {
        "values": {
            "title": {"title": {"value": view["blocks"][0]["element"]["initial_value"]}},
            "severity": {
                "severity": {"selected_option": view["blocks"][1]["element"]["initial_option"]}
            },
        }
    }
    assert parse_submission(view) == ("DB down", 1, 3, "C1")
    with pytest.raises(InvalidInputError):
        parse_submission({"state": {}})


def test_signature_matches_slacks_documented_example() -> None:
    """The example of api.slack.com/authentication/verifying-requests-from-slack."""
    body = (
        b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&"
        b"channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&"
        b"command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2F"
        b"commands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&"
        b"trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    secret, stamp = "8f742231b10e8888abcd99yyyzzz85a5", "1531420618"
    expected = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    assert verify.signature(secret, stamp, body) == expected
    now = datetime.fromtimestamp(1531420618 + 60, UTC)
    verify.verify(
        secret, {"x-slack-request-timestamp": stamp, "x-slack-signature": expected}, body, now
    )
    late = datetime.fromtimestamp(1531420618 + 301, UTC)
    with pytest.raises(AuthenticationError):
        verify.verify(
            secret, {"x-slack-request-timestamp": stamp, "x-slack-signature": expected}, body, late
        )


def test_escape_neutralises_slack_control_characters_and_broadcasts() -> None:
    text = render.escape("<!channel> <@U1> <https://evil.example.test|click> @here & more")
    assert "<" not in text and ">" not in text
    assert "&lt;!channel&gt;" in text and "&amp; more" in text
    assert "@here" not in text


def test_rendered_buttons_carry_action_and_value() -> None:
    blocks = render.blocks(
        Message(text="x", buttons=(Button("Resolve", "resolve", "incident:3", "danger"),))
    )
    [button] = blocks[-1]["elements"]
    assert button["action_id"] == "opsroom_resolve"
    assert (button["value"], button["style"]) == ("incident:3", "danger")


def test_answer_keeps_mistakes_private_and_successes_public() -> None:
    event = CommandInvoked(Person("slack", "U1"), "C1", "/inc ack")
    ok = inbound.answer([InboundOutcome(reply=plain("done"), public=True, event=event)])
    assert isinstance(ok.reply.body, dict) and ok.reply.body["response_type"] == "in_channel"
    bad = inbound.answer([InboundOutcome(reply=plain("no"), ok=False, event=event)])
    assert isinstance(bad.reply.body, dict) and bad.reply.body["response_type"] == "ephemeral"
