"""One benchmark measurement: start a target, load it, verify what it stored, stop it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvloop

from bench.ingest import targets
from bench.ingest.loadgen import Plan, Result, run_load
from bench.ingest.payloads import AlertFactory, Flavor

TARGETS: dict[str, tuple[Flavor, Callable[[Path], AbstractContextManager[targets.Server]]]] = {
    "alertmanager": ("alertmanager", lambda w: targets.alertmanager(w, receiver=True)),
    "alertmanager-no-receiver": ("alertmanager", lambda w: targets.alertmanager(w, receiver=False)),
    "opsroom-sqlite": ("webhook", lambda w: targets.opsroom(w, "sqlite")),
    "opsroom-postgres": ("webhook", lambda w: targets.opsroom(w, "postgres")),
}


@dataclass(frozen=True)
class Phase:
    name: str  # "closed" (as fast as it answers) or "rate" (fixed arrivals per second)
    duration: float
    concurrency: int
    rate: float | None = None


def machine_state() -> dict[str, Any]:
    """What else runs on the machine right before a measurement."""
    load1, load5, load15 = os.getloadavg()
    return {
        "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "loadavg": [round(load1, 2), round(load5, 2), round(load15, 2)],
        "uptime": Path("/proc/uptime").read_text().split()[0],
    }


def _profiler(pid: int, out: Path, seconds: float) -> subprocess.Popen[bytes] | None:
    """py-spy on the server for the load's duration (GIL-holding samples, raw stacks)."""
    spy = shutil.which("py-spy") or str(targets.ROOT / ".venv" / "bin" / "py-spy")
    if not Path(spy).exists():
        targets.log("--profile: py-spy is not installed (pip install py-spy); not profiling")
        return None
    args = [spy, "record", "-p", str(pid), "-o", str(out), "--format", "raw", "--gil"]
    return subprocess.Popen([*args, "-r", "200", "-d", str(max(1, int(seconds)))])


def measure(
    target: str, phase: Phase, workdir: Path, round_no: int, profile: Path | None = None
) -> dict[str, Any]:
    flavor, start = TARGETS[target]
    run_id = uuid.uuid4().hex[:10]
    before = machine_state()
    targets.log(f"round {round_no} {target} {phase.name}: load {before['loadavg']}")
    folder = f"{round_no}-{target}-{phase.name}".replace("@", "-")
    with start(workdir / folder) as server:
        factory = AlertFactory(flavor, run_id)
        plan = Plan(factory, classify=flavor == "webhook")
        cpu_server = targets.process_cpu(server.pid)
        cpu_pg = targets.postgres_cpu()
        busy0, total0 = targets.machine_cpu()
        spy = None
        if profile is not None and server.database_url:
            profile.mkdir(parents=True, exist_ok=True)
            out = profile / f"{round_no}-{target}-{phase.name}.txt"
            spy = _profiler(server.pid, out, phase.duration)
        result: Result = uvloop.run(
            run_load(
                server.endpoint,
                plan,
                concurrency=phase.concurrency,
                duration=phase.duration,
                rate=phase.rate,
            )
        )
        busy1, total1 = targets.machine_cpu()
        if spy is not None:
            spy.wait()
        row = {
            "round": round_no,
            "target": target,
            "phase": phase.name,
            "run_id": run_id,
            "machine_before": before,
            **result.summary(),
            "server_cpu_s": round(targets.process_cpu(server.pid) - cpu_server, 2),
            "server_rss_mib": _rss_mib(server.pid),
            "machine_busy_pct": round(100 * (busy1 - busy0) / max(1.0, total1 - total0), 1),
        }
        if target == "opsroom-postgres":
            row["postgres_cpu_s"] = round(targets.postgres_cpu() - cpu_pg, 2)
        row |= verify(server, factory, result)
    targets.log(
        f"  {row['alerts_per_s']} alerts/s, p50 {row['latency_ms']['p50']} ms, "
        f"p99 {row['latency_ms']['p99']} ms, lost {row['lost']}"
    )
    return row


def verify(server: targets.Server, factory: AlertFactory, result: Result) -> dict[str, Any]:
    """Every alert answered 2xx must be stored: opsroom's database, Alertmanager's memory."""
    if server.database_url:
        stored = targets.stored_fingerprints(server)
        lost = result.acked - stored
        extra: dict[str, Any] = {}
    else:
        stored = _alertmanager_fingerprints(server, factory)
        lost = result.acked - stored
        extra = {"sink": _sink_stats(server)} if server.sink_url else {}
    return {
        "stored": len(stored),
        "lost": len(lost),
        "lost_examples": sorted(lost)[:5],
        **extra,
    }


def _alertmanager_fingerprints(server: targets.Server, factory: AlertFactory) -> set[str]:
    """Our fingerprints of the alerts Alertmanager holds, found by their `instance` label."""
    query = urllib.parse.urlencode({"filter": f'bench_run="{factory.run_id}"'})
    with urllib.request.urlopen(f"{server.base_url}/api/v2/alerts?{query}", timeout=120) as answer:
        alerts = json.load(answer)
    numbers = {int(a["labels"]["instance"].split("-")[1].split(".")[0]) for a in alerts}
    return {factory.fingerprint(i) for i in numbers}


def _sink_stats(server: targets.Server) -> dict[str, int]:
    with urllib.request.urlopen(server.sink_url, timeout=10) as answer:
        stats: dict[str, int] = json.load(answer)
        return stats


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0
