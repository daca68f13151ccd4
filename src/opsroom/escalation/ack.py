"""Acknowledging from any channel: chat, web API, email link, SMS reply. Idempotent."""

from __future__ import annotations

from opsroom.alert.model import AlertStatus
from opsroom.context import Context
from opsroom.db.base import MAX_ID
from opsroom.db.uow import UnitOfWork
from opsroom.errors import ConflictError, NotFoundError
from opsroom.escalation.service import acknowledge_escalations
from opsroom.incident import service as incidents
from opsroom.incident.model import OPEN_STATUSES, incident_ref
from opsroom.incident.service import Actor
from opsroom.incident.tables import IncidentRow


def acknowledge_group(uow: UnitOfWork, ctx: Context, group_id: int, actor: Actor) -> str:
    """Stop the group's escalation; its incident, if any, is acknowledged too. The group is
    locked and re-read first, so two platforms' acks at once record one acknowledgement."""
    group = uow.alerts.get_group(group_id, for_update=True)
    if group is None:
        raise NotFoundError(f"no alert group #{group_id}")
    if group.status == AlertStatus.RESOLVED:
        raise ConflictError(
            f"Alert group #{group.id} is already resolved: there is nothing to acknowledge"
        )
    stopped = acknowledge_escalations(uow, ctx, uow.escalations.for_group(group.id), actor)
    already = group.acknowledged_at is not None
    if not already:
        group.acknowledged_at, group.acknowledged_by = ctx.clock.now(), actor.name
    incident = uow.incidents.get(group.incident_id) if group.incident_id else None
    if incident is not None and _open_unacked(incident):
        incidents.acknowledge(uow, ctx, incident, actor)
    if already and not stopped:
        return f"Alert group #{group.id} was already acknowledged by {group.acknowledged_by}"
    return f"{actor.name} acknowledged alert group #{group.id}"


def acknowledge_incident(uow: UnitOfWork, ctx: Context, incident: IncidentRow, actor: Actor) -> str:
    """`/inc ack` in the room: the incident, its escalations and its alert groups'."""
    reply = incidents.acknowledge(uow, ctx, incident, actor)
    escalations = uow.escalations.for_incident(incident.id)
    for group in uow.alerts.groups_of_incident(incident.id):
        escalations += uow.escalations.for_group(group.id)
        if group.acknowledged_at is None:
            group.acknowledged_at, group.acknowledged_by = ctx.clock.now(), actor.name
    acknowledge_escalations(uow, ctx, escalations, actor)
    return reply


def acknowledge_code(uow: UnitOfWork, ctx: Context, code: int, actor: Actor) -> str:
    """The code in a page (`ACK 42`, the email link): an escalation id."""
    escalation = uow.escalations.get(code, for_update=True) if 1 <= code <= MAX_ID else None
    if escalation is None:
        raise NotFoundError(f"no page has the code {code}")
    if escalation.alert_group_id is not None:
        return acknowledge_group(uow, ctx, escalation.alert_group_id, actor)
    incident = uow.incidents.get(escalation.incident_id) if escalation.incident_id else None
    if incident is None:
        raise NotFoundError(f"no page has the code {code}")
    if escalation.status != "active":
        by = escalation.acknowledged_by
        return f"Page {code} was already {escalation.status}" + (f" by {by}" if by else "")
    acknowledge_escalations(uow, ctx, [escalation], actor)
    if _open_unacked(incident):
        incidents.acknowledge(uow, ctx, incident, actor)
    return f"{actor.name} acknowledged {incident_ref(incident.number)} (page {code})"


def _open_unacked(incident: IncidentRow) -> bool:
    return incident.status in OPEN_STATUSES and incident.acknowledged_at is None
