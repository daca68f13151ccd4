"""Slack's inbound requests: signature first, URL verification, events deduplicated across
retries, interactivity buttons and the declare modal, replies within Slack's rules."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from opsroom.bootstrap import Container
from tests.contract.slack_server import SlackContractServer
from tests.integration.chat.slack_driver import SlackDriver, signed_headers
from tests.integration.payloads import alertmanager


def declare(driver: SlackDriver, title: str = "Checkout is slow") -> str:
    reply = driver.command("C0INCIDENTS", f"/inc declare sev2 {title}", user="alice")
    assert reply.startswith("Declared INC-1"), reply
    driver.container.worker().drain()
    return driver.room_of(1)


def timeline_kinds(container: Container) -> list[str]:
    with container.uow() as uow:
        return [entry.kind for entry in uow.incidents.timeline(1)]


def test_unsigned_or_wrongly_signed_requests_are_refused_before_anything_else(
    slack_driver: SlackDriver,
) -> None:
    client = slack_driver.client
    body = b"not even a form"
    missing = client.post("/api/v1/chat/slack/commands", content=body)
    assert missing.status_code == 401
    assert "X-Slack-Signature" in missing.json()["error"]["message"]
    headers = signed_headers(body, "application/x-www-form-urlencoded")
    headers["X-Slack-Signature"] = "v0=" + "0" * 64
    wrong = client.post("/api/v1/chat/slack/commands", content=body, headers=headers)
    assert wrong.status_code == 401
    assert wrong.json()["error"]["message"] == "X-Slack-Signature does not match the body"
    tampered = signed_headers(b"text=help", "application/x-www-form-urlencoded")
    again = client.post("/api/v1/chat/slack/commands", content=b"text=resolve", headers=tampered)
    assert again.status_code == 401


def test_requests_older_than_five_minutes_are_refused_as_replays(
    slack_driver: SlackDriver,
) -> None:
    body = urlencode({"user_id": "U0ALICE", "channel_id": "C0ALERTS", "text": "help"}).encode()
    old = signed_headers(
        body, "application/x-www-form-urlencoded", timestamp=int(time.time()) - 301
    )
    response = slack_driver.client.post("/api/v1/chat/slack/commands", content=body, headers=old)
    assert response.status_code == 401
    assert "replay" in response.json()["error"]["message"]
    fresh = signed_headers(
        body, "application/x-www-form-urlencoded", timestamp=int(time.time()) - 200
    )
    ok = slack_driver.client.post("/api/v1/chat/slack/commands", content=body, headers=fresh)
    assert ok.status_code == 200


def test_unknown_platform_and_endpoint_are_404(slack_driver: SlackDriver) -> None:
    assert slack_driver.client.post("/api/v1/chat/irc/commands").status_code == 404
    body = b"{}"
    headers = signed_headers(body, "application/json")
    response = slack_driver.client.post("/api/v1/chat/slack/nope", content=body, headers=headers)
    assert response.status_code == 404


def test_url_verification_answers_the_challenge(slack_driver: SlackDriver) -> None:
    challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    response = slack_driver.post_event(
        {"token": "x", "challenge": challenge, "type": "url_verification"}
    )
    assert response.status_code == 200
    assert response.json() == {"challenge": challenge}


def test_malformed_signed_body_is_a_4xx_naming_the_problem(slack_driver: SlackDriver) -> None:
    body = b"{not json"
    response = slack_driver.client.post(
        "/api/v1/chat/slack/events", content=body, headers=signed_headers(body, "application/json")
    )
    assert response.status_code == 400
    assert "not JSON" in response.json()["error"]["message"]


def test_messages_in_incident_channels_are_mirrored_once_despite_retries(
    slack_driver: SlackDriver,
) -> None:
    room = declare(slack_driver)
    event = slack_driver.message_event(room, "DB failover &amp; cache flush started", "bob")
    assert slack_driver.post_event(event).status_code == 200
    retry = slack_driver.post_event(
        event, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )
    assert retry.status_code == 200
    with slack_driver.container.uow() as uow:
        messages = [e for e in uow.incidents.timeline(1) if e.kind == "message"]
    assert [m.text for m in messages] == ["DB failover & cache flush started"]
    assert messages[0].source == "slack"
    assert messages[0].actor == "u0bob"


def test_bot_messages_joins_and_other_channels_stay_off_the_timeline(
    slack_driver: SlackDriver,
) -> None:
    room = declare(slack_driver)
    slack_driver.post_event(slack_driver.message_event(room, "bot says", "alice", bot_id="B1"))
    slack_driver.post_event(
        slack_driver.message_event(room, "joined", "bob", subtype="channel_join")
    )
    slack_driver.post_event(slack_driver.message_event("C0ALERTS", "chatter", "bob"))
    assert "message" not in timeline_kinds(slack_driver.container)


def test_slash_command_replies_in_channel_and_mistakes_only_to_the_person(
    slack_driver: SlackDriver,
) -> None:
    room = declare(slack_driver)
    ack = slack_driver.slash(room, "ack", "alice").json()
    assert ack["response_type"] == "in_channel"
    assert ack["text"] == "alice acknowledged INC-1"
    wrong = slack_driver.slash(room, "sev 9", "alice").json()
    assert wrong["response_type"] == "ephemeral"
    assert "severity must be 1, 2, 3 or 4" in wrong["text"]
    outside = slack_driver.slash("C0ALERTS", "ack", "alice").json()
    assert "works only inside an incident room" in outside["text"]


def test_declaring_from_slack_invites_the_declarer_and_names_the_slack_channel(
    slack_driver: SlackDriver, slack: SlackContractServer
) -> None:
    reply = slack_driver.command(
        "C0INCIDENTS", "/inc declare Ünïcode 🔥 DB.Primary DOWN", user="alice"
    )
    assert reply == (
        "Declared INC-1: Ünïcode 🔥 DB.Primary DOWN. Its slack room is being opened; "
        "a reply names it."
    )
    slack_driver.container.worker().drain()
    [follow_up] = slack.responses
    assert follow_up["text"] == (
        "Declared INC-1: Ünïcode 🔥 DB.Primary DOWN. Room: #inc-1-unicode-db-primary-down"
    )
    channel = slack.channel_named("inc-1-unicode-db-primary-down")
    assert "U0ALICE" in channel.members
    assert channel.topic == "INC-1 SEV3 investigating: Ünïcode 🔥 DB.Primary DOWN"


def test_declare_button_opens_the_modal_and_its_submission_declares(
    slack_driver: SlackDriver, slack: SlackContractServer, hook: Any
) -> None:
    slack_driver.client.post(hook(), json=alertmanager(severity="warning"))
    slack_driver.container.worker().drain()
    [group_message] = slack.workspace.channels["C0ALERTS"].messages
    buttons = next(b for b in group_message["blocks"] if b["type"] == "actions")["elements"]
    assert [b["action_id"] for b in buttons] == ["opsroom_declare", "opsroom_ack"]
    response = slack_driver.press("C0ALERTS", "declare", "group:1", user="alice", trigger="T.1")
    assert response.status_code == 200
    [view] = slack.workspace.views
    assert view["callback_id"] == "opsroom_declare"
    assert view["blocks"][0]["element"]["initial_value"] == "Checkout latency is above 2s"
    view["state"] = {
        "values": {
            "title": {"title": {"type": "plain_text_input", "value": "Checkout down"}},
            "severity": {"severity": {"selected_option": {"value": "1"}}},
        }
    }
    submission = {
        "type": "view_submission",
        "user": {"id": "U0ALICE", "username": "alice"},
        "view": view,
    }
    answer = slack_driver.post_form("interactivity", {"payload": json.dumps(submission)})
    assert answer.status_code == 200
    assert answer.content == b""  # an empty 200 closes the modal
    slack_driver.container.worker().drain()
    assert any(
        text.startswith("Declared INC-1: Checkout down") for text in slack.messages("C0ALERTS")
    )
    with slack_driver.container.uow() as uow:
        incident = uow.incidents.by_number(1)
        assert incident is not None and incident.severity == 1
        assert [g.id for g in uow.alerts.groups_of_incident(incident.id)] == [1]


def test_modal_with_a_blank_title_shows_the_error_in_place(slack_driver: SlackDriver) -> None:
    view = {
        "callback_id": "opsroom_declare",
        "private_metadata": "{}",
        "state": {
            "values": {
                "title": {"title": {"value": "   "}},
                "severity": {"severity": {"selected_option": {"value": "2"}}},
            }
        },
    }
    submission = {"type": "view_submission", "user": {"id": "U0ALICE"}, "view": view}
    answer = slack_driver.post_form("interactivity", {"payload": json.dumps(submission)}).json()
    assert answer == {"response_action": "errors", "errors": {"title": "a title is required"}}


def test_buttons_answer_at_once_and_reply_through_response_url(
    slack_driver: SlackDriver, slack: SlackContractServer
) -> None:
    room = declare(slack_driver)
    slack.responses.clear()  # the declare reply's follow-up naming the channel
    response = slack_driver.press(room, "ack", "incident:1", user="bob")
    assert response.status_code == 200 and response.content == b""
    assert slack.responses == []  # the reply is a job, not part of the 3-second answer
    slack_driver.container.worker().drain()
    [reply] = slack.responses
    assert reply["text"] == "bob acknowledged INC-1"
    assert reply["response_type"] == "in_channel"
    slack_driver.press(room, "resolve", "incident:1", user="bob")
    slack_driver.container.worker().drain()
    assert slack.workspace.channels[room].is_archived
    assert slack.responses[-1]["text"] == "bob resolved INC-1"


def test_declare_without_a_title_opens_the_form(
    slack_driver: SlackDriver, slack: SlackContractServer
) -> None:
    response = slack_driver.slash("C0INCIDENTS", "declare", "alice", trigger="T.2")
    assert response.status_code == 200
    assert response.content == b""
    [view] = slack.workspace.views
    assert view["title"]["text"] == "Declare an incident"
    assert "initial_value" not in view["blocks"][0]["element"]
    with slack_driver.container.uow() as uow:
        assert uow.incidents.by_number(1) is None
