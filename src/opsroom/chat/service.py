"""A message arrives in a room: store it, run it if it is a command, record it on the timeline."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from opsroom.alert.silence import create_silence
from opsroom.chat import commands as cmd
from opsroom.chat import render
from opsroom.chat.base import ChatAdapter
from opsroom.chat.builtin.adapter import BuiltinChatAdapter
from opsroom.chat.builtin.tables import MessageRow
from opsroom.context import Context
from opsroom.db.base import MAX_ID
from opsroom.db.uow import UnitOfWork
from opsroom.errors import CommandError, ConflictError, InvalidInputError, NotFoundError
from opsroom.incident import service as incidents
from opsroom.incident.model import incident_ref, severity_from_alert
from opsroom.incident.service import Actor
from opsroom.incident.tables import IncidentRow
from opsroom.oncall.service import describe_all

_GROUP_REF = re.compile(r"^group:(\S*)(?:\s+(.*))?$", re.DOTALL)


@dataclass
class Outcome:
    message: MessageRow
    replies: list[str] = field(default_factory=list)
    ok: bool = True


def builtin_chat(uow: UnitOfWork, ctx: Context) -> BuiltinChatAdapter:
    return BuiltinChatAdapter(uow.rooms, ctx.clock, ctx.settings.chat.bot_name)


def handle_message(
    uow: UnitOfWork, ctx: Context, *, room: str, author: str, text: str, source: str = "builtin"
) -> Outcome:
    """Everything said in a room. Command mistakes become replies, never lost messages."""
    chat = builtin_chat(uow, ctx)
    message = chat.post_as(room, author, text)
    room_row = uow.rooms.by_name(room)
    incident = (
        uow.incidents.by_number(room_row.incident_number, for_update=True)
        if room_row and room_row.incident_number is not None
        else None
    )
    actor = Actor(author, source)
    outcome = Outcome(message=message)
    if cmd.is_command(text):
        try:
            # A command that fails half-way leaves nothing behind; the message itself stays.
            with uow.savepoint():
                reply = _run(uow, ctx, chat, cmd.parse_command(text), incident, actor)
        except (InvalidInputError, NotFoundError, ConflictError) as exc:
            reply, outcome.ok = exc.message, False
        outcome.replies.append(reply)
        chat.post(room, reply)
    elif incident is not None:
        incidents.record(uow, ctx, incident, actor, "message", text, {"message_id": message.id})
    return outcome


def _run(
    uow: UnitOfWork,
    ctx: Context,
    chat: ChatAdapter,
    command: cmd.Command,
    incident: IncidentRow | None,
    actor: Actor,
) -> str:
    if isinstance(command, cmd.Help):
        return cmd.HELP_TEXT
    if isinstance(command, cmd.Declare):
        return _declare(uow, ctx, chat, command, actor)
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
    return _run_in_incident(uow, ctx, chat, command, incident, actor)


def _run_in_incident(
    uow: UnitOfWork,
    ctx: Context,
    chat: ChatAdapter,
    command: cmd.Command,
    incident: IncidentRow,
    actor: Actor,
) -> str:
    match command:
        case cmd.Ack():
            return incidents.acknowledge(uow, ctx, incident, actor)
        case cmd.SetStatus(status=status, message=message):
            return incidents.set_status(uow, ctx, chat, incident, actor, status, message)
        case cmd.Update(message=message):
            return incidents.post_update(uow, ctx, incident, actor, message)
        case cmd.SetSeverity(severity=severity):
            return incidents.set_severity(uow, ctx, chat, incident, actor, severity)
        case cmd.AssignRole(role=role, user=user):
            return incidents.assign_role(uow, ctx, incident, actor, role, user)
        case cmd.Note(text=text):
            return incidents.add_note(uow, ctx, incident, actor, text)
        case cmd.Resolve(summary=summary):
            return incidents.resolve(uow, ctx, chat, incident, actor, summary)
        case cmd.ShowTimeline():
            return render.timeline(uow.incidents.timeline(incident.id))
    raise CommandError(f"`/inc {cmd.command_name(command)}` is not available here")


def _group_id(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        raise CommandError(
            f"`group:{text}` is not an alert group: use the group's number, e.g. group:12\n"
            f"Usage: {cmd.USAGE['declare']}"
        )
    return int(text)


def _declare(
    uow: UnitOfWork, ctx: Context, chat: ChatAdapter, command: cmd.Declare, actor: Actor
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
        chat,
        title=title,
        severity=severity or 3,
        actor=actor,
        group_ids=group_ids,
    )
    return f"Declared {incident_ref(incident.number)}: {incident.title}. Room: #{incident.room}"
