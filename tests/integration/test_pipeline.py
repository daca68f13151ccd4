"""The alert pipeline: routes, grouping timers, silences, maintenance, inhibition, auto-resolve,
rate limits. The clock is fake, so group_wait and friends are exact."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from opsroom.alert.settings import RoutingConfig
from opsroom.clock import FakeClock
from opsroom.config import Settings
from tests.conftest import Api, settings_from_yaml
from tests.integration.payloads import alertmanager, resolved

CONFIG = """
integrations:
  prod:
    service: web
  scripts:
    resolve_timeout: 5m
  limited:
    rate_limit: {rate: 0.001, burst: 2}
services:
  - name: checkout
routing:
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - name: checkout-critical
      matchers: ['service="checkout"', 'severity="critical"']
      service: checkout
      group_by: [alertname]
      continue: true
    - name: checkout-all
      matchers: ['service="checkout"']
      service: checkout
      severity_map: {warning: error}
    - name: never-reached
      matchers: ['service="checkout"']
      service: nobody
inhibit_rules:
  - source_matchers: ['alertname="DatacenterDown"']
    target_matchers: ['severity=~"warning|error"']
    equal: [dc]
"""

START = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return settings_from_yaml(database_url, tmp_path, CONFIG)


@pytest.fixture
def clock(api: Api) -> FakeClock:
    fake = FakeClock(START)
    api.container.ctx.clock = fake
    return fake


def am_alert(
    name: str,
    *,
    instance: str,
    severity: str = "critical",
    service: str = "checkout",
    extra: dict[str, str] | None = None,
    status: str = "firing",
    group: str | None = None,
) -> dict[str, Any]:
    payload = alertmanager(
        status=status, alertname=name, severity=severity, fingerprint=f"{name}-{instance}"
    )
    payload["alerts"][0]["labels"].update(
        {"instance": instance, "service": service, **(extra or {})}
    )
    payload["groupKey"] = f'{{}}:{{instance="{group or instance}"}}'
    return payload


def alerts(api: Api) -> dict[str, dict[str, Any]]:
    items = api.get("/api/v1/alerts").json()["items"]
    return {item["fingerprint"]: item for item in items}


def groups(api: Api) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.get("/api/v1/alert-groups").json()["items"]
    return items


def alerts_room(api: Api) -> list[str]:
    return [text for text in api.messages("alerts") if text.startswith("[")]


def test_route_sets_service_and_group_by_merges_instances(
    api: Api, hook: Any, clock: FakeClock
) -> None:
    url = hook()
    api.client.post(url, json=am_alert("CheckoutDown", instance="a.example.test"))
    api.client.post(url, json=am_alert("CheckoutDown", instance="b.example.test"))
    by_route = {g["route"]: g for g in groups(api)}
    assert by_route["checkout-critical"]["alert_count"] == 2
    assert by_route["checkout-critical"]["service"] == "checkout"
    # `continue` puts each alert in the next matching route's groups too (source grouping)
    assert sorted(g["alert_count"] for g in groups(api) if g["route"] == "checkout-all") == [1, 1]
    assert "never-reached" not in by_route
    assert {a["service"] for a in alerts(api).values()} == {"checkout"}


def test_unmatched_alert_takes_default_route_and_integration_service(
    api: Api, hook: Any, clock: FakeClock
) -> None:
    api.client.post(hook(), json=am_alert("Other", instance="x.example.test", service="search"))
    [group] = groups(api)
    assert group["route"] == "default"
    assert group["service"] == "web"


def test_severity_map_applies_to_the_route(api: Api, hook: Any, clock: FakeClock) -> None:
    api.client.post(hook(), json=am_alert("Slow", instance="a.example.test", severity="warning"))
    [alert] = alerts(api).values()
    assert alert["severity"] == "error"


def test_group_wait_collects_alerts_before_the_first_announcement(
    api: Api, hook: Any, clock: FakeClock
) -> None:
    url = hook()
    api.client.post(url, json=am_alert("CheckoutDown", instance="a.example.test"))
    api.run_jobs()
    assert alerts_room(api) == []
    clock.advance(timedelta(seconds=10))
    api.client.post(url, json=am_alert("CheckoutDown", instance="b.example.test"))
    clock.advance(timedelta(seconds=20))
    api.run_jobs()
    announced = [t for t in alerts_room(api) if "CheckoutDown" in t or "Checkout latency" in t]
    first = next(t for t in announced if "- Checkout latency" in t and t.count("(firing)") == 2)
    assert first.startswith("[CRITICAL] Alert group")


def test_group_interval_and_repeat_interval(api: Api, hook: Any, clock: FakeClock) -> None:
    url = hook()
    api.client.post(
        url, json=am_alert("CheckoutDown", instance="a.example.test", severity="warning", group="g")
    )
    clock.advance(timedelta(seconds=30))
    api.run_jobs()
    assert len(alerts_room(api)) == 1
    clock.advance(timedelta(minutes=1))
    api.client.post(
        url,
        json=am_alert(
            "CheckoutDown",
            instance="a.example.test",
            severity="warning",
            extra={"x": "changed"},
            group="g",
        ),
    )
    api.client.post(
        url, json=am_alert("CheckoutDown", instance="b.example.test", severity="warning", group="g")
    )
    api.run_jobs()
    assert len(alerts_room(api)) == 1  # group_interval (5m) has not passed since the first
    clock.advance(timedelta(minutes=4))
    api.run_jobs()
    updates = [t for t in alerts_room(api) if "now has 2 firing alerts" in t]
    assert len(updates) == 1
    clock.advance(timedelta(hours=4))
    api.run_jobs()
    assert any(t.startswith("[ERROR] Still firing") for t in alerts_room(api))


def test_an_unchanged_group_is_reminded_after_repeat_interval_at_its_current_severity(
    api: Api, hook: Any, clock: FakeClock
) -> None:
    url = hook()
    body = am_alert("DiskFull", instance="a.example.test", severity="critical", service="search")
    api.client.post(url, json=body)
    clock.advance(timedelta(seconds=30))
    api.run_jobs()
    assert len(alerts_room(api)) == 1
    clock.advance(timedelta(seconds=30))
    milder = am_alert("DiskFull", instance="a.example.test", severity="warning", service="search")
    assert api.client.post(url, json=milder).json()["updated"] == 1
    clock.advance(timedelta(minutes=5))  # group_interval: nothing new, so no message
    api.run_jobs()
    assert len(alerts_room(api)) == 1
    clock.advance(timedelta(hours=4))  # repeat_interval since the announcement
    api.run_jobs()
    [reminder] = [t for t in alerts_room(api) if "Still firing" in t]
    assert reminder.startswith("[WARNING] Still firing")
    assert reminder.endswith("(1 alert)")


def test_a_group_whose_alerts_partly_resolve_says_so_after_group_interval(
    api: Api, hook: Any, clock: FakeClock
) -> None:
    url = hook()
    for instance in ("a.example.test", "b.example.test"):
        body = am_alert("CheckoutDown", instance=instance, severity="warning", group="g")
        api.client.post(url, json=body)
    clock.advance(timedelta(seconds=30))
    api.run_jobs()
    assert len(alerts_room(api)) == 1
    resolved = am_alert(
        "CheckoutDown", instance="b.example.test", severity="warning", group="g", status="resolved"
    )
    assert api.client.post(url, json=resolved).status_code == 202
    clock.advance(timedelta(minutes=5))  # group_interval: an alert went away, so a message
    api.run_jobs()
    assert [t for t in alerts_room(api) if "now has 1 firing alert:" in t], alerts_room(api)


def test_resolution_cancels_pending_notifications(api: Api, hook: Any, clock: FakeClock) -> None:
    url = hook()
    firing = am_alert("Flappy", instance="a.example.test", service="search", severity="warning")
    api.client.post(url, json=firing)
    api.client.post(url, json=resolved(firing))
    clock.advance(timedelta(minutes=1))
    api.run_jobs()
    assert alerts_room(api) == []  # never announced, so no resolution message either


def test_silenced_alert_is_stored_visible_and_never_announced(
    api: Api, hook: Any, clock: FakeClock
) -> None:
    response = api.post(
        "/api/v1/silences",
        json={
            "matchers": ['alertname="DiskFull"', 'instance=~"db.*"'],
            "duration": "2h",
            "comment": "disk swap tonight",
        },
    )
    assert response.status_code == 201
    silence = response.json()
    assert silence["state"] == "active"
    api.client.post(hook(), json=am_alert("DiskFull", instance="db1.example.test"))
    [alert] = alerts(api).values()
    assert alert["silenced"] is True
    assert alert["suppressed_reason"] == f"silence:{silence['id']}"
    clock.advance(timedelta(minutes=1))
    api.run_jobs()
    assert alerts_room(api) == []
    assert api.get("/api/v1/incidents").json()["items"] == []
    expired = api.client.delete(f"/api/v1/silences/{silence['id']}", headers=api.headers)
    assert expired.json()["state"] == "expired"
    assert api.get("/api/v1/silences").json()["items"] == []
    listed = api.get("/api/v1/silences", params={"include_expired": True}).json()["items"]
    assert [s["id"] for s in listed] == [silence["id"]]
    clock.advance(timedelta(minutes=5))
    api.run_jobs()
    assert any("DiskFull" in t or "Checkout latency" in t for t in alerts_room(api))
    assert alerts(api)["DiskFull-db1.example.test"]["silenced"] is False


def test_silence_from_chat(api: Api, hook: Any, clock: FakeClock) -> None:
    reply = api.say("alerts", '/inc silence alertname="DiskFull" 30m swapping disks')
    assert reply["replies"][0]["text"].startswith('Silence #1 mutes alertname="DiskFull"')
    api.client.post(hook(), json=am_alert("DiskFull", instance="db1.example.test"))
    assert next(iter(alerts(api).values()))["silenced"] is True
    wrong = api.say("alerts", "/inc silence 30m")["replies"][0]["text"]
    assert "Usage: /inc silence" in wrong


def test_bad_silences_are_refused_with_reasons(api: Api, clock: FakeClock) -> None:
    bad = [
        ({"matchers": ["a~b"], "duration": "1h"}, "invalid matcher"),
        ({"matchers": [], "duration": "1h"}, "at least one matcher"),
        ({"matchers": ["a=b"]}, "needs an end"),
        ({"matchers": ["a=b"], "duration": "7x"}, "invalid duration"),
        ({"matchers": ["a=b"], "duration": "99999999d"}, "at most 100 years"),
        ({"matchers": ['alertname=~".*"'], "duration": "1h"}, "would mute every alert"),
        ({"matchers": ['team!="x"', 'dc=""'], "duration": "1h"}, "would mute every alert"),
    ]
    for body, message in bad:
        response = api.post("/api/v1/silences", json=body)
        assert response.status_code == 422, body
        assert message in response.json()["error"]["message"]


def test_maintenance_window_suppresses_the_services_alerts(
    api: Api, hook: Any, clock: FakeClock
) -> None:
    response = api.post(
        "/api/v1/maintenance-windows",
        json={
            "service": "checkout",
            "starts_at": START.isoformat(),
            "ends_at": (START + timedelta(hours=1)).isoformat(),
            "reason": "db upgrade",
        },
    )
    assert response.status_code == 201
    api.client.post(hook(), json=am_alert("CheckoutDown", instance="a.example.test"))
    [alert] = alerts(api).values()
    assert alert["suppressed_reason"] == "maintenance:checkout"
    clock.advance(timedelta(minutes=1))
    api.run_jobs()
    assert alerts_room(api) == []


def test_inhibition_mutes_targets_with_equal_labels(api: Api, hook: Any, clock: FakeClock) -> None:
    url = hook()
    api.client.post(
        url, json=am_alert("DatacenterDown", instance="dc", service="infra", extra={"dc": "east"})
    )
    api.client.post(
        url,
        json=am_alert(
            "SlowQueries", instance="db1", service="infra", severity="warning", extra={"dc": "east"}
        ),
    )
    api.client.post(
        url,
        json=am_alert(
            "SlowQueries", instance="db9", service="infra", severity="warning", extra={"dc": "west"}
        ),
    )
    clock.advance(timedelta(minutes=1))
    api.run_jobs()
    stored = alerts(api)
    assert stored["SlowQueries-db1"]["inhibited"] is True
    assert stored["SlowQueries-db9"]["inhibited"] is False
    assert stored["DatacenterDown-dc"]["inhibited"] is False


def test_resolve_timeout_resolves_alerts_never_resolved_by_their_source(
    api: Api, hook: Any, clock: FakeClock
) -> None:
    url = hook("generic", "scripts")
    api.client.post(url, json={"title": "Cron job late", "dedup_key": "cron-7"})
    clock.advance(timedelta(minutes=3))
    api.client.post(url, json={"title": "Cron job late", "dedup_key": "cron-7"})
    clock.advance(timedelta(minutes=3))
    api.run_jobs()
    assert next(iter(alerts(api).values()))["status"] == "firing"  # seen 3 minutes ago
    clock.advance(timedelta(minutes=3))
    api.run_jobs()
    [alert] = alerts(api).values()
    assert alert["status"] == "resolved"
    assert groups(api)[0]["status"] == "resolved"
    clock.advance(timedelta(minutes=1))
    api.client.post(url, json={"title": "Cron job late", "dedup_key": "cron-7"})
    assert next(iter(alerts(api).values()))["status"] == "firing"


def test_rate_limit_answers_503_with_retry_after_and_stores_nothing(
    api: Api, hook: Any, clock: FakeClock
) -> None:
    url = hook("generic", "limited")
    for key in ("a", "b"):
        assert api.client.post(url, json={"title": key, "dedup_key": key}).status_code == 202
    refused = api.client.post(url, json={"title": "c", "dedup_key": "c"})
    assert refused.status_code == 503
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["error"]["code"] == "overloaded"
    assert sorted(a["title"] for a in alerts(api).values()) == ["a", "b"]


def test_older_update_never_overwrites_newer(api: Api, hook: Any, clock: FakeClock) -> None:
    clock.advance(timedelta(hours=2))  # these times are in the past, as a source's are
    url = hook()
    newer = alertmanager(starts_at="2026-12-01T11:00:00Z")
    older_resolution = resolved(alertmanager(starts_at="2026-12-01T09:00:00Z"))
    api.client.post(url, json=newer)
    api.client.post(url, json=older_resolution)
    [alert] = alerts(api).values()
    assert alert["status"] == "firing"
    assert alert["starts_at"].startswith("2026-12-01T11:00:00")
    late_firing = alertmanager(starts_at="2026-12-01T11:00:00Z")
    api.client.post(url, json=resolved(newer))
    clock.advance(timedelta(seconds=30))
    api.client.post(url, json=late_firing)
    assert next(iter(alerts(api).values()))["status"] == "resolved"


def test_config_file_is_really_loaded(settings: Settings) -> None:
    assert settings.routing.routes[0].name == "checkout-critical"
    assert os.environ.get("OPSROOM_CONFIG") is None


def test_silence_matches_integration_and_source_as_routes_do(
    api: Api, hook: Any, clock: FakeClock
) -> None:
    prod, other = hook(name="prod"), hook(name="other")
    one = {"matchers": ['integration="prod"'], "duration": "1h"}
    assert api.post("/api/v1/silences", json=one).status_code == 201
    api.client.post(prod, json=am_alert("A", instance="x"))
    api.client.post(other, json=am_alert("B", instance="x"))
    two = {"matchers": ['source="alertmanager"', 'alertname="C"'], "duration": "1h"}
    assert api.post("/api/v1/silences", json=two).status_code == 201
    api.client.post(other, json=am_alert("C", instance="x"))
    reasons = {a["labels"]["alertname"]: a["suppressed_reason"] for a in alerts(api).values()}
    assert reasons == {"A": "silence:1", "B": None, "C": "silence:2"}


def test_severity_map_of_a_continued_route_sets_its_groups_severity(
    api: Api, hook: Any, clock: FakeClock
) -> None:
    routes = [
        {"name": "everything", "matchers": ['service="pay"'], "continue": True},
        {"name": "pay-web", "matchers": ['service="pay"'], "severity_map": {"warning": "error"}},
    ]
    api.container.ctx.settings.routing = RoutingConfig.model_validate({"routes": routes})
    api.client.post(hook(), json=am_alert("Slow", instance="a", service="pay", severity="warning"))
    by_route = {g["route"]: g["severity"] for g in groups(api)}
    assert by_route == {"everything": "warning", "pay-web": "error"}


def test_an_alert_that_gets_worse_makes_its_group_worse_and_declares(
    api: Api, hook: Any, clock: FakeClock
) -> None:
    url = hook()
    api.client.post(url, json=am_alert("Disk", instance="x", service="search", severity="warning"))
    clock.advance(timedelta(seconds=31))
    api.run_jobs()
    assert api.get("/api/v1/incidents").json()["items"] == []
    api.client.post(url, json=am_alert("Disk", instance="x", service="search"))  # now critical
    clock.advance(timedelta(minutes=6))
    api.run_jobs()
    [group] = groups(api)
    assert group["severity"] == "critical"
    [incident] = api.get("/api/v1/incidents").json()["items"]
    assert incident["alert_group_ids"] == [group["id"]]
    assert sum("[CRITICAL]" in text for text in alerts_room(api)) == 1
