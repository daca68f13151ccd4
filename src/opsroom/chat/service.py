"""What people say and do in chat, on any platform: run commands, record messages.

The built-in chat calls `handle_message`; every other platform's inbound events go through
`handle_inbound`. Both share one command runner, so `/inc` means the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from opsroom.chat import commands as cmd
from opsroom.chat import identity, screen
from opsroom.chat.actions import run_action, run_declare_form
from opsroom.chat.builtin.adapter import BuiltinChatAdapter
from opsroom.chat.builtin.tables import MessageRow
from opsroom.chat.hub import BUILTIN
from opsroom.chat.inbound import (
    ActionInvoked,
    CommandInvoked,
    DeclareForm,
    DeclareSubmitted,
    InboundEvent,
    InboundOutcome,
    InboundParse,
    MessagePosted,
    Person,
)
from opsroom.chat.message import Mention, plain
from opsroom.chat.runner import FollowUp, run_command_text
from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.incident import service as incidents
from opsroom.incident.service import Actor
from opsroom.incident.tables import IncidentRow


@dataclass
class Outcome:
    message: MessageRow
    replies: list[str] = field(default_factory=list)
    ok: bool = True


def builtin_chat(uow: UnitOfWork, ctx: Context) -> BuiltinChatAdapter:
    return BuiltinChatAdapter(uow.rooms, ctx.clock, ctx.settings.chat.bot_name)


def handle_message(
    uow: UnitOfWork, ctx: Context, *, room: str, author: str, text: str, source: str = BUILTIN
) -> Outcome:
    """Everything said in a built-in room. Command mistakes become replies, never lost."""
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
        user = uow.users.get_by_name(author)
        role = user.role if user else "responder"
        reply, outcome.ok, _ = run_command_text(
            uow, ctx, text, incident, actor, role=role, platform=BUILTIN
        )
        outcome.replies.append(reply)
        chat.post_reply(room, plain(reply))
    elif incident is not None:
        incidents.record(uow, ctx, incident, actor, "message", text, {"message_id": message.id})
    return outcome


def handle_inbound(
    uow: UnitOfWork, ctx: Context, platform: str, parsed: InboundParse
) -> list[InboundOutcome]:
    """Run a verified request's events; a platform's retry of a handled event does nothing."""
    screen.check_ids(parsed)
    event_id, now = parsed.event_id, ctx.clock.now()
    if event_id is not None and not uow.chat.first_delivery(platform, event_id, now):
        return []
    if not parsed.event_ids:
        return [_handle(uow, ctx, event) for event in parsed.events]
    return [
        _handle(uow, ctx, event)
        for event, key in zip(parsed.events, parsed.event_ids, strict=True)
        if uow.chat.first_delivery(platform, key, now)
    ]


def _handle(uow: UnitOfWork, ctx: Context, received: InboundEvent) -> InboundOutcome:
    event, refusal = screen.screened(received)
    if refusal is not None:
        return InboundOutcome(reply=plain(refusal), ok=False, event=event)
    user = identity.user_for(uow, ctx, event.person)
    actor = Actor(user.name, event.person.platform)
    match event:
        case CommandInvoked():
            outcome = _command(uow, ctx, event, actor, user.role)
        case MessagePosted():
            incident = _incident_of_room(uow, event.person.platform, event.room_id)
            if incident is not None:
                text = _with_names(uow, ctx, event.text, event.mentions, event.person.platform)
                data = {"message_id": event.message_id, "room": event.room_id}
                incidents.record(uow, ctx, incident, actor, "message", text, data)
            outcome = InboundOutcome()
        case ActionInvoked():
            outcome = run_action(uow, ctx, event, actor, user.role)
        case DeclareSubmitted():
            outcome = run_declare_form(uow, ctx, event, actor, user.role)
    outcome.event = event
    return outcome


def _command(
    uow: UnitOfWork, ctx: Context, event: CommandInvoked, actor: Actor, role: str
) -> InboundOutcome:
    platform = event.person.platform
    incident = _incident_of_room(uow, platform, event.room_id)
    text = _with_names(uow, ctx, event.text, event.mentions, platform)
    if text.strip() in (cmd.PREFIX + " declare", cmd.PREFIX + " declare group") and event.trigger:
        return InboundOutcome(form=DeclareForm(room_id=event.room_id))
    follow_ups: list[FollowUp] = []
    reply, ok, public = run_command_text(
        uow, ctx, text, incident, actor, role=role, platform=platform, follow_ups=follow_ups
    )
    return InboundOutcome(
        reply=plain(reply),
        ok=ok,
        public=public,
        follow_ups=[(f.message, f.about_room) for f in follow_ups],
    )


def _incident_of_room(uow: UnitOfWork, platform: str, room_id: str) -> IncidentRow | None:
    row = uow.chat.room_by_platform_id(platform, room_id)
    if row is None:
        return None
    incident = uow.incidents.get(row.incident_id)
    # Locked like the built-in chat's rooms: concurrent commands on one incident serialize.
    return uow.incidents.by_number(incident.number, for_update=True) if incident else None


def _with_names(
    uow: UnitOfWork, ctx: Context, text: str, mentions: tuple[Mention, ...], platform: str
) -> str:
    """Platform mentions (`<@U024BE7LH>`) become `@<opsroom user name>`."""
    for mention in mentions:
        person = Person(platform, mention.user_id, mention.display_name)
        text = text.replace(mention.token, "@" + identity.user_for(uow, ctx, person).name)
    return text
