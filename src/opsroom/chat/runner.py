"""Run one `/inc` command for a person, whatever platform it came from."""

from __future__ import annotations

import re
from dataclasses import dataclass

from opsroom.alert.silence import create_silence
from opsroom.chat import commands as cmd
from opsroom.chat import identity, render, rooms
from opsroom.chat.delivery import room_label
from opsroom.chat.message import Message, plain
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
from opsroom.escalation import ack as acks
from opsroom.escalation import commands as escalation_commands
from opsroom.incident import service as incidents
from opsroom.incident.model import incident_ref, severity_from_alert
from opsroom.incident.service import Actor
from opsroom.incident.tables import IncidentRow
from opsroom.oncall.service import describe_all


@dataclass(frozen=True)
class FollowUp:
    """A reply to send after the answer, once the room `about_room` exists (it names it)."""

    message: Message
    about_room: int


_GROUP_REF = re.compile(r"^group:(\S*)(?:\s+(.*))?$", re.DOTALL)
# What a `viewer` may run; everything else changes an incident and needs `responder`.
READ_ONLY = (cmd.Help, cmd.ShowTimeline)
TIMELINE_SHOWN = 50
# Commands whose result every room of the incident shows, on every platform.
MIRRORED = (
    cmd.Ack,
    cmd.SetStatus,
    cmd.Update,
    cmd.SetSeverity,
    cmd.AssignRole,
    cmd.Page,
    cmd.Escalate,
)


def run_command_text(
    uow: UnitOfWork,
    ctx: Context,
    text: str,
    incident: IncidentRow | None,
    actor: Actor,
    *,
    role: str,
    platform: str,
    follow_ups: list[FollowUp] | None = None,
) -> tuple[str, bool, bool]:
    """(reply, ok, public): mistakes become a reply naming the problem; public replies are
    for everyone in the room, the others only for the person who typed the command.
    `follow_ups` collects replies to send once a room exists (see `declared_reply`)."""
    try:
        command = cmd.parse_command(text)
        authorize(command, role)
        # A command that fails half-way leaves nothing behind; the message itself stays.
        with uow.savepoint():
            reply = _run(uow, ctx, command, incident, actor, (platform, follow_ups))
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
    where: tuple[str, list[FollowUp] | None],
) -> str:
    if isinstance(command, cmd.Help):
        return cmd.HELP_TEXT
    if isinstance(command, cmd.Declare):
        return declare(uow, ctx, command, actor, *where)
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
    anywhere = _run_anywhere(uow, ctx, command, actor)
    if anywhere is not None:
        return anywhere
    if incident is None:
        name = cmd.command_name(command)
        raise CommandError(
            f"`/inc {name}` works only inside an incident room\nUsage: {cmd.USAGE[name]}"
        )
    return run_in_incident(uow, ctx, command, incident, actor)


def _run_anywhere(uow: UnitOfWork, ctx: Context, command: cmd.Command, actor: Actor) -> str | None:
    """`/inc ack group:<id>`, `/inc ack <page code>` and `/inc escalate group:<id>` name what
    they act on, so they work in any room (#alerts above all); None for other commands."""
    if isinstance(command, cmd.Ack) and command.group_id:
        return acks.acknowledge_group(uow, ctx, command.group_id, actor)
    if isinstance(command, cmd.Ack) and command.code:
        return acks.acknowledge_code(uow, ctx, command.code, actor)
    if isinstance(command, cmd.Escalate) and command.group_id:
        return escalation_commands.escalate_group(uow, ctx, command.group_id, actor)
    return None


def run_in_incident(
    uow: UnitOfWork, ctx: Context, command: cmd.Command, incident: IncidentRow, actor: Actor
) -> str:
    reply = _in_incident(uow, ctx, command, incident, actor)
    if isinstance(command, MIRRORED):
        # One timeline, a room per platform: the others' rooms show the change too (the
        # platform it came from shows it as the reply).
        rooms.post_to_rooms(uow, ctx, incident, plain(reply), skip=actor.source)
    return reply


def _in_incident(
    uow: UnitOfWork, ctx: Context, command: cmd.Command, incident: IncidentRow, actor: Actor
) -> str:
    match command:
        case cmd.Ack():
            return acks.acknowledge_incident(uow, ctx, incident, actor)
        case cmd.Page(target=target, message=message):
            return escalation_commands.page(uow, ctx, incident, target, message, actor)
        case cmd.Escalate():
            return escalation_commands.escalate_incident(uow, ctx, incident, actor)
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
            reply = incidents.resolve(uow, ctx, incident, actor, summary)
            escalation_commands.stop_for_incident(uow, ctx, incident, actor)
            return reply
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
    uow: UnitOfWork,
    ctx: Context,
    command: cmd.Declare,
    actor: Actor,
    platform: str,
    follow_ups: list[FollowUp] | None = None,
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
    return declared_reply(uow, ctx, incident, platform, follow_ups)


def invite_declarer(uow: UnitOfWork, actor: Actor, platform: str) -> dict[str, list[str]]:
    """Whoever declares from a platform joins the new room there."""
    user = uow.users.get_by_name(actor.name)
    return {platform: identity.platform_ids(uow, user, platform)} if user else {}


def declared_reply(
    uow: UnitOfWork,
    ctx: Context,
    incident: IncidentRow,
    platform: str,
    follow_ups: list[FollowUp] | None = None,
) -> str:
    """Names the platform's room as it exists there. A remote platform makes it later (its
    name may get a `-2`): the reply says so, and a follow-up (sent by chat/gateway.py after
    the reply) names it once it exists."""
    text = f"Declared {incident_ref(incident.number)}: {incident.title}."
    row = uow.chat.room_on(incident.id, platform)
    if row is None:  # a platform without rooms (Teams' outgoing webhook): the built-in room
        return f"{text} Room: #{incident.room}"
    if row.room_id is not None:
        return f"{text} Room: {room_label(ctx.chat.get(platform).adapter(uow), row)}"
    if follow_ups is not None:
        follow_ups.append(FollowUp(plain(f"{text} Room: "), about_room=row.id))
        return f"{text} Its {platform} room is being opened; a reply names it."
    return f"{text} Its {platform} room is being opened; the incidents channel will name it."
