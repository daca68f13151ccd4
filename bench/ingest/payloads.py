"""Deterministic alert bodies: alert number `i` always gives the same bytes.

The same alert is rendered two ways: an Alertmanager webhook payload (version 4, one alert)
for opsroom, and a one-element JSON list for Alertmanager's `POST /api/v2/alerts`. Re-rendering
`i` gives an exact repeat of the earlier body, so the load generator keeps only numbers, never
bodies, to send repeats later.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

Flavor = Literal["webhook", "alertmanager"]

ALERTNAMES = 40
SERVICES = 5
CRITICAL_NAMES = 2  # BenchAlert00-01 are critical: 10 of the 200 groups auto-declare an incident
ERROR_NAMES = 10  # BenchAlert02-09 are errors, the rest warnings


@dataclass(frozen=True)
class Alert:
    number: int
    fingerprint: str
    body: bytes


class AlertFactory:
    """Renders alert `i` of a run; `run_id` keeps labels distinct between runs."""

    def __init__(self, flavor: Flavor, run_id: str, started: datetime | None = None) -> None:
        self.flavor = flavor
        self.run_id = run_id
        self.started = (started or datetime.now(UTC)).replace(microsecond=0)

    def labels(self, i: int) -> dict[str, str]:
        name = i % ALERTNAMES
        service = (i // ALERTNAMES) % SERVICES
        if name < CRITICAL_NAMES:
            severity = "critical"
        elif name < ERROR_NAMES:
            severity = "error"
        else:
            severity = "warning"
        return {
            "alertname": f"BenchAlert{name:02d}",
            "service": f"bench-svc{service}",
            "severity": severity,
            "job": "node",
            "instance": f"host-{i:07d}.bench.test:9100",
            "bench_run": self.run_id,
        }

    def fingerprint(self, i: int) -> str:
        """16 hex digits like Alertmanager's, unique per (run, alert number)."""
        return hashlib.blake2b(f"{self.run_id}/{i}".encode(), digest_size=8).hexdigest()

    def alert(self, i: int) -> Alert:
        labels = self.labels(i)
        starts = (self.started + timedelta(milliseconds=i)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        annotations = {
            "summary": f"{labels['alertname']} on {labels['instance']}",
            "description": f"Benchmark alert {i} of run {self.run_id}: value above threshold",
        }
        generator = f"http://prometheus.bench.test/graph?g0.expr=bench_metric%7Bi%3D%22{i}%22%7D"
        fingerprint = self.fingerprint(i)
        if self.flavor == "alertmanager":
            document: object = [
                {
                    "labels": labels,
                    "annotations": annotations,
                    "startsAt": starts,
                    "generatorURL": generator,
                }
            ]
        else:
            group_labels = {"alertname": labels["alertname"], "service": labels["service"]}
            document = {
                "version": "4",
                "groupKey": (
                    f'{{}}:{{alertname="{labels["alertname"]}", service="{labels["service"]}"}}'
                ),
                "truncatedAlerts": 0,
                "status": "firing",
                "receiver": "opsroom",
                "groupLabels": group_labels,
                "commonLabels": labels,
                "commonAnnotations": annotations,
                "externalURL": "http://alertmanager.bench.test:9093",
                "alerts": [
                    {
                        "status": "firing",
                        "labels": labels,
                        "annotations": annotations,
                        "startsAt": starts,
                        "endsAt": "0001-01-01T00:00:00Z",
                        "generatorURL": generator,
                        "fingerprint": fingerprint,
                    }
                ],
            }
        body = json.dumps(document, separators=(",", ":")).encode()
        return Alert(number=i, fingerprint=fingerprint, body=body)
