"""Discord's outbound calls against the contract server: every fault the platform can answer
is handled by the outbox, and what reaches Discord is escaped and fits its limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from opsroom.bootstrap import Container
from opsroom.chat.discord.client import DiscordChatAdapter
from opsroom.chat.outbox import DELIVER
from opsroom.chat.registry import build_hub
from opsroom.clock import FakeClock
from opsroom.incident.service import Actor, declare_incident
from opsroom.jobs.tables import JobRow
from tests.contract.discord_api import ALERTS_ID, GUILD_ID, INCIDENTS_ID
from tests.contract.discord_server import DiscordContractServer
from tests.integration.chat.discord_driver import DiscordDriver
from tests.integration.payloads import alertmanager

MESSAGES = "POST /channels/{id}/messages"
THREADS = "POST /channels/{id}/messages/{id}/threads"


@pytest.fixture
def clock(discord_container: Container) -> FakeClock:
    """A clock the tests move, shared by the outbox and the adapter's rate-limit buckets."""
    fake = FakeClock(datetime.now(UTC))
    discord_container.ctx.clock = fake
    discord_container.ctx.chat = build_hub(discord_container.settings, fake)
    return fake


def declare(container: Container, title: str = "Checkout is slow") -> None:
    with container.uow() as uow:
        declare_incident(uow, container.ctx, title=title, severity=2, actor=Actor("alice", "api"))
        uow.commit()


def drain(container: Container) -> None:
    container.worker(queues=["chat.discord"]).drain()


def jobs(container: Container, op: str | None = None) -> list[JobRow]:
    with container.uow() as uow:
        return [
            j
            for j in uow.jobs.list_jobs(limit=500)
            if j.kind == DELIVER and j.queue == "chat.discord" and op in (None, j.payload["op"])
        ]


def test_a_thread_per_incident_started_from_a_topic_message(
    discord_container: Container, discord: DiscordContractServer, clock: FakeClock
) -> None:
    declare(discord_container)
    drain(discord_container)
    assert all(c.status < 300 for c in discord.calls), discord.calls
    thread = discord.thread_named("inc-1-checkout-is-slow")
    assert thread.type == 11 and thread.parent_id == INCIDENTS_ID
    starter = discord.guild.message(discord.guild.channel(INCIDENTS_ID), thread.id)
    assert starter["content"].startswith("INC-1 SEV2 investigating")
    assert discord.messages(thread.id)[0].startswith("INC-1: Checkout is slow")
    assert all(c.headers["authorization"].startswith("Bot ") for c in discord.ok(MESSAGES))
    assert all(c.body["allowed_mentions"] == {"parse": []} for c in discord.ok(MESSAGES))


def test_rate_limited_call_waits_for_retry_after_without_failing(
    discord_container: Container, discord: DiscordContractServer, clock: FakeClock
) -> None:
    discord.inject(THREADS, "ratelimited", retry_after=12.5)
    declare(discord_container)
    drain(discord_container)
    [create] = jobs(discord_container, "create_room")
    assert (create.status, create.attempts) == ("queued", 0)
    assert create.due_at == clock.now() + timedelta(seconds=13)  # Retry-After, rounded up
    starters = [
        m
        for m in discord.guild.channel(INCIDENTS_ID).messages
        if m["content"].startswith("INC-1 SEV")
    ]
    assert starters == [], "the starter message of the failed attempt was deleted"
    clock.advance(timedelta(seconds=14))
    drain(discord_container)
    assert {j.status for j in jobs(discord_container)} == {"done"}
    assert discord.messages(discord.thread_named("inc-1-checkout-is-slow").id)


def test_a_global_rate_limit_holds_every_route(
    discord_container: Container, discord: DiscordContractServer, clock: FakeClock
) -> None:
    discord.inject(MESSAGES, "global", retry_after=30)
    declare(discord_container)
    drain(discord_container)
    sent_before = len(discord.calls)
    drain(discord_container)
    assert len(discord.calls) == sent_before, "nothing is sent while the global limit holds"
    assert {j.status for j in jobs(discord_container)} == {"queued"}
    clock.advance(timedelta(seconds=31))
    drain(discord_container)
    assert {j.status for j in jobs(discord_container)} == {"done"}


