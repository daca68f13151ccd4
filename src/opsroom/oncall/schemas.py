"""API shapes of schedules, layers, shifts and overrides (layers as in opsroom.yaml)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from opsroom.oncall import model
from opsroom.oncall.service import Definition
from opsroom.oncall.settings import STORED, LayerConfig, MemberName, ScheduleName
from opsroom.oncall.tables import OverrideRow


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _zone(value: str | None) -> str | None:
    if value is not None:
        model.zone(value)
    return value


class ScheduleCreate(_Body):
    name: ScheduleName
    time_zone: str = Field(default="UTC", max_length=64)
    description: str = Field(default="", max_length=2000)
    layers: list[LayerConfig] = Field(default_factory=list)

    _check_zone = field_validator("time_zone")(_zone)


class ScheduleUpdate(_Body):
    """Only the fields given change; `layers` replaces every layer."""

    time_zone: str | None = Field(default=None, max_length=64)
    description: str | None = Field(default=None, max_length=2000)
    layers: list[LayerConfig] | None = None

    @field_validator("time_zone", "description", "layers", mode="before")
    @classmethod
    def _not_null(cls, value: object) -> object:
        # Validators see only fields that were sent: None here is an explicit null.
        if value is None:
            raise ValueError("cannot be null: leave the field out to keep it")
        return value

    _check_zone = field_validator("time_zone")(_zone)


class LayerCreate(LayerConfig):
    position: int | None = Field(default=None, ge=1, description="1 = lowest; default: last")


class LayerRead(LayerConfig):
    position: int


class ScheduleRead(BaseModel):
    name: str
    time_zone: str
    description: str
    source: Literal["config", "api"] = Field(description="config schedules are read-only")
    layers: list[LayerRead]
    on_call_now: list[str]
    unknown_members: list[str] = Field(description="members who are not opsroom users")


class ShiftRead(BaseModel):
    start: datetime
    end: datetime
    user: str
    layer: int | None = Field(description="position of the layer, or null for an override")
    override_id: int | None


class OnCallRead(BaseModel):
    schedule: str
    at: datetime
    users: list[str]
    shift: ShiftRead | None
    next: ShiftRead | None = Field(description="the next shift to start, within 30 days")


class GapRead(BaseModel):
    start: datetime
    end: datetime


class OverrideCreate(_Body):
    user: MemberName
    start: AwareDatetime
    end: AwareDatetime
    reason: str = Field(default="", max_length=2000)

    @field_validator("start", "end")
    @classmethod
    def _in_calendar(cls, value: datetime) -> datetime:
        model.check_calendar(value)
        return value


class OverrideRead(BaseModel):
    id: int
    schedule: str
    user: str
    start: datetime
    end: datetime
    reason: str
    created_by: str
    created_at: datetime


class CalendarLink(BaseModel):
    url: str = Field(description="subscribe to this URL in a calendar app; keep it secret")


def shift_read(shift: model.Shift) -> ShiftRead:
    layer = shift.layer + 1 if shift.layer is not None else None
    return ShiftRead(
        start=shift.start,
        end=shift.end,
        user=shift.user,
        layer=layer,
        override_id=shift.override,
    )


def schedule_read(
    definition: Definition, on_call_now: list[str], unknown: list[str]
) -> ScheduleRead:
    return ScheduleRead(
        name=definition.name,
        time_zone=definition.time_zone,
        description=definition.description,
        source=definition.source,
        layers=[
            LayerRead.model_validate({**layer.model_dump(), "position": index}, context=STORED)
            for index, layer in enumerate(definition.layers, start=1)
        ],
        on_call_now=on_call_now,
        unknown_members=unknown,
    )


def override_read(row: OverrideRow) -> OverrideRead:
    return OverrideRead(
        id=row.id,
        schedule=row.schedule,
        user=row.user_name,
        start=row.starts_at,
        end=row.ends_at,
        reason=row.reason,
        created_by=row.created_by,
        created_at=row.created_at,
    )
