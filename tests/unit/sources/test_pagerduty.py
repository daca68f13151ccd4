"""PagerDuty Events API v2 and v1 bodies, and the answers PagerDuty would give."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from opsroom.alert.model import AlertStatus, Link, fingerprint
from opsroom.errors import (
    MalformedPayloadError,
    NotFoundError,
    PayloadTooLargeError,
    UnsupportedPayloadError,
)
from opsroom.sources.base import ErrorReplyingSource, HookRequest, HookResult
from opsroom.sources.pagerduty.source import PagerDutySource

SOURCES = Path(__file__).resolve().parents[3] / "src" / "opsroom" / "sources"
ROUTING_KEY = "0123456789abcdef0123456789abcdef"
DISK_FINGERPRINT = fingerprint("pagerduty", {"dedup_key": "db3/mysql-disk"})


def fixture(relative: str) -> dict[str, Any]:
    kind, name = relative.split("/")
    loaded = json.loads((SOURCES / kind / "fixtures" / name).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def parse(body: dict[str, Any] | bytes, path: str = "") -> HookResult:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = HookRequest(
        body=raw, headers={"content-type": "application/json"}, query={"_path": path}
    )
    return PagerDutySource(new_key=lambda: "f0e1d2c3b4a5968778695a4b3c2d1e0f").parse(request)


def refusal(body: dict[str, Any] | bytes, path: str = "") -> tuple[dict[str, Any], int]:
    source = PagerDutySource()
    with pytest.raises(UnsupportedPayloadError) as caught:
        parse(body, path)
    return source.error_reply(caught.value)


def test_trigger_fixture_opens_an_alert_with_every_field() -> None:
    result = parse(fixture("pagerduty/trigger.json"))
    assert result.status_code == 202
    assert result.reply == {
        "status": "success",
        "message": "Event processed",
        "dedup_key": "db3/mysql-disk",
    }
    (alert,) = result.alerts
    assert alert.fingerprint == DISK_FINGERPRINT
    assert alert.status is AlertStatus.FIRING
    assert alert.severity == "critical"
    assert alert.title == "DISK at 99% on machine db3.example.test"
    assert alert.description == "free space: 1%\nping time: 1500ms\nload avg: 0.75"
    assert alert.group_key == "pagerduty:db3/mysql-disk"
    assert alert.labels == {
        "dedup_key": "db3/mysql-disk",
        "event_source": "db3.example.test",
        "component": "mysql",
        "group": "prod-datapipe",
        "class": "disk",
        "client": "Sample Monitoring Service",
    }
    assert alert.links == (
        Link(url="https://runbooks.example.test/mysql/disk-full", text="Runbook"),
        Link(url="https://graphs.example.test/db3", text="Disk usage of db3"),
        Link(url="https://monitoring.example.test", text="Sample Monitoring Service"),
    )
    assert alert.starts_at == datetime(2026, 11, 30, 8, 42, 58, 315000, tzinfo=UTC)
    assert alert.status_only is False
    assert "routing_key" not in alert.raw  # the integration key is a secret: never stored
    assert alert.raw["payload"]["class"] == "disk"


def test_trigger_without_dedup_key_fixture_gets_a_generated_key_that_is_returned() -> None:
    result = parse(fixture("pagerduty/trigger_without_dedup_key.json"))
    assert result.reply is not None
    assert result.reply["dedup_key"] == "f0e1d2c3b4a5968778695a4b3c2d1e0f"
    (alert,) = result.alerts
    assert alert.fingerprint == fingerprint(
        "pagerduty", {"dedup_key": "f0e1d2c3b4a5968778695a4b3c2d1e0f"}
    )
    assert alert.severity == "error"
    assert alert.title == "Nightly backup of billing failed"
    assert alert.description == ""
    assert alert.starts_at is None  # PagerDuty would stamp it on arrival; opsroom's first_seen does


def test_generated_keys_are_new_for_every_trigger() -> None:
    source = PagerDutySource()
    body = json.dumps(fixture("pagerduty/trigger_without_dedup_key.json")).encode()
    replies = [source.parse(HookRequest(body=body)).reply for _ in range(2)]
    keys = {reply["dedup_key"] for reply in replies if reply}
    assert len(keys) == 2


def test_acknowledge_fixture_only_changes_the_status_of_the_same_alert() -> None:
    result = parse(fixture("pagerduty/acknowledge.json"))
    assert result.reply == {
        "status": "success",
        "message": "Event processed",
        "dedup_key": "db3/mysql-disk",
    }
    (alert,) = result.alerts
    assert alert.fingerprint == DISK_FINGERPRINT
    assert alert.status is AlertStatus.ACKNOWLEDGED
    assert alert.status_only is True
    assert alert.group_key == "pagerduty:db3/mysql-disk"
    assert alert.title == "PagerDuty alert db3/mysql-disk"  # only if the trigger was never seen


def test_resolve_fixture_resolves_the_same_alert() -> None:
    (alert,) = parse(fixture("pagerduty/resolve.json")).alerts
    assert alert.fingerprint == DISK_FINGERPRINT
    assert alert.status is AlertStatus.RESOLVED
    assert alert.status_only is True
    assert alert.annotations == {"event_action": "resolve"}


def test_alertmanager_trigger_fixture_keeps_its_details() -> None:
    (alert,) = parse(fixture("pagerduty/alertmanager_trigger.json"), "v2/enqueue").alerts
    assert alert.status is AlertStatus.FIRING
    assert alert.severity == "critical"
    assert alert.title.startswith("[FIRING:1] CheckoutLatencyHigh")
    assert alert.description.startswith("firing: Labels:\n - alertname = CheckoutLatencyHigh")
    assert "num_firing: 1" in alert.description
    assert "\nresolved:" not in alert.description  # empty details are left out
    assert alert.labels["event_source"] == "Alertmanager"
    assert alert.links == (
        Link(
            url="http://alertmanager.example.test:9093/#/alerts?receiver=pagerduty",
            text="Alertmanager",
        ),
    )


def test_alertmanager_resolve_fixture_is_a_status_change_of_the_trigger() -> None:
    trigger = parse(fixture("pagerduty/alertmanager_trigger.json")).alerts[0]
    (alert,) = parse(fixture("pagerduty/alertmanager_resolve.json")).alerts
    assert alert.fingerprint == trigger.fingerprint
    assert alert.status is AlertStatus.RESOLVED
    assert alert.status_only is True
    assert alert.title.startswith("[RESOLVED]")  # used only when the trigger was never seen


def test_v1_trigger_fixture_is_answered_as_events_api_v1() -> None:
    result = parse(fixture("pagerduty/v1_trigger.json"), "generic/2010-04-15/create_event.json")
    assert result.status_code == 200
    assert result.reply == {
        "status": "success",
        "message": "Event processed",
        "incident_key": "srv01/HTTP",
    }
    (alert,) = result.alerts
    assert alert.fingerprint == fingerprint("pagerduty", {"dedup_key": "srv01/HTTP"})
    assert alert.status is AlertStatus.FIRING
    assert alert.severity == "error"
    assert alert.title == "FAILURE for production/HTTP on machine srv01.example.test"
    assert alert.description == "ping time: 1500ms\nload avg: 0.75"
    assert alert.links == (
        Link(url="https://monitoring.example.test/srv01/http", text="View in the monitoring tool"),
        Link(url="https://graphs.example.test/srv01/http.png", text="image"),
        Link(url="https://monitoring.example.test", text="Sample Monitoring Service"),
    )
    assert "service_key" not in alert.raw


def test_v1_acknowledge_fixture_acknowledges_the_incident_key() -> None:
    result = parse(fixture("pagerduty/v1_acknowledge.json"))
    assert result.status_code == 200
    (alert,) = result.alerts
    assert alert.fingerprint == fingerprint("pagerduty", {"dedup_key": "srv01/HTTP"})
    assert alert.status is AlertStatus.ACKNOWLEDGED
    assert alert.status_only is True


def test_v1_resolve_fixture_as_alertmanager_sends_it_resolves() -> None:
    (alert,) = parse(fixture("pagerduty/v1_resolve.json")).alerts
    assert alert.status is AlertStatus.RESOLVED
    assert alert.title == "[RESOLVED] HTTPDown (srv01.example.test)"
    assert alert.status_only is True


def test_change_event_fixture_is_refused_as_unsupported() -> None:
    reply, status = refusal(fixture("pagerduty/change_event.json"), "v2/change/enqueue")
    assert status == 400
    assert reply == {
        "status": "invalid event",
        "message": "Event object is invalid",
        "errors": ["change events are not supported: opsroom takes alert events only"],
    }


def test_change_event_sent_to_the_alert_endpoint_names_the_missing_action() -> None:
    reply, _ = refusal(fixture("pagerduty/change_event.json"))
    assert "'event_action' is missing or blank" in reply["errors"]


def test_unknown_endpoint_is_refused() -> None:
    reply, status = refusal(fixture("pagerduty/trigger.json"), "v3/enqueue")
    assert status == 400
    assert reply["errors"][0].startswith("unknown endpoint 'v3/enqueue'")


def test_v1_event_sent_to_the_v2_endpoint_is_refused() -> None:
    reply, _ = refusal(fixture("pagerduty/v1_trigger.json"), "v2/enqueue")
    assert reply["errors"] == ["a v1 event was sent to the v2 endpoint"]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"event_action": "snooze"}, "'event_action' is invalid (must be one of: "),
        ({"routing_key": ""}, "'routing_key' is missing or blank"),
        ({"payload": None}, "'payload' is missing or blank"),
        ({"payload": {"source": "db3", "severity": "critical"}}, "'payload.summary' is missing"),
        ({"payload": {"summary": "x", "source": "db3", "severity": "page"}}, "'payload.severity'"),
        ({"payload": {"summary": "x", "severity": "info"}}, "'payload.source' is missing"),
        ({"dedup_key": "k" * 256}, "'dedup_key' is invalid"),
    ],
)
def test_invalid_trigger_is_400_in_pagerduty_shape(change: dict[str, Any], error: str) -> None:
    reply, status = refusal({**fixture("pagerduty/trigger.json"), **change})
    assert status == 400
    assert reply["status"] == "invalid event"
    assert reply["message"] == "Event object is invalid"
    assert any(message.startswith(error) for message in reply["errors"]), reply["errors"]


def test_resolve_without_dedup_key_is_refused() -> None:
    reply, _ = refusal({"routing_key": ROUTING_KEY, "event_action": "resolve"})
    assert reply["errors"] == ["'dedup_key' is missing or blank (required to resolve)"]


def test_v1_trigger_without_description_is_refused() -> None:
    reply, _ = refusal({"service_key": ROUTING_KEY, "event_type": "trigger"})
    assert reply["errors"] == ["'description' is missing or blank"]


def test_body_that_is_not_an_object_is_refused() -> None:
    reply, _ = refusal(b"[1, 2]")
    assert reply["errors"] == ["the event must be a JSON object"]


def test_malformed_body_is_400_unrecognized_object() -> None:
    source = PagerDutySource()
    with pytest.raises(MalformedPayloadError) as caught:
        parse(b'{"routing_key": ')
    reply, status = source.error_reply(caught.value)
    assert status == 400
    assert reply["status"] == "Unrecognized object"
    assert reply["message"] == "Event object format is unrecognized"
    assert reply["errors"][0].startswith("body is not valid JSON")


def test_other_refusals_keep_pagerduty_shape_and_their_status() -> None:
    source = PagerDutySource()
    assert isinstance(source, ErrorReplyingSource)
    reply, status = source.error_reply(NotFoundError("no pagerduty integration has this token"))
    assert status == 404
    assert reply["errors"] == ["no pagerduty integration has this token"]
    assert source.error_reply(PayloadTooLargeError("too big"))[1] == 413
