"""Grafana webhook contact point: unified alerting (payload version 1) and legacy (pre-8) alerts."""

from __future__ import annotations

from typing import Any, Literal

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
from opsroom.sources.base import HookRequest, HookResult, capped_raw, parse_time, unsupported

NO_DATA_ALERT = "DatasourceNoData"
ERROR_ALERT = "DatasourceError"
# Grafana's "Test" button on a contact point sends this alert.
TEST_LABELS = {"alertname": "TestAlert", "instance": "Grafana"}

# Legacy state -> (status, suppressed). A paused rule stops alerting, as unified alerting
# resolves it with grafana_state_reason=Paused; pending is not a problem yet: kept, not paged.
LEGACY_STATES: dict[str, tuple[AlertStatus, bool]] = {
    "alerting": (AlertStatus.FIRING, False),
    "no_data": (AlertStatus.FIRING, False),
    "pending": (AlertStatus.FIRING, True),
    "ok": (AlertStatus.RESOLVED, False),
    "paused": (AlertStatus.RESOLVED, False),
}


class _Alert(BaseModel):
    model_config = ConfigDict(extra="allow")

    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: str | None = None  # noqa: N815 - Grafana's field names
    endsAt: str | None = None  # noqa: N815
    generatorURL: str | None = None  # noqa: N815
    fingerprint: str | None = None
    silenceURL: str | None = None  # noqa: N815
    dashboardURL: str | None = None  # noqa: N815
    panelURL: str | None = None  # noqa: N815
    imageURL: str | None = None  # noqa: N815
    values: dict[str, float | None] | None = None
    valueString: str | None = None  # noqa: N815


class _Payload(BaseModel):
    model_config = ConfigDict(extra="allow")

    version: str
    groupKey: str  # noqa: N815
    status: Literal["firing", "resolved"]
    orgId: int | None = None  # noqa: N815
    alerts: list[_Alert]
    externalURL: str = ""  # noqa: N815


class _EvalMatch(BaseModel):
    model_config = ConfigDict(extra="allow")

    metric: str = ""
    value: float | None = None


class _LegacyPayload(BaseModel):
    model_config = ConfigDict(extra="allow")

    ruleId: int  # noqa: N815
    ruleName: str  # noqa: N815
    state: Literal["alerting", "ok", "no_data", "paused", "pending"]
    title: str = ""
    message: str = ""
    ruleUrl: str = ""  # noqa: N815
    imageUrl: str = ""  # noqa: N815
    orgId: int = 0  # noqa: N815
    evalMatches: list[_EvalMatch] = Field(default_factory=list)  # noqa: N815
    tags: dict[str, str] | None = None


class GrafanaSource:
    kind = "grafana"

    def parse(self, request: HookRequest) -> HookResult:
        data = request.json()
        if not isinstance(data, dict):
            raise UnsupportedPayloadError("not a grafana payload: expected a JSON object")
        if "alerts" not in data and ("ruleName" in data or "ruleId" in data):
            return HookResult(alerts=[self._legacy(data)])
        try:
            payload = _Payload.model_validate(data)
        except ValidationError as exc:
            raise unsupported(self.kind, exc) from exc
        if payload.version != "1":
            raise UnsupportedPayloadError(
                f"unsupported grafana webhook version {payload.version!r}: expected '1' "
                "(Prometheus Alertmanager payloads go to the alertmanager integration)"
            )
        return HookResult(
            alerts=[
                self._normalize(payload, alert, raw)
                for alert, raw in zip(payload.alerts, data["alerts"], strict=True)
            ]
        )

    def _normalize(self, payload: _Payload, alert: _Alert, raw: Any) -> NormalizedAlert:
        annotations = dict(alert.annotations)
        if alert.values:
            annotations.setdefault("values", _values(alert.values))
        if alert.valueString:
            annotations.setdefault("value_string", alert.valueString)
        return NormalizedAlert(
            fingerprint=alert.fingerprint or fingerprint(self.kind, alert.labels),
            status=AlertStatus(alert.status),
            severity=_severity(alert),
            title=truncate(_title(alert), 500),
            description=alert.annotations.get("description", ""),
            group_key=payload.groupKey,
            labels=dict(alert.labels),
            annotations=annotations,
            links=_links(payload, alert),
            starts_at=parse_time(alert.startsAt),
            ends_at=parse_time(alert.endsAt),
            raw=capped_raw(raw if isinstance(raw, dict) else {}),
        )

    def _legacy(self, data: dict[str, Any]) -> NormalizedAlert:
        try:
            legacy = _LegacyPayload.model_validate(data)
        except ValidationError as exc:
            raise unsupported(self.kind, exc) from exc
        status, suppressed = LEGACY_STATES[legacy.state]
        tags = legacy.tags or {}
        if legacy.state == "no_data":
            severity = "warning"
        elif legacy.ruleId == 0:  # Grafana's "Send test" notification
            severity = "info"
        else:
            severity = normalize_severity(tags.get("severity"))
        key = f"grafana-legacy:{legacy.orgId}:{legacy.ruleId}"
        matches = "\n".join(_value(m.metric, m.value) for m in legacy.evalMatches)
        links = ((legacy.ruleUrl, "Grafana panel"), (legacy.imageUrl, "Panel image"))
        return NormalizedAlert(
            fingerprint=fingerprint(
                self.kind, {"org_id": str(legacy.orgId), "rule_id": str(legacy.ruleId)}
            ),
            status=status,
            severity=severity,
            title=truncate(legacy.ruleName, 500),
            description=legacy.message,
            group_key=key,
            labels={**tags, "rulename": legacy.ruleName, "state": legacy.state},
            annotations={"eval_matches": matches} if matches else {},
            links=tuple(Link(url=url, text=text) for url, text in links if url),
            raw=capped_raw(data),
            suppressed=suppressed,
        )


def _is_no_data(alert: _Alert) -> bool:
    reason = alert.annotations.get("grafana_state_reason", "")
    return alert.labels.get("alertname") == NO_DATA_ALERT or reason in ("NoData", "No Data")


def _severity(alert: _Alert) -> str:
    if _is_no_data(alert):
        return "warning"  # missing data is worth a look, never an error page
    if all(alert.labels.get(k) == v for k, v in TEST_LABELS.items()):
        return "info"
    default = "error" if alert.labels.get("alertname") == ERROR_ALERT else "warning"
    return normalize_severity(alert.labels.get("severity"), default=default)


def _title(alert: _Alert) -> str:
    labels = alert.labels
    if summary := alert.annotations.get("summary"):
        return summary
    if labels.get("alertname") in (NO_DATA_ALERT, ERROR_ALERT) and labels.get("rulename"):
        what = "No data" if labels["alertname"] == NO_DATA_ALERT else "Query error"
        return f"{what}: {labels['rulename']}"
    return labels.get("alertname") or "Grafana alert"


def _value(name: str, value: float | None) -> str:
    return f"{name}=null" if value is None else f"{name}={value:g}"


def _values(values: dict[str, float | None]) -> str:
    return ", ".join(_value(ref, value) for ref, value in values.items())


def _links(payload: _Payload, alert: _Alert) -> tuple[Link, ...]:
    candidates = (
        (alert.generatorURL, "Alert rule"),
        (alert.dashboardURL, "Dashboard"),
        (alert.panelURL, "Panel"),
        (alert.imageURL, "Image"),
        (alert.annotations.get("runbook_url"), "Runbook"),
        (alert.silenceURL, "Silence"),
        (payload.externalURL, "Grafana"),
    )
    return tuple(Link(url=url, text=text) for url, text in candidates if url)
