"""A call the platform refuses for good (a bad user id, a dead interaction token) is given up
at once with a warning on the incident's timeline, and the room's later calls go on; one bad
id in an invite never keeps the valid ones out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from opsroom.bootstrap import Container
from opsroom.chat import outbox
from opsroom.chat.message import ReplyTarget, plain
from opsroom.clock import FakeClock
from opsroom.incident.service import Actor, declare_incident, resolve
from tests.contract.discord_server import DiscordContractServer
from tests.contract.slack_server import SlackContractServer
from tests.integration.chat import test_discord_outbound as discord_out
from tests.integration.chat.test_slack_outbound import drain, slack_jobs


@pytest.fixture
def clock(slack_container: Container) -> FakeClock:
    fake = FakeClock(datetime.now(UTC))
    slack_container.ctx.clock = fake
    return fake


def declare_inviting(container: Container, users: list[str]) -> None:
    with container.uow() as uow:
        declare_incident(
            uow,
            container.ctx,
            title="Checkout is slow",
            severity=2,
            actor=Actor("alice", "api"),
            invite={"slack": users},
        )
        uow.commit()


def warnings(container: Container) -> list[str]:
    with container.uow() as uow:
        entries, _ = uow.incidents.timeline_tail(1, 200)
        return [e.text for e in entries if e.kind == "warning"]


def test_a_bad_invite_id_fails_at_once_and_the_room_goes_on(
    slack_client: object, slack_container: Container, slack: SlackContractServer, clock: FakeClock
) -> None:
    declare_inviting(slack_container, ["bad-user", "U0BOB"])
    drain(slack_container)
    channel = slack.channel_named("inc-1-checkout-is-slow")
    assert "U0BOB" in channel.members  # the valid id is invited all the same
    [invite] = [j for j in slack_jobs(slack_container) if j.payload["op"] == "invite"]
    assert (invite.status, invite.attempts) == ("failed", 1)
    assert "user_not_found" in (invite.last_error or "")
    [warning] = warnings(slack_container)
    assert "invite" in warning and "bad-user" in warning and "user_not_found" in warning
    assert channel.messages, "the summary behind the invite was posted"
    with slack_container.uow() as uow:
        incident = uow.incidents.by_number(1)
        assert incident is not None
        resolve(uow, slack_container.ctx, incident, Actor("alice", "api"), "fixed")
        uow.commit()
    drain(slack_container)
    assert channel.is_archived
    assert {j.status for j in slack_jobs(slack_container) if j.payload["op"] != "invite"} == {
        "done"
    }


def test_a_refused_post_is_not_retried_and_does_not_hold_the_next(
    slack_client: object, slack_container: Container, slack: SlackContractServer, clock: FakeClock
) -> None:
    slack.inject("conversations.setTopic", "not_in_channel")
    declare_inviting(slack_container, [])
    drain(slack_container)
    [topic] = [j for j in slack_jobs(slack_container) if j.payload["op"] == "topic"]
    assert (topic.status, topic.attempts) == ("failed", 1)
    assert any("topic" in w and "not_in_channel" in w for w in warnings(slack_container))
    assert slack.channel_named("inc-1-checkout-is-slow").messages  # the summary went on
    assert len(slack.ok_calls("chat.postMessage")) >= 2  # summary and the announcement


def test_the_configured_invite_list_is_read_when_the_call_is_made(
    slack_client: object, slack_container: Container, slack: SlackContractServer, clock: FakeClock
) -> None:
    platform = slack_container.ctx.chat.get("slack")
    object.__setattr__(platform, "invite", ("U0OLD",))
    declare_inviting(slack_container, [])
    object.__setattr__(platform, "invite", ("U0NEW",))  # fixed in the config before the call
    drain(slack_container)
    members = slack.channel_named("inc-1-checkout-is-slow").members
    assert "U0NEW" in members and "U0OLD" not in members


def test_a_dead_discord_interaction_token_is_given_up_at_once(
    discord_container: Container, discord: DiscordContractServer
) -> None:
    with discord_container.uow() as uow:
        target = ReplyTarget("discord", {"token": "expired-interaction-token"})
        outbox.reply(uow, discord_container.ctx, target, plain("Noted."))
        uow.commit()
    discord_out.drain(discord_container)
    [reply] = discord_out.jobs(discord_container, "reply")
    assert (reply.status, reply.attempts) == ("failed", 1)
    assert "10015" in (reply.last_error or "")
    clock_later = discord_container.ctx.clock.now() + timedelta(hours=1)
    assert reply.finished_at is not None and reply.finished_at < clock_later
