"""A real Alertmanager's PagerDuty and Opsgenie notifiers, pointed at opsroom, open and
resolve alerts there without a single failed notification."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.opsroom_process import run_opsroom
from tests.e2e.peers import (
    ALERTMANAGER_BINARY,
    notifications_failed,
    notifications_total,
    require_binary,
    run_alertmanager,
)
from tests.e2e.test_alertmanager_e2e import eventually, items

pytestmark = pytest.mark.e2e

ALERT = {
    "labels": {"alertname": "OpsroomVendorE2E", "service": "checkout-api", "severity": "critical"},
    "annotations": {"summary": "Checkout latency is above 2s"},
}


def post_alert(alertmanager_url: str, *, resolved: bool) -> None:
    now = datetime.now(UTC)
    alert: dict[str, Any] = {**ALERT, "startsAt": (now - timedelta(minutes=1)).isoformat()}
    if resolved:
        alert["endsAt"] = (now - timedelta(seconds=1)).isoformat()
    response = httpx.post(f"{alertmanager_url}/api/v2/alerts", json=[alert], timeout=5)
    assert response.status_code == 200, response.text


def by_source(client: httpx.Client) -> dict[str, dict[str, Any]]:
    return {
        ("pagerduty" if "dedup_key" in alert["labels"] else "opsgenie"): alert
        for alert in items(client, "/api/v1/alerts")
    }


def test_alertmanager_pagerduty_and_opsgenie_notifiers_open_and_resolve(
    tmp_path: Path, database_url: str
) -> None:
    require_binary(ALERTMANAGER_BINARY, "prometheus-alertmanager")
    with run_opsroom(tmp_path, database_url) as opsroom:
        create = ("integration", "create", "--url-only", "--kind")
        pagerduty = opsroom.cli(*create, "pagerduty", "--name", "am-pagerduty").strip()
        opsgenie = opsroom.cli(*create, "opsgenie", "--name", "am-opsgenie").strip()
        receiver = {
            "pagerduty_configs": [
                {
                    "routing_key": "opsroom",
                    "url": pagerduty,
                    "severity": "critical",
                    "send_resolved": True,
                }
            ],
            "opsgenie_configs": [
                {
                    "api_key": "opsroom",
                    "api_url": f"{opsgenie}/",
                    "priority": "P1",
                    "send_resolved": True,
                }
            ],
        }
        with (
            run_alertmanager(tmp_path, "", receiver=receiver) as alertmanager,
            opsroom.client() as client,
        ):
            post_alert(alertmanager.url, resolved=False)
            firing = eventually(
                lambda: len(items(client, "/api/v1/alerts")) == 2 and by_source(client),
                what="an alert from each notifier",
            )
            for alert in firing.values():
                assert alert["status"] == "firing"
                assert alert["severity"] == "critical"
            assert firing["pagerduty"]["title"].startswith("[FIRING:1] OpsroomVendorE2E")
            assert firing["opsgenie"]["labels"]["alertname"] == "OpsroomVendorE2E"

            post_alert(alertmanager.url, resolved=True)
            resolved = eventually(
                lambda: (
                    all(a["status"] == "resolved" for a in items(client, "/api/v1/alerts"))
                    and by_source(client)
                ),
                what="both alerts resolved",
            )
            assert resolved["pagerduty"]["title"] == firing["pagerduty"]["title"]
            for integration in ("pagerduty", "opsgenie"):
                assert notifications_total(alertmanager.url, integration) >= 2
                assert notifications_failed(alertmanager.url, integration) == 0
