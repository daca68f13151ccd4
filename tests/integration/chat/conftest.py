"""Fixtures for chat platform tests: the Slack contract server, a real Synapse for Matrix,
and an opsroom set up for each."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from opsroom.api.app import create_app
from opsroom.bootstrap import Container, bootstrap, ensure_channels
from opsroom.config import Settings, load_settings
from tests.contract.discord_api import ALERTS_ID, APP_ID, GUILD_ID, INCIDENTS_ID
from tests.contract.discord_server import BOT_TOKEN as DISCORD_BOT_TOKEN
from tests.contract.discord_server import DiscordContractServer, running_discord
from tests.contract.mattermost_api import TEAM_ID
from tests.contract.mattermost_server import (
    BOT_TOKEN as MATTERMOST_TOKEN,
)
from tests.contract.mattermost_server import (
    MattermostContractServer,
    running_mattermost,
)
from tests.contract.slack_server import BOT_TOKEN, SlackContractServer, running_slack
from tests.contract.teams_api import ALERTS as TEAMS_ALERTS
from tests.contract.teams_api import APP_ID as TEAMS_APP_ID
from tests.contract.teams_api import APP_PASSWORD, TENANT_ID
from tests.contract.teams_api import INCIDENTS as TEAMS_INCIDENTS
from tests.contract.teams_api import TEAM_ID as TEAMS_TEAM_ID
from tests.contract.teams_server import TeamsContractServer, running_teams
from tests.e2e.synapse import AS_TOKEN, BOT, HS_TOKEN, Synapse, running_synapse
from tests.integration.chat.discord_driver import PUBLIC_KEY, DiscordDriver
from tests.integration.chat.matrix_driver import AppserviceForwarder, MatrixDriver
from tests.integration.chat.mattermost_driver import ACTION_SECRET, COMMAND_TOKEN, MattermostDriver
from tests.integration.chat.slack_driver import SIGNING_SECRET, SlackDriver
from tests.integration.chat.teams_driver import WEBHOOK_SECRET, TeamsDriver


@pytest.fixture
def slack() -> Iterator[SlackContractServer]:
    with running_slack() as server:
        yield server


@pytest.fixture
def slack_settings(database_url: str, tmp_path: Path, slack: SlackContractServer) -> Settings:
    return load_settings(
        Path(os.devnull),
        var_dir=str(tmp_path / "var"),
        database={"url": database_url},
        server={"secret_key": "test-secret-key-not-used-anywhere-else"},
        chat={
            "slack": {
                "bot_token": BOT_TOKEN,
                "signing_secret": SIGNING_SECRET,
                "api_url": f"{slack.url}/api/",
                "alerts_channel": "C0ALERTS",
                "incidents_channel": "C0INCIDENTS",
                "timeout": 2,
            }
        },
    )


@pytest.fixture
def slack_container(slack_settings: Settings) -> Iterator[Container]:
    built = bootstrap(slack_settings)
    yield built
    built.close()


@pytest.fixture
def slack_client(slack_container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(slack_container, run_worker=False)) as test_client:
        yield test_client


@pytest.fixture
def slack_driver(
    slack_client: TestClient, slack_container: Container, slack: SlackContractServer
) -> SlackDriver:
    return SlackDriver(slack_client, slack_container, slack)


@pytest.fixture(scope="session")
def appservice_forwarder() -> Iterator[AppserviceForwarder]:
    forwarder = AppserviceForwarder()
    yield forwarder
    forwarder.close()


@pytest.fixture(scope="session")
def synapse(
    tmp_path_factory: pytest.TempPathFactory, appservice_forwarder: AppserviceForwarder
) -> Iterator[Synapse]:
    """One real homeserver for the session (it starts in a few seconds)."""
    work = tmp_path_factory.mktemp("synapse")
    with running_synapse(work, f"{appservice_forwarder.url}/api/v1/chat/matrix") as server:
        yield server


def public_room(synapse: Synapse, creator: str, name: str, members: tuple[str, ...]) -> str:
    """A shared room (like #alerts) created by a person, with people in it."""
    response = synapse.client(synapse.register(creator)).post(
        "/createRoom", json={"name": name, "preset": "public_chat"}
    )
    assert response.status_code == 200, response.text
    room_id = str(response.json()["room_id"])
    for member in members:
        joined = synapse.client(synapse.register(member)).post(f"/join/{room_id}")
        assert joined.status_code == 200, joined.text
    return room_id


@pytest.fixture
def matrix_rooms(synapse: Synapse) -> tuple[str, str]:
    return (
        public_room(synapse, "alice", "alerts", ("bob",)),
        public_room(synapse, "alice", "incidents", ("bob",)),
    )


@pytest.fixture
def matrix_settings(
    database_url: str, tmp_path: Path, synapse: Synapse, matrix_rooms: tuple[str, str]
) -> Settings:
    alerts, incidents = matrix_rooms
    return load_settings(
        Path(os.devnull),
        var_dir=str(tmp_path / "var"),
        database={"url": database_url},
        server={"secret_key": "test-secret-key-not-used-anywhere-else"},
        chat={
            "matrix": {
                "homeserver_url": synapse.url,
                "user_id": BOT,
                "as_token": AS_TOKEN,
                "hs_token": HS_TOKEN,
                "alerts_room": alerts,
                "incidents_room": incidents,
                # Each test's rooms get aliases of their own on the shared homeserver.
                "alias_prefix": f"t{uuid.uuid4().hex[:8]}-",
                "timeout": 10,
            }
        },
    )


@pytest.fixture
def matrix_container(matrix_settings: Settings) -> Iterator[Container]:
    built = bootstrap(matrix_settings)
    yield built
    built.close()


@pytest.fixture
def matrix_client(
    matrix_container: Container, appservice_forwarder: AppserviceForwarder
) -> Iterator[TestClient]:
    with (
        TestClient(create_app(matrix_container, run_worker=False)) as test_client,
        appservice_forwarder.serving(test_client),
    ):
        yield test_client


@pytest.fixture
def matrix_driver(
    matrix_client: TestClient,
    matrix_container: Container,
    synapse: Synapse,
    matrix_rooms: tuple[str, str],
) -> MatrixDriver:
    """The driver, once alice has invited the bot to #alerts and #incidents."""
    driver = MatrixDriver(matrix_container, synapse, *matrix_rooms)
    for room in matrix_rooms:
        driver.invite_bot(room, by="alice")
    return driver


@pytest.fixture
def mattermost() -> Iterator[MattermostContractServer]:
    with running_mattermost() as server:
        yield server


@pytest.fixture
def mattermost_settings(
    database_url: str, tmp_path: Path, mattermost: MattermostContractServer
) -> Settings:
    channels = {c.name: c.id for c in mattermost.state.channels.values()}
    return load_settings(
        Path(os.devnull),
        var_dir=str(tmp_path / "var"),
        database={"url": database_url},
        server={"secret_key": "test-secret-key-not-used-anywhere-else"},
        chat={
            "mattermost": {
                "url": mattermost.url,
                "team_id": TEAM_ID,
                "bot_token": MATTERMOST_TOKEN,
                "command_token": COMMAND_TOKEN,
                "action_secret": ACTION_SECRET,
                "actions_url": "https://opsroom.example.test/api/v1/chat/mattermost/actions",
                "alerts_channel": channels["alerts"],
                "incidents_channel": channels["incidents"],
                "poll_seconds": 0.2,
                "timeout": 2,
            }
        },
    )


@pytest.fixture
def mattermost_container(mattermost_settings: Settings) -> Iterator[Container]:
    built = bootstrap(mattermost_settings)
    yield built
    built.close()


@pytest.fixture
def mattermost_client(mattermost_container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(mattermost_container, run_worker=False)) as test_client:
        yield test_client


@pytest.fixture
def mattermost_driver(
    mattermost_client: TestClient,
    mattermost_container: Container,
    mattermost: MattermostContractServer,
) -> MattermostDriver:
    return MattermostDriver(mattermost_client, mattermost_container, mattermost)


@pytest.fixture
def discord() -> Iterator[DiscordContractServer]:
    with running_discord() as server:
        yield server


def discord_config(server: DiscordContractServer, **extra: Any) -> dict[str, Any]:
    return {
        "application_id": APP_ID,
        "public_key": PUBLIC_KEY,
        "bot_token": DISCORD_BOT_TOKEN,
        "guild_id": GUILD_ID,
        "alerts_channel": ALERTS_ID,
        "incidents_channel": INCIDENTS_ID,
        "api_url": server.api,
        "timeout": 2,
        **extra,
    }


@pytest.fixture
def discord_options() -> dict[str, Any]:
    """Overridden by tests that want other Discord settings (rooms: channel, ...)."""
    return {}


@pytest.fixture
def discord_container(
    database_url: str,
    tmp_path: Path,
    discord: DiscordContractServer,
    discord_options: dict[str, Any],
) -> Iterator[Container]:
    settings = load_settings(
        Path(os.devnull),
        var_dir=str(tmp_path / "var"),
        database={"url": database_url},
        server={"secret_key": "test-secret-key-not-used-anywhere-else"},
        chat={"discord": discord_config(discord, **discord_options)},
    )
    built = bootstrap(settings)
    ensure_channels(built)
    yield built
    built.close()


@pytest.fixture
def discord_client(discord_container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(discord_container, run_worker=False)) as test_client:
        yield test_client


@pytest.fixture
def discord_driver(
    discord_client: TestClient, discord_container: Container, discord: DiscordContractServer
) -> DiscordDriver:
    return DiscordDriver(discord_client, discord_container, discord)


@pytest.fixture
def teams() -> Iterator[TeamsContractServer]:
    with running_teams() as server:
        yield server


def teams_config(server: TeamsContractServer, **extra: Any) -> dict[str, Any]:
    return {
        "app_id": TEAMS_APP_ID,
        "app_password": APP_PASSWORD,
        "tenant_id": TENANT_ID,
        "team_id": TEAMS_TEAM_ID,
        "alerts_channel": TEAMS_ALERTS,
        "incidents_channel": TEAMS_INCIDENTS,
        "outgoing_webhook_secret": WEBHOOK_SECRET,
        "service_url": server.service_url,
        "login_url": f"{server.url}/login",
        "graph_url": f"{server.url}/graph/v1.0",
        "openid_metadata_url": f"{server.url}/openid/.well-known/openidconfiguration",
        "timeout": 2,
        **extra,
    }


@pytest.fixture
def teams_options() -> dict[str, Any]:
    """Overridden by tests that want other Teams settings (rooms: channel, ...)."""
    return {}


@pytest.fixture
def teams_container(
    database_url: str, tmp_path: Path, teams: TeamsContractServer, teams_options: dict[str, Any]
) -> Iterator[Container]:
    settings = load_settings(
        Path(os.devnull),
        var_dir=str(tmp_path / "var"),
        database={"url": database_url},
        server={"secret_key": "test-secret-key-not-used-anywhere-else"},
        chat={"teams": teams_config(teams, **teams_options)},
    )
    built = bootstrap(settings)
    ensure_channels(built)
    yield built
    built.close()


@pytest.fixture
def teams_client(teams_container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(teams_container, run_worker=False)) as test_client:
        yield test_client


@pytest.fixture
def teams_driver(
    teams_client: TestClient, teams_container: Container, teams: TeamsContractServer
) -> TeamsDriver:
    return TeamsDriver(teams_client, teams_container, teams)


@pytest.fixture
def matrix_offline(database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, Container]]:
    """opsroom with Matrix configured; outbound jobs are never run (no homeserver)."""
    settings = load_settings(
        Path(os.devnull),
        var_dir=str(tmp_path / "var"),
        database={"url": database_url},
        server={"secret_key": "test-secret-key-not-used-anywhere-else"},
        chat={
            "matrix": {
                "homeserver_url": "http://127.0.0.1:9",
                "user_id": "@opsroom:example.test",
                "as_token": "as-token-for-tests-only",
                "hs_token": "hs-token-for-tests-only",
            }
        },
    )
    container = bootstrap(settings)
    with TestClient(create_app(container, run_worker=False)) as client:
        yield client, container
    container.close()
