"""Pure alert vocabulary: normalized alerts, severities, fingerprints. Standard library only."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from opsroom.text import neutral


class AlertStatus(StrEnum):
    FIRING = "firing"
    ACKNOWLEDGED = "acknowledged"  # still a problem, but someone is on it in the source tool
    RESOLVED = "resolved"

    @property
    def is_open(self) -> bool:
        return self is not AlertStatus.RESOLVED


SEVERITY_ORDER = ("critical", "error", "warning", "info")

_SEVERITY_SYNONYMS = {
    "critical": ("critical", "crit", "fatal", "emergency", "emerg", "disaster", "page", "p1"),
    "error": ("error", "err", "high", "major", "p2"),
    "warning": ("warning", "warn", "medium", "minor", "average", "p3"),
    "info": ("info", "informational", "information", "low", "notice", "ok", "none", "p4", "p5"),
}
_SEVERITY_LOOKUP = {
    alias: name for name, aliases in _SEVERITY_SYNONYMS.items() for alias in aliases
}
_SEV_LEVELS = {"sev1": "critical", "sev2": "error", "sev3": "warning", "sev4": "info"}


def normalize_severity(value: str | None, default: str = "warning") -> str:
    """Map a source's severity word onto critical/error/warning/info."""
    if not value:
        return default
    key = value.strip().lower()
    return _SEVERITY_LOOKUP.get(key) or _SEV_LEVELS.get(key) or default


def most_severe(severities: list[str]) -> str:
    ranked = [s for s in SEVERITY_ORDER if s in severities]
    return ranked[0] if ranked else "warning"


@dataclass(frozen=True)
class Link:
    url: str
    text: str = ""


@dataclass(frozen=True)
class NormalizedAlert:
    """One alert as every source is mapped to it."""

    fingerprint: str
    status: AlertStatus
    severity: str
    title: str
    group_key: str
    description: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    links: tuple[Link, ...] = ()
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    # The source says the alert is in downtime/maintenance: store it, never page for it.
    suppressed: bool = False
    # Whether `group_key` is a group the source formed (Alertmanager's groupKey, a Nagios
    # host, a Datadog monitor). False: it only names the alert itself (a generic dedup_key),
    # and opsroom groups by alert name instead.
    source_groups: bool = True
    # The source only says the status changed (PagerDuty acknowledge/resolve, Opsgenie close):
    # ingest keeps the stored title, labels and the rest, and takes just the new status.
    status_only: bool = False
    # False when the source gave no severity (a resolution such as Site24x7's UP): `severity`
    # is only a placeholder, and ingest keeps the stored alert's severity.
    severity_known: bool = True
    # The source's start was later than opsroom received the alert (a sender with a bad
    # clock): `starts_at` is the receive time, and ingest keeps a stored start instead.
    clock_ahead: bool = False

    def __post_init__(self) -> None:
        # Alert text reaches terminals and chat: no escapes, controls or bidi overrides.
        object.__setattr__(self, "title", neutral(self.title, one_line=True))
        object.__setattr__(self, "description", neutral(self.description))

    def content_hash(self) -> str:
        """Hash of everything but timestamps of delivery: equal hashes mean an exact repeat."""
        content = {
            "status": self.status.value,
            "severity": self.severity,
            "title": self.title,
            "description": self.description,
            "labels": self.labels,
            "annotations": self.annotations,
            "links": [[link.url, link.text] for link in self.links],
            "starts_at": self.starts_at.isoformat() if self.starts_at else None,
            "ends_at": self.ends_at.isoformat() if self.ends_at else None,
            "suppressed": self.suppressed,
        }
        encoded = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(encoded.encode()).hexdigest()


MAX_LABELS = 256
MAX_LABEL_NAME = 256
MAX_LABEL_VALUE = 8192


def label_problem(alert: NormalizedAlert) -> str | None:
    """Why an alert's labels or annotations are too big to store, or None."""
    for kind, values in (("labels", alert.labels), ("annotations", alert.annotations)):
        if len(values) > MAX_LABELS:
            return f"{len(values)} {kind}; at most {MAX_LABELS} are accepted"
        for name, value in values.items():
            if len(name) > MAX_LABEL_NAME:
                return f"{kind} name {name[:40]!r}... is over {MAX_LABEL_NAME} characters"
            if kind == "labels" and len(value) > MAX_LABEL_VALUE:
                return f"label {name!r} is over {MAX_LABEL_VALUE} characters"
    return None


def fingerprint(kind: str, identity: dict[str, str]) -> str:
    """A reproducible sha256 over the source kind and sorted identifying fields.

    The fields are JSON-encoded (strings quoted and escaped), so no key or value can imitate
    a separator: `{"a": "b=c"}` and `{"a=b": "c"}` never collide, nor do values holding
    control characters.
    """
    encoded = json.dumps([kind, sorted(identity.items())], separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


def alert_name(alert: NormalizedAlert) -> str:
    """What Alertmanager calls `alertname`: the label, else the title (as matchers see it)."""
    return alert.labels.get("alertname") or alert.title


def key_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
