"""Delay from an escalation step's due time to its page being handed to the notifier.

Creates STEPS escalations whose first step is due at staggered instants a few seconds ahead,
starts K real `opsroom worker` processes on PostgreSQL, waits until every page was handed to
its channel (the built-in chat DM, so no network is measured), and reports p50/p99/max of
`pages.handed_at - escalation_step_runs.due_at`. Run from the repository root:

    .venv/bin/python bench/escalation/run.py --workers 1 2 4
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, text

from opsroom.bootstrap import bootstrap
from opsroom.config import load_settings
from opsroom.db.engine import build_engine
from opsroom.db.migrate import upgrade
from opsroom.escalation.model import Position
from opsroom.escalation.service import schedule
from opsroom.escalation.tables import EscalationRow, StepRunRow
from opsroom.notify.tables import PageRow

OPSROOM = str(Path(sys.executable).with_name("opsroom"))
CONFIG = """
escalation_policies:
  - name: bench
    steps:
      - targets: [user:pager]
        wait: 1h
users:
  - name: pager
    contacts: [{kind: chat}]
    rate_limit: {max_pages: 1000000, per: 1m}
"""


def reset(url: str) -> None:
    engine = build_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    engine.dispose()


def create_steps(config: Path, url: str, steps: int, spread: float, lead: float) -> None:
    settings = load_settings(config, database={"url": url})
    container = bootstrap(settings)
    start = datetime.now(UTC) + timedelta(seconds=lead)
    with container.uow() as uow:
        for n in range(steps):
            row = uow.escalations.add(
                EscalationRow(policy="bench", title=f"bench {n}", status="active", started_at=start)
            )
            due = start + timedelta(seconds=spread * n / steps)
            schedule(uow, container.ctx, row, Position(0, 0), due)
        uow.commit()
    container.close()


def delays(url: str) -> list[float]:
    settings = load_settings(Path(os.devnull), database={"url": url})
    container = bootstrap(settings)
    with container.uow() as uow:
        rows = uow.session.execute(
            select(PageRow.handed_at, StepRunRow.due_at).join(
                StepRunRow, StepRunRow.escalation_id == PageRow.escalation_id
            )
        ).all()
    container.close()
    return [(handed - due).total_seconds() for handed, due in rows if handed is not None]


def start_workers(env: dict[str, str], count: int) -> list[subprocess.Popen[str]]:
    """Start the workers and wait until each says it started (imports take a while)."""
    procs = [
        subprocess.Popen([OPSROOM, "worker"], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(count)
    ]
    for proc in procs:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "started" in line, line
    return procs


def run(url: str, workers: int, steps: int, spread: float, poll: float) -> dict[str, float]:
    reset(url)
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "opsroom.yaml"
        config.write_text(CONFIG, encoding="utf-8")
        env = {
            **os.environ,
            "OPSROOM_CONFIG": str(config),
            "OPSROOM_DATABASE__URL": url,
            "OPSROOM_VAR_DIR": tmp,
            "OPSROOM_WORKER__POLL_INTERVAL": str(poll),
            "OPSROOM_LOGGING__LEVEL": "warning",
            "PYTHONUNBUFFERED": "1",  # the "worker ... started" line arrives at once
        }
        procs = start_workers(env, workers)
        load = os.getloadavg()[0]
        try:
            create_steps(config, url, steps, spread, lead=2.0)
            deadline = time.monotonic() + spread + 120
            while len(found := delays(url)) < steps and time.monotonic() < deadline:
                time.sleep(0.5)
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(15)
    found.sort()
    return {
        "pages": len(found),
        "p50": statistics.median(found),
        "p99": found[min(len(found) - 1, int(len(found) * 0.99))],
        "max": found[-1],
        "load": max(load, os.getloadavg()[0]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--spread", type=float, default=20.0, help="seconds the due times span")
    parser.add_argument("--poll", type=float, default=0.25, help="worker poll interval (s)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "OPSROOM_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench_escalation"
        ),
    )
    args = parser.parse_args()
    print(f"{args.steps} steps due over {args.spread:g} s, poll interval {args.poll:g} s")
    print("workers  pages  p50 (ms)  p99 (ms)  max (ms)  load avg (1 min)")
    for count in args.workers:
        result = run(args.database_url, count, args.steps, args.spread, args.poll)
        print(
            f"{count:>7}  {result['pages']:>5}  {result['p50'] * 1000:>8.0f}  "
            f"{result['p99'] * 1000:>8.0f}  {result['max'] * 1000:>8.0f}  {result['load']:>6.1f}"
        )


if __name__ == "__main__":
    main()
