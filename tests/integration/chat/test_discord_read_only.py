"""At resolution a Discord room is closed for everyone: in `rooms: channel` the people added
with a member overwrite lose SEND_MESSAGES too (member overwrites beat role ones), and a
thread a moderator archived before the resolution is still locked."""

from __future__ import annotations

from opsroom.bootstrap import Container
from opsroom.chat.discord.client import READ_ONLY_DENY, SEND_MESSAGES
from opsroom.chat.registry import build_hub
from opsroom.incident.service import Actor, declare_incident, resolve
from tests.contract.discord_api import GUILD_ID, INCIDENTS_ID
from tests.contract.discord_server import DiscordContractServer
from tests.integration.chat.discord_driver import DiscordDriver
from tests.integration.chat.test_discord_outbound import drain

MEMBER_ID = "100000000000000777"


def test_members_added_to_an_incident_channel_cannot_post_after_resolution(
    discord_container: Container, discord: DiscordContractServer
) -> None:
    settings = discord_container.settings.chat.discord
    assert settings is not None
    settings.rooms = "channel"
    discord_container.ctx.chat = build_hub(discord_container.settings, discord_container.ctx.clock)
    with discord_container.uow() as uow:
        incident = declare_incident(
            uow,
            discord_container.ctx,
            title="Checkout is slow",
            severity=2,
            actor=Actor("alice", "api"),
            invite={"discord": [MEMBER_ID]},
        )
        uow.commit()
    drain(discord_container)
    channel = next(c for c in discord.guild.channels.values() if c.name.startswith("inc-1"))
    assert int(channel.overwrites[MEMBER_ID]["allow"]) & SEND_MESSAGES
    with discord_container.uow() as uow:
        row = uow.incidents.by_number(1)
        assert row is not None
        resolve(uow, discord_container.ctx, row, Actor("alice", "api"), "fixed")
        uow.commit()
    drain(discord_container)
    member = channel.overwrites[MEMBER_ID]
    assert not int(member["allow"]) & SEND_MESSAGES
    assert int(member["deny"]) & READ_ONLY_DENY == READ_ONLY_DENY
    assert int(channel.overwrites[GUILD_ID]["deny"]) & SEND_MESSAGES
    assert incident.number == 1


def test_a_thread_archived_by_a_moderator_is_locked_at_resolution(
    discord_driver: DiscordDriver, discord: DiscordContractServer
) -> None:
    discord_driver.command(INCIDENTS_ID, "/inc declare Checkout is slow", user="alice")
    room = discord_driver.room_of(1)
    thread = discord.guild.channel(room)
    thread.archived = True  # by a moderator, not locked
    discord_driver.command(room, "/inc resolve fixed", user="alice")
    discord_driver.container.worker().drain()
    assert (thread.archived, thread.locked) == (True, True)
    with discord_driver.container.uow() as uow:
        archive = [
            j for j in uow.jobs.list_jobs(limit=200) if (j.payload or {}).get("op") == "archive"
        ]
    assert [j.status for j in archive] == ["done"]
