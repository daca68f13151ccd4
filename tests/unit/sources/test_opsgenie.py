"""Opsgenie Alert API requests (create, close, acknowledge) and Opsgenie's answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from opsroom.alert.model import AlertStatus, fingerprint
from opsroom.errors import MalformedPayloadError, NotFoundError, UnsupportedPayloadError
from opsroom.sources.base import HookRequest, HookResult
from opsroom.sources.opsgenie.source import OpsgenieSource

SOURCES = Path(__file__).resolve().parents[3] / "src" / "opsroom" / "sources"
REQUEST_ID = "43a29c5c-3dbf-4fa4-9c26-f4f71023e120"
ACCEPTED = {"result": "Request will be processed", "took": 0.0, "requestId": REQUEST_ID}
EXAMPLE_ALIAS = "Life is too short for no alias"


def fixture(relative: str) -> dict[str, Any]:
    kind, name = relative.split("/")
    loaded = json.loads((SOURCES / kind / "fixtures" / name).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def source() -> OpsgenieSource:
    ids = iter(
        [REQUEST_ID, "0f9e8d7c-6b5a-4f3e-9d2c-1b0a9f8e7d6c", "b2c3d4e5-0000-4000-8000-000000000000"]
    )
    return OpsgenieSource(new_id=lambda: next(ids))


def parse(body: dict[str, Any] | bytes, path: str = "v2/alerts", **query: str) -> HookResult:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = HookRequest(
        body=raw,
        headers={"content-type": "application/json", "authorization": "GenieKey not-checked"},
        query={"_path": path, **query},
    )
    return source().parse(request)


def refusal(
    body: dict[str, Any] | bytes, path: str = "v2/alerts", **query: str
) -> tuple[dict[str, Any], int]:
    with pytest.raises(UnsupportedPayloadError) as caught:
        parse(body, path, **query)
    return source().error_reply(caught.value)


def test_create_fixture_opens_an_alert_with_every_field() -> None:
    result = parse(fixture("opsgenie/create.json"))
    assert result.status_code == 202
    assert result.reply == ACCEPTED
    (alert,) = result.alerts
    assert alert.fingerprint == fingerprint("opsgenie", {"alias": EXAMPLE_ALIAS})
    assert alert.status is AlertStatus.FIRING
    assert alert.severity == "critical"  # P1
    assert alert.title == "An example alert message"
    assert alert.description == "Every alert needs a description"
    assert alert.group_key == f"opsgenie:{EXAMPLE_ALIAS}"
    assert alert.labels == {
        "key1": "value1",
        "key2": "value2",
        "alias": EXAMPLE_ALIAS,
        "priority": "P1",
        "entity": "An example entity",
        "tags": "OverwriteQuietHours,Critical",
        "responders": "team:4513b7ea-3b91-438f-b7e4-e3e54af9147c,team:NOC,"
        "user:bb4d9938-c3c2-455d-aaab-727aa701c0d8,user:trinity@opsgenie.example.test,"
        "escalation:aee8a0de-c80f-4515-a232-501c0bc9d715,escalation:Nightwatch Escalation,"
        "schedule:80564037-1984-4f38-b98e-8a1f662df552,schedule:First Responders Schedule",
    }
    assert alert.status_only is False
    assert alert.raw["visibleTo"][1] == {"name": "rocket_team", "type": "team"}


def test_create_alertmanager_fixture_keeps_its_labels_from_details() -> None:
    (alert,) = parse(fixture("opsgenie/create_alertmanager.json")).alerts
    alias = "6b1d4c3e9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d"
    assert alert.fingerprint == fingerprint("opsgenie", {"alias": alias})
    assert alert.severity == "error"  # P2
    assert alert.title == "[FIRING:1] CheckoutLatencyHigh (checkout-api critical)"
    assert alert.description.startswith("Alerts Firing:\nLabels:")
    assert alert.labels["alertname"] == "CheckoutLatencyHigh"
    assert alert.labels["service"] == "checkout-api"
    assert alert.labels["event_source"].startswith("http://alertmanager.example.test:9093")
    assert alert.labels["responders"] == "team:checkout"


def test_create_without_alias_fixture_is_a_new_p3_alert_every_time() -> None:
    result = parse(fixture("opsgenie/create_without_alias.json"), "")
    (alert,) = result.alerts
    # Opsgenie assigns a unique alias when none is given (the first id made here).
    assert alert.fingerprint == fingerprint("opsgenie", {"alias": REQUEST_ID})
    assert alert.severity == "warning"  # P3, Opsgenie's default priority
    assert alert.labels == {"alias": REQUEST_ID, "priority": "P3"}
    assert result.reply is not None
    assert result.reply["requestId"] == "0f9e8d7c-6b5a-4f3e-9d2c-1b0a9f8e7d6c"


def test_close_fixture_resolves_the_alert_by_alias() -> None:
    result = parse(
        fixture("opsgenie/close.json"), f"v2/alerts/{EXAMPLE_ALIAS}/close", identifierType="alias"
    )
    assert result.reply == ACCEPTED
    (alert,) = result.alerts
    assert alert.fingerprint == fingerprint("opsgenie", {"alias": EXAMPLE_ALIAS})
    assert alert.status is AlertStatus.RESOLVED
    assert alert.status_only is True
    assert alert.group_key == f"opsgenie:{EXAMPLE_ALIAS}"
    assert alert.annotations == {
        "last_action": "close",
        "closed_by": "Monitoring Script",
        "note": "Action executed via Alert API",
    }


def test_close_alertmanager_fixture_resolves_what_the_create_opened() -> None:
    alias = fixture("opsgenie/create_alertmanager.json")["alias"]
    (alert,) = parse(
        fixture("opsgenie/close_alertmanager.json"),
        f"/v2/alerts/{alias}/close",
        identifierType="alias",
    ).alerts
    assert alert.fingerprint == fingerprint("opsgenie", {"alias": alias})
    assert alert.status is AlertStatus.RESOLVED
    assert alert.annotations == {"last_action": "close"}


def test_acknowledge_fixture_acknowledges_the_alert() -> None:
    (alert,) = parse(
        fixture("opsgenie/acknowledge.json"),
        f"v2/alerts/{EXAMPLE_ALIAS}/acknowledge",
        identifierType="alias",
    ).alerts
    assert alert.status is AlertStatus.ACKNOWLEDGED
    assert alert.status_only is True
    assert alert.annotations["acknowledged_by"] == "Monitoring Script"


def test_unacknowledge_fixture_makes_the_alert_fire_again() -> None:
    (alert,) = parse(
        fixture("opsgenie/unacknowledge.json"),
        f"v2/alerts/{EXAMPLE_ALIAS}/unacknowledge",
        identifierType="alias",
    ).alerts
    assert alert.status is AlertStatus.FIRING
    assert alert.status_only is True


def test_add_note_fixture_is_refused_as_an_unsupported_endpoint() -> None:
    reply, status = refusal(fixture("opsgenie/add_note.json"), f"v2/alerts/{EXAMPLE_ALIAS}/notes")
    assert status == 422
    assert reply["message"] == "Request body is not processable. Please check the errors."
    assert reply["errors"]["path"].startswith(
        f"unsupported Opsgenie endpoint 'v2/alerts/{EXAMPLE_ALIAS}/notes'"
    )
    assert reply["took"] == 0.0
    assert reply["requestId"] == REQUEST_ID


def test_alias_with_slashes_reaches_the_action_intact() -> None:
    (alert,) = parse({}, "v2/alerts/db3/mysql/close", identifierType="alias").alerts
    assert alert.fingerprint == fingerprint("opsgenie", {"alias": "db3/mysql"})


def test_close_by_id_means_the_alias_opsroom_handed_out() -> None:
    (alert,) = parse(b"", "v2/alerts/0f9e8d7c-6b5a-4f3e-9d2c-1b0a9f8e7d6c/close").alerts
    assert alert.fingerprint == fingerprint(
        "opsgenie", {"alias": "0f9e8d7c-6b5a-4f3e-9d2c-1b0a9f8e7d6c"}
    )


def test_close_by_tiny_id_is_refused() -> None:
    reply, status = refusal({}, "v2/alerts/1791/close", identifierType="tiny")
    assert status == 422
    assert reply["errors"] == {
        "identifierType": "identifierType 'tiny' is not supported; use alias"
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"description": "no message"}, "message"),
        ({"message": ""}, "message"),
        ({"message": "x", "priority": "P0"}, "priority"),
        ({"message": "x", "alias": "a" * 513}, "alias"),
        ({"message": "x", "tags": "not-a-list"}, "tags"),
    ],
)
def test_invalid_create_is_422_naming_the_field(body: dict[str, Any], field: str) -> None:
    reply, status = refusal(body)
    assert status == 422
    assert field in reply["errors"]


def test_create_body_that_is_not_an_object_is_refused() -> None:
    reply, _ = refusal(b'["message"]')
    assert reply["errors"] == {"body": "the body must be a JSON object"}


def test_malformed_body_is_400_in_opsgenie_shape() -> None:
    with pytest.raises(MalformedPayloadError) as caught:
        parse(b'{"message": ')
    reply, status = source().error_reply(caught.value)
    assert status == 400
    assert reply["message"].startswith("body is not valid JSON")
    assert set(reply) == {"message", "took", "requestId"}


def test_unknown_token_is_404_in_opsgenie_shape() -> None:
    reply, status = source().error_reply(NotFoundError("no opsgenie integration has this token"))
    assert status == 404
    assert reply == {
        "message": "no opsgenie integration has this token",
        "took": 0.0,
        "requestId": REQUEST_ID,
    }
