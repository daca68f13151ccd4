"""The same alert group declared at once from several platforms through the real chat routes
(a Slack button, a Discord button and the built-in chat's command) makes one incident."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opsroom.alert.service import create_integration
from opsroom.api.app import create_app
from opsroom.bootstrap import Container, bootstrap, ensure_channels
from opsroom.config import load_settings
from tests.contract.discord_api import ALERTS_ID
from tests.contract.discord_server import DiscordContractServer
from tests.contract.slack_server import BOT_TOKEN, SlackContractServer
from tests.integration.chat.builtin_driver import BuiltinDriver
from tests.integration.chat.conftest import discord_config
from tests.integration.chat.discord_driver import DiscordDriver
from tests.integration.chat.slack_driver import SIGNING_SECRET, SlackDriver
from tests.integration.payloads import alertmanager


def hook_url(container: Container) -> str:
    with container.uow() as uow:
        _, token = create_integration(
            uow, container.ctx, kind="alertmanager", name="prod", known_kinds=set(container.sources)
        )
        uow.commit()
    return f"/api/v1/hooks/alertmanager/{token}"


@pytest.fixture
def both(
    database_url: str, tmp_path: Path, slack: SlackContractServer, discord: DiscordContractServer
) -> Iterator[tuple[Container, TestClient]]:
    slack_section = {
        "bot_token": BOT_TOKEN,
        "signing_secret": SIGNING_SECRET,
        "api_url": f"{slack.url}/api/",
        "alerts_channel": "C0ALERTS",
        "incidents_channel": "C0INCIDENTS",
        "timeout": 2,
    }
    settings = load_settings(
        Path(os.devnull),
        var_dir=str(tmp_path / "var"),
        database={"url": database_url},
        server={"secret_key": "test-secret-key-not-used-anywhere-else"},
        chat={"slack": slack_section, "discord": discord_config(discord)},
    )
    container = bootstrap(settings)
    ensure_channels(container)
    with TestClient(create_app(container, run_worker=False)) as client:
        yield container, client
    container.close()


def test_one_group_declared_at_once_from_three_platforms_makes_one_incident(
    both: tuple[Container, TestClient],
    slack: SlackContractServer,
    discord: DiscordContractServer,
) -> None:
    container, client = both
    web = BuiltinDriver(client, container)
    web.command("alerts", "/inc help", user="carol")  # known before the race
    response = client.post(hook_url(container), json=alertmanager(severity="warning"))
    assert response.status_code == 202, response.text
    container.worker().drain()
    slack_driver = SlackDriver(client, container, slack)
    discord_driver = DiscordDriver(client, container, discord)
    start = threading.Barrier(3, timeout=30)
    results: dict[str, int] = {}

    def racer(name: str, act: Callable[[], Any]) -> threading.Thread:
        def run() -> None:
            start.wait()
            results[name] = act()

        return threading.Thread(target=run)

    def from_slack() -> int:
        return int(slack_driver.press("C0ALERTS", "declare", "group:1", user="alice").status_code)

    def from_discord() -> int:
        _, response = discord_driver.press(ALERTS_ID, "declare", "group:1", user="bob")
        return int(response.status_code)

    def from_web() -> int:
        response = client.post(
            "/api/v1/rooms/alerts/messages",
            json={"text": "/inc declare group:1"},
            headers=web._headers("carol"),
        )
        return int(response.status_code)

    threads = [
        racer("slack", from_slack),
        racer("discord", from_discord),
        racer("builtin", from_web),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == {"slack": 200, "discord": 200, "builtin": 201}, results
    with container.uow() as uow:
        made = uow.incidents.list_incidents(statuses=None, limit=10, offset=0)
        group = uow.alerts.get_group(1)
        assert group is not None
        assert [incident.number for incident in made] == [1]
        assert group.incident_id == made[0].id
        assert len(uow.chat.rooms_of_incident(made[0].id)) == 3  # builtin, slack, discord
    container.worker().drain()
    replies = [r["text"] for r in slack.responses] + [
        m.get("content", "") for m in discord.guild.originals.values() if isinstance(m, dict)
    ]
    assert any("already belongs to INC-1" in text for text in replies) or any(
        "already belongs to INC-1" in m for m in web.messages("alerts")
    ), replies
