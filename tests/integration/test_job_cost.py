"""What one job costs must not grow with everything opsroom holds: announcing an alert group
reads its own alerts, and claiming a job reads unfinished jobs only."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from opsroom.alert.tables import AlertRow
from opsroom.bootstrap import Container
from opsroom.config import Settings
from opsroom.jobs.tables import JobRow
from tests.conftest import Api, settings_from_yaml

CONFIG = """
inhibit_rules:
  - source_matchers: ['alertname="DatacenterDown"']
    target_matchers: ['severity=~"warning|error"']
    equal: [dc]
"""


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return settings_from_yaml(database_url, tmp_path, CONFIG)


@contextmanager
def loaded_alert_rows() -> Iterator[list[int]]:
    """Ids of the alert rows the ORM builds meanwhile."""
    loaded: list[int] = []

    def on_load(row: AlertRow, _context: Any) -> None:
        loaded.append(row.id)

    event.listen(AlertRow, "load", on_load)
    try:
        yield loaded
    finally:
        event.remove(AlertRow, "load", on_load)


def test_announcing_a_group_reads_its_alerts_not_every_open_one(api: Api, hook: Any) -> None:
    url = hook(kind="generic", name="scripts")
    body = {
        "alerts": [
            {"title": f"Disk full {n}", "severity": "warning", "labels": {"dc": "west"}}
            for n in range(40)
        ]
    }
    assert api.client.post(url, json=body).status_code == 202
    api.run_jobs()  # the 40 groups are announced
    one = {"title": "Replica lag", "severity": "warning", "labels": {"dc": "east"}}
    assert api.client.post(url, json=one).status_code == 202
    with loaded_alert_rows() as loaded:
        api.run_jobs()
    assert len(loaded) == 1  # the new group's alert; the 40 others' rows stay unread
    assert any("Replica lag" in text for text in api.messages("alerts"))


def test_inhibition_still_sees_every_firing_alert(api: Api, hook: Any) -> None:
    """Sources are looked for in the database by their labels, or by the title, severity
    or service that stand in for labels an alert lacks."""
    url = hook(kind="generic", name="scripts")
    by_label = {"alertname": "DatacenterDown", "dc": "east"}
    sources = [
        {"title": "DC east down", "severity": "critical", "labels": by_label},
        {"title": "DatacenterDown", "severity": "critical", "labels": {"dc": "north"}},
    ]
    assert api.client.post(url, json={"alerts": sources}).status_code == 202
    api.run_jobs()
    targets = [
        {"title": f"Slow queries {dc}", "severity": "warning", "labels": {"dc": dc}}
        for dc in ("east", "north", "west")
    ]
    assert api.client.post(url, json={"alerts": targets}).status_code == 202
    api.run_jobs()
    items = {a["title"]: a for a in api.get("/api/v1/alerts").json()["items"]}
    assert items["Slow queries east"]["inhibited"] is True
    assert items["Slow queries north"]["inhibited"] is True
    assert items["Slow queries west"]["inhibited"] is False
    assert items["DC east down"]["inhibited"] is False


def sqlite_plans(container: Container, run: Any) -> list[str]:
    """EXPLAIN QUERY PLAN of every SELECT on the jobs table that `run` issues."""
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM jobs" in statement:
            statements.append((statement, parameters))

    event.listen(container.engine, "before_cursor_execute", capture)
    try:
        run()
    finally:
        event.remove(container.engine, "before_cursor_execute", capture)
    plans = []
    with container.engine.connect() as connection:
        for statement, parameters in statements:
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            plans.append(" / ".join(str(row[-1]) for row in rows))
    return plans


def test_claims_and_key_order_checks_skip_finished_jobs_on_sqlite(container: Container) -> None:
    if container.engine.dialect.name != "sqlite":
        pytest.skip("a query plan of SQLite's; PostgreSQL plans by its statistics")
    now = container.ctx.clock.now()
    with container.uow() as uow:
        job = uow.jobs.enqueue("chat.deliver", {}, now=now, queue="slack", key="channel:C1")
        uow.commit()
    lease = timedelta(minutes=1)

    def claim_and_check() -> None:
        with container.uow() as uow:
            uow.jobs.claim("w", now=now, limit=20, lease=lease, queues=["slack"])
            row = uow.session.get(JobRow, job.id)
            assert row is not None
            uow.jobs.earlier_unfinished(row)

    plans = sqlite_plans(container, claim_and_check)
    assert len(plans) == 2
    for plan in plans:
        # (queue, status, due_at) reaches queued and running jobs only; (queue, key, id)
        # would walk every finished job of the queue or key.
        assert "ix_jobs_queue_status_due_at" in plan, plan
