"""An incident's rooms on every configured platform, and the shared announcement channels.

Use cases call these; each platform gets the same calls through the outbox, so adding a
platform to the configuration gives every incident a room there with no other change.
"""

from __future__ import annotations

from collections.abc import Callable

from opsroom.chat import outbox, render
from opsroom.chat.hub import BUILTIN, ChatPlatform
from opsroom.chat.message import Message, to_dict
from opsroom.chat.tables import ARCHIVED, PENDING, ChatRoomRow
from opsroom.context import Context
from opsroom.db.uow import UnitOfWork
from opsroom.incident.model import room_name
from opsroom.incident.tables import IncidentRow
from opsroom.user.tables import UserRow


def open_rooms(
    uow: UnitOfWork,
    ctx: Context,
    incident: IncidentRow,
    *,
    topic: str,
    summary: Message,
    invite: dict[str, list[str]] | None = None,
) -> list[ChatRoomRow]:
    """A room per platform (names valid and unique there), its topic, the summary, invites."""
    rows = []
    for platform in ctx.chat:
        if not platform.adapter(uow).capabilities.rooms:
            continue
        name = _name_for(uow, ctx, platform, incident)
        row = uow.chat.add_room(
            ChatRoomRow(
                incident_id=incident.id,
                platform=platform.name,
                name=name,
                status=PENDING,
                created_at=ctx.clock.now(),
            )
        )
        rows.append(row)
        outbox.submit(uow, ctx, platform.name, "create_room", room=row.id, topic=topic)
        outbox.submit(uow, ctx, platform.name, "topic", room=row.id, topic=topic)
        users = [*platform.invite, *(invite or {}).get(platform.name, [])]
        if users:
            outbox.submit(uow, ctx, platform.name, "invite", room=row.id, users=users)
        outbox.post(uow, ctx, platform.name, summary, room=row.id, summary=True)
    return rows


def _name_for(uow: UnitOfWork, ctx: Context, platform: ChatPlatform, incident: IncidentRow) -> str:
    if platform.name == BUILTIN and incident.room:
        return incident.room
    limit = platform.adapter(uow).limits.room_name
    taken = uow.chat.names_taken(platform.name, f"inc-{incident.number}")
    return room_name(incident.number, incident.title, taken, max_length=limit)


def post_to_rooms(
    uow: UnitOfWork,
    ctx: Context,
    incident: IncidentRow,
    message: Message,
    *,
    skip: str | None = None,
) -> None:
    """The message in the incident's room on every platform (but `skip`)."""
    for row in uow.chat.rooms_of_incident(incident.id):
        if row.platform in ctx.chat and row.platform != skip:
            outbox.post(uow, ctx, row.platform, message, room=row.id)


def set_topic(uow: UnitOfWork, ctx: Context, incident: IncidentRow, topic: str) -> None:
    for row in uow.chat.rooms_of_incident(incident.id):
        if row.platform in ctx.chat and row.status != ARCHIVED:
            outbox.submit(uow, ctx, row.platform, "topic", room=row.id, topic=topic)


def refresh_summary(uow: UnitOfWork, ctx: Context, incident: IncidentRow) -> None:
    """Edit each room's summary message (where the platform edits messages) to show the
    incident's status, severity and commander now; ordered after the summary's post."""
    groups = uow.alerts.groups_of_incident(incident.id)
    alerts = [alert for group in groups for alert in uow.alerts.alerts_in_group(group.id)]
    summary = to_dict(render.incident_summary(incident, groups, alerts))
    for row in uow.chat.rooms_of_incident(incident.id):
        if row.platform not in ctx.chat or row.status == ARCHIVED:
            continue
        if ctx.chat.get(row.platform).adapter(uow).capabilities.message_update:
            outbox.submit(
                uow, ctx, row.platform, "update", room=row.id, message=summary, summary=True
            )


def archive_rooms(uow: UnitOfWork, ctx: Context, incident: IncidentRow) -> list[ChatRoomRow]:
    rows = [
        row
        for row in uow.chat.rooms_of_incident(incident.id)
        if row.platform in ctx.chat and row.status != ARCHIVED
    ]
    for row in rows:
        outbox.submit(uow, ctx, row.platform, "archive", room=row.id)
    return rows


def announce(
    uow: UnitOfWork, ctx: Context, channel: str, message: Message | Callable[[str], Message]
) -> None:
    """Post in the `alerts` or `incidents` channel of every platform that has one.

    `message` may be a function of the platform's name, for text that differs per platform.
    """
    for platform in ctx.chat:
        room = platform.channels.get(channel)
        if room is None:
            continue
        text = message(platform.name) if callable(message) else message
        outbox.post(uow, ctx, platform.name, text, channel=room)


def announce_incident(uow: UnitOfWork, ctx: Context, incident: IncidentRow) -> None:
    """The new incident in every platform's incidents channel, naming that platform's room
    as it ends up there (a `-2` name when the first was taken), once it exists."""
    for platform in ctx.chat:
        channel = platform.channels.get("incidents")
        if channel is None:
            continue
        row = uow.chat.room_on(incident.id, platform.name)
        if row is None:  # a platform without rooms: the built-in room is where to go
            message = render.incident_announcement(incident, f"#{incident.room}")
            outbox.post(uow, ctx, platform.name, message, channel=channel)
            continue
        message = render.incident_announcement(incident)
        outbox.post(uow, ctx, platform.name, message, channel=channel, about_room=row.id)


def send_direct(
    uow: UnitOfWork,
    ctx: Context,
    user: UserRow,
    message: Message,
    *,
    platforms: list[str] | None = None,
) -> list[str]:
    """A direct message to a person on every platform (or those named) where opsroom knows
    them and which has direct messages; returns the platforms it went to (for paging)."""
    sent = []
    for identity in uow.chat.identities_of_user(user.id):
        if identity.platform not in ctx.chat or (platforms and identity.platform not in platforms):
            continue
        platform = ctx.chat.get(identity.platform)
        if not platform.adapter(uow).capabilities.direct_messages:
            continue
        outbox.post(uow, ctx, platform.name, message, direct=identity.platform_user_id)
        sent.append(platform.name)
    return sent


def page_direct(uow: UnitOfWork, ctx: Context, user_name: str, message: Message) -> list[str]:
    """A page as direct messages: in the person's direct-message room of the built-in chat
    (which knows every opsroom user by name) and on every other platform that knows them;
    returns the platforms it went to (none: the person cannot be reached by chat)."""
    sent = []
    if BUILTIN in ctx.chat:
        builtin = ctx.chat.get(BUILTIN)
        if builtin.adapter(uow).capabilities.direct_messages:
            outbox.post(uow, ctx, builtin.name, message, direct=user_name)
            sent.append(builtin.name)
    user = uow.users.get_by_name(user_name)
    if user is not None:
        others = [name for name in ctx.chat.names() if name != BUILTIN]
        sent += send_direct(uow, ctx, user, message, platforms=others) if others else []
    return sent


def room_names(uow: UnitOfWork, incident: IncidentRow) -> dict[str, str]:
    """The incident's room name per platform."""
    return {row.platform: row.name for row in uow.chat.rooms_of_incident(incident.id)}
