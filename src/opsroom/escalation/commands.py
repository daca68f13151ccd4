"""What the chat commands `/inc page` and `/inc escalate` do."""

from __future__ import annotations

from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.errors import ConflictError, NotFoundError
from opsroom.escalation.model import parse_target
from opsroom.escalation.service import escalate_now, stop_for_incident
from opsroom.escalation.steps import page_on_demand
from opsroom.incident.service import Actor
from opsroom.incident.tables import IncidentRow


def page(
    uow: UnitOfWork,
    ctx: Context,
    incident: IncidentRow,
    target: str,
    message: str,
    actor: Actor,
) -> str:
    return page_on_demand(uow, ctx, incident, parse_target(target), actor, message)


def escalate_group(uow: UnitOfWork, ctx: Context, group_id: int, actor: Actor) -> str:
    if uow.alerts.get_group(group_id) is None:
        raise NotFoundError(f"no alert group #{group_id}")
    escalations = uow.escalations.for_group(group_id)
    if not escalations:
        raise ConflictError(f"alert group #{group_id} has no active escalation")
    return "\n".join(escalate_now(uow, ctx, e, actor) for e in escalations)


def escalate_incident(uow: UnitOfWork, ctx: Context, incident: IncidentRow, actor: Actor) -> str:
    escalations = [
        e for e in uow.escalations.for_incident(incident.id) if e.next_step_at is not None
    ]
    for group in uow.alerts.groups_of_incident(incident.id):
        escalations += uow.escalations.for_group(group.id)
    if not escalations:
        raise ConflictError(
            f"INC-{incident.number} has no active escalation: page someone with /inc page"
        )
    return "\n".join(escalate_now(uow, ctx, e, actor) for e in escalations)


__all__ = ["escalate_group", "escalate_incident", "page", "stop_for_incident"]
