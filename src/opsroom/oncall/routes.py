"""HTTP routes for schedules and their layers, who is on call, final shifts and gaps."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from opsroom.api.deps import ContainerDep, UserDep
from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.errors import InvalidInputError, PermissionDeniedError
from opsroom.oncall import edits, model, service
from opsroom.oncall.schemas import (
    GapRead,
    LayerCreate,
    OnCallRead,
    ScheduleCreate,
    ScheduleRead,
    ScheduleUpdate,
    ShiftRead,
    schedule_read,
    shift_read,
)
from opsroom.oncall.settings import LayerConfig
from opsroom.schemas import Items
from opsroom.user.permissions import WRITER_ROLES
from opsroom.user.service import Principal

router = APIRouter(prefix="/api/v1", tags=["schedules"])

TimeQuery = Annotated[
    str | None, Query(description="ISO 8601 with an offset, e.g. 2026-11-02T09:00Z")
]
DEFAULT_WINDOW = timedelta(days=7)


def require_writer(user: Principal) -> None:
    if user.role not in WRITER_ROLES:
        raise PermissionDeniedError(
            "viewers cannot change schedules",
            details={"needs_role": "responder", "role": user.role},
        )


def parse_time_query(value: str | None, field: str, default: datetime) -> datetime:
    if value is None or not value.strip():
        return default
    try:
        return model.parse_instant(value)
    except ValueError as exc:
        raise InvalidInputError(f"{field}: {exc}") from exc


def read_schedule(uow: UnitOfWork, ctx: Context, definition: service.Definition) -> ScheduleRead:
    now = ctx.clock.now()
    try:
        user = service.computed(definition.name, lambda: service.on_call_at(uow, definition, now))
    except InvalidInputError:
        user = None  # listed all the same, so that it can be fixed or deleted
    unknown = service.unknown_members(uow, ctx, definition.members())
    return schedule_read(definition, [user] if user else [], unknown)


def _read_by_name(uow: UnitOfWork, ctx: Context, name: str) -> ScheduleRead:
    return read_schedule(uow, ctx, service.get_definition(uow, ctx, name=name))


@router.get("/schedules")
async def list_schedules(container: ContainerDep, user: UserDep) -> Items[ScheduleRead]:
    """Every schedule, from opsroom.yaml (`source: config`) and from the API, by name."""

    def load() -> Items[ScheduleRead]:
        with container.uow() as uow:
            definitions = service.list_definitions(uow, container.ctx)
            return Items[ScheduleRead](
                items=[read_schedule(uow, container.ctx, d) for d in definitions]
            )

    return await run_in_threadpool(load)


@router.post("/schedules", status_code=201)
async def create_schedule(
    body: ScheduleCreate, container: ContainerDep, user: UserDep
) -> ScheduleRead:
    """Create a schedule (members must be opsroom users); layers can also be added later."""
    require_writer(user)

    def create() -> ScheduleRead:
        with container.uow() as uow:
            edits.create_schedule(
                uow,
                container.ctx,
                name=body.name,
                time_zone=body.time_zone,
                description=body.description,
                layers=body.layers,
                actor=user.name,
            )
            uow.commit()
            return _read_by_name(uow, container.ctx, body.name)

    return await run_in_threadpool(create)


@router.get("/schedules/{name}")
async def get_schedule(name: str, container: ContainerDep, user: UserDep) -> ScheduleRead:
    def load() -> ScheduleRead:
        with container.uow() as uow:
            return _read_by_name(uow, container.ctx, name)

    return await run_in_threadpool(load)


@router.patch("/schedules/{name}")
async def update_schedule(
    name: str, body: ScheduleUpdate, container: ContainerDep, user: UserDep
) -> ScheduleRead:
    """Change an API schedule; config schedules answer 409 `read_only`."""
    require_writer(user)

    def update() -> ScheduleRead:
        with container.uow() as uow:
            edits.update_schedule(
                uow,
                container.ctx,
                name=name,
                time_zone=body.time_zone,
                description=body.description,
                layers=body.layers,
            )
            uow.commit()
            return _read_by_name(uow, container.ctx, name)

    return await run_in_threadpool(update)


@router.delete("/schedules/{name}", status_code=204)
async def delete_schedule(name: str, container: ContainerDep, user: UserDep) -> Response:
    """Delete an API schedule and its overrides."""
    require_writer(user)

    def delete() -> None:
        with container.uow() as uow:
            edits.delete_schedule(uow, container.ctx, name=name)
            uow.commit()

    await run_in_threadpool(delete)
    return Response(status_code=204)


@router.post("/schedules/{name}/layers", status_code=201)
async def add_layer(
    name: str, body: LayerCreate, container: ContainerDep, user: UserDep
) -> ScheduleRead:
    """Add a layer, last by default (the last layer wins where it has someone)."""
    require_writer(user)
    layer = LayerConfig.model_validate(body.model_dump(exclude={"position"}))

    def add() -> ScheduleRead:
        with container.uow() as uow:
            edits.add_layer(uow, container.ctx, schedule=name, layer=layer, position=body.position)
            uow.commit()
            return _read_by_name(uow, container.ctx, name)

    return await run_in_threadpool(add)


@router.put("/schedules/{name}/layers/{position}")
async def replace_layer(
    name: str, position: int, body: LayerConfig, container: ContainerDep, user: UserDep
) -> ScheduleRead:
    """Replace layer `position` (1 = lowest priority)."""
    require_writer(user)

    def replace() -> ScheduleRead:
        with container.uow() as uow:
            edits.replace_layer(uow, container.ctx, schedule=name, position=position, layer=body)
            uow.commit()
            return _read_by_name(uow, container.ctx, name)

    return await run_in_threadpool(replace)


@router.delete("/schedules/{name}/layers/{position}")
async def delete_layer(
    name: str, position: int, container: ContainerDep, user: UserDep
) -> ScheduleRead:
    require_writer(user)

    def delete() -> ScheduleRead:
        with container.uow() as uow:
            edits.delete_layer(uow, container.ctx, schedule=name, position=position)
            uow.commit()
            return _read_by_name(uow, container.ctx, name)

    return await run_in_threadpool(delete)


@router.get("/schedules/{name}/oncall")
async def who_is_on_call(
    name: str, container: ContainerDep, user: UserDep, at: TimeQuery = None
) -> OnCallRead:
    """Who is on call at `at` (default now), until when, and who comes next."""

    def load() -> OnCallRead:
        ctx = container.ctx
        when = parse_time_query(at, "at", ctx.clock.now())
        with container.uow() as uow:
            shift = service.current_shift(uow, ctx, schedule=name, at=when)
            after = shift.end if shift is not None else when
            upcoming = service.next_shift(
                uow, ctx, schedule=name, after=after, within=service.NEXT_WITHIN
            )
        return OnCallRead(
            schedule=name,
            at=when,
            users=[shift.user] if shift else [],
            shift=shift_read(shift) if shift else None,
            next=shift_read(upcoming) if upcoming else None,
        )

    return await run_in_threadpool(load)


def _window(start: str | None, end: str | None, now: datetime) -> tuple[datetime, datetime]:
    begin = parse_time_query(start, "start", now)
    return begin, parse_time_query(end, "end", begin + DEFAULT_WINDOW)


@router.get("/schedules/{name}/shifts")
async def list_shifts(
    name: str,
    container: ContainerDep,
    user: UserDep,
    start: TimeQuery = None,
    end: TimeQuery = None,
) -> Items[ShiftRead]:
    """Final shifts overlapping [start, end) (default: the next 7 days), each whole."""

    def load() -> Items[ShiftRead]:
        begin, finish = _window(start, end, container.ctx.clock.now())
        with container.uow() as uow:
            shifts = service.schedule_shifts(
                uow, container.ctx, schedule=name, start=begin, end=finish
            )
        return Items[ShiftRead](items=[shift_read(shift) for shift in shifts])

    return await run_in_threadpool(load)


@router.get("/schedules/{name}/gaps")
async def list_gaps(
    name: str,
    container: ContainerDep,
    user: UserDep,
    start: TimeQuery = None,
    end: TimeQuery = None,
) -> Items[GapRead]:
    """When nobody is on call within [start, end) (default: the next 7 days)."""

    def load() -> Items[GapRead]:
        begin, finish = _window(start, end, container.ctx.clock.now())
        with container.uow() as uow:
            found = service.schedule_gaps(
                uow, container.ctx, schedule=name, start=begin, end=finish
            )
        return Items[GapRead](items=[GapRead(start=a, end=b) for a, b in found])

    return await run_in_threadpool(load)
