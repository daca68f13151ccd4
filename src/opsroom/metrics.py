"""Prometheus metrics of one opsroom process, on a registry of its own (no globals)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.alerts_received = Counter(
            "opsroom_alerts_received",
            "Alerts received from integrations.",
            ["source"],
            registry=self.registry,
        )
        self.alerts_deduplicated = Counter(
            "opsroom_alerts_deduplicated",
            "Alerts that were exact repeats of a stored alert.",
            ["source"],
            registry=self.registry,
        )
        self.hook_rejected = Counter(
            "opsroom_hook_requests_rejected",
            "Inbound hook requests refused, by reason.",
            ["reason"],
            registry=self.registry,
        )
        self.incidents_declared = Counter(
            "opsroom_incidents_declared",
            "Incidents declared.",
            ["trigger"],
            registry=self.registry,
        )
        self.jobs_processed = Counter(
            "opsroom_jobs_processed",
            "Jobs run by this process, by kind and outcome.",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.ingest_seconds = Histogram(
            "opsroom_ingest_seconds",
            "Time to durably store one hook request.",
            registry=self.registry,
        )
        self.ingest_batch_size = Histogram(
            "opsroom_ingest_batch_size",
            "Hook requests committed together in one transaction (group commit).",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
            registry=self.registry,
        )
