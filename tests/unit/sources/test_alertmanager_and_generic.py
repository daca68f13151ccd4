"""Alert sources against real-format fixture payloads: every normalized field, every refusal."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from opsroom.alert.model import AlertStatus, Link, NormalizedAlert, fingerprint
from opsroom.errors import MalformedPayloadError, UnsupportedPayloadError
from opsroom.sources.alertmanager.source import AlertmanagerSource
from opsroom.sources.base import HookRequest
from opsroom.sources.generic.source import MAX_ALERTS_PER_REQUEST, GenericSource

SOURCES_DIR = Path(__file__).resolve().parents[3] / "src" / "opsroom" / "sources"
HEADERS = {"content-type": "application/json"}

AM_GROUP_KEY = '{}:{alertname="HighLatency"}'
AM_EXTERNAL = Link(url="http://alertmanager.example.test:9093", text="Alertmanager")
AM_RUNBOOK = Link(url="https://runbooks.example.test/checkout/high-latency", text="Runbook")
CHECKOUT_GENERATOR = (
    "http://prometheus.example.test:9090/graph?g0.expr=histogram_quantile%280.99%2C+rate"
    "%28http_request_duration_seconds_bucket%7Bjob%3D%22checkout-api%22%7D%5B5m%5D%29%29"
    "+%3E+0.5&g0.tab=1"
)
CART_GENERATOR = CHECKOUT_GENERATOR.replace("checkout-api", "cart-api")
CHECKOUT_LABELS = {
    "alertname": "HighLatency",
    "instance": "checkout-api.example.test:9100",
    "job": "checkout-api",
    "severity": "critical",
    "team": "payments",
}
CART_LABELS = {
    "alertname": "HighLatency",
    "instance": "cart-api.example.test:9100",
    "job": "cart-api",
    "severity": "warning",
    "team": "payments",
}
CHECKOUT_ANNOTATIONS = {
    "summary": "Checkout API p99 latency above 500ms",
    "description": (
        "p99 latency on checkout-api.example.test has been 1.2s for 10 minutes. "
        "Owner: Mara Lindqvist."
    ),
    "runbook_url": "https://runbooks.example.test/checkout/high-latency",
}


def fixture_bytes(relative: str) -> bytes:
    """`relative` is `<kind>/<file>`, e.g. `alertmanager/firing.json`."""
    kind, name = relative.split("/")
    return (SOURCES_DIR / kind / "fixtures" / name).read_bytes()


def fixture_json(relative: str) -> dict[str, object]:
    loaded = json.loads(fixture_bytes(relative))
    assert isinstance(loaded, dict)
    return loaded


def am(body: bytes | Mapping[str, Any]) -> list[NormalizedAlert]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return AlertmanagerSource().parse(HookRequest(body=raw, headers=HEADERS)).alerts


def generic(body: bytes | Mapping[str, Any]) -> list[NormalizedAlert]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return GenericSource().parse(HookRequest(body=raw, headers=HEADERS)).alerts


# --- Alertmanager ---------------------------------------------------------------------------


def test_alertmanager_firing_fixture_normalizes_both_alerts() -> None:
    checkout, cart = am(fixture_bytes("alertmanager/firing.json"))

    assert checkout.fingerprint == "3b1f4c2a9d8e7f60"
    assert checkout.status is AlertStatus.FIRING
    assert checkout.severity == "critical"
    assert checkout.title == "Checkout API p99 latency above 500ms"
    assert checkout.description == CHECKOUT_ANNOTATIONS["description"]
    assert checkout.group_key == AM_GROUP_KEY
    assert checkout.labels == CHECKOUT_LABELS
    assert checkout.annotations == CHECKOUT_ANNOTATIONS
    assert checkout.links == (
        Link(url=CHECKOUT_GENERATOR, text="Prometheus"),
        AM_RUNBOOK,
        AM_EXTERNAL,
    )
    # Go's nanoseconds are cut to Python's microseconds; the zone is UTC.
    assert checkout.starts_at == datetime(2024, 5, 14, 9, 21, 7, 431256, tzinfo=UTC)
    assert checkout.starts_at.utcoffset() == timedelta(0)
    assert checkout.ends_at is None  # "0001-01-01T00:00:00Z" while firing
    assert checkout.raw["fingerprint"] == "3b1f4c2a9d8e7f60"
    assert checkout.raw["endsAt"] == "0001-01-01T00:00:00Z"

    assert cart.fingerprint == "a04c9e51d27b6f13"
    assert cart.status is AlertStatus.FIRING
    assert cart.severity == "warning"
    assert cart.title == "HighLatency"  # no summary annotation: falls back to alertname
    assert cart.description == ""
    assert cart.group_key == AM_GROUP_KEY
    assert cart.labels == CART_LABELS
    assert cart.annotations == {}
    assert cart.links == (Link(url=CART_GENERATOR, text="Prometheus"), AM_EXTERNAL)
    assert cart.starts_at == datetime(2024, 5, 14, 9, 22, 37, 100000, tzinfo=UTC)
    assert cart.ends_at is None


def test_alertmanager_resolved_fixture_keeps_fingerprints_and_parses_ends_at() -> None:
    checkout, cart = am(fixture_bytes("alertmanager/resolved.json"))

    assert checkout.fingerprint == "3b1f4c2a9d8e7f60"
    assert checkout.status is AlertStatus.RESOLVED
    assert checkout.severity == "critical"
    assert checkout.title == "Checkout API p99 latency above 500ms"
    assert checkout.group_key == AM_GROUP_KEY
    assert checkout.starts_at == datetime(2024, 5, 14, 9, 21, 7, 431256, tzinfo=UTC)
    assert checkout.ends_at == datetime(2024, 5, 14, 9, 48, 52, 7000, tzinfo=UTC)
    assert checkout.links == (
        Link(url=CHECKOUT_GENERATOR, text="Prometheus"),
        AM_RUNBOOK,
        AM_EXTERNAL,
    )

    assert cart.fingerprint == "a04c9e51d27b6f13"
    assert cart.status is AlertStatus.RESOLVED
    assert cart.severity == "warning"
    assert cart.title == "HighLatency"
    assert cart.ends_at == datetime(2024, 5, 14, 9, 47, 22, tzinfo=UTC)
    assert cart.ends_at.tzinfo is not None


def test_alertmanager_resolved_has_same_content_as_firing_except_status_and_end() -> None:
    firing = am(fixture_bytes("alertmanager/firing.json"))
    resolved = am(fixture_bytes("alertmanager/resolved.json"))
    for before, after in zip(firing, resolved, strict=True):
        assert after.fingerprint == before.fingerprint
        assert after.labels == before.labels
        assert after.content_hash() != before.content_hash()


def test_alertmanager_no_severity_fixture_defaults_to_warning() -> None:
    (alert,) = am(fixture_bytes("alertmanager/no_severity.json"))
    assert alert.fingerprint == "7e2d0b93c4f5a168"
    assert alert.status is AlertStatus.FIRING
    assert alert.severity == "warning"
    assert "severity" not in alert.labels
    assert alert.title == "Disk on db-01.example.test will fill within 4 hours"
    assert alert.description == ""
    assert alert.group_key == '{}:{alertname="DiskFilling"}'
    assert alert.labels == {
        "alertname": "DiskFilling",
        "device": "/dev/nvme0n1p1",
        "instance": "db-01.example.test:9100",
        "job": "node",
    }
    assert [link.text for link in alert.links] == ["Prometheus", "Alertmanager"]
    assert alert.starts_at == datetime(2024, 5, 14, 11, 2, 15, 882000, tzinfo=UTC)
    assert alert.ends_at is None


def test_alertmanager_fixtures_are_version_4_webhook_payloads() -> None:
    for name in ("firing.json", "resolved.json", "no_severity.json"):
        payload = fixture_json(f"alertmanager/{name}")
        assert set(payload) == {
            "receiver",
            "status",
            "alerts",
            "groupLabels",
            "commonLabels",
            "commonAnnotations",
            "externalURL",
            "version",
            "groupKey",
            "truncatedAlerts",
        }
        assert payload["version"] == "4"
        assert payload["truncatedAlerts"] == 0
        alerts = payload["alerts"]
        assert isinstance(alerts, list)
        for alert in alerts:
            assert set(alert) == {
                "status",
                "labels",
                "annotations",
                "startsAt",
                "endsAt",
                "generatorURL",
                "fingerprint",
            }
            assert re.fullmatch(r"[0-9a-f]{16}", alert["fingerprint"])


def test_alertmanager_without_fingerprint_derives_one_from_labels() -> None:
    payload = fixture_json("alertmanager/no_severity.json")
    alerts = payload["alerts"]
    assert isinstance(alerts, list)
    del alerts[0]["fingerprint"]
    (alert,) = am(payload)
    assert alert.fingerprint == fingerprint("alertmanager", alerts[0]["labels"])


def test_alertmanager_without_summary_or_alertname_has_generic_title() -> None:
    payload = fixture_json("alertmanager/no_severity.json")
    alerts = payload["alerts"]
    assert isinstance(alerts, list)
    alerts[0]["labels"] = {"job": "node"}
    alerts[0]["annotations"] = {"message": "disk nearly full"}
    (alert,) = am(payload)
    assert alert.title == "Alertmanager alert"
    assert alert.description == "disk nearly full"


def test_alertmanager_refuses_grafana_legacy_payload_naming_missing_field() -> None:
    grafana = {
        "title": "[Alerting] Checkout latency",
        "ruleId": 7,
        "ruleName": "Checkout latency",
        "state": "alerting",
        "message": "p99 above 2s",
        "ruleUrl": "http://grafana.example.test/d/checkout",
        "evalMatches": [{"value": 2.4, "metric": "p99", "tags": {}}],
    }
    with pytest.raises(UnsupportedPayloadError) as caught:
        am(grafana)
    assert caught.value.message == "not an alertmanager payload: version: Field required"
    fields = {problem["field"] for problem in caught.value.details}
    assert fields == {"version", "groupKey", "status", "alerts"}


def test_alertmanager_refuses_unrelated_object_naming_missing_field() -> None:
    with pytest.raises(UnsupportedPayloadError, match=r"version: Field required"):
        am({"foo": 1})


def test_alertmanager_names_nested_bad_field() -> None:
    payload = fixture_json("alertmanager/firing.json")
    alerts = payload["alerts"]
    assert isinstance(alerts, list)
    alerts[1]["status"] = "pending"
    with pytest.raises(
        UnsupportedPayloadError, match=r"^not an alertmanager payload: alerts\.1\.status"
    ):
        am(payload)


def test_alertmanager_refuses_version_3() -> None:
    payload = fixture_json("alertmanager/firing.json")
    payload["version"] = "3"
    with pytest.raises(UnsupportedPayloadError) as caught:
        am(payload)
    assert caught.value.message == "unsupported alertmanager webhook version '3': expected '4'"


@pytest.mark.parametrize("body", [b"[]", b'"firing"', b"null", b"42"])
def test_alertmanager_refuses_non_object_json(body: bytes) -> None:
    with pytest.raises(UnsupportedPayloadError, match="expected a JSON object"):
        am(body)


def test_alertmanager_malformed_json_is_malformed_payload() -> None:
    with pytest.raises(MalformedPayloadError) as caught:
        am(b'{"version": "4",')
    assert caught.value.message.startswith("body is not valid JSON: ")
    assert "line 1 column" in caught.value.message


def test_alertmanager_non_utf8_body_is_malformed_payload() -> None:
    with pytest.raises(MalformedPayloadError) as caught:
        am(b'{"receiver": "caf\xe9"}')
    assert caught.value.message == "body is not UTF-8 encoded JSON"


# --- generic --------------------------------------------------------------------------------


QUEUE_LINKS = (
    Link(url="https://grafana.example.test/d/checkout-queues", text="Queue dashboard"),
    Link(url="https://runbooks.example.test/checkout/queue-depth", text=""),
)
QUEUE_LABELS = {"service": "checkout", "env": "prod", "owner": "jonas.whitfield"}


def test_generic_firing_fixture_normalizes_every_field() -> None:
    (alert,) = generic(fixture_bytes("generic/firing.json"))
    assert alert.fingerprint == fingerprint(
        "generic", {"dedup_key": "checkout-payment-queue-depth"}
    )
    assert alert.status is AlertStatus.FIRING
    assert alert.severity == "critical"
    assert alert.title == "Payment queue backing up"
    assert alert.description == (
        "The payment queue on queue-01.example.test holds 48,210 messages (threshold 10,000)."
    )
    assert alert.group_key == "checkout-payment-queue-depth"
    assert alert.labels == QUEUE_LABELS
    assert alert.annotations == {}
    assert alert.links == QUEUE_LINKS
    assert alert.starts_at == datetime(2024, 5, 14, 9, 30, tzinfo=UTC)
    assert alert.ends_at is None
    assert alert.raw["dedup_key"] == "checkout-payment-queue-depth"


def test_generic_resolved_fixture_matches_firing_fingerprint_and_keeps_offset() -> None:
    (firing,) = generic(fixture_bytes("generic/firing.json"))
    (alert,) = generic(fixture_bytes("generic/resolved.json"))
    assert alert.fingerprint == firing.fingerprint
    assert alert.group_key == "checkout-payment-queue-depth"
    assert alert.status is AlertStatus.RESOLVED
    assert alert.severity == "critical"
    assert alert.title == "Payment queue backing up"
    assert alert.description == (
        "The payment queue on queue-01.example.test is back under 10,000 messages."
    )
    assert alert.labels == QUEUE_LABELS
    assert alert.links == QUEUE_LINKS
    assert alert.starts_at == datetime(2024, 5, 14, 9, 30, tzinfo=UTC)
    assert alert.ends_at == datetime(2024, 5, 14, 10, 5, 30, tzinfo=UTC)
    assert alert.ends_at.utcoffset() == timedelta(hours=2)
    assert alert.ends_at.tzinfo == timezone(timedelta(hours=2))


def test_generic_batch_fixture_gives_two_alerts_with_synonym_severities() -> None:
    cert, lag = generic(fixture_bytes("generic/batch.json"))

    assert cert.fingerprint == fingerprint(
        "generic", {"dedup_key": "cert-expiry-shop.example.test"}
    )
    assert cert.group_key == "cert-expiry-shop.example.test"
    assert cert.status is AlertStatus.FIRING
    assert cert.severity == "warning"  # "minor"
    assert cert.title == "Certificate for shop.example.test expires in 7 days"
    assert cert.description == ""
    assert cert.labels == {"service": "edge", "env": "prod"}
    assert cert.links == ()
    assert cert.starts_at == datetime(2024, 5, 14, 6, 0, tzinfo=UTC)
    assert cert.ends_at is None

    # Without a dedup_key, the key is derived from the title and labels.
    lag_key = fingerprint(
        "generic",
        {
            "title": "Replication lag on db-02.example.test",
            "labels.service": "database",
            "labels.env": "prod",
        },
    )
    assert lag.group_key == lag_key
    assert lag.fingerprint == fingerprint("generic", {"dedup_key": lag_key})
    assert lag.status is AlertStatus.FIRING
    assert lag.severity == "error"  # "high"
    assert lag.title == "Replication lag on db-02.example.test"
    assert lag.description == "Replica is 340 seconds behind the primary."
    assert lag.labels == {"service": "database", "env": "prod"}
    assert lag.starts_at is None
    assert lag.ends_at is None


def test_generic_minimal_fixture_uses_defaults() -> None:
    (alert,) = generic(fixture_bytes("generic/minimal.json"))
    key = fingerprint("generic", {"title": "Nightly backup did not run"})
    assert alert.group_key == key
    assert alert.fingerprint == fingerprint("generic", {"dedup_key": key})
    assert alert.status is AlertStatus.FIRING
    assert alert.severity == "warning"
    assert alert.title == "Nightly backup did not run"
    assert alert.description == ""
    assert alert.labels == {}
    assert alert.links == ()
    assert alert.starts_at is None
    assert alert.ends_at is None


def test_generic_fingerprint_without_dedup_key_is_stable_and_label_order_free() -> None:
    first = generic({"title": "t", "labels": {"a": "1", "b": "2"}})[0]
    second = generic({"title": "t", "labels": {"b": "2", "a": "1"}})[0]
    assert first.fingerprint == second.fingerprint


def test_generic_label_named_title_does_not_merge_different_alerts() -> None:
    disk = generic({"title": "Disk full", "labels": {"title": "db"}})[0]
    cpu = generic({"title": "CPU hot", "labels": {"title": "db"}})[0]
    assert disk.fingerprint != cpu.fingerprint


def test_generic_label_named_title_is_not_confused_with_the_title() -> None:
    labelled = generic({"title": "Disk full", "labels": {"title": "Disk full"}})[0]
    plain = generic({"title": "Disk full"})[0]
    assert labelled.fingerprint != plain.fingerprint


def test_generic_bad_severity_names_severity_field() -> None:
    with pytest.raises(UnsupportedPayloadError) as caught:
        generic({"title": "x", "severity": "urgent!!"})
    assert caught.value.message == (
        "not a generic payload: severity: "
        "Value error, must be one of critical, error, warning, info"
    )
    assert [problem["field"] for problem in caught.value.details] == ["severity"]


def test_generic_bad_severity_in_batch_names_its_position() -> None:
    body = {"alerts": [{"title": "ok"}, {"title": "x", "severity": "urgent!!"}]}
    with pytest.raises(
        UnsupportedPayloadError, match=r"^not a generic payload: alerts\.1\.severity"
    ):
        generic(body)


def test_generic_refuses_unknown_field() -> None:
    with pytest.raises(UnsupportedPayloadError) as caught:
        generic({"title": "x", "priority": "P1"})
    assert caught.value.message == "not a generic payload: priority: Extra inputs are not permitted"


def test_generic_refuses_unknown_top_level_field_next_to_alerts() -> None:
    with pytest.raises(UnsupportedPayloadError, match=r"^not a generic payload: source: Extra"):
        generic({"alerts": [{"title": "x"}], "source": "cron"})


def test_generic_missing_title_names_title() -> None:
    with pytest.raises(UnsupportedPayloadError) as caught:
        generic({"severity": "critical"})
    assert caught.value.message == "not a generic payload: title: Field required"


def test_generic_bad_status_names_status() -> None:
    with pytest.raises(UnsupportedPayloadError, match=r"^not a generic payload: status: "):
        generic({"title": "x", "status": "acknowledged"})


def test_generic_empty_batch_is_refused() -> None:
    with pytest.raises(UnsupportedPayloadError, match=r"^not a generic payload: alerts: "):
        generic({"alerts": []})


def test_generic_batch_limit_is_1000_alerts() -> None:
    assert MAX_ALERTS_PER_REQUEST == 1000
    at_limit = {"alerts": [{"title": f"a{i}"} for i in range(1000)]}
    assert len(generic(at_limit)) == 1000
    with pytest.raises(UnsupportedPayloadError, match=r"^not a generic payload: alerts: "):
        generic({"alerts": [{"title": f"a{i}"} for i in range(1001)]})


def test_generic_non_string_label_value_is_refused() -> None:
    with pytest.raises(UnsupportedPayloadError, match=r"labels\.port"):
        generic({"title": "x", "labels": {"port": 8080}})


def test_generic_malformed_json_is_malformed_payload() -> None:
    with pytest.raises(MalformedPayloadError, match=r"^body is not valid JSON: "):
        generic(b"{title: x}")


def test_generic_non_utf8_body_is_malformed_payload() -> None:
    with pytest.raises(MalformedPayloadError, match=r"^body is not UTF-8 encoded JSON$"):
        generic(b'{"title": "\xff\xfe"}')


def test_generic_refuses_json_array_body() -> None:
    with pytest.raises(UnsupportedPayloadError) as caught:
        generic(b'[{"title": "x"}]')
    assert caught.value.message == "not a generic payload: expected a JSON object"


def test_generic_resolution_without_severity_keeps_the_stored_one() -> None:
    [resolution] = generic({"title": "Disk full", "status": "resolved"})
    assert resolution.severity_known is False
    [firing] = generic({"title": "Disk full"})
    assert firing.severity_known is True  # a firing without one is a warning, as documented
    [explicit] = generic({"title": "Disk full", "status": "resolved", "severity": "info"})
    assert explicit.severity_known is True


def test_form_fields_sent_to_a_json_source_say_so() -> None:
    request = HookRequest(body=b"title=Disk+full&severity=critical", headers={})
    with pytest.raises(MalformedPayloadError) as caught:
        GenericSource().parse(request)
    assert caught.value.message == (
        "body is not valid JSON: it looks like form fields (name=value&...); this hook takes "
        "JSON, sent with Content-Type: application/json"
    )
