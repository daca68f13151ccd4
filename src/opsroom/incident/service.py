"""Incident use cases: declare, acknowledge, status, severity, roles, notes, resolve."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opsroom.chat import render, rooms
from opsroom.chat.hub import ChatPlatform
from opsroom.chat.message import Message
from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.errors import ConflictError, NotFoundError
from opsroom.incident.model import (
    IncidentStatus,
    incident_ref,
    room_name,
    severity_label,
)
from opsroom.incident.tables import IncidentRow, TimelineEntryRow
from opsroom.logging import get_logger
from opsroom.text import neutral

log = get_logger(__name__)
DECLARED = "incident.declared"


@dataclass(frozen=True)
class Actor:
    """Who did something, and through which platform."""

    name: str
    source: str


def record(
    uow: UnitOfWork,
    ctx: Context,
    incident: IncidentRow,
    actor: Actor,
    kind: str,
    text: str,
    data: dict[str, Any] | None = None,
) -> TimelineEntryRow:
    return uow.incidents.append(
        TimelineEntryRow(
            incident_id=incident.id,
            at=ctx.clock.now(),
            kind=kind,
            actor=actor.name,
            source=actor.source,
            text=text,
            data=data or {},
        )
    )


def declare_incident(
    uow: UnitOfWork,
    ctx: Context,
    *,
    title: str,
    severity: int,
    actor: Actor,
    group_ids: list[int] | None = None,
    trigger: str = "manual",
    invite: dict[str, list[str]] | None = None,
    service: str | None = None,
) -> IncidentRow:
    """Create the incident, its rooms, the announcement and the summary, in one transaction.

    `invite` names people to add to the new rooms, by platform user id per platform;
    `service` (else the first linked group's) is what a policy pages for (see escalation).
    """
    now = ctx.clock.now()
    title = neutral(title, one_line=True)  # from chat, an alert, the API or the CLI
    uow.incidents.lock_numbers()
    groups = _claim_groups(uow, group_ids or [])
    number = uow.incidents.next_number()
    name = room_name(number, title, uow.incidents.rooms_taken(f"inc-{number}"))
    incident = uow.incidents.add(
        IncidentRow(
            number=number,
            title=title,
            severity=severity,
            status=IncidentStatus.INVESTIGATING.value,
            summary="",
            declared_by=actor.name,
            declared_at=now,
            room=name,
        )
    )
    for group in groups:
        group.incident_id = incident.id
    incident.service = service or next((g.service for g in groups if g.service), None)
    if incident.service:
        # Escalation (if the service has a policy) starts in a job, after this commits.
        uow.jobs.enqueue(DECLARED, {"incident_id": incident.id}, now=now)
        ctx.wake_worker()
    record(
        uow,
        ctx,
        incident,
        actor,
        "declare",
        f"Declared {incident_ref(number)} {severity_label(severity).upper()}: {title}",
        {"severity": severity, "groups": [g.id for g in groups], "trigger": trigger},
    )
    _open_rooms(uow, ctx, incident, groups, invite)
    ctx.metrics.incidents_declared.labels(trigger=trigger).inc()
    log.info("incident.declared", incident=number, severity=severity, trigger=trigger)
    return incident


def _open_rooms(
    uow: UnitOfWork,
    ctx: Context,
    incident: IncidentRow,
    groups: list[Any],
    invite: dict[str, list[str]] | None,
) -> None:
    """A room on every platform with the summary, then the announcement naming each room."""
    alerts = [alert for group in groups for alert in uow.alerts.alerts_in_group(group.id)]
    for alert in alerts:
        record(
            uow,
            ctx,
            incident,
            Actor("alert", "alert"),
            "alert",
            f"Alert {alert.status}: {alert.title}",
            {"group_id": alert.group_id, "fingerprint": alert.fingerprint},
        )
    summary = render.incident_summary(incident, groups, alerts)
    topic = render.incident_topic(incident)
    rooms.open_rooms(uow, ctx, incident, topic=topic, summary=summary, invite=invite)
    rooms.announce_incident(uow, ctx, incident)


def _claim_groups(uow: UnitOfWork, group_ids: list[int]) -> list[Any]:
    """Lock the groups an incident will link and refuse any that already has one."""
    groups = []
    for group_id in group_ids:
        group = uow.alerts.get_group(group_id, for_update=True)
        if group is None:
            raise NotFoundError(f"no alert group #{group_id}")
        if group.incident_id is not None:
            other = uow.incidents.get(group.incident_id)
            ref = incident_ref(other.number) if other else "another incident"
            raise ConflictError(f"alert group #{group_id} already belongs to {ref}")
        groups.append(group)
    return groups


def open_incident(uow: UnitOfWork, number: int) -> IncidentRow:
    incident = uow.incidents.by_number(number, for_update=True)
    if incident is None:
        raise NotFoundError(f"no incident {incident_ref(number)}")
    return incident


def _require_open(incident: IncidentRow) -> None:
    if incident.status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED):
        raise ConflictError(f"{incident_ref(incident.number)} is already {incident.status}")


def acknowledge(uow: UnitOfWork, ctx: Context, incident: IncidentRow, actor: Actor) -> str:
    _require_open(incident)
    if incident.acknowledged_at is not None:
        return (
            f"{incident_ref(incident.number)} was already acknowledged by "
            f"{incident.acknowledged_by}"
        )
    incident.acknowledged_at, incident.acknowledged_by = ctx.clock.now(), actor.name
    record(uow, ctx, incident, actor, "ack", f"Acknowledged by {actor.name}")
    return f"{actor.name} acknowledged {incident_ref(incident.number)}"


def set_status(
    uow: UnitOfWork,
    ctx: Context,
    incident: IncidentRow,
    actor: Actor,
    status: str,
    message: str,
) -> str:
    _require_open(incident)
    previous, incident.status = incident.status, IncidentStatus(status).value
    text = f"Status {previous} -> {status}" + (f": {message}" if message else "")
    record(uow, ctx, incident, actor, "status", text, {"from": previous, "to": status})
    rooms.set_topic(uow, ctx, incident, render.incident_topic(incident))
    rooms.refresh_summary(uow, ctx, incident)
    return f"{actor.name} set {incident_ref(incident.number)} to {status}" + (
        f": {message}" if message else ""
    )


def post_update(
    uow: UnitOfWork, ctx: Context, incident: IncidentRow, actor: Actor, message: str
) -> str:
    _require_open(incident)
    record(uow, ctx, incident, actor, "update", message, {"status": incident.status})
    return f"Update on {incident_ref(incident.number)} ({incident.status}): {message}"


def set_severity(
    uow: UnitOfWork,
    ctx: Context,
    incident: IncidentRow,
    actor: Actor,
    severity: int,
) -> str:
    _require_open(incident)
    previous, incident.severity = incident.severity, severity
    text = f"Severity {severity_label(previous).upper()} -> {severity_label(severity).upper()}"
    record(uow, ctx, incident, actor, "severity", text, {"from": previous, "to": severity})
    rooms.set_topic(uow, ctx, incident, render.incident_topic(incident))
    rooms.refresh_summary(uow, ctx, incident)
    return f"{actor.name} changed {incident_ref(incident.number)}: {text}"


def assign_role(
    uow: UnitOfWork, ctx: Context, incident: IncidentRow, actor: Actor, role: str, user: str
) -> str:
    _require_open(incident)
    if uow.users.get_by_name(user) is None:
        raise NotFoundError(f"no user named @{user}: add them with `opsroom user add {user}`")
    uow.incidents.set_role(incident.id, role, user, ctx.clock.now())
    if role == "commander":
        incident.commander = user
        rooms.refresh_summary(uow, ctx, incident)
    record(
        uow, ctx, incident, actor, "role", f"@{user} is now {role}", {"role": role, "user": user}
    )
    return f"@{user} is now {role} of {incident_ref(incident.number)}"


def add_note(uow: UnitOfWork, ctx: Context, incident: IncidentRow, actor: Actor, text: str) -> str:
    record(uow, ctx, incident, actor, "note", text, {"highlight": True})
    return f"Note added to the {incident_ref(incident.number)} timeline"


def _close_rooms(uow: UnitOfWork, ctx: Context, incident: IncidentRow) -> None:
    """Last words in every room, archive them all, and tell #incidents."""
    rooms.set_topic(uow, ctx, incident, render.incident_topic(incident))
    rooms.refresh_summary(uow, ctx, incident)  # before the archiving, in each room's order
    resolved_text = render.incident_resolved(incident)

    def closing(platform: ChatPlatform) -> Message:
        # A Teams thread cannot be made read-only: it is not called so there.
        read_only = platform.adapter(uow).capabilities.read_only
        tail = "archived and read-only" if read_only else "closed"
        return Message(text=f"{resolved_text}. This room is now {tail}.", level="good")

    rooms.post_to_rooms(uow, ctx, incident, closing)
    rooms.archive_rooms(uow, ctx, incident)
    resolved = Message(text=render.incident_resolved(incident), level="good")
    rooms.announce(uow, ctx, "incidents", resolved)


def resolve(
    uow: UnitOfWork,
    ctx: Context,
    incident: IncidentRow,
    actor: Actor,
    summary: str,
) -> str:
    _require_open(incident)
    now = ctx.clock.now()
    incident.status, incident.resolved_at = IncidentStatus.RESOLVED.value, now
    if summary:
        incident.summary = summary
        uow.incidents.add_search_text(incident.id, summary)
    text = "Resolved" + (f": {summary}" if summary else "")
    record(uow, ctx, incident, actor, "resolve", text, {"summary": summary})
    _close_rooms(uow, ctx, incident)
    log.info("incident.resolved", incident=incident.number)
    return f"{actor.name} resolved {incident_ref(incident.number)}"
