"""Text no database can store (NUL, lone UTF-16 surrogates) arriving from any chat platform:
a command is refused with a reply naming the problem, a message keeps its readable text, and
nothing answers 500 or fails at commit (PostgreSQL refuses NUL in text and jsonb)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from opsroom.bootstrap import Container
from tests.integration.chat.discord_driver import DiscordDriver
from tests.integration.chat.mattermost_driver import MattermostDriver
from tests.integration.chat.slack_driver import SlackDriver
from tests.integration.chat.teams_driver import TeamsDriver
from tests.integration.chat.test_matrix_inbound import incident_in_fixture_room, put

NUL, SURROGATE = "\u0000", "\ud800"


def incidents(container: Container) -> list[str]:
    with container.uow() as uow:
        rows = uow.incidents.list_incidents(statuses=None, limit=100, offset=0)
        return [row.title for row in rows]


def timeline_texts(container: Container, number: int = 1) -> list[str]:
    with container.uow() as uow:
        incident = uow.incidents.by_number(number)
        assert incident is not None
        return [entry.text for entry in uow.incidents.timeline(incident.id)]


def refused(reply: str, what: str) -> bool:
    return "not run" in reply.lower() and what in reply


def test_slack_command_and_event_with_bad_text(
    slack_driver: SlackDriver, slack_container: Container
) -> None:
    reply = slack_driver.command("C0ALERTS", f"/inc declare sev2 DB{NUL}down", user="alice")
    assert refused(reply, "NUL"), reply
    assert incidents(slack_container) == []
    slack_driver.command("C0INCIDENTS", "/inc declare sev2 DB down", user="alice")
    slack_container.worker().drain()
    room = slack_driver.room_of(1)
    event = slack_driver.message_event(room, f"rolling back{SURROGATE}now{NUL}", "bob")
    response = slack_driver.post_event(event)
    assert response.status_code == 200, response.text
    assert "rolling back\ufffdnow\ufffd" in timeline_texts(slack_container)
    assert "acknowledged INC-1" in slack_driver.command(room, "/inc ack", user="alice")


def test_slack_event_with_bad_event_id_is_a_4xx(slack_driver: SlackDriver) -> None:
    event = slack_driver.message_event("C0ALERTS", "hello", "bob")
    event["event_id"] = f"Ev{NUL}1"
    response = slack_driver.post_event(event)
    assert response.status_code == 422, response.text
    assert "NUL" in response.json()["error"]["message"]


def test_discord_option_with_a_lone_surrogate_is_refused(
    discord_driver: DiscordDriver, discord_container: Container
) -> None:
    room = discord_driver.alerts_room
    reply = discord_driver.command(room, f"/inc declare DB{SURROGATE}", user="alice")
    assert refused(reply, "surrogate"), reply
    assert incidents(discord_container) == []


def test_mattermost_command_with_nul_is_refused(
    mattermost_driver: MattermostDriver, mattermost_container: Container
) -> None:
    room = mattermost_driver.alerts_room
    reply = mattermost_driver.command(room, f"/inc declare sev2 DB{NUL}down", user="alice")
    assert refused(reply, "NUL"), reply
    assert incidents(mattermost_container) == []
    assert "Commands" in mattermost_driver.command(room, "/inc help", user="alice")


@pytest.mark.parametrize("bad", [NUL, SURROGATE])
def test_teams_activity_with_bad_text_is_refused(
    teams_driver: TeamsDriver, teams_container: Container, bad: str
) -> None:
    room = teams_driver.alerts_room
    reply = teams_driver.command(room, f"/inc declare sev2 DB{bad}down", user="alice")
    assert refused(reply, "NUL" if bad == NUL else "surrogate"), reply
    assert incidents(teams_container) == []


def test_matrix_event_body_with_nul_is_refused_and_messages_are_cleaned(
    matrix_offline: tuple[TestClient, Container],
) -> None:
    client, container = matrix_offline
    incident_in_fixture_room(container)
    event = {
        "content": {"body": f"/inc note a{NUL}b", "msgtype": "m.text"},
        "event_id": "$bad-command",
        "origin_server_ts": 1796360358688,
        "room_id": "!zQ-SsWyDnZczPt2tz0RBCd0UrSct31oalWjpu7ORoHY",
        "sender": "@alice:example.test",
        "type": "m.room.message",
    }
    said = {
        **event,
        "event_id": "$bad-message",
        "content": {"body": f"db{SURROGATE}1 is back", "msgtype": "m.text"},
    }
    response = put(client, "1", json.dumps({"events": [event, said]}).encode())
    assert response.status_code == 200, response.text
    assert "db\ufffd1 is back" in timeline_texts(container)
    with container.uow() as uow:
        kinds = [entry.kind for entry in uow.incidents.timeline(1)]
    assert "note" not in kinds
