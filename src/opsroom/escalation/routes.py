"""HTTP routes: escalation policies, escalation runs, and acknowledging groups and incidents."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from opsroom.api.deps import ContainerDep, UserDep
from opsroom.api.params import Offset, RowId
from opsroom.bootstrap import Container
from opsroom.errors import NotFoundError
from opsroom.escalation import ack
from opsroom.escalation.schemas import (
    AckResult,
    EscalationDetail,
    EscalationRead,
    EventRead,
    PolicyRead,
    policy_read,
)
from opsroom.incident.model import incident_ref
from opsroom.incident.service import Actor, open_incident
from opsroom.schemas import Items
from opsroom.user.permissions import require_responder

router = APIRouter(prefix="/api/v1", tags=["escalation"])


@router.get("/escalation-policies")
async def list_policies(container: ContainerDep, user: UserDep) -> Items[PolicyRead]:
    """The policies of opsroom.yaml and the services that use each."""
    settings = container.settings
    return Items[PolicyRead](
        items=[
            policy_read(p, [s.name for s in settings.services if s.escalation_policy == p.name])
            for p in settings.escalation_policies
        ]
    )


@router.get("/escalations")
async def list_escalations(
    container: ContainerDep,
    user: UserDep,
    status: Literal["active", "acknowledged", "resolved"] | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Offset = 0,
) -> Items[EscalationRead]:
    """Escalation runs, newest first."""

    def load() -> Items[EscalationRead]:
        with container.uow() as uow:
            rows = uow.escalations.list_escalations(status=status, limit=limit, offset=offset)
            return Items[EscalationRead](items=[EscalationRead.model_validate(r) for r in rows])

    return await run_in_threadpool(load)


@router.get("/escalations/{escalation_id}")
async def get_escalation(
    escalation_id: RowId, container: ContainerDep, user: UserDep
) -> EscalationDetail:
    """One run with its history: steps fired, pages, failures, unreachable targets, ack."""

    def load() -> EscalationDetail:
        with container.uow() as uow:
            row = uow.escalations.get(escalation_id)
            if row is None:
                raise NotFoundError(f"no escalation #{escalation_id}")
            events = [EventRead.model_validate(e) for e in uow.escalations.events(row.id)]
            return EscalationDetail(
                **EscalationRead.model_validate(row).model_dump(), events=events
            )

    return await run_in_threadpool(load)


@router.get("/alert-groups/{group_id}/history")
async def group_history(
    group_id: RowId, container: ContainerDep, user: UserDep
) -> Items[EventRead]:
    """Everything escalation did for an alert group, oldest first."""

    def load() -> Items[EventRead]:
        with container.uow() as uow:
            if uow.alerts.get_group(group_id) is None:
                raise NotFoundError(f"no alert group #{group_id}")
            events = [
                EventRead.model_validate(event)
                for escalation in uow.escalations.for_group(group_id, active_only=False)
                for event in uow.escalations.events(escalation.id)
            ]
            return Items[EventRead](items=sorted(events, key=lambda e: e.id))

    return await run_in_threadpool(load)


@router.post("/alert-groups/{group_id}/ack")
async def ack_group(group_id: RowId, container: ContainerDep, user: UserDep) -> AckResult:
    """Acknowledge an alert group: its escalation stops (idempotent). Needs responder."""
    require_responder(user, "acknowledging")
    return await run_in_threadpool(_ack_group, container, group_id, user.name)


def _ack_group(container: Container, group_id: int, name: str) -> AckResult:
    with container.uow() as uow:
        message = ack.acknowledge_group(uow, container.ctx, group_id, Actor(name, "api"))
        uow.commit()
    return AckResult(message=message)


@router.post("/incidents/{number}/ack")
async def ack_incident(number: RowId, container: ContainerDep, user: UserDep) -> AckResult:
    """Acknowledge an incident: its escalations and its alert groups' stop (idempotent).
    Needs responder."""
    require_responder(user, "acknowledging")

    def run() -> AckResult:
        with container.uow() as uow:
            incident = open_incident(uow, number)
            message = ack.acknowledge_incident(
                uow, container.ctx, incident, Actor(user.name, "api")
            )
            uow.commit()
        return AckResult(message=message or f"{incident_ref(number)} acknowledged")

    return await run_in_threadpool(run)
