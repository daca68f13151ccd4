"""PagerDuty Events API and Opsgenie Alert API senders over the real hooks route: answered in
the vendors' shapes, one alert from trigger to resolve, and nothing stored when refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import Api

SOURCES = Path(__file__).resolve().parents[2] / "src" / "opsroom" / "sources"


def fixture(kind: str, name: str) -> dict[str, Any]:
    loaded = json.loads((SOURCES / kind / "fixtures" / name).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def alerts(api: Api) -> list[dict[str, Any]]:
    response = api.get("/api/v1/alerts")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def groups(api: Api) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.get("/api/v1/alert-groups").json()["items"]
    return items


# --- PagerDuty -------------------------------------------------------------------------------


def test_pagerduty_trigger_acknowledge_resolve_is_one_alert_that_ends_resolved(
    api: Api, hook: Any
) -> None:
    url = hook("pagerduty", "events") + "/v2/enqueue"
    response = api.client.post(url, json=fixture("pagerduty", "trigger.json"))
    assert response.status_code == 202
    assert response.json() == {
        "status": "success",
        "message": "Event processed",
        "dedup_key": "db3/mysql-disk",
    }
    assert api.client.post(url, json=fixture("pagerduty", "acknowledge.json")).status_code == 202
    [alert] = alerts(api)
    assert alert["status"] == "acknowledged"
    assert alert["title"] == "DISK at 99% on machine db3.example.test"  # kept from the trigger
    assert alert["labels"]["component"] == "mysql"
    assert api.client.post(url, json=fixture("pagerduty", "resolve.json")).status_code == 202
    [alert] = alerts(api)
    assert alert["status"] == "resolved"
    assert alert["title"] == "DISK at 99% on machine db3.example.test"
    assert alert["severity"] == "critical"
    assert alert["ends_at"] is not None
    assert [group["status"] for group in groups(api)] == ["resolved"]
    assert "routing_key" not in json.dumps(alert)


def test_pagerduty_acknowledge_after_resolve_changes_nothing(api: Api, hook: Any) -> None:
    url = hook("pagerduty", "events")
    for name in ("trigger.json", "resolve.json", "acknowledge.json"):
        assert api.client.post(url, json=fixture("pagerduty", name)).status_code == 202
    [alert] = alerts(api)
    assert alert["status"] == "resolved"


def test_pagerduty_generated_dedup_key_resolves_the_trigger(api: Api, hook: Any) -> None:
    url = hook("pagerduty", "events")
    reply = api.client.post(url, json=fixture("pagerduty", "trigger_without_dedup_key.json"))
    key = reply.json()["dedup_key"]
    assert len(key) == 32
    resolve = {"routing_key": "opsroom", "event_action": "resolve", "dedup_key": key}
    assert api.client.post(url, json=resolve).status_code == 202
    [alert] = alerts(api)
    assert alert["status"] == "resolved"
    assert alert["title"] == "Nightly backup of billing failed"


def test_pagerduty_v1_event_is_answered_200_with_incident_key(api: Api, hook: Any) -> None:
    url = hook("pagerduty", "events") + "/generic/2010-04-15/create_event.json"
    response = api.client.post(url, json=fixture("pagerduty", "v1_trigger.json"))
    assert response.status_code == 200
    assert response.json()["incident_key"] == "srv01/HTTP"
    assert api.client.post(url, json=fixture("pagerduty", "v1_resolve.json")).status_code == 200
    [alert] = alerts(api)
    assert alert["status"] == "resolved"
    assert alert["title"] == "FAILURE for production/HTTP on machine srv01.example.test"


def test_pagerduty_invalid_event_is_400_in_pagerduty_shape_and_stores_nothing(
    api: Api, hook: Any
) -> None:
    event = fixture("pagerduty", "trigger.json")
    del event["payload"]["summary"]
    response = api.client.post(hook("pagerduty", "events"), json=event)
    assert response.status_code == 400
    assert response.json() == {
        "status": "invalid event",
        "message": "Event object is invalid",
        "errors": ["'payload.summary' is missing or blank"],
    }
    assert alerts(api) == []


def test_pagerduty_malformed_json_is_400_unrecognized_and_stores_nothing(
    api: Api, hook: Any
) -> None:
    response = api.client.post(
        hook("pagerduty", "events"),
        content=b'{"routing_key": ',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["status"] == "Unrecognized object"
    assert alerts(api) == []


def test_pagerduty_unknown_token_is_404_in_pagerduty_shape(api: Api, hook: Any) -> None:
    hook("pagerduty", "events")
    response = api.client.post("/api/v1/hooks/pagerduty/not-a-token/v2/enqueue", json={})
    assert response.status_code == 404
    assert response.json()["errors"] == ["no pagerduty integration has this token"]


# --- Opsgenie --------------------------------------------------------------------------------


def test_opsgenie_create_then_close_is_one_alert_that_ends_resolved(api: Api, hook: Any) -> None:
    base = hook("opsgenie", "opsgenie-compat")
    created = api.client.post(
        f"{base}/v2/alerts",
        json=fixture("opsgenie", "create_alertmanager.json"),
        headers={"Authorization": "GenieKey opsroom"},
    )
    assert created.status_code == 202
    assert created.json()["result"] == "Request will be processed"
    assert set(created.json()) == {"result", "took", "requestId"}
    [alert] = alerts(api)
    assert alert["status"] == "firing"
    assert alert["severity"] == "error"
    alias = fixture("opsgenie", "create_alertmanager.json")["alias"]
    closed = api.client.post(
        f"{base}/v2/alerts/{alias}/close",
        params={"identifierType": "alias"},
        json=fixture("opsgenie", "close_alertmanager.json"),
    )
    assert closed.status_code == 202
    [alert] = alerts(api)
    assert alert["status"] == "resolved"
    assert alert["title"] == "[FIRING:1] CheckoutLatencyHigh (checkout-api critical)"
    assert alert["labels"]["alertname"] == "CheckoutLatencyHigh"
    assert [group["status"] for group in groups(api)] == ["resolved"]


def test_opsgenie_acknowledge_by_an_escaped_alias(api: Api, hook: Any) -> None:
    base = hook("opsgenie", "opsgenie-compat")
    create = {"message": "Disk full on db3.example.test", "alias": "db3/disk", "priority": "P1"}
    assert api.client.post(f"{base}/v2/alerts", json=create).status_code == 202
    response = api.client.post(
        f"{base}/v2/alerts/db3%2Fdisk/acknowledge?identifierType=alias",
        json=fixture("opsgenie", "acknowledge.json"),
    )
    assert response.status_code == 202, response.text
    [alert] = alerts(api)
    assert alert["status"] == "acknowledged"
    assert alert["annotations"]["acknowledged_by"] == "Monitoring Script"
    assert alert["severity"] == "critical"


def test_opsgenie_create_without_message_is_422_in_opsgenie_shape_and_stores_nothing(
    api: Api, hook: Any
) -> None:
    response = api.client.post(
        hook("opsgenie", "opsgenie-compat") + "/v2/alerts", json={"description": "no message"}
    )
    assert response.status_code == 422
    reply = response.json()
    assert reply["message"] == "Request body is not processable. Please check the errors."
    assert reply["errors"] == {"message": "Field required"}
    assert alerts(api) == []


def test_opsgenie_malformed_json_is_400_and_stores_nothing(api: Api, hook: Any) -> None:
    response = api.client.post(
        hook("opsgenie", "opsgenie-compat") + "/v2/alerts",
        content=b'{"message": ',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith("body is not valid JSON")
    assert alerts(api) == []


def test_opsgenie_closes_with_equal_bodies_for_two_aliases_both_apply(api: Api, hook: Any) -> None:
    base = hook("opsgenie", "opsgenie-compat")
    for alias in ("group-a", "group-b"):
        create = {"message": f"Alert {alias}", "alias": alias}
        assert api.client.post(f"{base}/v2/alerts", json=create).status_code == 202
    close = fixture("opsgenie", "close_alertmanager.json")
    for alias in ("group-a", "group-b"):  # the same body, 0 s apart: not a duplicate delivery
        response = api.client.post(
            f"{base}/v2/alerts/{alias}/close", params={"identifierType": "alias"}, json=close
        )
        assert response.status_code == 202
    assert [alert["status"] for alert in alerts(api)] == ["resolved", "resolved"]
