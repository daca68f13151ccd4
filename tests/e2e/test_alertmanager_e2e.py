"""A real Prometheus alert, through a real Alertmanager, becomes an incident worked in chat."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.opsroom_process import run_opsroom
from tests.e2e.peers import (
    ALERTMANAGER_BINARY,
    ALWAYS_FIRING_CRITICAL_RULE,
    PROMETHEUS_BINARY,
    notifications_failed,
    require_binary,
    run_alertmanager,
    run_prometheus,
)

pytestmark = pytest.mark.e2e


def eventually(check: Callable[[], Any], timeout: float = 60.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def items(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    result: list[dict[str, Any]] = response.json()["items"]
    return result


def say(client: httpx.Client, room: str, text: str) -> list[str]:
    response = client.post(f"/api/v1/rooms/{room}/messages", json={"text": text})
    assert response.status_code == 201, response.text
    return [reply["text"] for reply in response.json()["replies"]]


def test_prometheus_alert_to_resolved_incident(tmp_path: Path, database_url: str) -> None:
    require_binary(ALERTMANAGER_BINARY, "prometheus-alertmanager")
    require_binary(PROMETHEUS_BINARY, "prometheus")
    with run_opsroom(tmp_path, database_url) as opsroom:
        webhook = opsroom.cli(
            "integration", "create", "--kind", "alertmanager", "--name", "e2e", "--url-only"
        ).strip()
        assert webhook.startswith(f"{opsroom.url}/api/v1/hooks/alertmanager/")
        with (
            run_alertmanager(tmp_path, webhook) as alertmanager,
            run_prometheus(tmp_path, alertmanager.url, ALWAYS_FIRING_CRITICAL_RULE),
            opsroom.client() as client,
        ):
            [incident] = eventually(
                lambda: items(client, "/api/v1/incidents"), what="an auto-declared incident"
            )
            [alert] = items(client, "/api/v1/alerts")
            assert alert["labels"]["alertname"] == "OpsroomE2EAlwaysFiring"
            assert alert["severity"] == "critical"
            assert alert["status"] == "firing"
            assert alert["title"] == "Checkout latency is above 2s"
            assert incident["severity"] == "sev1"
            assert incident["title"] == "Checkout latency is above 2s"
            room = incident["room"]
            assert room == f"inc-{incident['number']}-checkout-latency-is-above-2s"
            alerts_room = [m["text"] for m in items(client, "/api/v1/rooms/alerts/messages")]
            assert any("[CRITICAL]" in text for text in alerts_room)

            assert any("acknowledged" in r for r in say(client, room, "/inc ack"))
            say(client, room, "checking the checkout-api pods")
            say(client, room, "/inc status identified connection pool exhausted")
            say(client, room, "/inc resolve pool size raised to 50")

            number = incident["number"]
            entries = items(client, f"/api/v1/incidents/{number}/timeline")
            kinds = [entry["kind"] for entry in entries]
            # The alert that declared the incident is on its timeline from the start.
            assert kinds == ["declare", "alert", "ack", "message", "status", "resolve", "system"]
            assert entries[1]["text"] == "Alert firing: Checkout latency is above 2s"
            assert entries[2]["actor"] == "e2e-responder"
            assert entries[4]["text"] == (
                "Status investigating -> identified: connection pool exhausted"
            )
            rooms = {r["name"]: r for r in items(client, "/api/v1/rooms")}
            assert rooms[room]["archived"] is True
            refused = client.post(f"/api/v1/rooms/{room}/messages", json={"text": "hello?"})
            assert refused.status_code == 409
            found = items(client, "/api/v1/search", q="connection POOL")
            assert [hit["number"] for hit in found] == [number]
            assert notifications_failed(alertmanager.url) == 0
