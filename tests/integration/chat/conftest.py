"""Fixtures for chat platform tests: the Slack contract server and an opsroom set up for it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from opsroom.api.app import create_app
from opsroom.bootstrap import Container, bootstrap
from opsroom.config import Settings, load_settings
from tests.contract.slack_server import BOT_TOKEN, SlackContractServer, running_slack
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
