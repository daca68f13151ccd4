"""Retries after a timeout are idempotent: Slack made the channel or took the summary but
opsroom never heard back. The retry adopts our own channel (not `-2`) and finds the
summary already posted (not a second one); a channel someone else made still gets `-2`."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from opsroom.bootstrap import Container
from opsroom.clock import FakeClock
from tests.contract.slack_server import SlackContractServer
from tests.integration.chat.test_slack_outbound import declare, drain, slack_jobs


@pytest.fixture
def clock(slack_container: Container) -> FakeClock:
    fake = FakeClock(datetime.now(UTC))
    slack_container.ctx.clock = fake
    return fake


def incident_channels(slack: SlackContractServer) -> list[str]:
    return sorted(c.name for c in slack.workspace.channels.values() if c.name.startswith("inc-1"))


def retry_after_timeout(container: Container, clock: FakeClock) -> None:
    """The first attempt gave up after the 2 s timeout; Slack answers a second later."""
    drain(container)
    time.sleep(1.5)
    clock.advance(timedelta(seconds=10))
    drain(container)
    clock.advance(timedelta(seconds=10))
    drain(container)


def test_channel_made_by_a_timed_out_create_is_adopted_not_doubled(
    slack_client: object, slack_container: Container, slack: SlackContractServer, clock: FakeClock
) -> None:
    slack.inject("conversations.create", "slow", delay=3.0)  # longer than the 2 s timeout
    declare(slack_container)
    retry_after_timeout(slack_container, clock)
    assert incident_channels(slack) == ["inc-1-checkout-is-slow"]
    channel = slack.channel_named("inc-1-checkout-is-slow")
    with slack_container.uow() as uow:
        row = uow.chat.room_on(1, "slack")
        assert row is not None
        assert (row.name, row.room_id, row.status) == (channel.name, channel.id, "created")
    assert len(channel.messages) == 1  # the summary, once
    assert channel.topic.startswith("INC-1 SEV2")
    assert {j.status for j in slack_jobs(slack_container)} == {"done"}


def test_summary_accepted_by_a_timed_out_post_is_not_posted_twice(
    slack_client: object, slack_container: Container, slack: SlackContractServer, clock: FakeClock
) -> None:
    slack.inject("chat.postMessage", "slow", delay=3.0)
    declare(slack_container)
    retry_after_timeout(slack_container, clock)
    channel = slack.channel_named("inc-1-checkout-is-slow")
    [summary] = [
        j for j in slack_jobs(slack_container) if j.payload["op"] == "post" and "room" in j.payload
    ]
    assert summary.attempts == 2 and "timed out" in (summary.last_error or "")  # the slow one
    assert [m["text"] for m in channel.messages] == [channel.messages[0]["text"]]
    assert channel.messages[0]["text"].startswith("INC-1: Checkout is slow")
    with slack_container.uow() as uow:
        row = uow.chat.room_on(1, "slack")
        assert row is not None and row.summary_id == channel.messages[0]["ts"]
    assert len(slack.messages("C0INCIDENTS")) == 1
    assert {j.status for j in slack_jobs(slack_container)} == {"done"}


def test_a_channel_someone_else_made_is_not_adopted(
    slack_client: object, slack_container: Container, slack: SlackContractServer
) -> None:
    slack.workspace.add_channel("C0OLD", "inc-1-checkout-is-slow")  # creator: not our bot
    declare(slack_container)
    drain(slack_container)
    assert incident_channels(slack) == ["inc-1-checkout-is-slow", "inc-1-checkout-is-slow-2"]
    assert slack.workspace.channels["C0OLD"].messages == []
