"""An alert storm turns into a handful of groups and pages, not thousands (issue 3).

With no `group_by` configured, generic alerts, whose dedup key only names one alert, group by
integration, `alertname` and `service`; Alertmanager's groups stay its own. The clock is
fake, so group_interval is exact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from opsroom.clock import FakeClock
from opsroom.config import Settings
from opsroom.escalation.tables import EscalationRow
from opsroom.notify.tables import PageRow
from tests.conftest import Api, settings_from_yaml
from tests.integration.payloads import alertmanager

CONFIG = """
integrations:
  scripts:
    service: checkout
services:
  - name: checkout
    escalation_policy: checkout-oncall
escalation_policies:
  - name: checkout-oncall
    steps:
      - targets: [user:pager]
        wait: 1h
users:
  - name: pager
    contacts: [{kind: chat}]
    rate_limit: {max_pages: 10000, per: 1m}
"""


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return settings_from_yaml(database_url, tmp_path, CONFIG)


@pytest.fixture
def clock(api: Api) -> FakeClock:
    fake = FakeClock(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    api.container.ctx.clock = fake
    return fake


def storm(start: int, count: int, alertname: str = "DiskFull") -> dict[str, Any]:
    return {
        "alerts": [
            {
                "title": f"Disk full on host-{n}.example.test",
                "severity": "error",
                "dedup_key": f"disk-host-{n}",
                "labels": {"alertname": alertname, "instance": f"host-{n}.example.test"},
            }
            for n in range(start, start + count)
        ]
    }


def groups(api: Api) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.get("/api/v1/alert-groups?limit=500").json()["items"]
    return items


def counts(api: Api) -> tuple[int, int]:
    """(escalations started, pages sent)."""
    with api.container.uow() as uow:
        escalations = uow.session.scalar(select(func.count()).select_from(EscalationRow))
        pages = uow.session.scalar(select(func.count()).select_from(PageRow))
    return int(escalations or 0), int(pages or 0)


def test_a_storm_of_one_alertname_is_one_group_one_escalation_and_two_messages(
    api: Api, hook: Any, clock: FakeClock
) -> None:
    url = hook(kind="generic", name="scripts")
    assert api.client.post(url, json=storm(0, 100)).status_code == 202
    api.run_jobs()  # the worker announces the group while the storm goes on
    for start in range(100, 1000, 100):
        assert api.client.post(url, json=storm(start, 100)).status_code == 202
        api.run_jobs()
    clock.advance(timedelta(minutes=1))  # group_interval
    api.run_jobs()
    [group] = groups(api)
    assert group["alert_count"] == 1000
    announced = [text for text in api.messages("alerts") if text.startswith("[")]
    assert len(announced) == 2, announced
    assert "now has 1000 firing alerts" in announced[1]
    assert announced[1].endswith("... and 990 more")  # the built-in chat lists 10
    assert counts(api) == (1, 1)


def test_alert_names_and_service_labels_make_groups_and_dedup_keys_still_name_alerts(
    api: Api, hook: Any, clock: FakeClock
) -> None:
    url = hook(kind="generic", name="scripts")
    alerts = [
        {"title": "Disk full", "dedup_key": "a", "labels": {"alertname": "DiskFull"}},
        {"title": "Disk full", "dedup_key": "b", "labels": {"alertname": "DiskFull"}},
        {
            "title": "Disk full",
            "dedup_key": "c",
            "labels": {"alertname": "DiskFull", "service": "db"},
        },
        {"title": "CPU hot", "dedup_key": "d", "labels": {"alertname": "CpuHot"}},
        # Without an alertname label, the title is the alert's name.
        {"title": "Backup failed", "dedup_key": "e"},
        {"title": "Backup failed", "dedup_key": "f", "labels": {"host": "db2.example.test"}},
    ]
    assert api.client.post(url, json={"alerts": alerts}).status_code == 202
    again = {"title": "Disk full", "dedup_key": "a", "labels": {"alertname": "DiskFull"}}
    assert api.client.post(url, json=again).json()["deduplicated"] == 1
    sizes = sorted(g["alert_count"] for g in groups(api))
    assert sizes == [1, 1, 2, 2]
    assert len(api.get("/api/v1/alerts").json()["items"]) == 6


def test_alertmanager_groups_stay_its_own(api: Api, hook: Any, clock: FakeClock) -> None:
    url = hook()
    for instance in ("a", "b"):
        payload = alertmanager(alertname="DiskFull", fingerprint=f"disk-{instance}")
        payload["groupKey"] = f'{{}}:{{instance="{instance}"}}'
        assert api.client.post(url, json=payload).status_code == 202
    assert sorted(g["alert_count"] for g in groups(api)) == [1, 1]
