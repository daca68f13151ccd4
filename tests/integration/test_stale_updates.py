"""An older update never overwrites a newer one, by the time each source gives its events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import Api
from tests.integration.test_cloudwatch_hooks import container, post, sns  # noqa: F401
from tests.sns_signing import signed_fixture

SOURCES = Path(__file__).resolve().parents[2] / "src" / "opsroom" / "sources"


def fixture(relative: str, **changes: Any) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SOURCES / relative.replace("/", "/fixtures/")).read_text())
    return {**loaded, **changes}


def only_alert(api: Api) -> dict[str, Any]:
    response = api.get("/api/v1/alerts")
    assert response.status_code == 200, response.text
    [alert] = response.json()["items"]
    assert isinstance(alert, dict)
    return alert


def alarm(name: str, changed_at: str, sent_at: str) -> dict[str, Any]:
    """A CloudWatch fixture whose state changed (and was sent by SNS) at other times."""
    message = signed_fixture(f"cloudwatch/{name}")
    alarm = json.loads(message["Message"])
    alarm["StateChangeTime"] = changed_at
    return signed_fixture(
        f"cloudwatch/{name}",
        Message=json.dumps(alarm),
        Timestamp=sent_at,
        MessageId=f"{name}-{changed_at}",
    )


def test_cloudwatch_ok_delivered_after_a_newer_alarm_is_stale(api: Api, hook: Any) -> None:
    url = hook("cloudwatch", "aws-prod")
    assert post(api, url, signed_fixture("cloudwatch/alarm.json")).status_code == 202  # 14:30
    refired = alarm("alarm.json", "2026-11-30T15:00:00.000+0000", "2026-11-30T15:00:00.100Z")
    assert post(api, url, refired).status_code == 202
    late_ok = post(api, url, signed_fixture("cloudwatch/ok.json"))  # the OK of 14:45, late
    assert late_ok.status_code == 202
    assert late_ok.json()["deduplicated"] == 1
    alert = only_alert(api)
    assert alert["status"] == "firing"
    assert alert["starts_at"].startswith("2026-11-30T15:00:00")


def test_cloudwatch_alarm_delivered_after_its_ok_is_stale(api: Api, hook: Any) -> None:
    url = hook("cloudwatch", "aws-prod")
    post(api, url, signed_fixture("cloudwatch/ok.json"))  # 14:45, first to arrive
    late_alarm = post(api, url, signed_fixture("cloudwatch/alarm.json"))  # 14:30
    assert late_alarm.json()["deduplicated"] == 1
    assert only_alert(api)["status"] == "resolved"
    assert api.get("/api/v1/alert-groups").json()["items"][0]["status"] == "resolved"


def test_site24x7_up_delivered_after_a_newer_down_is_stale(api: Api, hook: Any) -> None:
    url = hook("site24x7", "site24x7")
    api.client.post(url, json=fixture("site24x7/down.json"))  # 11:21
    api.client.post(
        url, json=fixture("site24x7/down.json", INCIDENT_TIME_ISO="2024-05-14T12:30:00+0200")
    )
    late_up = api.client.post(url, json=fixture("site24x7/up.json"))  # 11:48
    assert late_up.json()["deduplicated"] == 1
    alert = only_alert(api)
    assert alert["status"] == "firing"
    assert alert["starts_at"].startswith("2024-05-14T10:30:00")


def test_site24x7_down_delivered_after_a_newer_up_is_stale(api: Api, hook: Any) -> None:
    url = hook("site24x7", "site24x7")
    api.client.post(url, json=fixture("site24x7/up.json"))  # 11:48
    api.client.post(url, json=fixture("site24x7/down.json"))  # 11:21, late
    assert only_alert(api)["status"] == "resolved"


def test_zabbix_problem_delivered_after_a_manual_close_is_stale(api: Api, hook: Any) -> None:
    url = hook("zabbix", "zabbix")
    api.client.post(url, json=fixture("zabbix/firing.json"))
    api.client.post(url, json=fixture("zabbix/closed.json"))  # no recovery time: closed by hand
    assert only_alert(api)["status"] == "resolved"
    late = api.client.post(url, json=fixture("zabbix/commented.json"))
    assert late.json()["deduplicated"] == 1
    assert only_alert(api)["status"] == "resolved"


def test_zabbix_acknowledgement_delivered_after_the_recovery_is_stale(api: Api, hook: Any) -> None:
    url = hook("zabbix", "zabbix")
    api.client.post(url, json=fixture("zabbix/firing.json"))
    api.client.post(url, json=fixture("zabbix/resolved.json"))
    api.client.post(url, json=fixture("zabbix/acknowledged.json"))
    alert = only_alert(api)
    assert alert["status"] == "resolved"
    assert alert["ends_at"] is not None
