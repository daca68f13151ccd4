"""Tables of the measurements and the per-target medians with the ratio to Alertmanager."""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any

BASELINE = "alertmanager"


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        f"{'round':>5} {'target':<25} {'phase':<7} {'load1':>5} {'alerts/s':>9} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'max ms':>8} {'2xx':>7} {'other':>6} {'lost':>5} {'srv cpu%':>8} "
        f"{'cpu us/alert':>12}"
    )
    lines = [head, "-" * len(head)]
    for row in rows:
        latency = row["latency_ms"]
        other = row["requests"] - row["ok_2xx"]
        cpu = 100 * row["server_cpu_s"] / row["elapsed_s"] if row["elapsed_s"] else 0.0
        lines.append(
            f"{row['round']:>5} {row['target']:<25} {row['phase']:<7} "
            f"{row['machine_before']['loadavg'][0]:>5.2f} {row['alerts_per_s']:>9.0f} "
            f"{latency['p50']:>8.1f} {latency['p99']:>8.1f} {latency['max'] or 0:>8.0f} "
            f"{row['ok_2xx']:>7} {other:>6} {row['lost']:>5} {cpu:>8.0f} "
            f"{cpu_per_alert(row):>12.0f}"
        )
    return "\n".join(lines)


def cpu_per_alert(row: dict[str, Any]) -> float:
    """Server CPU (with PostgreSQL's own processes) per accepted alert, in microseconds:
    unlike alerts/s it hardly depends on what else the machine runs."""
    cpu = row["server_cpu_s"] + row.get("postgres_cpu_s", 0.0)
    return 1e6 * cpu / row["ok_2xx"] if row["ok_2xx"] else float("nan")


def summarize(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Median, min and max per (target, phase) over the rounds; ratio of medians to Alertmanager."""
    keys = list(dict.fromkeys((row["target"], row["phase"]) for row in rows))
    summary = []
    for target, phase in keys:
        mine = [row for row in rows if row["target"] == target and row["phase"] == phase]
        rates = [row["alerts_per_s"] for row in mine]
        p99s = [row["latency_ms"]["p99"] for row in mine]
        summary.append(
            {
                "target": target,
                "phase": phase,
                "rounds": len(mine),
                "alerts_per_s": _spread(rates),
                "p50_ms": _spread([row["latency_ms"]["p50"] for row in mine]),
                "p99_ms": _spread(p99s),
                "cpu_us_per_alert": _spread([cpu_per_alert(row) for row in mine]),
                "load1_before": _spread([row["machine_before"]["loadavg"][0] for row in mine]),
                "lost": sum(row["lost"] for row in mine),
                "non_2xx": sum(row["requests"] - row["ok_2xx"] for row in mine),
            }
        )
    for phase in {item["phase"] for item in summary}:
        base = next((s for s in summary if s["target"] == BASELINE and s["phase"] == phase), None)
        for item in summary:
            if base and item["phase"] == phase and base["alerts_per_s"]["median"]:
                ratio = item["alerts_per_s"]["median"] / base["alerts_per_s"]["median"]
                item["ratio_to_alertmanager"] = round(ratio, 2)
    return summary


def _spread(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 1),
        "min": round(min(values), 1),
        "max": round(max(values), 1),
    }


def summary_table(summary: list[dict[str, Any]]) -> str:
    head = (
        f"{'target':<25} {'phase':<7} {'alerts/s median (min-max)':<27} "
        f"{'p99 ms median (min-max)':<25} {'cpu us/alert':>12} {'ratio':>5} {'lost':>5} "
        f"{'non-2xx':>7}"
    )
    lines = [head, "-" * len(head)]
    for item in summary:
        rate, p99 = item["alerts_per_s"], item["p99_ms"]
        rates = "{median:.0f} ({min:.0f}-{max:.0f})".format(**rate)
        p99s = "{median:.1f} ({min:.1f}-{max:.1f})".format(**p99)
        lines.append(
            f"{item['target']:<25} {item['phase']:<7} {rates:<27} {p99s:<25} "
            f"{item['cpu_us_per_alert']['median']:>12.0f} "
            f"{item.get('ratio_to_alertmanager', ''):>5} {item['lost']:>5} {item['non_2xx']:>7}"
        )
    return "\n".join(lines)


def main(path: str) -> None:
    """Print the tables of a results file again (with the summary recomputed)."""
    rows = json.loads(Path(path).read_text(encoding="utf-8"))["measurements"]
    print(table(rows))
    print()
    print(summary_table(summarize(rows)))


if __name__ == "__main__":
    main(sys.argv[1])
