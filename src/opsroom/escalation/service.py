"""Escalation use cases: start a policy, stop it (ack, resolve), jump ahead, page on demand."""

from __future__ import annotations

from datetime import datetime

from opsroom.alert.tables import AlertGroupRow
from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.errors import ConflictError
from opsroom.escalation.history import post_alerts, record_event, subject_ref
from opsroom.escalation.model import EscalationStatus, Position
from opsroom.escalation.tables import EscalationRow
from opsroom.incident.service import Actor
from opsroom.incident.tables import IncidentRow
from opsroom.logging import get_logger
from opsroom.notify.service import cancel_pending

log = get_logger(__name__)

STEP = "escalation.step"
MANUAL = "manual"
ACTIVE = EscalationStatus.ACTIVE.value


def start_for_group(uow: UnitOfWork, ctx: Context, group: AlertGroupRow) -> EscalationRow | None:
    """A newly announced alert group starts its service's policy (none without one)."""
    service = ctx.settings.service(group.service)
    if service is None or not service.escalation_policy or uow.escalations.for_group(group.id):
        return None
    title = f"[{group.severity.upper()}] Alert group #{group.id}: {group.title}"
    return start(uow, ctx, service.escalation_policy, title=title, alert_group_id=group.id)


def start_for_incident(
    uow: UnitOfWork, ctx: Context, incident: IncidentRow
) -> EscalationRow | None:
    """A declared incident with a service starts its policy, unless its alerts already paged."""
    service = ctx.settings.service(incident.service)
    if service is None or not service.escalation_policy:
        return None
    if uow.escalations.for_incident(incident.id) or any(
        uow.escalations.for_group(group.id, active_only=False)
        for group in uow.alerts.groups_of_incident(incident.id)
    ):
        return None
    title = f"INC-{incident.number}: {incident.title}"
    return start(uow, ctx, service.escalation_policy, title=title, incident_id=incident.id)


def start(
    uow: UnitOfWork,
    ctx: Context,
    policy: str,
    *,
    title: str,
    alert_group_id: int | None = None,
    incident_id: int | None = None,
) -> EscalationRow:
    now = ctx.clock.now()
    escalation = uow.escalations.add(
        EscalationRow(
            policy=policy,
            alert_group_id=alert_group_id,
            incident_id=incident_id,
            title=title[:500],
            status=ACTIVE,
            generation=0,
            started_at=now,
        )
    )
    record_event(
        uow, ctx, escalation, "system", f"Escalation #{escalation.id} started: policy {policy}"
    )
    if policy != MANUAL:
        schedule(uow, ctx, escalation, Position(0, 0), now)
    log.info("escalation.started", escalation=escalation.id, policy=policy)
    return escalation


def schedule(
    uow: UnitOfWork, ctx: Context, escalation: EscalationRow, at: Position, due: datetime
) -> None:
    """Make `at` the next step, due at `due`; any step job scheduled before is now stale."""
    escalation.generation += 1
    escalation.pass_no, escalation.step, escalation.next_step_at = at.pass_no, at.step, due
    payload = {
        "escalation_id": escalation.id,
        "generation": escalation.generation,
        "pass": at.pass_no,
        "step": at.step,
        "due": due.isoformat(),
    }
    uow.jobs.enqueue(STEP, payload, now=ctx.clock.now(), due_at=due)
    ctx.wake_worker()


def stop(
    uow: UnitOfWork, ctx: Context, escalation: EscalationRow, status: str, actor: Actor, why: str
) -> None:
    """End the run: no further step fires and queued pages are cancelled."""
    now = ctx.clock.now()
    escalation.status, escalation.ended_at = status, now
    escalation.generation += 1
    escalation.next_step_at = None
    if status == EscalationStatus.ACKNOWLEDGED:
        escalation.acknowledged_at, escalation.acknowledged_by = now, actor.name
    cancelled = cancel_pending(uow, escalation)
    kind = "ack" if status == EscalationStatus.ACKNOWLEDGED else "system"
    text = f"Escalation #{escalation.id} stopped: {why}"
    record_event(uow, ctx, escalation, kind, text, {"cancelled_pages": cancelled}, actor=actor)
    log.info("escalation.stopped", escalation=escalation.id, status=status)


def acknowledge_escalations(
    uow: UnitOfWork, ctx: Context, escalations: list[EscalationRow], actor: Actor
) -> int:
    for escalation in escalations:
        how = f"acknowledged by {actor.name} ({actor.source})"
        stop(uow, ctx, escalation, EscalationStatus.ACKNOWLEDGED.value, actor, how)
        post_alerts(uow, ctx, f"{subject_ref(escalation).capitalize()} {how}")
    return len(escalations)


def stop_for_group(uow: UnitOfWork, ctx: Context, group: AlertGroupRow) -> None:
    """Every alert of the group resolved: its escalation stops."""
    for escalation in uow.escalations.for_group(group.id):
        stop(uow, ctx, escalation, "resolved", Actor("alert", "alert"), "alert group resolved")


def stop_for_incident(uow: UnitOfWork, ctx: Context, incident: IncidentRow, actor: Actor) -> None:
    """A resolved incident stops its own escalations and those of its alert groups."""
    escalations = uow.escalations.for_incident(incident.id)
    for group in uow.alerts.groups_of_incident(incident.id):
        escalations += uow.escalations.for_group(group.id)
    for escalation in escalations:
        stop(uow, ctx, escalation, "resolved", actor, f"INC-{incident.number} resolved")


def escalate_now(uow: UnitOfWork, ctx: Context, escalation: EscalationRow, actor: Actor) -> str:
    """`/inc escalate`: the pending step fires now instead of after its wait."""
    if escalation.status != ACTIVE:
        raise ConflictError(f"escalation #{escalation.id} is already {escalation.status}")
    if escalation.next_step_at is None:
        raise ConflictError(f"escalation #{escalation.id} has no further step: page someone")
    at = Position(escalation.pass_no, escalation.step)
    schedule(uow, ctx, escalation, at, ctx.clock.now())
    text = f"{actor.name} escalated to step {at.step + 1} now"
    record_event(uow, ctx, escalation, "command", text, {"pass": at.pass_no}, actor=actor)
    return f"Escalation #{escalation.id}: step {at.step + 1} fires now"
