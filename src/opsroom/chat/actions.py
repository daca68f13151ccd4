"""Buttons and forms: Acknowledge, Declare and Resolve, the same on every platform.

Acknowledge on an alert group (`group:<id>`) acknowledges the group itself, like
`/inc ack group:<id>`: its escalation stops, and its incident, if any, is acknowledged too.
"""

from __future__ import annotations

from opsroom.chat import commands as cmd
from opsroom.chat.inbound import ActionInvoked, DeclareForm, DeclareSubmitted, InboundOutcome
from opsroom.chat.message import ACK, DECLARE, RESOLVE, plain
from opsroom.chat.runner import (
    FollowUp,
    authorize,
    declared_reply,
    invite_declarer,
    run_in_incident,
)
from opsroom.context import Context
from opsroom.db.base import MAX_ID
from opsroom.db.uow import UnitOfWork
from opsroom.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    OpsroomError,
    PermissionDeniedError,
)
from opsroom.escalation.ack import acknowledge_group
from opsroom.incident import service as incidents
from opsroom.incident.model import incident_ref, severity_from_alert
from opsroom.incident.service import Actor
from opsroom.incident.tables import IncidentRow

_COMMANDS: dict[str, cmd.Command] = {ACK: cmd.Ack(), RESOLVE: cmd.Resolve()}


def run_action(
    uow: UnitOfWork, ctx: Context, event: ActionInvoked, actor: Actor, role: str
) -> InboundOutcome:
    """A button press; `value` is `incident:<number>` or `group:<id>`."""
    try:
        return _action(uow, ctx, event, actor, role)
    except (InvalidInputError, NotFoundError, ConflictError, PermissionDeniedError) as exc:
        return InboundOutcome(reply=plain(exc.message), ok=False)


def _action(
    uow: UnitOfWork, ctx: Context, event: ActionInvoked, actor: Actor, role: str
) -> InboundOutcome:
    kind, _, ident = event.value.partition(":")
    if not ident.isdigit() or kind not in ("incident", "group") or int(ident) > MAX_ID:
        raise InvalidInputError(f"unknown button value {event.value!r}")
    if event.action == DECLARE:
        authorize(cmd.Declare(title="-"), role)
        return _declare_from_group(uow, ctx, event, actor, int(ident))
    command = _COMMANDS.get(event.action)
    if command is None:
        raise InvalidInputError(f"unknown button action {event.action!r}")
    authorize(command, role)
    if event.action == ACK and kind == "group":
        reply = acknowledge_group(uow, ctx, int(ident), actor)
        return InboundOutcome(reply=plain(reply), public=True)
    incident = _incident(uow, kind, int(ident))
    reply = run_in_incident(uow, ctx, command, incident, actor)
    return InboundOutcome(reply=plain(reply), public=True)


def _incident(uow: UnitOfWork, kind: str, ident: int) -> IncidentRow:
    if kind == "incident":
        return incidents.open_incident(uow, ident)
    group = uow.alerts.get_group(ident)
    if group is None:
        raise NotFoundError(f"no alert group #{ident}")
    if group.incident_id is None:
        raise ConflictError(
            f"alert group #{ident} has no incident yet: declare one with /inc declare group:{ident}"
        )
    incident = uow.incidents.get(group.incident_id)
    if incident is None:
        raise NotFoundError(f"no incident for alert group #{ident}")
    return incidents.open_incident(uow, incident.number)


def _declare_from_group(
    uow: UnitOfWork, ctx: Context, event: ActionInvoked, actor: Actor, group_id: int
) -> InboundOutcome:
    group = uow.alerts.get_group(group_id)
    if group is None:
        raise NotFoundError(f"no alert group #{group_id}")
    if group.incident_id is not None:
        other = uow.incidents.get(group.incident_id)
        ref = incident_ref(other.number) if other else "an incident"
        raise ConflictError(f"alert group #{group_id} already belongs to {ref}")
    if event.trigger:
        form = DeclareForm(
            title=group.title,
            severity=severity_from_alert(group.severity),
            group_id=group.id,
            room_id=event.room_id,
        )
        return InboundOutcome(form=form)
    return _declare(uow, ctx, actor, group.title, None, group.id, event)


def run_declare_form(
    uow: UnitOfWork, ctx: Context, event: DeclareSubmitted, actor: Actor, role: str
) -> InboundOutcome:
    try:
        authorize(cmd.Declare(title=event.title or "-"), role)
    except PermissionDeniedError as exc:
        return InboundOutcome(reply=plain(exc.message), ok=False)
    return _declare(uow, ctx, actor, event.title, event.severity, event.group_id, event)


def _declare(
    uow: UnitOfWork,
    ctx: Context,
    actor: Actor,
    title: str,
    severity: int | None,
    group_id: int | None,
    event: ActionInvoked | DeclareSubmitted,
) -> InboundOutcome:
    platform = event.person.platform
    group = uow.alerts.get_group(group_id) if group_id is not None else None
    if not title.strip():
        return InboundOutcome(reply=plain("a title is required"), ok=False)
    try:
        with uow.savepoint():  # a declaration refused half-way leaves no incident behind
            incident = incidents.declare_incident(
                uow,
                ctx,
                title=title.strip()[:500],
                severity=severity or (severity_from_alert(group.severity) if group else 3),
                actor=actor,
                group_ids=[group_id] if group_id is not None else [],
                invite=invite_declarer(uow, actor, platform),
            )
    except OpsroomError as exc:
        return InboundOutcome(reply=plain(exc.message), ok=False)
    follow_ups: list[FollowUp] = []
    reply = declared_reply(uow, ctx, incident, platform, follow_ups)
    pending = [(f.message, f.about_room) for f in follow_ups]
    return InboundOutcome(reply=plain(reply), public=True, follow_ups=pending)
