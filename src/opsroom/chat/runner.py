"""Run one `/inc` command for a person, whatever platform it came from."""

from __future__ import annotations

import re

from opsroom.alert.silence import create_silence
from opsroom.chat import commands as cmd
from opsroom.chat import identity, render, rooms
from opsroom.context import Context
from opsroom.db.base import MAX_ID
from opsroom.db.uow import UnitOfWork
from opsroom.errors import (
    CommandError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from opsroom.incident import service as incidents
from opsroom.incident.model import incident_ref, severity_from_alert
from opsroom.incident.service import Actor
from opsroom.incident.tables import IncidentRow
from opsroom.oncall.service import describe_all

_GROUP_REF = re.compile(r"^group:(\S*)(?:\s+(.*))?$", re.DOTALL)
# What a `viewer` may run; everything else changes an incident and needs `responder`.
READ_ONLY = (cmd.Help, cmd.ShowTimeline)
TIMELINE_SHOWN = 50


def run_command_text(
    uow: UnitOfWork,
    ctx: Context,
    text: str,
    incident: IncidentRow | None,
    actor: Actor,
    *,
    role: str,
    platform: str,
) -> tuple[str, bool, bool]:
    """(reply, ok, public): mistakes become a reply naming the problem; public replies are
    for everyone in the room, the others only for the person who typed the command."""
    try:
        command = cmd.parse_command(text)
        authorize(command, role)
        # A command that fails half-way leaves nothing behind; the message itself stays.
        with uow.savepoint():
            reply = _run(uow, ctx, command, incident, actor, platform)
    except (InvalidInputError, NotFoundError, ConflictError, PermissionDeniedError) as exc:
        return exc.message, False, False
    return reply, True, not isinstance(command, READ_ONLY)


def authorize(command: cmd.Command, role: str) -> None:
    if role == "viewer" and not isinstance(command, READ_ONLY):
        raise PermissionDeniedError(
            f"`/inc {cmd.command_name(command)}` needs the responder role; you are a viewer"
        )


def _run(
    uow: UnitOfWork,
    ctx: Context,
    command: cmd.Command,
    incident: IncidentRow | None,
    actor: Actor,
    platform: str,
) -> str:
    if isinstance(command, cmd.Help):
        return cmd.HELP_TEXT
    if isinstance(command, cmd.Declare):
        return declare(uow, ctx, command, actor, platform)
    if isinstance(command, cmd.ShowOnCall):
        lines = describe_all(uow, ctx, schedule=command.schedule, at=ctx.clock.now())
        return "On call:\n" + "\n".join(lines)
    if isinstance(command, cmd.Silence):
        silence = create_silence(
            uow,
            ctx,
            matchers=list(command.matchers),
            author=actor.name,
            duration=command.duration,
            comment=command.comment,
        )
        return (
            f"Silence #{silence.id} mutes {' '.join(silence.matchers)} until "
            f"{silence.ends_at:%Y-%m-%d %H:%M} UTC"
        )
    if incident is None:
        name = cmd.command_name(command)
        raise CommandError(
            f"`/inc {name}` works only inside an incident room\nUsage: {cmd.USAGE[name]}"
        )
    return run_in_incident(uow, ctx, command, incident, actor)


def run_in_incident(
    uow: UnitOfWork, ctx: Context, command: cmd.Command, incident: IncidentRow, actor: Actor
) -> str:
    match command:
        case cmd.Ack():
            return incidents.acknowledge(uow, ctx, incident, actor)
        case cmd.SetStatus(status=status, message=message):
            return incidents.set_status(uow, ctx, incident, actor, status, message)
        case cmd.Update(message=message):
            return incidents.post_update(uow, ctx, incident, actor, message)
        case cmd.SetSeverity(severity=severity):
            return incidents.set_severity(uow, ctx, incident, actor, severity)
        case cmd.AssignRole(role=role, user=user):
            return incidents.assign_role(uow, ctx, incident, actor, role, user)
        case cmd.Note(text=text):
            return incidents.add_note(uow, ctx, incident, actor, text)
        case cmd.Resolve(summary=summary):
            return incidents.resolve(uow, ctx, incident, actor, summary)
        case cmd.ShowTimeline():
            entries, total = uow.incidents.timeline_tail(incident.id, TIMELINE_SHOWN)
            return render.timeline(entries, total)
    raise CommandError(f"`/inc {cmd.command_name(command)}` is not available here")


def _group_id(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        raise CommandError(
            f"`group:{text}` is not an alert group: use the group's number, e.g. group:12\n"
            f"Usage: {cmd.USAGE['declare']}"
        )
    return int(text)


def declare(
    uow: UnitOfWork, ctx: Context, command: cmd.Declare, actor: Actor, platform: str
) -> str:
    title, severity, group_ids = command.title, command.severity, []
    match = _GROUP_REF.match(title)
    if match:
        group = uow.alerts.get_group(_group_id(match.group(1)))
        if group is None:
            raise NotFoundError(f"no alert group #{match.group(1)}")
        if group.incident_id is not None:
            owner = uow.incidents.get(group.incident_id)
            number = owner.number if owner else group.incident_id
            raise ConflictError(
                f"alert group #{group.id} already belongs to {incident_ref(number)}"
            )
        group_ids = [group.id]
        title = (match.group(2) or "").strip() or group.title
        severity = severity or severity_from_alert(group.severity)
    incident = incidents.declare_incident(
        uow,
        ctx,
        title=title,
        severity=severity or 3,
        actor=actor,
        group_ids=group_ids,
        invite=invite_declarer(uow, actor, platform),
    )
    return declared_reply(uow, incident, platform)


def invite_declarer(uow: UnitOfWork, actor: Actor, platform: str) -> dict[str, list[str]]:
    """Whoever declares from a platform joins the new room there."""
    user = uow.users.get_by_name(actor.name)
    return {platform: identity.platform_ids(uow, user, platform)} if user else {}


def declared_reply(uow: UnitOfWork, incident: IncidentRow, platform: str) -> str:
    room = rooms.room_names(uow, incident).get(platform, incident.room)
    return f"Declared {incident_ref(incident.number)}: {incident.title}. Room: #{room}"
