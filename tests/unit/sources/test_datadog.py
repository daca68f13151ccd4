"""Datadog webhook notifications, as the README's payload template makes them."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from opsroom.alert.model import AlertStatus, Link, NormalizedAlert, fingerprint
from opsroom.errors import MalformedPayloadError, UnsupportedPayloadError
from opsroom.sources.base import HookRequest
from opsroom.sources.datadog.source import DatadogSource

SOURCE_DIR = Path(__file__).resolve().parents[3] / "src" / "opsroom" / "sources" / "datadog"
FIXTURES = ("firing.json", "warn.json", "re_triggered.json", "resolved.json", "no_data.json")
SCOPE = "device:/dev/nvme0n1p1,host:db1.example.test"
DISK_FINGERPRINT = fingerprint(
    "datadog",
    {"alert_id": "48213577", "aggreg_key": "e4b5c2f0a9d1b37c8e6f2a0d4c9b1e57", "scope": SCOPE},
)
DISK_TITLE = "Disk usage high on db1.example.test"
DISK_TAGS = {
    "device": "/dev/nvme0n1p1",
    "env": "prod",
    "host": "db1.example.test",
    "monitor": "",
    "role": "postgres",
    "team": "databases",
}


def disk_labels(transition: str, alert_type: str) -> dict[str, str]:
    return {
        **DISK_TAGS,
        "monitor_id": "48213577",
        "scope": SCOPE,
        "priority": "P2",
        "transition": transition,
        "alert_type": alert_type,
        "metric": "system.disk.in_use",
        "org": "Example Corp",
    }


def event_link(event_id: str) -> Link:
    return Link(url=f"https://app.datadoghq.com/event/event?id={event_id}", text="Datadog event")


def fixture_text(relative: str) -> str:
    kind, name = relative.split("/")
    return (SOURCE_DIR.parent / kind / "fixtures" / name).read_text(encoding="utf-8")


def fixture_json(relative: str) -> dict[str, Any]:
    loaded = json.loads(fixture_text(relative))
    assert isinstance(loaded, dict)
    return loaded


def parse(body: bytes | dict[str, Any], content_type: str = "application/json") -> NormalizedAlert:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = HookRequest(body=raw, headers={"content-type": content_type})
    (alert,) = DatadogSource().parse(request).alerts
    return alert


def readme_template() -> str:
    readme = (SOURCE_DIR / "README.md").read_text(encoding="utf-8")
    match = re.search(
        r"replace the default payload with exactly this template:\n\n```json\n(.*?)```",
        readme,
        re.S,
    )
    assert match is not None
    return match.group(1)


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_is_exactly_what_the_readme_template_produces(name: str) -> None:
    template = readme_template()
    variables = json.loads(template)
    fixture = fixture_json(f"datadog/{name}")
    assert list(fixture) == list(variables)
    assert all(isinstance(value, str) for value in fixture.values())
    by_variable = {variables[key].removeprefix("$"): value for key, value in fixture.items()}
    rendered = re.sub(r"\$([A-Z_]+)", lambda m: json.dumps(by_variable[m.group(1)])[1:-1], template)
    assert rendered == fixture_text(f"datadog/{name}")


def test_firing_fixture_normalizes_every_field() -> None:
    alert = parse(fixture_json("datadog/firing.json"))
    assert alert.fingerprint == DISK_FINGERPRINT
    assert alert.status is AlertStatus.FIRING
    assert alert.severity == "error"  # P2
    assert alert.title == DISK_TITLE
    assert alert.description == (
        "Disk usage on db1.example.test is 93.4% (warn 80%, alert 90%).\n"
        "Runbook: https://runbooks.example.test/db/disk-full\nOwner: Jonas Whitfield\n\n"
        "@webhook-opsroom"
    )
    assert alert.group_key == "datadog-monitor:48213577"
    assert alert.labels == disk_labels("Triggered", "error")
    assert alert.annotations == {
        "alert_status": f"system.disk.in_use over {SCOPE} was > 0.9 on average during the last 5m."
    }
    assert alert.links == (
        event_link("7490241864712398016"),
        Link(
            url="https://p.datadoghq.com/snapshot/view/dd-snapshots-prod/org_1234567/"
            "2024-05-14/3f1a9c2e5b7d4f60a8e1c9b2d6f4a735.png",
            text="Graph snapshot",
        ),
    )
    assert alert.starts_at == datetime(2024, 5, 14, 9, 21, 10, tzinfo=UTC)
    assert alert.ends_at is None
    assert alert.suppressed is False
    assert alert.raw["alert_transition"] == "Triggered"


def test_warn_fixture_is_a_warning_on_the_same_alert() -> None:
    alert = parse(fixture_json("datadog/warn.json"))
    assert alert.fingerprint == DISK_FINGERPRINT
    assert alert.status is AlertStatus.FIRING
    assert alert.severity == "warning"
    assert alert.title == DISK_TITLE
    assert alert.labels == disk_labels("Warn", "warning")
    assert alert.links[0] == event_link("7490233410925873152")
    assert alert.starts_at == datetime(2024, 5, 14, 9, 12, 46, tzinfo=UTC)
    assert alert.ends_at is None


def test_re_triggered_fixture_updates_the_same_alert() -> None:
    alert = parse(fixture_json("datadog/re_triggered.json"))
    assert alert.fingerprint == DISK_FINGERPRINT
    assert alert.status is AlertStatus.FIRING
    assert alert.severity == "error"
    assert alert.title == DISK_TITLE
    assert alert.labels == disk_labels("Re-Triggered", "error")
    assert alert.links == (event_link("7490256893417201664"),)  # $SNAPSHOT empty
    assert alert.starts_at == datetime(2024, 5, 14, 9, 36, 10, tzinfo=UTC)


def test_resolved_fixture_recovers_the_alert_with_its_end_time() -> None:
    alert = parse(fixture_json("datadog/resolved.json"))
    assert alert.fingerprint == DISK_FINGERPRINT
    assert alert.status is AlertStatus.RESOLVED
    assert alert.severity == "error"  # still P2, not the "success" alert type
    assert alert.title == DISK_TITLE
    assert alert.group_key == "datadog-monitor:48213577"
    assert alert.labels == disk_labels("Recovered", "success")
    assert alert.links == (event_link("7490262110984921088"),)
    assert alert.starts_at is None
    assert alert.ends_at == datetime(2024, 5, 14, 9, 41, 21, tzinfo=UTC)


def test_no_data_fixture_is_a_warning_even_for_a_p1_monitor() -> None:
    alert = parse(fixture_json("datadog/no_data.json"))
    assert alert.fingerprint == fingerprint(
        "datadog",
        {
            "alert_id": "48213590",
            "aggreg_key": "0b7d3e91c4a25f68d1e0b9a7c3f42d18",
            "scope": "host:db2.example.test",
        },
    )
    assert alert.status is AlertStatus.FIRING
    assert alert.severity == "warning"
    assert alert.title == "Replication lag on db2.example.test"
    assert alert.description == (
        "Replica db2.example.test has reported no replication lag data for 10 minutes.\n\n"
        "@webhook-opsroom"
    )
    assert alert.group_key == "datadog-monitor:48213590"
    assert alert.labels["priority"] == "P1"
    assert alert.labels["transition"] == "No Data"
    assert alert.annotations == {}  # $ALERT_STATUS empty
    assert alert.starts_at == datetime(2024, 5, 14, 9, 49, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("priority", "alert_type", "severity"),
    [
        ("P1", "error", "critical"),
        ("P4", "error", "info"),
        ("", "error", "error"),
        ("", "info", "info"),
        ("P1", "warning", "warning"),
    ],
)
def test_severity_comes_from_priority_then_alert_type(
    priority: str, alert_type: str, severity: str
) -> None:
    body = fixture_json("datadog/firing.json") | {
        "alert_priority": priority,
        "alert_type": alert_type,
        "alert_transition": "Renotify",
    }
    alert = parse(body)
    assert alert.status is AlertStatus.FIRING
    assert alert.severity == severity


def test_groups_of_one_monitor_are_separate_alerts_in_one_group() -> None:
    db1 = parse(fixture_json("datadog/firing.json"))
    db3 = parse(
        fixture_json("datadog/firing.json")
        | {"alert_scope": "device:/dev/nvme0n1p1,host:db3.example.test", "aggreg_key": "77aa"}
    )
    assert db1.fingerprint != db3.fingerprint
    assert db1.group_key == db3.group_key


def test_title_without_event_title_falls_back_to_alert_title_then_monitor() -> None:
    body = fixture_json("datadog/firing.json") | {"event_title": ""}
    assert parse(body).title == DISK_TITLE
    assert parse(body | {"alert_title": ""}).title == "Datadog monitor 48213577"


@pytest.mark.parametrize("transition", ["Null", "", "Muted"])
def test_unknown_transition_is_refused_naming_it(transition: str) -> None:
    body = fixture_json("datadog/firing.json") | {"alert_transition": transition}
    with pytest.raises(UnsupportedPayloadError) as caught:
        parse(body)
    assert caught.value.message.startswith(
        f"unsupported datadog alert_transition {transition!r}: expected one of Triggered"
    )


def test_notification_without_alert_id_is_refused() -> None:
    body = fixture_json("datadog/firing.json") | {"alert_id": ""}
    with pytest.raises(UnsupportedPayloadError, match="alert_id is empty"):
        parse(body)


def test_default_datadog_payload_is_refused_naming_missing_field() -> None:
    default = {
        "body": "Disk usage high",
        "last_updated": "1715678470000",
        "event_type": "query_alert_monitor",
        "title": "[Triggered] Disk usage high",
        "date": "1715678470000",
        "org": {"id": "1234567", "name": "Example Corp"},
        "id": "7490241864712398016",
    }
    with pytest.raises(UnsupportedPayloadError) as caught:
        parse(default)
    assert caught.value.message == "not a datadog payload: alert_id: Field required"


def test_non_string_value_is_refused_naming_the_field() -> None:
    body = fixture_json("datadog/firing.json") | {"alert_id": 48213577}
    with pytest.raises(UnsupportedPayloadError, match=r"^not a datadog payload: alert_id: "):
        parse(body)


def test_form_encoded_body_is_refused_with_a_hint() -> None:
    with pytest.raises(UnsupportedPayloadError, match="untick 'Encode as form'"):
        parse(b"alert_id=1", content_type="application/x-www-form-urlencoded")


def test_malformed_body_is_malformed_payload() -> None:
    with pytest.raises(MalformedPayloadError, match=r"^body is not valid JSON: "):
        parse(b'{"alert_id": "48213577", "alert_transition": ')


def test_recovery_says_a_severity_only_through_its_priority() -> None:
    assert parse(fixture_json("datadog/resolved.json")).severity_known is True
    no_priority = {**fixture_json("datadog/resolved.json"), "alert_priority": ""}
    assert parse(no_priority).severity_known is False
    assert parse({**fixture_json("datadog/firing.json"), "alert_priority": ""}).severity_known
