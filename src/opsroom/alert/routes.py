"""HTTP routes for alerts and alert groups."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from opsroom.alert.schemas import AlertGroupRead, AlertRead, GroupDeclare
from opsroom.alert.tables import AlertGroupRow
from opsroom.api.deps import ContainerDep, UserDep
from opsroom.api.params import Offset, RowId
from opsroom.bootstrap import Container
from opsroom.db.base import MAX_ID
from opsroom.db.uow import UnitOfWork
from opsroom.errors import NotFoundError
from opsroom.incident.model import severity_from_alert
from opsroom.incident.schemas import IncidentRead, incident_read
from opsroom.incident.service import Actor, declare_incident
from opsroom.schemas import Items
from opsroom.user.permissions import require_responder

router = APIRouter(prefix="/api/v1", tags=["alerts"])
Limit = Annotated[int, Query(ge=1, le=1000)]


@router.get("/alerts")
async def list_alerts(
    container: ContainerDep,
    user: UserDep,
    status: Literal["firing", "acknowledged", "resolved"] | None = None,
    group_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Items[AlertRead]:
    """Alerts, newest first; `group_id` keeps the members of one alert group."""

    def load() -> Items[AlertRead]:
        with container.uow() as uow:
            rows = uow.alerts.list_alerts(
                status=status, group_id=group_id, limit=limit, offset=offset
            )
            return Items[AlertRead](items=[AlertRead.model_validate(row) for row in rows])

    return await run_in_threadpool(load)


@router.get("/alert-groups")
async def list_groups(
    container: ContainerDep,
    user: UserDep,
    status: Literal["open", "firing", "resolved"] | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Items[AlertGroupRead]:
    """Alert groups, newest first; `open` is a synonym of `firing`."""
    wanted = "firing" if status == "open" else status

    def load() -> Items[AlertGroupRead]:
        with container.uow() as uow:
            rows = uow.alerts.list_groups(status=wanted, limit=limit, offset=offset)
            return Items[AlertGroupRead](items=group_reads(uow, rows))

    return await run_in_threadpool(load)


def group_reads(uow: UnitOfWork, rows: list[AlertGroupRow]) -> list[AlertGroupRead]:
    counts = uow.alerts.alert_counts([row.id for row in rows])
    reads = []
    for row in rows:
        incident = uow.incidents.get(row.incident_id) if row.incident_id else None
        reads.append(
            AlertGroupRead(
                id=row.id,
                title=row.title,
                severity=row.severity,
                status=row.status,
                alert_count=counts.get(row.id, 0),
                incident_number=incident.number if incident else None,
                route=row.route,
                service=row.service,
                created_at=row.created_at,
                resolved_at=row.resolved_at,
                acknowledged_at=row.acknowledged_at,
                acknowledged_by=row.acknowledged_by,
            )
        )
    return reads


@router.post("/alert-groups/{group_id}/declare", status_code=201)
async def declare_from_group(
    group_id: RowId, body: GroupDeclare, container: ContainerDep, user: UserDep
) -> IncidentRead:
    """Declare an incident from an alert group, linking its alerts."""
    require_responder(user, "declaring an incident")
    return await run_in_threadpool(_declare, container, group_id, body, user.name)


def _declare(container: Container, group_id: int, body: GroupDeclare, name: str) -> IncidentRead:
    with container.uow() as uow:
        group = uow.alerts.get_group(group_id)
        if group is None:
            raise NotFoundError(f"no alert group #{group_id}")
        incident = declare_incident(
            uow,
            container.ctx,
            title=body.title or group.title,
            severity=body.severity or severity_from_alert(group.severity),
            actor=Actor(name, "api"),
            group_ids=[group.id],
        )
        read = incident_read(uow, incident)
        uow.commit()
        return read
