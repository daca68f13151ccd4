"""Socket Mode: slack_sdk's SocketModeClient connects (apps.connections.open with the app
token, then the WebSocket) and envelopes run exactly like their HTTP twins."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from opsroom.api.app import create_app
from opsroom.bootstrap import bootstrap
from opsroom.config import load_settings
from tests.contract.slack_server import APP_TOKEN, BOT_TOKEN, SlackContractServer
from tests.contract.slack_socket import SocketModeEndpoint, running_socket_mode


@pytest.fixture
def endpoint(slack: SlackContractServer) -> Iterator[SocketModeEndpoint]:
    with running_socket_mode() as socket_endpoint:
        slack.socket_url = socket_endpoint.url
        yield socket_endpoint


def test_socket_mode_runs_commands_and_events_like_http(
    database_url: str, tmp_path: Path, slack: SlackContractServer, endpoint: SocketModeEndpoint
) -> None:
    settings = load_settings(
        Path(os.devnull),
        var_dir=str(tmp_path / "var"),
        database={"url": database_url},
        server={"secret_key": "test-secret-key-not-used-anywhere-else"},
        chat={
            "slack": {
                "bot_token": BOT_TOKEN,
                "app_token": APP_TOKEN,
                "socket_mode": True,
                "api_url": f"{slack.url}/api/",
                "alerts_channel": "C0ALERTS",
                "incidents_channel": "C0INCIDENTS",
            }
        },
    )
    container = bootstrap(settings)
    try:
        with TestClient(create_app(container, run_worker=False)):
            assert endpoint.connected.wait(10)
            assert [c.method for c in slack.calls][:1] == ["apps.connections.open"]
            command = {
                "user_id": "U0ALICE",
                "user_name": "alice",
                "channel_id": "C0INCIDENTS",
                "command": "/inc",
                "text": "declare sev2 Search is down",
                "response_url": f"{slack.url}/response/1",
                "trigger_id": "",
            }
            ack = endpoint.send("env-1", "slash_commands", command)
            assert ack["envelope_id"] == "env-1"
            assert ack["payload"]["text"].startswith("Declared INC-1: Search is down")
            assert ack["payload"]["response_type"] == "in_channel"
            container.worker().drain()
            with container.uow() as uow:
                row = uow.chat.room_on(1, "slack")
                assert row is not None and row.room_id
                room = row.room_id
            event = {
                "type": "event_callback",
                "event_id": "EvSOCKET1",
                "event": {"type": "message", "channel": room, "user": "U0ALICE", "text": "on it"},
            }
            assert endpoint.send("env-2", "events_api", event)["envelope_id"] == "env-2"
            with container.uow() as uow:
                texts = [e.text for e in uow.incidents.timeline(1) if e.kind == "message"]
            assert texts == ["on it"]
    finally:
        container.close()