def test_a_used_up_bucket_is_waited_for_before_calling_again(
    discord_container: Container, discord: DiscordContractServer, clock: FakeClock
) -> None:
    discord.inject(MESSAGES, "exhausted", retry_after=5)
    declare(discord_container)
    drain(discord_container)
    # The incidents channel's bucket is used up by the starter message; the thread is
    # another bucket, so only the announcement in #incidents waits, and nothing was sent.
    posted_to = [c.path.split("/")[2] for c in discord.ok(MESSAGES)]
    assert posted_to.count(INCIDENTS_ID) == 1 and len(posted_to) == 2
    [waiting] = [j for j in jobs(discord_container) if j.status == "queued"]
    assert waiting.payload["channel"] == INCIDENTS_ID and waiting.attempts == 0
    clock.advance(timedelta(seconds=6))
    drain(discord_container)
    assert {j.status for j in jobs(discord_container)} == {"done"}


def test_server_errors_and_slow_replies_are_retried_with_backoff(
    discord_container: Container, discord: DiscordContractServer, clock: FakeClock
) -> None:
    discord.inject(THREADS, "5xx")
    discord.inject(THREADS, "slow", delay=3.0)  # longer than the 2 s timeout
    declare(discord_container)
    drain(discord_container)
    [create] = jobs(discord_container, "create_room")
    assert create.attempts == 1 and "502" in (create.last_error or "")
    clock.advance(timedelta(seconds=3))
    drain(discord_container)
    [create] = jobs(discord_container, "create_room")
    assert create.attempts == 2 and "timed out" in (create.last_error or "")
    clock.advance(timedelta(seconds=10))
    drain(discord_container)
    assert {j.status for j in jobs(discord_container)} == {"done"}
    threads = [c for c in discord.guild.channels.values() if c.type == 11]
    assert [t.name for t in threads] == ["inc-1-checkout-is-slow"]


def test_a_thread_our_unanswered_create_made_is_adopted(
    discord_container: Container, discord: DiscordContractServer
) -> None:
    from datetime import UTC, datetime

    from tests.contract.discord_api import BOT_USER_ID

    declare(discord_container)
    # What a first attempt did on Discord before its answer was lost.
    made = discord.guild.add_channel("200000000000000998", "inc-1-checkout-is-slow", type=11)
    made.parent_id, made.owner_id = INCIDENTS_ID, BOT_USER_ID
    made.created = datetime.now(UTC).isoformat()
    drain(discord_container)
    threads = [c.name for c in discord.guild.channels.values() if c.type == 11]
    assert threads == ["inc-1-checkout-is-slow"]
    with discord_container.uow() as uow:
        row = uow.chat.room_on(1, "discord")
        assert row is not None and (row.name, row.room_id) == (made.name, made.id)
    assert discord.messages(made.id)[0].startswith("INC-1: Checkout is slow")


def test_a_thread_name_in_use_gets_a_suffix(
    discord_container: Container, discord: DiscordContractServer
) -> None:
    discord.guild.add_channel("200000000000000999", "inc-1-checkout-is-slow", type=11)
    discord.guild.channels["200000000000000999"].parent_id = INCIDENTS_ID
    declare(discord_container)
    drain(discord_container)
    assert discord.messages(discord.thread_named("inc-1-checkout-is-slow-2").id)
    with discord_container.uow() as uow:
        row = uow.chat.room_on(1, "discord")
        assert row is not None and row.name == "inc-1-checkout-is-slow-2"


def test_odd_titles_make_names_discord_accepts(
    discord_container: Container, discord: DiscordContractServer
) -> None:
    titles = ["🔥🔥", "DB.Primary.DOWN on eu-west.1", "Z" * 100, "ALL CAPS & <tags>"]
    for title in titles:
        declare(discord_container, title)
    drain(discord_container)
    created = sorted(c.body["name"] for c in discord.ok(THREADS))
    assert created == [
        "inc-1",
        "inc-2-db-primary-down-on-eu-west-1",
        "inc-3-" + "z" * 94,
        "inc-4-all-caps-tags",
    ]
    assert [c for c in discord.calls if c.status >= 400] == []


def test_alert_text_cannot_mention_anyone_and_long_groups_fit(
    discord_client: object, discord_container: Container, discord: DiscordContractServer, hook: Any
) -> None:
    extra = [
        {
            "status": "firing",
            "labels": {"alertname": "Disk", "severity": "warning", "n": str(n)},
            "annotations": {"summary": f"disk {n} @everyone @here <@300000000000000001> **x**"},
            "startsAt": "2026-12-01T10:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "fingerprint": f"f{n:015d}",
        }
        for n in range(80)
    ]
    payload = alertmanager(severity="warning", summary="@everyone ping", extra_alerts=extra)
    assert discord_client.post(hook(), json=payload).status_code == 202  # type: ignore[attr-defined]
    discord_container.worker().drain()
    [message] = discord.guild.channel(ALERTS_ID).messages
    rendered = message["content"] + str(message["embeds"])
    assert "@everyone" not in rendered and "@here" not in rendered
    assert "<@3" not in rendered.replace("\\<@3", "")
    assert message["allowed_mentions"] == {"parse": []}
    assert message["embeds"][0]["description"].endswith("... and 56 more")
    assert [c for c in discord.calls if c.status >= 400] == []


