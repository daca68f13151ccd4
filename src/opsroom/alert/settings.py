"""Configuration models of the alert pipeline: services, integrations, routes, inhibitions.

Only models live here; config.py reads the file and the environment.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from opsroom.alert.matchers import Matcher, parse_matchers
from opsroom.clock import as_utc

_DURATION = re.compile(r"^(\d+)(ms|s|m|h|d|w)$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: object) -> timedelta:
    """`30s`, `5m`, `4h`, `1d`, `2w`, `1h30m`, or a number of seconds."""
    if isinstance(value, timedelta):
        return _bounded(value)
    if isinstance(value, int | float):
        if not 0 <= value <= MAX_DURATION.total_seconds():
            raise ValueError("a duration is 0 to 100 years of seconds")
        return timedelta(seconds=float(value))
    if not isinstance(value, str):
        raise ValueError("a duration must look like 30s, 5m, 4h or 1d")
    text, millis = value.strip(), 0
    if text == "0":
        return timedelta(0)  # zero needs no unit (`chat:0`, `wait: "0"`)
    for part in re.findall(r"\d+(?:ms|s|m|h|d|w)", text):
        found = _DURATION.match(part)
        assert found is not None
        millis += int(found.group(1)) * round(_UNITS[found.group(2)] * 1000)
    if not text or "".join(re.findall(r"\d+(?:ms|s|m|h|d|w)", text)) != text:
        raise ValueError(f"invalid duration {value!r}: use e.g. 30s, 5m, 4h, 1d or 1h30m")
    if millis > MAX_DURATION // timedelta(milliseconds=1):
        raise ValueError("a duration may be at most 100 years (36500d)")
    return _bounded(timedelta(milliseconds=millis))


MAX_DURATION = timedelta(days=100 * 365)


def _bounded(duration: timedelta) -> timedelta:
    """Durations are added to times: beyond a century they would leave the calendar."""
    if duration > MAX_DURATION:
        raise ValueError("a duration may be at most 100 years (36500d)")
    return duration


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
SeverityName = Literal["critical", "error", "warning", "info"]


def _matchers(value: object) -> list[Matcher]:
    if isinstance(value, list) and all(isinstance(item, Matcher) for item in value):
        return value
    if isinstance(value, str | list):
        try:
            return parse_matchers(value)
        except Exception as exc:
            raise ValueError(str(exc)) from exc
    raise ValueError("matchers are a list like ['severity=\"critical\"'] or one string")


Matchers = Annotated[list[Matcher], BeforeValidator(_matchers)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)


# A time without an offset is UTC, so it compares with the clock's (never a crash).
UtcTime = Annotated[datetime, AfterValidator(as_utc)]


class MaintenanceWindowConfig(_Model):
    """Named as silences and the maintenance API name them; `start`/`end` (their first names
    here) are still accepted."""

    starts_at: UtcTime = Field(validation_alias=AliasChoices("starts_at", "start"))
    ends_at: UtcTime = Field(validation_alias=AliasChoices("ends_at", "end"))
    reason: str = ""

    @model_validator(mode="after")
    def _ends_after_start(self) -> MaintenanceWindowConfig:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")  # as the API refuses it
        return self


class ServiceConfig(_Model):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,99}$")
    description: str = ""
    maintenance: list[MaintenanceWindowConfig] = Field(default_factory=list)
    escalation_policy: str | None = None


class RateLimitConfig(_Model):
    """A token bucket: `rate` requests per second on average, bursts of up to `burst`."""

    rate: float = Field(default=200.0, gt=0)
    burst: int = Field(default=1000, ge=1)


class IntegrationSettings(_Model):
    service: str | None = None
    resolve_timeout: Duration | None = None
    rate_limit: RateLimitConfig = Field(default_factory=RateLimitConfig)
    duplicate_window: Duration = timedelta(seconds=10)


class GroupTiming(_Model):
    group_by: list[str] | None = None
    group_wait: Duration | None = None
    group_interval: Duration | None = None
    repeat_interval: Duration | None = None


class RouteConfig(GroupTiming):
    name: str | None = None
    matchers: Matchers = Field(default_factory=list)
    integrations: list[str] = Field(default_factory=list)
    service: str | None = None
    severity: SeverityName | None = None
    severity_map: dict[str, SeverityName] = Field(default_factory=dict)
    continue_: bool = Field(default=False, alias="continue")

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, populate_by_name=True)


class RoutingConfig(_Model):
    """Alertmanager-style routing: first matching route wins unless it says `continue`."""

    group_by: list[str] | None = None
    group_wait: Duration = timedelta(0)
    group_interval: Duration = timedelta(minutes=1)
    repeat_interval: Duration = timedelta(hours=4)
    routes: list[RouteConfig] = Field(default_factory=list)


class InhibitRule(_Model):
    source_matchers: Matchers
    target_matchers: Matchers
    equal: list[str] = Field(default_factory=list)

    @field_validator("equal")
    @classmethod
    def _names(cls, value: list[str]) -> list[str]:
        for name in value:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", name):
                raise ValueError(f"{name!r} is not a label name")
        return value
