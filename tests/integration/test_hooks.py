"""Inbound hooks: stored before 202, deduplicated, grouped; bad input is refused whole."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from opsroom.clock import FakeClock
from tests.conftest import Api
from tests.integration.payloads import alertmanager, resolved


def alerts(api: Api, **params: Any) -> list[dict[str, Any]]:
    response = api.get("/api/v1/alerts", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def groups(api: Api) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.get("/api/v1/alert-groups").json()["items"]
    return items


def test_alertmanager_alert_is_stored_and_normalized(api: Api, hook: Any) -> None:
    response = api.client.post(hook(), json=alertmanager())
    assert response.status_code == 202
    assert response.json()["created"] == 1
    [alert] = alerts(api)
    assert alert["fingerprint"] == "a1b2c3d4e5f60718"
    assert alert["status"] == "firing"
    assert alert["severity"] == "critical"
    assert alert["title"] == "Checkout latency is above 2s"
    assert alert["description"] == "p99 latency of checkout-api is 2.4s"
    assert alert["labels"]["instance"] == "checkout-api.example.test:9100"
    assert alert["starts_at"].startswith("2026-12-01T10:00:00")
    assert alert["ends_at"] is None
    assert {
        "url": "http://prometheus.example.test:9090/graph?g0.expr=latency",
        "text": "Prometheus",
    } in alert["links"]


def test_repeated_firing_group_bumps_count_not_alerts(api: Api, hook: Any) -> None:
    clock = FakeClock(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    api.container.ctx.clock = clock
    url = hook()
    for _ in range(3):
        assert api.client.post(url, json=alertmanager()).status_code == 202
        clock.advance(timedelta(hours=4))  # Alertmanager's repeat_interval
    [alert] = alerts(api)
    assert alert["occurrences"] == 3
    assert alert["last_seen"] >= alert["first_seen"]
    assert len(groups(api)) == 1
    metrics = api.client.get("/metrics").text
    assert 'opsroom_alerts_deduplicated_total{source="alertmanager"} 2.0' in metrics
    assert 'opsroom_alerts_received_total{source="alertmanager"} 3.0' in metrics


def test_resolved_closes_alert_and_group(api: Api, hook: Any) -> None:
    url = hook()
    firing = alertmanager()
    api.client.post(url, json=firing)
    assert api.client.post(url, json=resolved(firing)).status_code == 202
    [alert] = alerts(api)
    assert alert["status"] == "resolved"
    assert alert["ends_at"].startswith("2026-12-01T10:20:00")
    [group] = groups(api)
    assert group["status"] == "resolved"
    assert group["resolved_at"] is not None


def test_group_stays_open_until_all_its_alerts_resolve(api: Api, hook: Any) -> None:
    url = hook()
    second = dict(
        alertmanager()["alerts"][0],
        fingerprint="ffff000011112222",
        labels={"alertname": "CheckoutLatencyHigh", "instance": "b.example.test"},
    )
    both = alertmanager(extra_alerts=[second])
    api.client.post(url, json=both)
    only_first_resolved = alertmanager(status="resolved")
    api.client.post(url, json=only_first_resolved)
    [group] = groups(api)
    assert group["status"] == "firing"
    assert group["alert_count"] == 2
    api.client.post(url, json=resolved(both))
    assert groups(api)[0]["status"] == "resolved"


def test_alerts_with_same_group_key_share_a_group(api: Api, hook: Any) -> None:
    url = hook()
    api.client.post(url, json=alertmanager(fingerprint="0000000000000001"))
    api.client.post(url, json=alertmanager(fingerprint="0000000000000002"))
    api.client.post(url, json=alertmanager(alertname="DiskFull", fingerprint="03"))
    assert sorted(g["alert_count"] for g in groups(api)) == [1, 2]


def test_refiring_after_resolution_opens_a_new_group(api: Api, hook: Any) -> None:
    url = hook()
    firing = alertmanager()
    api.client.post(url, json=firing)
    api.client.post(url, json=resolved(firing))
    api.client.post(url, json=alertmanager(starts_at="2026-12-01T11:00:00Z"))
    statuses = [g["status"] for g in groups(api)]
    assert statuses == ["firing", "resolved"]
    assert alerts(api)[0]["status"] == "firing"


def test_resolved_alert_never_seen_is_stored_without_announcement(api: Api, hook: Any) -> None:
    api.client.post(hook(), json=resolved(alertmanager()))
    [alert] = alerts(api)
    assert alert["status"] == "resolved"
    api.run_jobs()
    assert all("CheckoutLatency" not in text for text in api.messages("alerts"))
    assert api.get("/api/v1/incidents").json()["items"] == []


def test_malformed_json_is_400_and_stores_nothing(api: Api, hook: Any) -> None:
    response = api.client.post(
        hook(),
        content=b'{"version": "4", "alerts": [',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "malformed_payload"
    assert "not valid JSON" in error["message"]
    assert alerts(api) == []


def test_payload_that_is_not_alertmanager_names_the_field(api: Api, hook: Any) -> None:
    response = api.client.post(hook(), json={"title": "disk full", "state": "alerting"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "unsupported_payload"
    fields = {problem["field"] for problem in error["details"]}
    assert {"version", "groupKey", "alerts"} <= fields
    assert alerts(api) == []


def test_one_bad_alert_stores_none_of_the_batch(api: Api, hook: Any) -> None:
    payload = alertmanager()
    payload["alerts"].append({"status": "exploded", "labels": {}})
    response = api.client.post(hook(), json=payload)
    assert response.status_code == 422
    assert "alerts.1.status" in response.json()["error"]["message"]
    assert alerts(api) == []


def test_body_over_one_mebibyte_is_413(api: Api, hook: Any) -> None:
    payload = alertmanager()
    payload["alerts"][0]["annotations"]["description"] = "x" * (1024 * 1024)
    response = api.client.post(
        hook(), content=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert alerts(api) == []


def test_unknown_token_is_404_with_json_error(api: Api, hook: Any) -> None:
    hook()
    response = api.client.post("/api/v1/hooks/alertmanager/not-a-real-token", json=alertmanager())
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "no alertmanager integration has this token"
    assert alerts(api) == []


def test_token_of_another_kind_is_refused(api: Api, hook: Any) -> None:
    generic_url = hook("generic", "scripts")
    token = generic_url.rsplit("/", 1)[1]
    response = api.client.post(f"/api/v1/hooks/alertmanager/{token}", json=alertmanager())
    assert response.status_code == 404


def test_unknown_kind_is_404(api: Api) -> None:
    response = api.client.post("/api/v1/hooks/carrier-pigeon/abc", json={})
    assert response.status_code == 404
    assert "carrier-pigeon" in response.json()["error"]["message"]


def test_generic_alerts_deduplicate_by_dedup_key(api: Api, hook: Any) -> None:
    url = hook("generic", "scripts")
    body = {
        "title": "Backup job failed",
        "severity": "error",
        "dedup_key": "backup-nightly",
        "labels": {"host": "db1.example.test"},
    }
    assert api.client.post(url, json=body).status_code == 202
    changed = dict(body, description="still failing")
    assert api.client.post(url, json=changed).status_code == 202
    [alert] = alerts(api)
    assert alert["occurrences"] == 2
    assert alert["description"] == "still failing"
    assert alert["severity"] == "error"
    api.client.post(url, json={**body, "status": "resolved"})
    assert alerts(api)[0]["status"] == "resolved"
    assert groups(api)[0]["status"] == "resolved"


def test_generic_bad_severity_is_422_naming_the_field(api: Api, hook: Any) -> None:
    response = api.client.post(
        hook("generic", "scripts"), json={"title": "x", "severity": "urgent!!"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "severity"


def test_hook_needs_no_bearer_token_but_api_does(api: Api, hook: Any) -> None:
    assert api.client.post(hook(), json=alertmanager()).status_code == 202
    response = api.client.get("/api/v1/alerts")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_duplicated_delivery_changes_nothing_the_second_time(api: Api, hook: Any) -> None:
    url = hook()
    first = api.client.post(url, json=alertmanager())
    [before] = alerts(api)
    second = api.client.post(url, json=alertmanager())
    assert first.json()["status"] == "accepted"
    assert second.status_code == 202
    assert second.json()["status"] == "duplicate"
    [after] = alerts(api)
    assert after == before


def test_generic_resend_after_the_window_counts_as_a_repeat(api: Api, hook: Any) -> None:
    clock = FakeClock(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    api.container.ctx.clock = clock
    url = hook("generic", "scripts")
    body = {"title": "Disk full", "dedup_key": "disk-db1"}
    api.client.post(url, json=body)
    clock.advance(timedelta(seconds=11))
    assert api.client.post(url, json=body).json()["status"] == "accepted"
    assert alerts(api)[0]["occurrences"] == 2


def test_refire_within_the_duplicate_window_reopens_the_alert(api: Api, hook: Any) -> None:
    url = hook("generic", "scripts")
    firing = {"title": "Disk full", "dedup_key": "disk-db1", "severity": "critical"}
    assert api.client.post(url, json=firing).json()["status"] == "accepted"
    api.client.post(url, json={**firing, "status": "resolved"})
    assert alerts(api)[0]["status"] == "resolved"
    again = api.client.post(url, json=firing)  # the first body again, well within 10 s
    assert again.status_code == 202
    assert again.json()["status"] == "accepted"
    assert again.json()["updated"] == 1
    [alert] = alerts(api)
    assert alert["status"] == "firing"
    assert alert["occurrences"] == 3
    assert sorted(g["status"] for g in groups(api)) == ["firing", "resolved"]


def test_duplicate_of_the_latest_body_still_changes_nothing(api: Api, hook: Any) -> None:
    url = hook("generic", "scripts")
    firing = {"title": "Disk full", "dedup_key": "disk-db1"}
    api.client.post(url, json=firing)
    api.client.post(url, json={**firing, "status": "resolved"})
    api.client.post(url, json=firing)
    [before] = alerts(api)
    assert api.client.post(url, json=firing).json()["status"] == "duplicate"
    assert alerts(api) == [before]
