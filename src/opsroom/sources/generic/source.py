"""opsroom's documented plain JSON format, for anything that can send a webhook."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

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

MAX_ALERTS_PER_REQUEST = 1000


class _Link(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2000, pattern=r"^https?://\S+$")
    text: str = Field(default="", max_length=200)


class GenericAlert(BaseModel):
    """One alert in the generic format; see sources/generic/README.md."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=500, pattern=r"\S")
    status: Literal["firing", "resolved"] = "firing"
    severity: str = "warning"
    dedup_key: str | None = Field(default=None, min_length=1, max_length=255)
    description: str = Field(default="", max_length=20000)
    labels: dict[str, str] = Field(default_factory=dict)
    links: list[_Link] = Field(default_factory=list)
    starts_at: Rfc3339 = None
    ends_at: Rfc3339 = None

    @field_validator("severity")
    @classmethod
    def _known_severity(cls, value: str) -> str:
        if normalize_severity(value, default="") == "":
            raise ValueError("must be one of critical, error, warning, info")
        return value


class _Batch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    alerts: list[GenericAlert] = Field(min_length=1, max_length=MAX_ALERTS_PER_REQUEST)


class GenericSource:
    kind = "generic"

    def parse(self, request: HookRequest) -> HookResult:
        data = request.json()
        if not isinstance(data, dict):
            raise UnsupportedPayloadError("not a generic payload: expected a JSON object")
        try:
            alerts = (
                _Batch.model_validate(data).alerts
                if "alerts" in data
                else [GenericAlert.model_validate(data)]
            )
        except ValidationError as exc:
            raise unsupported(self.kind, exc) from exc
        return HookResult(alerts=[self._normalize(alert) for alert in alerts])

    def _normalize(self, alert: GenericAlert) -> NormalizedAlert:
        identity = {f"labels.{name}": value for name, value in alert.labels.items()}
        key = alert.dedup_key or fingerprint(self.kind, {"title": alert.title, **identity})
        return NormalizedAlert(
            fingerprint=fingerprint(self.kind, {"dedup_key": key}),
            status=AlertStatus(alert.status),
            severity=normalize_severity(alert.severity),
            severity_known=alert.status == "firing" or "severity" in alert.model_fields_set,
            title=truncate(alert.title, 500),
            description=alert.description,
            group_key=key,
            source_groups=False,  # the key names this alert; alerts group by alertname
            labels=dict(alert.labels),
            links=tuple(Link(url=link.url, text=link.text) for link in alert.links),
            starts_at=parse_time(alert.starts_at),
            ends_at=parse_time(alert.ends_at),
            raw=capped_raw(alert.model_dump()),
        )
