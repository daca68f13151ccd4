"""How a schedule is written, in `opsroom.yaml` and in API bodies: validated, field by field.

Only models live here; config.py reads the file. The same models validate API input, and a
layer is stored in the database as the JSON of its `LayerConfig`, so there is one format.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from opsroom.oncall import model

SCHEDULE_NAME = r"^[a-z0-9][a-z0-9_-]{0,99}$"
MEMBER_NAME = r"^[A-Za-z0-9_.-]{1,64}$"
# Validation context for layers read back from the database: a row stored before the calendar
# bounds existed still loads (so it can be listed, fixed or deleted).
STORED: dict[str, Any] = {"stored": True}


def _clock(value: object) -> object:
    """YAML 1.1 reads an unquoted 17:30 as the number 1050 (base 60): take it back as 17:30."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 24 * 60:
        return f"{value // 60:02d}:{value % 60:02d}"
    return value


ClockText = Annotated[str, BeforeValidator(_clock)]
ScheduleName = Annotated[str, StringConstraints(pattern=SCHEDULE_NAME)]
MemberName = Annotated[str, StringConstraints(pattern=MEMBER_NAME)]


# Bounds that keep one schedule's computation (and the transaction around it) short.
MAX_MEMBERS, MAX_RESTRICTIONS = 1000, 50


def _at_most(items: list[Any], limit: int, what: str, info: ValidationInfo) -> None:
    if len(items) > limit and not (info.context or {}).get("stored"):
        raise ValueError(f"a layer can have at most {limit} {what}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RestrictionConfig(_Model):
    """`start`/`end` as `09:00` (each day, or each of `days`) or `fri 18:00` (one weekly window)."""

    start: ClockText
    end: ClockText
    days: list[str] | None = None

    @model_validator(mode="after")
    def _valid(self) -> RestrictionConfig:
        model.parse_restriction(self.start, self.end, self.days)
        return self

    def windows(self) -> tuple[model.Window, ...]:
        return model.parse_restriction(self.start, self.end, self.days)


class LayerConfig(_Model):
    """One rotation: members take turns of `shift` (e.g. 1w), handing off at `handoff`."""

    name: str = Field(default="", max_length=100)
    members: list[MemberName]
    shift: str = "1w"
    handoff: ClockText = "09:00"
    start: date
    days: list[str] | None = None
    end: AwareDatetime | None = None
    restrictions: list[RestrictionConfig] = Field(default_factory=list)

    @field_validator("members")
    @classmethod
    def _members(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if not value:
            raise ValueError("a layer needs at least one member")
        _at_most(value, MAX_MEMBERS, "members", info)
        return value

    @field_validator("restrictions")
    @classmethod
    def _restrictions(
        cls, value: list[RestrictionConfig], info: ValidationInfo
    ) -> list[RestrictionConfig]:
        _at_most(value, MAX_RESTRICTIONS, "restrictions", info)
        return value

    @field_validator("start", "end")
    @classmethod
    def _in_calendar(cls, value: date | None, info: ValidationInfo) -> date | None:
        if value is not None and not (info.context or {}).get("stored"):
            model.check_calendar(value)
        return value

    @field_validator("end")
    @classmethod
    def _after_start(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        start = info.data.get("start")
        stored = (info.context or {}).get("stored")
        if value is not None and isinstance(start, date) and value.date() < start and not stored:
            raise ValueError(f"the layer ends ({value.isoformat()}) before it starts ({start})")
        return value

    @field_validator("shift")
    @classmethod
    def _shift(cls, value: str) -> str:
        return model.format_shift(*model.parse_shift(value))

    @field_validator("handoff")
    @classmethod
    def _handoff(cls, value: str) -> str:
        return model.format_time(model.time_of(model.parse_time(value)))

    @field_validator("days")
    @classmethod
    def _days(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else model.format_days(model.parse_days(value))

    @model_validator(mode="after")
    def _valid(self) -> LayerConfig:
        model.check_layer(self.to_layer())
        return self

    def to_layer(self) -> model.Layer:
        count, unit = model.parse_shift(self.shift)
        return model.Layer(
            members=tuple(self.members),
            shift_count=count,
            shift_unit=unit,
            handoff=model.time_of(model.parse_time(self.handoff)),
            start=self.start,
            windows=tuple(w for r in self.restrictions for w in r.windows()),
            days=model.parse_days(self.days) if self.days is not None else frozenset(),
            end=self.end,
            name=self.name,
        )


class ScheduleConfig(_Model):
    """A schedule in `opsroom.yaml`: its time zone and layers (later layers win)."""

    time_zone: str = Field(default="UTC", min_length=1, max_length=64)
    description: str = Field(default="", max_length=2000)
    layers: list[LayerConfig]

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        model.zone(value)
        return value

    @field_validator("layers")
    @classmethod
    def _layers(cls, value: list[LayerConfig]) -> list[LayerConfig]:
        if not value:
            raise ValueError("a schedule needs at least one layer")
        return value


def stored_layer(data: object) -> LayerConfig:
    """A layer as the database keeps it (see STORED)."""
    return LayerConfig.model_validate(data, context=STORED)


def members_of(layers: list[LayerConfig]) -> list[str]:
    """Every member named in the layers, each once, in order of appearance."""
    return list(dict.fromkeys(member for layer in layers for member in layer.members))
