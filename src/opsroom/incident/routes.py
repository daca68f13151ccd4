"""HTTP routes for incidents, their timeline and search."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from opsroom.api.deps import ContainerDep, UserDep
from opsroom.api.params import Offset, RowId
from opsroom.bootstrap import Container
from opsroom.errors import InvalidInputError, NotFoundError
from opsroom.incident.model import OPEN_STATUSES, IncidentStatus, incident_ref
from opsroom.incident.schemas import (
    IncidentCreate,
    IncidentRead,
    TimelineEntryRead,
    incident_read,
)
from opsroom.incident.service import Actor, declare_incident
from opsroom.schemas import Items
from opsroom.user.permissions import require_responder

router = APIRouter(prefix="/api/v1", tags=["incidents"])

STATUS_FILTERS = {
    "open": [status.value for status in OPEN_STATUSES],
    **{status.value: [status.value] for status in IncidentStatus},
}


@router.get("/incidents")
async def list_incidents(
    container: ContainerDep,
    user: UserDep,
    status: Annotated[str | None, Query(pattern="^(" + "|".join(STATUS_FILTERS) + ")$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> Items[IncidentRead]:
    """Incidents, newest first; `status=open` means not yet resolved."""
    statuses = STATUS_FILTERS[status] if status else None

    def load() -> Items[IncidentRead]:
        with container.uow() as uow:
            rows = uow.incidents.list_incidents(statuses=statuses, limit=limit, offset=offset)
            return Items[IncidentRead](items=[incident_read(uow, row) for row in rows])

    return await run_in_threadpool(load)


@router.post("/incidents", status_code=201)
async def create_incident(
    body: IncidentCreate, container: ContainerDep, user: UserDep
) -> IncidentRead:
    """Declare an incident: its room is created and announced in #incidents."""
    require_responder(user, "declaring an incident")

    def declare() -> IncidentRead:
        with container.uow() as uow:
            incident = declare_incident(
                uow,
                container.ctx,
                title=body.title,
                severity=body.severity,
                actor=Actor(user.name, "api"),
                service=_known_service(container, body.service),
            )
            read = incident_read(uow, incident)
            uow.commit()
            return read

    return await run_in_threadpool(declare)


def _known_service(container: Container, name: str | None) -> str | None:
    if name is not None and container.settings.service(name) is None:
        raise InvalidInputError(f"unknown service {name!r}: it is not in opsroom.yaml's services")
    return name


@router.get("/incidents/{number}")
async def get_incident(number: RowId, container: ContainerDep, user: UserDep) -> IncidentRead:
    def load() -> IncidentRead:
        with container.uow() as uow:
            row = uow.incidents.by_number(number)
            if row is None:
                raise NotFoundError(f"no incident {incident_ref(number)}")
            return incident_read(uow, row)

    return await run_in_threadpool(load)


@router.get("/incidents/{number}/timeline")
async def get_timeline(
    number: RowId, container: ContainerDep, user: UserDep
) -> Items[TimelineEntryRead]:
    """Every change to the incident, oldest first; entries are never edited."""

    def load() -> Items[TimelineEntryRead]:
        with container.uow() as uow:
            row = uow.incidents.by_number(number)
            if row is None:
                raise NotFoundError(f"no incident {incident_ref(number)}")
            entries = uow.incidents.timeline(row.id)
            return Items[TimelineEntryRead](
                items=[TimelineEntryRead.model_validate(entry) for entry in entries]
            )

    return await run_in_threadpool(load)


@router.get("/search")
async def search(
    container: ContainerDep,
    user: UserDep,
    q: Annotated[str, Query(min_length=1, max_length=500, pattern=r"\S")],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Items[IncidentRead]:
    """Incidents whose title, timeline or summary contain all the words of `q`."""

    def load() -> Items[IncidentRead]:
        with container.uow() as uow:
            rows = uow.incidents.search(q, limit=limit)
            return Items[IncidentRead](items=[incident_read(uow, row) for row in rows])

    return await run_in_threadpool(load)
