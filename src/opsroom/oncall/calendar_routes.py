"""HTTP routes for overrides and the iCalendar feeds (per schedule and per person)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from opsroom.api.deps import ContainerDep, UserDep
from opsroom.api.params import RowId
from opsroom.bootstrap import Container
from opsroom.errors import NotFoundError
from opsroom.oncall import ical, model, service
from opsroom.oncall.routes import TimeQuery, parse_time_query, require_writer
from opsroom.oncall.schemas import CalendarLink, OverrideCreate, OverrideRead, override_read
from opsroom.schemas import Items
from opsroom.user.contacts import known_user

router = APIRouter(prefix="/api/v1", tags=["schedules"])

OVERRIDE_WINDOW = timedelta(days=90)
ICS = "text/calendar; charset=utf-8"
TokenQuery = Annotated[str, Query(min_length=1, max_length=500, description="from the feed URL")]


@router.get("/schedules/{name}/overrides")
async def list_overrides(
    name: str,
    container: ContainerDep,
    user: UserDep,
    start: TimeQuery = None,
    end: TimeQuery = None,
) -> Items[OverrideRead]:
    """Overrides overlapping [start, end) (default: from now, 90 days)."""

    def load() -> Items[OverrideRead]:
        ctx = container.ctx
        begin = parse_time_query(start, "start", ctx.clock.now())
        finish = parse_time_query(end, "end", begin + OVERRIDE_WINDOW)
        with container.uow() as uow:
            rows = service.list_overrides(uow, ctx, schedule=name, start=begin, end=finish)
            return Items[OverrideRead](items=[override_read(row) for row in rows])

    return await run_in_threadpool(load)


@router.post("/schedules/{name}/overrides", status_code=201)
async def create_override(
    name: str, body: OverrideCreate, container: ContainerDep, user: UserDep
) -> OverrideRead:
    """Put `user` on call from `start` to `end` over every layer (swaps, "take my shift")."""
    require_writer(user)

    def create() -> OverrideRead:
        with container.uow() as uow:
            row = service.create_override(
                uow,
                container.ctx,
                schedule=name,
                user=body.user,
                start=body.start,
                end=body.end,
                reason=body.reason,
                actor=user.name,
            )
            uow.commit()
            return override_read(row)

    return await run_in_threadpool(create)


@router.delete("/schedules/{name}/overrides/{override_id}", status_code=204)
async def delete_override(
    name: str, override_id: RowId, container: ContainerDep, user: UserDep
) -> Response:
    require_writer(user)

    def delete() -> None:
        with container.uow() as uow:
            service.delete_override(uow, container.ctx, schedule=name, override_id=override_id)
            uow.commit()

    await run_in_threadpool(delete)
    return Response(status_code=204)


def _link(container: Container, kind: ical.FeedKind, name: str) -> CalendarLink:
    base = container.settings.server.public_url()
    return CalendarLink(url=ical.feed_url(base, container.secret_key, kind, name))


@router.get("/schedules/{name}/calendar")
async def schedule_calendar_link(name: str, container: ContainerDep, user: UserDep) -> CalendarLink:
    """The secret URL of the schedule's iCalendar feed, for calendar apps to subscribe to."""

    def load() -> CalendarLink:
        with container.uow() as uow:
            service.get_definition(uow, container.ctx, name=name)
        return _link(container, "schedule", name)

    return await run_in_threadpool(load)


@router.get("/schedules/{name}/calendar.ics", response_class=Response)
async def schedule_calendar(name: str, token: TokenQuery, container: ContainerDep) -> Response:
    """The schedule's final shifts, 30 days back and 180 ahead, as iCalendar."""
    ical.check_feed_token(container.secret_key, "schedule", name, token)

    def load() -> bytes:
        ctx = container.ctx
        now = ctx.clock.now()
        start, end = ical.feed_window(now)
        with container.uow() as uow:
            definition = service.get_definition(uow, ctx, name=name)
            shifts = service.schedule_shifts(uow, ctx, schedule=name, start=start, end=end)
        zones = {name: model.zone(definition.time_zone)}
        title = f"On call: {name}"
        return ical.build_calendar(title, [(name, s) for s in shifts], zones, now, per_person=False)

    return Response(await run_in_threadpool(load), media_type=ICS)


@router.get("/users/{user_name}/calendar")
async def person_calendar_link(
    user_name: str, container: ContainerDep, user: UserDep
) -> CalendarLink:
    """The secret URL of one person's on-call shifts in every schedule, as iCalendar."""

    def load() -> CalendarLink:
        with container.uow() as uow:
            if not known_user(uow, container.ctx, user_name):
                raise NotFoundError(f"no user {user_name!r}")
        return _link(container, "user", user_name)

    return await run_in_threadpool(load)


@router.get("/users/{user_name}/calendar.ics", response_class=Response)
async def person_calendar(user_name: str, token: TokenQuery, container: ContainerDep) -> Response:
    """One person's final shifts in every schedule, 30 days back and 180 ahead."""
    ical.check_feed_token(container.secret_key, "user", user_name, token)

    def load() -> bytes:
        ctx = container.ctx
        now = ctx.clock.now()
        start, end = ical.feed_window(now)
        with container.uow() as uow:
            shifts = service.person_shifts(uow, ctx, user=user_name, start=start, end=end)
            zones = {
                d.name: model.zone(d.time_zone)
                for d in service.list_definitions(uow, ctx)
                if any(name == d.name for name, _ in shifts)
            }
        title = f"On call: {user_name}"
        return ical.build_calendar(title, shifts, zones, now, per_person=True)

    return Response(await run_in_threadpool(load), media_type=ICS)
