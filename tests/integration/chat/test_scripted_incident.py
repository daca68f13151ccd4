"""The same scripted incident on every chat platform (see scripted.py)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from opsroom.bootstrap import Container
from tests.integration.chat.builtin_driver import BuiltinDriver
from tests.integration.chat.discord_driver import DiscordDriver
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
