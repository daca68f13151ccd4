"""Fixtures for chat platform tests: the Slack contract server, a real Synapse for Matrix,
and an opsroom set up for each."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from opsroom.api.app import create_app
from opsroom.bootstrap import Container, bootstrap
from opsroom.config import Settings, load_settings
from tests.contract.mattermost_api import TEAM_ID
from tests.contract.mattermost_server import (
    BOT_TOKEN as MATTERMOST_TOKEN,
)
from tests.contract.mattermost_server import (
    MattermostContractServer,
    running_mattermost,
)
from tests.contract.slack_server import BOT_TOKEN, SlackContractServer, running_slack
from tests.e2e.synapse import AS_TOKEN, BOT, HS_TOKEN, Synapse, running_synapse
from tests.integration.chat.matrix_driver import AppserviceForwarder, MatrixDriver
from tests.integration.chat.mattermost_driver import ACTION_SECRET, COMMAND_TOKEN, MattermostDriver
from tests.integration.chat.slack_driver import SIGNING_SECRET, SlackDriver


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