def test_no_post_is_attempted_to_an_archived_thread(
    discord_driver: DiscordDriver, discord: DiscordContractServer
) -> None:
    discord_driver.command(INCIDENTS_ID, "/inc declare Checkout is slow", user="alice")
    room = discord_driver.room_of(1)
    discord.guild.channel(room).archived = True  # archived by a moderator
    discord_driver.command(room, "/inc status identified bad deploy", user="alice")
    discord_driver.command(room, "/inc resolve fixed", user="alice")
    discord_driver.container.worker().drain()
    with discord_driver.container.uow() as uow:
        warnings = [e for e in uow.incidents.timeline(1) if e.kind == "warning"]
        row = uow.chat.room_on(1, "discord")
    assert row is not None and row.status == "archived"
    assert warnings and all(w.source == "discord" for w in warnings)
    refused = [c for c in discord.calls if c.code == 50083]
    assert len(refused) == 1, "after Discord said archived, nothing more was sent there"
    assert not [c for c in discord.ok("PATCH /channels/{id}") if c.body.get("archived")]


def test_channel_rooms_get_a_topic_and_become_read_only(
    discord_container: Container, discord: DiscordContractServer
) -> None:
    settings = discord_container.settings.chat.discord
    assert settings is not None
    settings.rooms, settings.archive_category_id = "channel", "100000000000000099"
    discord_container.ctx.chat = build_hub(discord_container.settings, discord_container.ctx.clock)
    declare(discord_container)
    drain(discord_container)
    channel = next(c for c in discord.guild.channels.values() if c.name.startswith("inc-1"))
    assert channel.type == 0 and channel.topic.startswith("INC-1 SEV2 investigating")
    with discord_container.uow() as uow:
        incident = uow.incidents.by_number(1)
        assert incident is not None
        from opsroom.incident.service import resolve

        resolve(uow, discord_container.ctx, incident, Actor("alice", "api"), "fixed")
        uow.commit()
    drain(discord_container)
    assert channel.parent_id == "100000000000000099"
    everyone = channel.overwrites[GUILD_ID]
    assert int(everyone["deny"]) & (1 << 11), "@everyone may no longer send messages"


def test_a_deleted_thread_is_reported_on_the_timeline(
    discord_driver: DiscordDriver, discord: DiscordContractServer
) -> None:
    discord_driver.command(INCIDENTS_ID, "/inc declare Checkout is slow", user="alice")
    room = discord_driver.room_of(1)
    del discord.guild.channels[room]
    payload, _ = discord_driver.press(INCIDENTS_ID, "resolve", "incident:1", user="alice")
    assert discord_driver.reply_to(payload) == "Alice resolved INC-1"
    discord_driver.container.worker().drain()
    archive = [j for j in jobs(discord_driver.container, "archive")]
    assert [j.status for j in archive] == ["done"], "a deleted room is not archived forever"
    with discord_driver.container.uow() as uow:
        texts = [e.text for e in uow.incidents.timeline(1) if e.kind == "warning"]
    assert any("no longer exists" in text for text in texts)


def test_a_wrong_token_fails_the_job_visibly(
    discord_container: Container, discord: DiscordContractServer
) -> None:
    from pydantic import SecretStr

    settings = discord_container.settings.chat.discord
    assert settings is not None
    settings.bot_token = SecretStr("wrong")
    discord_container.ctx.chat = build_hub(discord_container.settings, discord_container.ctx.clock)
    declare(discord_container)
    discord_container.worker(queues=["chat.discord"]).run_once()
    [create] = jobs(discord_container, "create_room")
    assert "401" in (create.last_error or "")


def test_the_inc_command_registers_with_discord(
    discord_container: Container, discord: DiscordContractServer
) -> None:
    adapter = discord_container.ctx.chat.get("discord").adapter(None)  # type: ignore[arg-type]
    assert isinstance(adapter, DiscordChatAdapter)
    [command] = adapter.register_commands()
    assert command["name"] == "inc" and command["id"]
    assert discord.guild.commands == [command]
