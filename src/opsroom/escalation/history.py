"""Where escalation writes what happened: its own history, the incident timeline, #alerts."""

from __future__ import annotations

from typing import Any

from opsroom.chat.message import plain
from opsroom.chat.rooms import announce
from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.escalation.tables import EscalationEventRow, EscalationRow
from opsroom.incident.service import Actor, record
from opsroom.incident.tables import IncidentRow

SYSTEM = Actor("opsroom", "system")


def subject_ref(escalation: EscalationRow) -> str:
    if escalation.alert_group_id is not None:
        return f"alert group #{escalation.alert_group_id}"
    return f"incident #{escalation.incident_id}"


def linked_incident(uow: UnitOfWork, escalation: EscalationRow) -> IncidentRow | None:
    """The incident the escalation is about, directly or through its alert group."""
    incident_id = escalation.incident_id
    if incident_id is None and escalation.alert_group_id is not None:
        group = uow.alerts.get_group(escalation.alert_group_id)
        incident_id = group.incident_id if group else None
    return uow.incidents.get(incident_id) if incident_id is not None else None


def record_event(
    uow: UnitOfWork,
    ctx: Context,
    escalation: EscalationRow,
    kind: str,
    text: str,
    data: dict[str, Any] | None = None,
    *,
    actor: Actor = SYSTEM,
) -> None:
    """Append to the escalation's history and, when there is one, the incident timeline."""
    payload = {"escalation_id": escalation.id, **(data or {})}
    uow.escalations.add_event(
        EscalationEventRow(
            escalation_id=escalation.id,
            at=ctx.clock.now(),
            kind=kind,
            actor=actor.name,
            text=text,
            data=payload,
        )
    )
    incident = linked_incident(uow, escalation)
    if incident is not None:
        record(uow, ctx, incident, actor, kind, text, payload)


def post_alerts(uow: UnitOfWork, ctx: Context, text: str) -> None:
    """Say it in the alerts channel of every chat platform (#alerts in the built-in chat)."""
    announce(uow, ctx, "alerts", plain(text))
