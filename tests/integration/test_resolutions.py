"""A resolution keeps what it does not say: the stored start and, when it has none, severity."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.integration.test_stale_updates import SOURCES, fixture, only_alert

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def nagios(name: str) -> bytes:
    return (SOURCES / "nagios" / "fixtures" / name).read_bytes().strip()


def test_nagios_recovery_keeps_the_problems_start(api: Api, hook: Any) -> None:
    url = hook("nagios", "nagios")
    api.client.post(url, content=nagios("service_problem_critical.txt"), headers=FORM)
    started = only_alert(api)["starts_at"]
    assert started.startswith("2024-05-14T09:21:07")
    api.client.post(url, content=nagios("service_recovery.txt"), headers=FORM)
    alert = only_alert(api)
    assert alert["status"] == "resolved"
    assert alert["starts_at"] == started
    assert alert["ends_at"].startswith("2024-05-14T09:48:52")


def test_datadog_recovery_keeps_the_start(api: Api, hook: Any) -> None:
    url = hook("datadog", "datadog")
    api.client.post(url, json=fixture("datadog/firing.json"))
    started = only_alert(api)["starts_at"]
    api.client.post(url, json=fixture("datadog/resolved.json"))
    alert = only_alert(api)
    assert alert["status"] == "resolved"
    assert alert["starts_at"] == started is not None


def test_datadog_recovery_without_priority_keeps_the_severity(api: Api, hook: Any) -> None:
    url = hook("datadog", "datadog")
    api.client.post(url, json=fixture("datadog/firing.json", alert_priority=""))
    assert only_alert(api)["severity"] == "error"
    api.client.post(url, json=fixture("datadog/resolved.json", alert_priority=""))
    assert only_alert(api)["severity"] == "error"


def test_site24x7_up_keeps_the_start_and_the_severity(api: Api, hook: Any) -> None:
    url = hook("site24x7", "site24x7")
    api.client.post(url, json=fixture("site24x7/down.json"))
    api.client.post(url, json=fixture("site24x7/up.json"))
    alert = only_alert(api)
    assert alert["status"] == "resolved"
    assert alert["severity"] == "critical"
    assert alert["starts_at"].startswith("2024-05-14T09:21:10")
    assert alert["ends_at"].startswith("2024-05-14T09:48:01")
    assert alert["title"] == "Checkout page is up"


def test_site24x7_up_never_seen_is_stored_resolved_and_pages_nobody(api: Api, hook: Any) -> None:
    api.client.post(hook("site24x7", "site24x7"), json=fixture("site24x7/up.json"))
    alert = only_alert(api)
    assert alert["status"] == "resolved"
    assert alert["starts_at"] is None
    api.run_jobs()
    assert api.get("/api/v1/incidents").json()["items"] == []
    assert [g["status"] for g in api.get("/api/v1/alert-groups").json()["items"]] == ["resolved"]


def test_generic_resolution_without_severity_keeps_it(api: Api, hook: Any) -> None:
    url = hook("generic", "scripts")
    firing = {"title": "Disk full", "dedup_key": "disk-db1", "severity": "critical"}
    api.client.post(url, json={**firing, "starts_at": "2026-12-01T10:00:00Z"})
    api.client.post(url, json={"title": "Disk full", "dedup_key": "disk-db1", "status": "resolved"})
    alert = only_alert(api)
    assert alert["status"] == "resolved"
    assert alert["severity"] == "critical"
    assert alert["starts_at"].startswith("2026-12-01T10:00:00")
