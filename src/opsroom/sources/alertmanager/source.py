"""Prometheus Alertmanager webhook receiver, payload version 4."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from opsroom.alert.model import (
    AlertStatus,
    Link,
    NormalizedAlert,
    fingerprint,
    normalize_severity,
    truncate,
)
from opsroom.errors import UnsupportedPayloadError
from opsroom.sources.base import (
    HookRequest,
    HookResult,
    Rfc3339,
    capped_raw,
    parse_time,
    unsupported,
)


class _Alert(BaseModel):
    model_config = ConfigDict(extra="allow")

    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: Rfc3339 = None  # noqa: N815 - Alertmanager's field names
    endsAt: Rfc3339 = None  # noqa: N815
    generatorURL: str | None = None  # noqa: N815
    fingerprint: str | None = None


class _Payload(BaseModel):
    model_config = ConfigDict(extra="allow")

    version: str
    groupKey: str  # noqa: N815
    status: Literal["firing", "resolved"]
    receiver: str = ""
    externalURL: str = ""  # noqa: N815
    alerts: list[_Alert]


class AlertmanagerSource:
    kind = "alertmanager"

    def parse(self, request: HookRequest) -> HookResult:
        data = request.json()
        if not isinstance(data, dict):
            raise UnsupportedPayloadError("not an alertmanager payload: expected a JSON object")
        try:
            payload = _Payload.model_validate(data)
        except ValidationError as exc:
            raise unsupported(self.kind, exc) from exc
        if payload.version != "4":
            raise UnsupportedPayloadError(
                f"unsupported alertmanager webhook version {payload.version!r}: expected '4'"
            )
        return HookResult(
            alerts=[
                self._normalize(payload, alert, raw)
                for alert, raw in zip(payload.alerts, data["alerts"], strict=True)
            ]
        )

    def _normalize(self, payload: _Payload, alert: _Alert, raw: object) -> NormalizedAlert:
        labels, annotations = alert.labels, alert.annotations
        title = annotations.get("summary") or labels.get("alertname") or "Alertmanager alert"
        description = annotations.get("description") or annotations.get("message") or ""
        return NormalizedAlert(
            fingerprint=alert.fingerprint or fingerprint(self.kind, labels),
            status=AlertStatus(alert.status),
            severity=normalize_severity(labels.get("severity")),
            title=truncate(title, 500),
            description=description,
            group_key=payload.groupKey,
            labels=dict(labels),
            annotations=dict(annotations),
            links=self._links(payload, alert),
            starts_at=parse_time(alert.startsAt),
            ends_at=parse_time(alert.endsAt),
            raw=capped_raw(raw if isinstance(raw, dict) else {}),
        )

    @staticmethod
    def _links(payload: _Payload, alert: _Alert) -> tuple[Link, ...]:
        links = []
        if alert.generatorURL:
            links.append(Link(url=alert.generatorURL, text="Prometheus"))
        for key, text in (("runbook_url", "Runbook"), ("dashboard_url", "Dashboard")):
            if alert.annotations.get(key):
                links.append(Link(url=alert.annotations[key], text=text))
        if payload.externalURL:
            links.append(Link(url=payload.externalURL, text="Alertmanager"))
        return tuple(links)
