"""Site24x7 webhook with "Send Incident Parameters" and "Post as JSON" against fixtures."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from opsroom.alert.model import AlertStatus, Link, NormalizedAlert, fingerprint
from opsroom.errors import MalformedPayloadError, UnsupportedMediaTypeError, UnsupportedPayloadError
from opsroom.sources.base import HookRequest
from opsroom.sources.site24x7.source import Site24x7Source

SOURCES_DIR = Path(__file__).resolve().parents[3] / "src" / "opsroom" / "sources"
CEST = timezone(timedelta(hours=2))
URL_MONITOR = fingerprint("site24x7", {"monitor_id": "368920000001234567"})
SERVER_MONITOR = fingerprint("site24x7", {"monitor_id": "368920000007654321"})
DASHBOARD = "https://www.site24x7.com/app/client#/home/monitors/{}/Summary"
URL_LABELS = {
    "env": "prod",
    "team": "payments",
    "service": "checkout",
    "monitor": "Checkout page",
    "monitor_id": "368920000001234567",
    "monitor_type": "URL",
    "monitor_group": "Shop, Shop - Web",
}
SERVER_LABELS = {
    "env": "prod",
    "team": "databases",
    "role": "postgres",
    "monitor": "db1.example.test",
    "monitor_id": "368920000007654321",
    "monitor_type": "SERVER",
    "monitor_group": "Databases",
}
RCA = "https://www.site24x7.com/rca.do?id="


def fixture_json(relative: str) -> dict[str, Any]:
    kind, name = relative.split("/")
    loaded = json.loads((SOURCES_DIR / kind / "fixtures" / name).read_bytes())
    assert isinstance(loaded, dict)
    return loaded


def parse(body: bytes | dict[str, Any], content_type: str = "application/json") -> NormalizedAlert:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = HookRequest(body=raw, headers={"content-type": content_type})
    (alert,) = Site24x7Source().parse(request).alerts
    return alert


def url_links(rca_id: str) -> tuple[Link, ...]:
    return (
        Link(url=DASHBOARD.format("368920000001234567"), text="Site24x7 monitor"),
        Link(url=RCA + rca_id, text="Root cause analysis"),
        Link(url="https://shop.example.test/checkout", text="Monitored URL"),
    )


def test_down_fixture_is_a_critical_firing_alert() -> None:
    alert = parse(fixture_json("site24x7/down.json"))
    assert alert.fingerprint == URL_MONITOR
    assert alert.status is AlertStatus.FIRING
    assert alert.severity == "critical"
    assert alert.suppressed is False
    assert alert.title == "Checkout page is down"
    assert alert.description == "Internal Server Error"
    assert alert.group_key == "site24x7-monitor:368920000001234567"
    assert alert.labels == URL_LABELS | {"status": "DOWN"}
    assert alert.annotations == {
        "failed_locations": "Frankfurt-DE,London-UK,Amsterdam-NL",
        "incident_time": "May 14, 2024 11:21 AM CEST",
        "monitor_url": "https://shop.example.test/checkout",
    }
    assert alert.links == url_links("8c41d0e2f7a9b3c65d1e0f4a2b7c9d38e6f1a0b2c4d5e6f7")
    assert alert.starts_at == datetime(2024, 5, 14, 11, 21, 10, tzinfo=CEST)
    assert alert.ends_at is None
    assert alert.raw["MONITOR_ID"] == 368920000001234567


def test_trouble_fixture_is_a_warning_on_the_same_monitor_alert() -> None:
    alert = parse(fixture_json("site24x7/trouble.json"))
    assert alert.fingerprint == URL_MONITOR
    assert alert.status is AlertStatus.FIRING
    assert alert.severity == "warning"
    assert alert.title == "Checkout page is in trouble"
    assert alert.description == "Response time of 5120 ms exceeds the threshold of 4000 ms"
    assert alert.labels == URL_LABELS | {"status": "TROUBLE"}
    assert alert.annotations["failed_locations"] == "London-UK"
    assert alert.links == url_links("1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a")
    assert alert.starts_at == datetime(2024, 5, 14, 11, 5, 10, tzinfo=CEST)


def test_up_fixture_resolves_the_monitor_alert() -> None:
    alert = parse(fixture_json("site24x7/up.json"))
    assert alert.fingerprint == URL_MONITOR
    assert alert.status is AlertStatus.RESOLVED
    assert alert.severity == "info"
    assert alert.suppressed is False
    assert alert.title == "Checkout page is up"
    assert alert.description == ""
    assert alert.group_key == "site24x7-monitor:368920000001234567"
    assert alert.labels == URL_LABELS | {"status": "UP"}
    assert alert.annotations == {
        "incident_time": "May 14, 2024 11:48 AM CEST",
        "monitor_url": "https://shop.example.test/checkout",
    }
    assert alert.starts_at is None
    assert alert.ends_at == datetime(2024, 5, 14, 11, 48, 1, tzinfo=CEST)


def test_critical_fixture_is_an_error_for_a_server_monitor() -> None:
    alert = parse(fixture_json("site24x7/critical.json"))
    assert alert.fingerprint == SERVER_MONITOR
    assert alert.status is AlertStatus.FIRING
    assert alert.severity == "error"
    assert alert.title == "db1.example.test is critical"
    assert alert.description == "CPU Utilization is 96.4% (threshold 95%)"
    assert alert.group_key == "site24x7-monitor:368920000007654321"
    assert alert.labels == SERVER_LABELS | {"status": "CRITICAL"}
    assert alert.annotations == {"incident_time": "May 14, 2024 12:10 PM CEST"}
    assert alert.links == (
        Link(url=DASHBOARD.format("368920000007654321"), text="Site24x7 monitor"),
        Link(
            url=RCA + "4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f", text="Root cause analysis"
        ),
    )
    assert alert.starts_at == datetime(2024, 5, 14, 12, 10, tzinfo=CEST)


def test_maintenance_fixture_is_kept_suppressed_and_never_pages() -> None:
    alert = parse(fixture_json("site24x7/maintenance.json"))
    assert alert.fingerprint == SERVER_MONITOR
    assert alert.status is AlertStatus.FIRING
    assert alert.suppressed is True
    assert alert.severity == "info"
    assert alert.title == "db1.example.test is in maintenance"
    assert alert.description.startswith("Scheduled maintenance: Weekly PostgreSQL patching")
    assert alert.labels == SERVER_LABELS | {"status": "MAINTENANCE"}
    assert alert.links == (
        Link(url=DASHBOARD.format("368920000007654321"), text="Site24x7 monitor"),
    )
    assert alert.starts_at == datetime(2024, 5, 15, 3, 0, tzinfo=CEST)


def test_suspended_monitor_is_suppressed() -> None:
    alert = parse(fixture_json("site24x7/critical.json") | {"STATUS": "SUSPENDED"})
    assert alert.suppressed is True
    assert alert.title == "db1.example.test is suspended"


def test_status_is_matched_case_insensitively() -> None:
    alert = parse(fixture_json("site24x7/down.json") | {"STATUS": "Down"})
    assert alert.severity == "critical"
    assert alert.labels["status"] == "DOWN"


def test_string_monitor_id_and_comma_separated_tags_are_accepted() -> None:
    body = fixture_json("site24x7/down.json") | {
        "MONITOR_ID": "368920000001234567",
        "TAGS": "env:prod, team:payments",
    }
    alert = parse(body)
    assert alert.fingerprint == URL_MONITOR
    assert alert.labels["env"] == "prod"
    assert alert.labels["team"] == "payments"


def test_without_monitor_id_the_monitor_name_identifies_the_alert() -> None:
    body = fixture_json("site24x7/down.json")
    del body["MONITOR_ID"]
    alert = parse(body)
    assert alert.fingerprint == fingerprint("site24x7", {"name": "Checkout page"})
    assert alert.group_key == "site24x7-monitor:Checkout page"
    assert "monitor_id" not in alert.labels


def test_unknown_status_is_refused_naming_it() -> None:
    with pytest.raises(UnsupportedPayloadError) as caught:
        parse(fixture_json("site24x7/down.json") | {"STATUS": "DISCOVERY"})
    assert caught.value.message.startswith("unsupported site24x7 STATUS 'DISCOVERY': expected")


def test_missing_status_is_refused_naming_the_field() -> None:
    body = fixture_json("site24x7/down.json")
    del body["STATUS"]
    with pytest.raises(UnsupportedPayloadError) as caught:
        parse(body)
    assert caught.value.message == "not a site24x7 payload: STATUS: Field required"


def test_form_encoded_body_is_refused_with_a_hint() -> None:
    body = b"MONITORNAME=Checkout+page&STATUS=DOWN"
    with pytest.raises(UnsupportedPayloadError, match="tick 'Post as JSON'"):
        parse(body, content_type="application/x-www-form-urlencoded")


def test_malformed_body_is_malformed_payload() -> None:
    with pytest.raises(MalformedPayloadError, match=r"^body is not valid JSON: "):
        parse(b'{"MONITORNAME": "Checkout page", "STATUS": DOWN}')


def test_up_carries_no_severity_so_the_stored_one_is_kept() -> None:
    assert parse(fixture_json("site24x7/up.json")).severity_known is False
    assert parse(fixture_json("site24x7/down.json")).severity_known is True


@pytest.mark.parametrize("headers", [{}, {"content-type": "text/plain"}])
def test_form_fields_without_a_form_content_type_are_refused_saying_what_is_expected(
    headers: dict[str, str],
) -> None:
    nagios_body = (
        SOURCES_DIR / "nagios" / "fixtures" / "service_problem_critical.txt"
    ).read_bytes()
    for body in (b"MONITORNAME=Checkout+page&STATUS=DOWN", nagios_body):
        request = HookRequest(body=body, headers=headers)
        with pytest.raises(UnsupportedPayloadError) as caught:
            Site24x7Source().parse(request)
        assert caught.value.message == (
            "not a site24x7 payload: got form fields; tick 'Post as JSON' on the Site24x7 "
            "webhook, so that it posts its incident parameters (MONITORNAME, STATUS, ...) as JSON"
        )


def test_form_content_type_is_an_unsupported_media_type() -> None:
    with pytest.raises(UnsupportedMediaTypeError, match="application/json"):
        parse(b"MONITORNAME=x&STATUS=DOWN", content_type="application/x-www-form-urlencoded")


@pytest.mark.parametrize("value", ["yesterday", "2024-13-45T99:00:00Z"])
def test_a_bad_incident_time_is_refused_naming_the_field(value: str) -> None:
    with pytest.raises(UnsupportedPayloadError, match="INCIDENT_TIME_ISO"):
        parse({**fixture_json("site24x7/down.json"), "INCIDENT_TIME_ISO": value})


@pytest.mark.parametrize("value", ["", "$INCIDENT_TIME_ISO"])
def test_an_unset_incident_time_is_no_time(value: str) -> None:
    assert (
        parse({**fixture_json("site24x7/down.json"), "INCIDENT_TIME_ISO": value}).starts_at is None
    )
