"""The same scripted incident on every chat platform (see scripted.py)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from opsroom.bootstrap import Container
from tests.integration.chat.builtin_driver import BuiltinDriver
from tests.integration.chat.discord_driver import DiscordDriver
from tests.integration.chat.matrix_driver import MatrixDriver
from tests.integration.chat.mattermost_driver import MattermostDriver
from tests.integration.chat.scripted import run_scripted_incident
from tests.integration.chat.slack_driver import SlackDriver
from tests.integration.chat.teams_driver import TeamsDriver


def test_scripted_incident_on_the_builtin_chat(
    client: TestClient, container: Container, hook: Any
) -> None:
    run_scripted_incident(BuiltinDriver(client, container), container, client, hook())


def test_scripted_incident_on_slack(
    slack_driver: SlackDriver, slack_client: TestClient, slack_container: Container, hook: Any
) -> None:
    timeline = run_scripted_incident(slack_driver, slack_container, slack_client, hook())
    assert "Room #inc-1-checkout-latency-is-above-2s archived on slack" in [
        entry["text"] for entry in timeline
    ]


def test_scripted_incident_on_matrix_with_a_real_synapse(
    matrix_driver: MatrixDriver, matrix_client: TestClient, matrix_container: Container, hook: Any
) -> None:
    timeline = run_scripted_incident(matrix_driver, matrix_container, matrix_client, hook())
    room = matrix_driver.room_of(1)
    assert any("archived on matrix" in entry["text"] for entry in timeline)
    # Read-only: the homeserver itself refuses a normal member's message now.
    refused = matrix_driver.send(room, "one more thing", user="bob")
    assert refused.status_code == 403, refused.text
    assert refused.json()["errcode"] == "M_FORBIDDEN"
    assert matrix_driver.topic(room).startswith("[closed] INC-1 SEV3 resolved")


def test_scripted_incident_on_mattermost(
    mattermost_driver: MattermostDriver,
    mattermost_client: TestClient,
    mattermost_container: Container,
    hook: Any,
) -> None:
    timeline = run_scripted_incident(
        mattermost_driver, mattermost_container, mattermost_client, hook()
    )
    assert any("archived on mattermost" in entry["text"] for entry in timeline)


def test_scripted_incident_on_discord(
    discord_driver: DiscordDriver,
    discord_client: TestClient,
    discord_container: Container,
    hook: Any,
) -> None:
    timeline = run_scripted_incident(discord_driver, discord_container, discord_client, hook())
    assert "Room #inc-1-checkout-latency-is-above-2s archived on discord" in [
        entry["text"] for entry in timeline
    ]


def test_scripted_incident_on_teams(
    teams_driver: TeamsDriver, teams_client: TestClient, teams_container: Container, hook: Any
) -> None:
    timeline = run_scripted_incident(teams_driver, teams_container, teams_client, hook())
    assert "Room #inc-1-checkout-latency-is-above-2s archived on teams" in [
        entry["text"] for entry in timeline
    ]
