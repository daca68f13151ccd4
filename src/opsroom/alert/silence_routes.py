"""HTTP routes for silences and maintenance windows."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator
from starlette.concurrency import run_in_threadpool

from opsroom.alert.settings import Duration
from opsroom.alert.silence import add_maintenance, create_silence, expire_silence, silence_state
from opsroom.alert.tables import MaintenanceWindowRow, SilenceRow
from opsroom.api.deps import ContainerDep, UserDep
from opsroom.api.params import RowId
from opsroom.schemas import Items, Text
from opsroom.user.permissions import require_responder

router = APIRouter(prefix="/api/v1", tags=["silences"])


class SilenceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    matchers: list[Text] | Text = Field(description='e.g. ["alertname=\\"DiskFull\\""]')
    duration: Duration | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    comment: Text = Field(default="", max_length=2000)


class SilenceRead(BaseModel):
    id: int
    matchers: list[str]
    starts_at: datetime
    ends_at: datetime
    state: str
    created_by: str
    comment: str
    expired_by: str | None


class MaintenanceCreate(BaseModel):
    """Times named as for silences; `start`/`end` (as opsroom.yaml first named them) are
    accepted too. Without `starts_at` it starts now; `duration` (e.g. `4h`) can stand for
    `ends_at`. A time without an offset is UTC."""

    model_config = ConfigDict(extra="forbid")

    service: Text = Field(min_length=1, max_length=100)
    starts_at: datetime | None = Field(
        default=None, validation_alias=AliasChoices("starts_at", "start")
    )
    ends_at: datetime | None = Field(default=None, validation_alias=AliasChoices("ends_at", "end"))
    duration: Duration | None = None
    reason: Text = Field(default="", max_length=2000)

    @model_validator(mode="before")
    @classmethod
    def _one_name_each(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name, first_name in (("starts_at", "start"), ("ends_at", "end")):
                if name in data and first_name in data:
                    raise ValueError(f"give {name} or {first_name}, not both")
        return data


class MaintenanceRead(BaseModel):
    id: int
    service: str
    starts_at: datetime
    ends_at: datetime
    reason: str
    created_by: str


def _read(row: SilenceRow, now: datetime) -> SilenceRead:
    return SilenceRead(
        id=row.id,
        matchers=row.matchers,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        state=silence_state(row, now),
        created_by=row.created_by,
        comment=row.comment,
        expired_by=row.expired_by,
    )


def _window(row: MaintenanceWindowRow) -> MaintenanceRead:
    return MaintenanceRead(
        id=row.id,
        service=row.service,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        reason=row.reason,
        created_by=row.created_by,
    )


@router.get("/silences")
async def list_silences(
    container: ContainerDep, user: UserDep, include_expired: Annotated[bool, Query()] = False
) -> Items[SilenceRead]:
    def load() -> Items[SilenceRead]:
        now = container.ctx.clock.now()
        with container.uow() as uow:
            rows = uow.alerts.list_silences(include_expired=include_expired, now=now)
            return Items[SilenceRead](items=[_read(row, now) for row in rows])

    return await run_in_threadpool(load)


@router.post("/silences", status_code=201)
async def add_silence(body: SilenceCreate, container: ContainerDep, user: UserDep) -> SilenceRead:
    """Mute alerts matching every matcher until `ends_at` (or for `duration`, e.g. `2h`)."""
    require_responder(user, "silencing alerts")

    def create() -> SilenceRead:
        with container.uow() as uow:
            row = create_silence(
                uow,
                container.ctx,
                matchers=body.matchers,
                author=user.name,
                ends_at=body.ends_at,
                duration=body.duration,
                starts_at=body.starts_at,
                comment=body.comment,
            )
            uow.commit()
            return _read(row, container.ctx.clock.now())

    return await run_in_threadpool(create)


@router.delete("/silences/{silence_id}")
async def expire(silence_id: RowId, container: ContainerDep, user: UserDep) -> SilenceRead:
    """Expire a silence now; it stays listed (with `include_expired`) for the record."""
    require_responder(user, "expiring a silence")

    def run() -> SilenceRead:
        with container.uow() as uow:
            row = expire_silence(uow, container.ctx, silence_id, user.name)
            uow.commit()
            return _read(row, container.ctx.clock.now())

    return await run_in_threadpool(run)


@router.get("/maintenance-windows")
async def list_windows(container: ContainerDep, user: UserDep) -> Items[MaintenanceRead]:
    def load() -> Items[MaintenanceRead]:
        with container.uow() as uow:
            rows = uow.alerts.list_maintenance(container.ctx.clock.now())
            return Items[MaintenanceRead](items=[_window(row) for row in rows])

    return await run_in_threadpool(load)


@router.post("/maintenance-windows", status_code=201)
async def add_window(
    body: MaintenanceCreate, container: ContainerDep, user: UserDep
) -> MaintenanceRead:
    """During the window, the service's alerts are stored but page nobody."""
    require_responder(user, "adding a maintenance window")

    def create() -> MaintenanceRead:
        with container.uow() as uow:
            row = add_maintenance(
                uow,
                container.ctx,
                service=body.service,
                starts_at=body.starts_at,
                ends_at=body.ends_at,
                duration=body.duration,
                reason=body.reason,
                author=user.name,
            )
            uow.commit()
            return _window(row)

    return await run_in_threadpool(create)
