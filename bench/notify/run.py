"""How fast the job worker works off the announcements of many pending alert groups.

Stores GROUPS alerts that each open a group of their own (distinct `alertname`s through a
generic integration whose service has an escalation policy, so each announcement also starts
an escalation and pages someone in the built-in chat), then runs the worker threads that
`opsroom serve` runs and reports `alert_group.notify` jobs per minute, and the SQL statements
the worker issued per notify job. Run from the repository root:

    .venv/bin/python -m bench.notify.run --groups 1000
    .venv/bin/python -m bench.notify.run --groups 1000 --database-url postgresql://...
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select, text

from opsroom.alert.notify import NOTIFY
from opsroom.alert.service import create_integration, ingest
from opsroom.bootstrap import bootstrap, ensure_channels, start_worker_threads
from opsroom.config import load_settings
from opsroom.db.engine import build_engine
from opsroom.db.migrate import upgrade
from opsroom.jobs.repository import DONE
from opsroom.jobs.tables import JobRow
from opsroom.sources.base import HookRequest

CONFIG = """
logging: {level: warning}
integrations:
  bench: {service: checkout}
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
    rate_limit: {max_pages: 1000000, per: 1m}
"""
# The README's example rule: a firing DatacenterDown mutes warnings and errors of its dc.
INHIBIT = """
inhibit_rules:
  - source_matchers: ['alertname="DatacenterDown"']
    target_matchers: ['severity=~"warning|error"']
    equal: [dc]
"""


def prepare(url: str) -> None:
    engine = build_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    engine.dispose()


def store_alerts(container: Any, groups: int, names: int, severity: str) -> None:
    source = container.sources["generic"]
    with container.uow() as uow:
        integration, _ = create_integration(
            uow, container.ctx, kind="generic", name="bench", known_kinds={"generic"}
        )
        uow.commit()
    for start in range(0, groups, 100):
        body = {
            "alerts": [
                {
                    "title": f"Storm alert {n}",
                    "severity": severity,
                    "labels": {"alertname": f"Storm{n % names}", "instance": f"host-{n}"},
                }
                for n in range(start, min(groups, start + 100))
            ]
        }
        parsed = source.parse(HookRequest(headers={}, body=json.dumps(body).encode(), query={}))
        with container.uow() as uow:
            row = uow.alerts.integration_by_name("bench")
            ingest(uow, container.ctx, row, parsed.alerts)
            uow.commit()
    del integration


def notify_counts(container: Any) -> tuple[int, int]:
    with container.uow() as uow:
        done = uow.session.scalar(
            select(func.count()).where(JobRow.kind == NOTIFY, JobRow.status == DONE)
        )
        total = uow.session.scalar(select(func.count()).where(JobRow.kind == NOTIFY))
    return int(done or 0), int(total or 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--names", type=int, default=0, help="distinct alertnames (0: groups)")
    parser.add_argument("--database-url", default=os.environ.get("OPSROOM_BENCH_DATABASE_URL"))
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--inhibit", action="store_true", help="with the README's inhibit rule")
    parser.add_argument("--severity", default="critical", help="critical declares incidents")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        prepare(url)
        config = Path(tmp) / "opsroom.yaml"
        config.write_text(CONFIG + (INHIBIT if args.inhibit else ""), encoding="utf-8")
        settings = load_settings(
            config, var_dir=tmp, database={"url": url}, server={"secret_key": "bench-only"}
        )
        container = bootstrap(settings)
        ensure_channels(container)
        started = time.monotonic()
        store_alerts(container, args.groups, args.names or args.groups, args.severity)
        print(f"stored {args.groups} alerts in {time.monotonic() - started:.1f} s")
        _, pending = notify_counts(container)
        statements = [0]

        @event.listens_for(container.engine, "before_cursor_execute")
        def _count(*_: Any) -> None:
            if threading.current_thread().name.startswith("opsroom-worker"):
                statements[0] += 1

        stop = threading.Event()
        started = time.monotonic()
        threads = start_worker_threads(container, stop)
        done = 0
        while time.monotonic() - started < args.timeout:
            time.sleep(0.5)
            done, _ = notify_counts(container)
            if done >= pending:
                break
        elapsed = time.monotonic() - started
        stop.set()
        container.wake.set()
        for thread in threads:
            thread.join(timeout=10)
        print(
            f"notify jobs: {done} of {pending} in {elapsed:.1f} s = "
            f"{done / elapsed * 60:.0f}/min; worker SQL statements: {statements[0]} "
            f"({statements[0] / max(done, 1):.1f} per notify job)"
        )
        container.close()


if __name__ == "__main__":
    main()
