"""Alertmanager webhook payloads (version 4) for integration tests; made-up hosts only."""

from __future__ import annotations

import copy
from typing import Any


def alertmanager(
    status: str = "firing",
    *,
    alertname: str = "CheckoutLatencyHigh",
    severity: str = "critical",
    summary: str = "Checkout latency is above 2s",
    fingerprint: str = "a1b2c3d4e5f60718",
    starts_at: str = "2026-12-01T10:00:00Z",
    ends_at: str = "0001-01-01T00:00:00Z",
    extra_alerts: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    alert = {
        "status": status,
        "labels": {
            "alertname": alertname,
            "severity": severity,
            "instance": "checkout-api.example.test:9100",
            "service": "checkout",
        },
        "annotations": {"summary": summary, "description": "p99 latency of checkout-api is 2.4s"},
        "startsAt": starts_at,
        "endsAt": ends_at if status == "firing" else "2026-12-01T10:20:00Z",
        "generatorURL": "http://prometheus.example.test:9090/graph?g0.expr=latency",
        "fingerprint": fingerprint,
    }
    alerts = [alert, *(extra_alerts or [])]
    return {
        "receiver": "opsroom",
        "status": status,
        "alerts": alerts,
        "groupLabels": {"alertname": alertname},
        "commonLabels": {"alertname": alertname},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example.test:9093",
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{alertname}"}}',
        "truncatedAlerts": 0,
    }


def resolved(payload: dict[str, Any]) -> dict[str, Any]:
    done = copy.deepcopy(payload)
    done["status"] = "resolved"
    for alert in done["alerts"]:
        alert["status"] = "resolved"
        alert["endsAt"] = "2026-12-01T10:20:00Z"
    return done
