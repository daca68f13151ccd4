"""Datadog Webhooks integration, with the payload template documented in this folder's README."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from opsroom.alert.model import (
    AlertStatus,
    Link,
    NormalizedAlert,
    fingerprint,
    normalize_severity,
    truncate,
)
from opsroom.errors import UnsupportedPayloadError
from opsroom.sources.base import HookRequest, HookResult, capped_raw, epoch_time, unsupported

# $ALERT_TRANSITION -> status; the Re- forms are Datadog's renotifications of the same state.
TRANSITIONS = {
    "Triggered": AlertStatus.FIRING,
    "Re-Triggered": AlertStatus.FIRING,
    "Renotify": AlertStatus.FIRING,
    "Warn": AlertStatus.FIRING,
    "Re-Warn": AlertStatus.FIRING,
    "No Data": AlertStatus.FIRING,
    "Re-No Data": AlertStatus.FIRING,
    "Recovered": AlertStatus.RESOLVED,
}
WARNING_TRANSITIONS = {"Warn", "Re-Warn", "No Data", "Re-No Data"}
ALERT_TYPES = {"error": "error", "warning": "warning", "info": "info", "success": "info"}
# "[P2] [Triggered on {host:db1}] Disk full" -> "Disk full": one title for the alert's whole life.
TITLE_PREFIX = re.compile(
    r"^(\[P[1-5]\]\s*)?\[(" + "|".join(map(re.escape, TRANSITIONS)) + r")( on \{[^}]*\})?\]\s*"
)


class _Payload(BaseModel):
    """The README template: Datadog fills every variable in as a string, unset ones as ""."""

    model_config = ConfigDict(extra="allow")

    alert_id: str
    alert_transition: str
    id: str = ""
    aggreg_key: str = ""
    alert_cycle_key: str = ""
    alert_type: str = ""
    alert_status: str = ""
    alert_priority: str = ""
    alert_title: str = ""
    alert_scope: str = ""
    alert_query: str = ""
    alert_metric: str = ""
    event_title: str = ""
    event_type: str = ""
    event_msg: str = ""
    hostname: str = ""
    tags: str = ""
    link: str = ""
    snapshot: str = ""
    date: str = ""
    last_updated: str = ""
    org_id: str = ""
    org_name: str = ""


class DatadogSource:
    kind = "datadog"

    def parse(self, request: HookRequest) -> HookResult:
        data = request.json(hint="untick 'Encode as form' on the Datadog webhook")
        if not isinstance(data, dict):
            raise UnsupportedPayloadError("not a datadog payload: expected a JSON object")
        try:
            payload = _Payload.model_validate(data)
        except ValidationError as exc:
            raise unsupported(self.kind, exc) from exc
        status = TRANSITIONS.get(payload.alert_transition)
        if status is None:
            raise UnsupportedPayloadError(
                f"unsupported datadog alert_transition {payload.alert_transition!r}: expected "
                f"one of {', '.join(TRANSITIONS)} (is the webhook used outside a monitor?)"
            )
        if not payload.alert_id:
            raise UnsupportedPayloadError(
                "not a datadog monitor notification: alert_id is empty ($ALERT_ID is only set "
                "for monitor alerts)"
            )
        return HookResult(alerts=[self._normalize(payload, status, data)])

    def _normalize(
        self, payload: _Payload, status: AlertStatus, raw: dict[str, Any]
    ) -> NormalizedAlert:
        # One alert per monitor group: $AGGREG_KEY is Datadog's key for the events that belong
        # together; the scope keeps groups apart even where that key is empty.
        identity = {
            "alert_id": payload.alert_id,
            "aggreg_key": payload.aggreg_key,
            "scope": payload.alert_scope,
        }
        title = TITLE_PREFIX.sub("", payload.event_title or payload.alert_title)
        at = _epoch_ms(payload.date)
        return NormalizedAlert(
            fingerprint=fingerprint(self.kind, identity),
            status=status,
            severity=_severity(payload),
            # A recovery's alert_type is "success", no severity: only its priority says one.
            severity_known=status.is_open or bool(payload.alert_priority),
            title=truncate(title or f"Datadog monitor {payload.alert_id}", 500),
            description=_message(payload.event_msg),
            group_key=f"datadog-monitor:{payload.alert_id}",
            labels=_labels(payload),
            annotations={"alert_status": payload.alert_status} if payload.alert_status else {},
            links=_links(payload),
            starts_at=at if status.is_open else None,
            ends_at=None if status.is_open else at,
            raw=capped_raw(raw),
        )


def _severity(payload: _Payload) -> str:
    if payload.alert_transition in WARNING_TRANSITIONS or payload.alert_type == "warning":
        return "warning"  # a warn threshold or missing data: worth a look, not an error page
    if payload.alert_priority:
        return normalize_severity(payload.alert_priority, default="error")
    return ALERT_TYPES.get(payload.alert_type, "error")


def _labels(payload: _Payload) -> dict[str, str]:
    labels: dict[str, str] = {}
    for tag in filter(None, (part.strip() for part in payload.tags.split(","))):
        name, _, value = tag.partition(":")
        labels[name] = f"{labels[name]},{value}" if labels.get(name) else value
    fields = {
        "monitor_id": payload.alert_id,
        "scope": payload.alert_scope,
        "host": payload.hostname,
        "priority": payload.alert_priority,
        "transition": payload.alert_transition,
        "alert_type": payload.alert_type,
        "metric": payload.alert_metric,
        "org": payload.org_name,
    }
    labels.update({name: value for name, value in fields.items() if value})
    return labels


def _message(text: str) -> str:
    """Markdown event texts come wrapped in Datadog's %%% markers."""
    return text.strip().removeprefix("%%%").removesuffix("%%%").strip()


def _epoch_ms(value: str) -> datetime | None:
    if not value.isdigit():
        return None
    return epoch_time(int(value) / 1000)


def _links(payload: _Payload) -> tuple[Link, ...]:
    links = []
    if payload.link.startswith("http"):
        links.append(Link(url=payload.link, text="Datadog event"))
    if payload.snapshot.startswith("http"):
        links.append(Link(url=payload.snapshot, text="Graph snapshot"))
    return tuple(links)
