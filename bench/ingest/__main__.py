"""`python -m bench.ingest`: load opsroom (SQLite, PostgreSQL) and Alertmanager, same alerts.

Each round measures every target twice on a fresh server: as fast as it answers with
`--concurrency` connections (closed loop), then at a fixed `--rate` of arrivals. Targets are
interleaved per round so a neighbour's load on the machine hits them alike. Results go to
bench/results/ingest-<time>.json and a table is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

from bench.ingest import report, targets
from bench.ingest.run import TARGETS, Phase, measure

RESULTS = Path(__file__).resolve().parents[1] / "results"
BASELINE = "opsroom-sqlite@baseline"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=20.0, help="closed-loop seconds")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=1000.0, help="fixed-rate alerts/s")
    parser.add_argument("--rate-duration", type=float, default=15.0)
    parser.add_argument("--targets", default=",".join(TARGETS), help="comma-separated")
    parser.add_argument("--phases", default="closed,rate", help="closed, rate or both")
    parser.add_argument("--out", type=Path, help="result file (default bench/results/...)")
    parser.add_argument("--profile", type=Path, help="folder for py-spy stacks of opsroom")
    parser.add_argument(
        "--pg-database",
        default=targets.PG_DATABASE,
        help="PostgreSQL database dropped and re-created for opsroom-postgres",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout with its .venv (e.g. /work/main): adds opsroom-sqlite@baseline",
    )
    args = parser.parse_args(argv)
    targets.PG_DATABASE = args.pg_database
    if args.baseline:
        TARGETS[BASELINE] = (
            "webhook",
            partial(targets.opsroom, backend="sqlite", root=args.baseline),
        )
        if BASELINE not in args.targets:
            args.targets += f",{BASELINE}"
    chosen = [name.strip() for name in args.targets.split(",") if name.strip()]
    unknown = set(chosen) - set(TARGETS)
    if unknown:
        parser.error(f"unknown targets {sorted(unknown)}: use {', '.join(TARGETS)}")
    phases = {
        "closed": Phase("closed", args.duration, args.concurrency),
        "rate": Phase("rate", args.rate_duration, args.concurrency, rate=args.rate),
    }
    wanted = [phases[name] for name in args.phases.split(",")]
    out = args.out or RESULTS / f"ingest-{time.strftime('%Y%m%dT%H%M%S')}.json"
    document: dict[str, Any] = {
        "machine": machine(args.baseline),
        "args": vars(args) | {"out": str(out)},
    }
    rows: list[dict[str, Any]] = []
    document["measurements"] = rows
    with tempfile.TemporaryDirectory(prefix="opsroom-bench-") as work:
        for round_no in range(1, args.rounds + 1):
            for phase in wanted:
                for target in chosen:
                    if target == BASELINE and phase.rate is not None:
                        continue  # far below the rate: it would only queue for minutes
                    rows.append(measure(target, phase, Path(work), round_no, args.profile))
                    _write(out, document)
    document["summary"] = report.summarize(rows)
    _write(out, document)
    print(report.table(rows))
    print()
    print(report.summary_table(document["summary"]))
    print(f"\nresults: {out}")
    lost = sum(row["lost"] for row in rows if row["target"].startswith("opsroom"))
    return 1 if lost else 0


def _write(out: Path, document: dict[str, Any]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")


def machine(baseline: Path | None) -> dict[str, Any]:
    def first_line(args: list[str]) -> str:
        done = subprocess.run(args, capture_output=True, text=True, check=False)
        return (done.stdout or done.stderr).strip().splitlines()[0] if done.returncode == 0 else ""

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "",
    )
    return {
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)),
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "alertmanager": first_line([targets.ALERTMANAGER, "--version"]),
        "postgres": first_line(["psql", *targets.PG_ADMIN, "-Atc", "select version()"]),
        "git": first_line(["git", "-C", str(targets.ROOT), "describe", "--always", "--dirty"]),
        "baseline_git": (
            first_line(["git", "-C", str(baseline), "describe", "--always", "--dirty"])
            if baseline
            else None
        ),
    }


if __name__ == "__main__":
    sys.exit(main())
