"""A Discord post whose answer is slower than the timeout is retried with the same `nonce`
and `enforce_nonce`, so Discord returns the first message instead of showing it twice; two
jobs posting the same text are still two messages (each job has its own nonce)."""

from __future__ import annotations

import time
from datetime import timedelta

from opsroom.bootstrap import Container
from opsroom.chat import outbox
from opsroom.chat.message import plain
from opsroom.clock import FakeClock
from tests.contract.discord_api import ALERTS_ID
from tests.contract.discord_server import DiscordContractServer
from tests.integration.chat.test_discord_outbound import MESSAGES, clock, drain, jobs

__all__ = ["clock"]


def post_to_alerts(container: Container, text: str) -> None:
    with container.uow() as uow:
        outbox.post(uow, container.ctx, "discord", plain(text), channel=ALERTS_ID)
        uow.commit()


def test_a_slow_post_retried_after_the_timeout_is_shown_once(
    discord_container: Container, discord: DiscordContractServer, clock: FakeClock
) -> None:
    discord.inject(MESSAGES, "slow", delay=3.0)  # longer than the 2 s timeout
    post_to_alerts(discord_container, "Alert 1 fired")
    drain(discord_container)
    [post] = jobs(discord_container, "post")
    assert post.status == "queued" and "timed out" in (post.last_error or "")
    time.sleep(1.5)  # the slow call has made its message by now
    clock.advance(timedelta(seconds=10))
    drain(discord_container)
    assert discord.messages(ALERTS_ID) == ["Alert 1 fired"]
    [post] = jobs(discord_container, "post")
    assert post.status == "done"
    sent = [c for c in discord.calls if c.route == MESSAGES]
    assert len(sent) == 2


def test_the_same_text_from_two_jobs_is_two_messages(
    discord_container: Container, discord: DiscordContractServer, clock: FakeClock
) -> None:
    post_to_alerts(discord_container, "Disk full on db-1")
    post_to_alerts(discord_container, "Disk full on db-1")
    drain(discord_container)
    assert discord.messages(ALERTS_ID) == ["Disk full on db-1", "Disk full on db-1"]
